"""The `kapula` command line: a thin adapter over engine.services."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import NotRequired, TypedDict

import click

from api.cli_audit import access_log, erase
from api.cli_common import CLI_LOCALE, ROW_ID, Context, FiniteFloat, json_option, parse_data, pass_ctx, run
from api.cli_db import db
from api.cli_metrics import docs_command, export_command, metrics_command
from api.cli_migrate import migrate
from api.cli_serve import serve
from api.cli_test import run_scenarios
from api.cli_users import org, show_demo_people, user
from api.error_table import ERRORS
from engine import display
from engine.errors import InvalidDataError, KapulaError, documentation_only
from engine.model import CaseNote, CaseStatus, CaseView, DeployResult, Event, Handoff, ProcessVersion, StageDuration, TaskView
from engine.services.operations import demo_clock, run_demo, upload_bundles
from engine.services.results import DemoReport
from engine.settings import network_time_zone


class _History(TypedDict):
    """A case's timeline as `kapula history` prints it and its --json writes it (the demo's has no notes)."""

    events: tuple[Event, ...]
    stages: tuple[StageDuration, ...]
    handoffs: tuple[Handoff, ...]
    lead_time: timedelta | None
    notes: NotRequired[tuple[CaseNote, ...]]


class _TimerRound(TypedDict):
    """One round of `kapula tick` as its --json writes it: how many cases moved, the ids of those
    that failed, how many kept messages went to cases already waiting for them, the ids of the
    cases that failed on one, how many expired kept messages were deleted."""

    cases_moved: int
    cases_failed: list[int]
    messages_handed: int
    cases_failed_on_messages: list[int]
    messages_expired: int


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--database", envvar="KAPULA_DATABASE_URL", help="Database URL (default: sqlite:///kapula.db).")
@click.pass_context
def main(ctx: click.Context, database: str | None) -> None:
    """Kapula: run swimlane BPMN processes as live cases and see every handoff."""
    try:
        network_time_zone()  # a bad setting is one readable line before any command, not a traceback in one
    except KapulaError as exc:
        click.echo(f"error: {exc.message}", err=True)
        ctx.exit(ERRORS[InvalidDataError].exit_code)
    ctx.obj = Context(database)
    ctx.call_on_close(ctx.obj.close)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--owner", help="The organisation that owns new process keys (required when there are several).")
@json_option
@pass_ctx
def load(ctx: Context, files: tuple[Path, ...], owner: str | None, as_json: bool) -> None:
    """Deploy BPMN FILES (or every .bpmn of a folder) as new versions of their processes.

    Each model goes with its process card, the decision tables next to it that it uses and the
    forms it names (from the forms/ folder beside its folder, or next to it); DMN, form and card
    files named here join the models that use them. A folder stands for its .bpmn files only; a
    shell glob names each file it matches. When you name any .dmn file, only the .dmn files you
    name are loaded: no other decision table is picked up from the models' folders."""

    def show(result: DeployResult) -> None:
        for version, created in zip(result.versions, result.created, strict=True):
            what = "new version" if created else "unchanged"
            click.echo(f"{version.key} v{version.version} ({what}): {version.name} — lanes: {', '.join(version.actors)}")
            if version.issues:
                click.echo(f"  {documentation_only(version.issues)}:")
                for issue in version.issues:
                    click.echo(f"    - {issue}")

    def action() -> DeployResult:
        bundles = upload_bundles(list(files))
        if not bundles:  # folders without a .bpmn file: it printed nothing and exited 0, as if it had loaded
            raise click.BadParameter(f"no .bpmn file in {', '.join(str(f) for f in files)}", param_hint="'FILES...'")
        return ctx.kapula.deploy_bundles(bundles, caller=ctx.caller(), owner=owner)

    run(as_json, action, show)


@main.command()
@json_option
@pass_ctx
def processes(ctx: Context, as_json: bool) -> None:
    """List the deployed processes (latest version of each)."""

    def show(result: list[ProcessVersion]) -> None:
        if not result:
            click.echo("no processes deployed; use `kapula load FILE.bpmn`")
        for p in result:
            note = f"  ({documentation_only(p.issues)})" if p.issues else ""
            click.echo(f"{p.key:30} v{p.version:<3} {p.name}  [{', '.join(p.actors)}]{note}")

    run(as_json, lambda: ctx.kapula.processes(caller=ctx.caller()), show)


@main.command()
@click.argument("key")
@click.option("--data", help="Initial case data as a JSON object.")
@click.option("--user", help="Who starts the case: an existing user (default: the operator, as an administrator).")
@json_option
@pass_ctx
def start(ctx: Context, key: str, data: str | None, user: str | None, as_json: bool) -> None:
    """Start a case of process KEY (its latest version)."""
    parsed = parse_data(data)
    run(as_json, lambda: ctx.kapula.start_case(key, parsed, caller=ctx.caller(user)), _show_case)


@main.command()
@click.option("--lane", help="Only tasks of this lane.")
@click.option("--case", "case_id", type=ROW_ID, help="Only tasks of this case.")
@click.option("--process", "process_key", help="Only tasks of this process key.")
@click.option("--user", help="Only the tasks this existing user sees (default: the operator sees all).")
@json_option
@pass_ctx
def tasks(ctx: Context, lane: str | None, case_id: int | None, process_key: str | None, user: str | None, as_json: bool) -> None:
    """List ready user tasks."""

    def show(result: list[TaskView]) -> None:
        if not result:
            click.echo("no ready tasks")
        for t in result:
            click.echo(f"{t.id}  case {t.case_id:<5} {t.lane or '-':20} {t.name}  ({t.process_key} v{t.version})")

    run(
        as_json,
        lambda: ctx.kapula.ready_tasks(lane=lane, case_id=case_id, process_key=process_key, caller=ctx.caller(user)),
        show,
    )


@main.command()
@click.argument("task_id")
@click.option("--data", help="The task's form data as a JSON object.")
@click.option("--user", help="Who completes the task: an existing user (default: the operator, as an administrator).")
@json_option
@pass_ctx
def complete(ctx: Context, task_id: str, data: str | None, user: str | None, as_json: bool) -> None:
    """Complete the ready user task TASK_ID; the case runs on until it waits."""
    parsed = parse_data(data)
    run(as_json, lambda: ctx.kapula.complete_task(task_id, parsed, caller=ctx.caller(user)), _show_case)


@main.command()
@click.argument("name")
@click.option("--case", "case_id", type=click.IntRange(1, 2**31 - 1), help="The case the message is for.")
@click.option(
    "--correlation",
    help='Instead of --case: the values of the diagram\'s correlation keys as a JSON object, e.g. {"application": "A-1"}.',
)
@click.option("--data", help="The message's data as a JSON object; it is merged into the case's data.")
@click.option("--user", help="Who sends it: an existing user (default: the operator, as an administrator).")
@json_option
@pass_ctx
def message(
    ctx: Context, name: str, case_id: int | None, correlation: str | None, data: str | None, user: str | None, as_json: bool
) -> None:
    """Send message NAME to a case that waits for it (a message catch event, receive task, boundary
    event or event-based gateway); the case runs on until it waits.

    Errors name the element: a case that does not wait for NAME now (exit code 5), a NAME its
    process never receives, data over the limits or, from a customer (--user), any data: the
    receiving element has no form (exit code 6), no such case (exit code 4),
    not yours to send (exit code 9)."""
    parsed = parse_data(data)
    keys = parse_data(correlation, param_hint="--correlation") if correlation is not None else None
    run(
        as_json,
        lambda: ctx.kapula.send_message(name, case_id=case_id, correlation=keys, data=parsed, caller=ctx.caller(user)),
        _show_case,
    )


@main.command()
@click.argument("case_id", type=ROW_ID)
@click.option("--reason", required=True, help="Why the case is cancelled (kept in the access log, shown in the case's timeline).")
@click.option("--user", help="Who cancels the case: an existing user (default: the operator, as an administrator).")
@json_option
@pass_ctx
def cancel(ctx: Context, case_id: int, reason: str, user: str | None, as_json: bool) -> None:
    """Cancel the running case CASE_ID, saying why."""
    run(as_json, lambda: ctx.kapula.cancel_case(case_id, reason=reason, caller=ctx.caller(user)), _show_case)


@main.command()
@click.argument("case_id", type=ROW_ID)
@click.option("--data", help="Fixed case data as a JSON object, handed to the step before it runs again.")
@click.option("--user", help="Who retries: an existing user (default: the operator, as an administrator).")
@json_option
@pass_ctx
def retry(ctx: Context, case_id: int, data: str | None, user: str | None, as_json: bool) -> None:
    """Run the failed step of case CASE_ID again (after fixing its data with --data, or moving it to
    a fixed version with `kapula migrate`). If the step fails again the case stays failed (exit 7)."""
    parsed = parse_data(data)
    run(as_json, lambda: ctx.kapula.retry_case(case_id, parsed, caller=ctx.caller(user)), _show_case)


@main.command()
@click.argument("case_id", type=ROW_ID)
@json_option
@pass_ctx
def history(ctx: Context, case_id: int, as_json: bool) -> None:
    """Show a case's timeline: each step with its lane, stage durations and handoffs."""

    def action() -> _History:
        t = ctx.kapula.timeline(case_id, caller=ctx.caller())
        return {"events": t.events, "stages": t.stages, "handoffs": t.handoffs, "lead_time": t.lead_time, "notes": t.notes}

    run(as_json, action, _show_history)


@main.command()
@click.option("--every", type=FiniteFloat(min=0.1), help="Keep running: look for due timers every SECONDS.")
@click.option("--rounds", type=click.IntRange(min=1), help="With --every: stop after this many rounds.")
@json_option
@pass_ctx
def tick(ctx: Context, every: float | None, rounds: int | None, as_json: bool) -> None:
    """Fire the timers that are due now and delete expired kept messages (once, or every SECONDS with --every)."""

    def show(r: _TimerRound) -> None:
        click.echo(f"{r['cases_moved']} case(s) moved by due timers")
        if r["cases_failed"]:
            ids = ", ".join(map(str, r["cases_failed"]))
            click.echo(f"{len(r['cases_failed'])} case(s) failed at their timer step: {ids} (see `kapula cases --status failed`)")
        if r["messages_handed"]:
            click.echo(f"{r['messages_handed']} kept message(s) handed to cases already waiting for them")
        if r["cases_failed_on_messages"]:
            ids = ", ".join(map(str, r["cases_failed_on_messages"]))
            click.echo(
                f"{len(r['cases_failed_on_messages'])} case(s) failed on a kept message: {ids} (see `kapula cases --status failed`)"
            )
        if r["messages_expired"]:
            click.echo(f"{r['messages_expired']} expired kept message(s) deleted")

    def once() -> None:
        def action() -> _TimerRound:
            done = ctx.kapula.fire_due_timers_round()
            return {
                "cases_moved": done.moved,
                "cases_failed": list(done.failed),
                "messages_handed": done.messages_handed,
                "cases_failed_on_messages": list(done.failed_on_messages),
                "messages_expired": done.messages_expired,
            }

        run(as_json, action, show)

    once()
    done = 1
    while every is not None and (rounds is None or done < rounds):
        time.sleep(every)
        once()
        done += 1


@main.command()
@click.option(
    "--models",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    show_default="bpmn",
    help="Folder of .bpmn/.dmn models and demo_cases.json.",
)
@json_option
@pass_ctx
def demo(ctx: Context, models: Path | None, as_json: bool) -> None:
    """Deploy the models in bpmn/ and run demo cases on a simulated clock, then show one timeline."""
    if models is None:  # as `kapula test`: a missing default is not an option the user gave
        models = Path("bpmn")
        if not models.is_dir():
            raise click.UsageError(
                f"no models: the default models folder 'bpmn' is not in {Path.cwd()}; name the folder with --models"
            )
    clock = demo_clock()
    kapula = ctx.open(clock=clock)
    progress = (lambda _msg: None) if as_json else (lambda msg: click.echo(msg, err=True))

    def show(report: DemoReport) -> None:
        click.echo("")
        for p in report.deployed:
            click.echo(f"process {p.key} v{p.version}: {p.name} [{', '.join(p.actors)}]")
        for case in report.cases:
            click.echo(f"case {case.id}: {case.status.value}; waits for: {_waits_for(case)}")
        if report.cases:
            click.echo(f"\ntimeline of case {report.cases[0].id}:")
            t = kapula.timeline(report.cases[0].id)
            _show_history({"events": t.events, "stages": t.stages, "handoffs": t.handoffs, "lead_time": t.lead_time})
        click.echo("\nnext: `kapula tasks`, `kapula complete TASK_ID --data '{...}'`, `kapula history CASE_ID`, `kapula --help`")

    run(as_json, lambda: run_demo(kapula, clock, models, progress=progress), show)
    show_demo_people(kapula, quiet=as_json)


@main.command()
@click.option("--process", "process_key", help="Only cases of this process key.")
@click.option("--status", type=click.Choice([s.value for s in CaseStatus]), help="Only cases in this state.")
@json_option
@pass_ctx
def cases(ctx: Context, process_key: str | None, status: str | None, as_json: bool) -> None:
    """List cases, newest first."""

    def show(result: list[CaseView]) -> None:
        if not result:
            click.echo("no cases")
        for case in result:
            if case.incident is not None:
                click.echo(
                    f"case {case.id:<5} {case.process_key} v{case.version} {case.status.value:10} {case.incident.describe()}"
                )
                continue
            click.echo(
                f"case {case.id:<5} {case.process_key} v{case.version} {case.status.value:10} waits for: {_waits_for(case)}"
            )

    run(
        as_json,
        lambda: ctx.kapula.cases(process_key=process_key, status=CaseStatus(status) if status else None, caller=ctx.caller()),
        show,
    )


def _show_case(case: CaseView) -> None:
    click.echo(f"case {case.id} of {case.process_key} v{case.version}: {case.status.value}")
    if case.incident is not None:
        click.echo(f"  {case.incident.describe()}")
        click.echo(f"  fix the data or the version, then: kapula retry {case.id}")
    for t in case.ready_tasks:
        click.echo(f"  waits for {t.lane or '-'}: {t.name}  (task {t.id})")
    for e in case.waiting_for:
        click.echo(f"  waits for {e.describe()}")
    if case.next_timer_due:
        click.echo(f"  next timer due {display.stamp(case.next_timer_due)} ({display.time_zone().key})")


def _waits_for(case: CaseView) -> str:
    """The ready tasks with their lanes, then the events (timers with due times, messages by name)."""
    parts = [f"{t.name} [{t.lane}]" for t in case.ready_tasks] + [e.describe() for e in case.waiting_for]
    return ", ".join(parts) or "-"


def _show_history(result: _History) -> None:
    click.echo(f"times in {display.time_zone().key} (KAPULA_TIME_ZONE)")
    for e in result["events"]:
        what = e.lifecycle.value.replace("_", " ")
        element = f" {e.element_name or e.element_id}" if e.element_id else ""
        lane = f" [{e.lane}]" if e.lane else ""
        by = f" by {e.user}" if e.user else ""
        click.echo(f"{e.seq:>4} {display.stamp(e.at)}  {what}{element}{lane}{by}")
    if result["handoffs"]:
        click.echo("handoffs:")
        for h in result["handoffs"]:
            picked = f", picked up after {_span(h.pickup_time)}" if h.pickup_time is not None else ", not picked up yet"
            click.echo(f"  {display.stamp(h.at)}  {h.from_lane} -> {h.to_lane} ({h.element_id}{picked})")
    if result["stages"]:
        click.echo("stages:")
        for s in result["stages"]:
            click.echo(f"  {s.name or s.element_id:30} [{s.lane or '-'}] {_span(s.duration)}")
    if result["lead_time"] is not None:
        click.echo(f"lead time: {_span(result['lead_time'])}")
    for n in result.get("notes", ()):
        click.echo(f"{n.action} by {n.user} at {display.stamp(n.at)}: {n.reason}")


def _span(value: timedelta | float | None) -> str:
    return display.duration(value, CLI_LOCALE)


for command in (run_scenarios, metrics_command, export_command, docs_command, org, user, serve, db, access_log, erase, migrate):
    main.add_command(command)

if __name__ == "__main__":  # python -m api.cli
    main()
