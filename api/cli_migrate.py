"""`kapula migrate`: move running cases of a process to another version (docs/migration.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from api.cli_common import ROW_ID, VERSION, Context, json_option, pass_ctx, run
from engine.errors import InvalidDataError
from engine.services.migration import MigrationReport


def _read_plan(path: Path | None) -> dict[str, str] | None:
    """The explicit element mappings of a plan file: a JSON object {"old element id": "new element id"}."""
    if path is None:
        return None
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidDataError(f"{path}: not a readable JSON plan ({exc})", field_errors={"plan": str(exc)}) from exc
    mapping = plan.get("mappings", plan) if isinstance(plan, dict) else None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise InvalidDataError(
            f'{path}: a plan is a JSON object of element ids, {{"Task_old": "Task_new"}}',
            field_errors={"plan": "expected an object of element id → element id"},
        )
    return mapping


def _show(report: MigrationReport) -> None:
    verb = "would move" if report.dry_run else "moved"
    for case in report.cases:
        if case.skipped:
            click.echo(f"case {case.case_id}: skipped — {case.skipped}")
        elif not case.moves:
            click.echo(f"case {case.case_id}: cannot move — {'; '.join(case.reasons)}")
        else:
            click.echo(f"case {case.case_id}: {'moves' if report.dry_run else 'moved'}")
    count = sum(c.moves for c in report.cases) if report.dry_run else report.moved
    click.echo(
        f"{report.key} v{report.from_version} → v{report.to_version}: {verb} {count} of {len(report.cases)} "
        f"running case(s); {report.blocked} cannot move, {report.skipped} skipped"
    )
    for old, new in report.suggested.items():
        click.echo(f"suggestion: map {old} → {new} (an element at the same place in the new version)")


@click.command("migrate")
@click.argument("key")
@click.option("--from", "from_version", type=VERSION, required=True, help="The version the cases are on.")
@click.option("--to", "to_version", type=VERSION, required=True, help="The version to move them to.")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help='A JSON file of explicit mappings for renamed or split elements: {"Task_old": "Task_new"}.',
)
@click.option("--case", "case_ids", type=ROW_ID, multiple=True, help="Only this case (repeatable); default: every running case.")
@click.option("--dry-run", is_flag=True, help="Only say, per case, whether it moves and why not; change nothing.")
@click.option("--revert", is_flag=True, help="Move cases back to the version they came from, if they have not moved on.")
@click.option(
    "--user", help="Who migrates: an existing process owner or administrator (default: the operator, as an administrator)."
)
@json_option
@pass_ctx
def migrate(
    ctx: Context,
    key: str,
    from_version: int,
    to_version: int,
    plan_file: Path | None,
    case_ids: tuple[int, ...],
    dry_run: bool,
    revert: bool,
    user: str | None,
    as_json: bool,
) -> None:
    """Move the running cases of process KEY from one version to another, each case in its own
    transaction; claims, ready times and data are kept and each move is logged (docs/migration.md)."""

    def progress(done: int, total: int) -> None:
        if not as_json and (done == total or done % 50 == 0):
            click.echo(f"… {done}/{total}", err=True)

    run(
        as_json,
        lambda: ctx.kapula.migrate_cases(
            key,
            from_version=from_version,
            to_version=to_version,
            mapping=_read_plan(plan_file),
            case_ids=list(case_ids) or None,
            dry_run=dry_run,
            revert=revert,
            caller=ctx.caller(user),
            progress=progress,
        ),
        _show,
    )
