"""`kapula user …` and `kapula org …`: organisations, their lanes, users and API tokens."""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import click

from api.cli_common import ROW_ID, Context, json_option, pass_ctx, run
from engine.access.policy import Principal, Role
from engine.errors import InvalidDataError
from engine.services import Kapula
from engine.services.accounts import Directory, check_new_user
from engine.services.operations import DEMO_PASSWORD, add_demo_people


def _directory(ctx: Context) -> Directory:
    return Directory(ctx.kapula.sessions, ctx.kapula.clock)


def _parse_lane(text: str) -> tuple[str | None, str]:
    """`LANE` for every process, or `PROCESS_KEY:LANE` for one process. Raises InvalidDataError for an
    empty lane or a colon with nothing on one side (`''`, `':'`, `'KEY:'`)."""
    key, sep, lane = (part.strip() for part in text.partition(":"))
    if sep and key and lane:
        return key, lane
    if sep or not key:
        raise InvalidDataError(
            f"--lane {text!r}: give a lane name (LANE) or a process key and a lane (PROCESS_KEY:LANE)",
            field_errors={"lane": "LANE or PROCESS_KEY:LANE, neither empty"},
        )
    return None, key


@click.group()
def org() -> None:
    """Organisations: their advisors work the lanes that carry the organisation's name."""


@org.command("add")
@click.argument("name")
@click.option(
    "--lane", "lanes", multiple=True, help="A lane of this organisation with another name: LANE or PROCESS_KEY:LANE. Repeatable."
)
@json_option
@pass_ctx
def org_add(ctx: Context, name: str, lanes: tuple[str, ...], as_json: bool) -> None:
    """Add organisation NAME."""
    mapped: list[tuple[str | None, str]] = []

    def action() -> dict[str, Any]:
        mapped.extend(_parse_lane(text) for text in lanes)
        _directory(ctx).add_organisation(name, lanes=mapped)
        return {"organisation": name, "lanes": [{"process_key": k, "lane": lane} for k, lane in mapped]}

    run(
        as_json,
        action,
        lambda r: click.echo(
            f"organisation {name} added"
            + (f"; also works lanes {', '.join(f'{k}:{lane}' if k else lane for k, lane in mapped)}" if mapped else "")
        ),
    )


@org.command("list")
@json_option
@pass_ctx
def org_list(ctx: Context, as_json: bool) -> None:
    """List organisations and their explicitly mapped lanes."""

    def show(result: list[tuple[str, list[tuple[str | None, str]]]]) -> None:
        for name, mapped in result:
            extra = ", ".join(f"{k}:{lane}" if k else lane for k, lane in mapped)
            click.echo(f"{name}" + (f"  (also: {extra})" if extra else ""))

    run(as_json, lambda: _directory(ctx).organisations(), show)


@click.group()
def user() -> None:
    """Users who sign in: administrators, process owners, advisors and customers."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--org", "organisation", help="The organisation (advisors and process owners).")
@click.option("--name", "display_name", help="The name shown on pages.")
@click.option("--password", help="Asked for (twice, not shown) at a terminal; else read as the first line of stdin.")
@json_option
@pass_ctx
def user_add(
    ctx: Context,
    username: str,
    role: str,
    organisation: str | None,
    display_name: str | None,
    password: str | None,
    as_json: bool,
) -> None:
    """Add user USERNAME (the password is stored as an argon2 hash)."""

    def action() -> dict[str, Any]:
        check_new_user(username, password, role=Role(role), organisation=organisation)  # before asking for a password
        p = _directory(ctx).add_user(
            username,
            _new_password() if password is None else password,
            role=Role(role),
            organisation=organisation,
            display_name=display_name,
        )
        return {"username": p.username, "role": p.role.value, "organisation": p.organisation}

    run(
        as_json,
        action,
        lambda r: click.echo(
            f"user {r['username']} added: {r['role']}" + (f" of {r['organisation']}" if r["organisation"] else "")
        ),
    )


def _new_password() -> str:
    """Asked for twice without echo at a terminal; from a pipe, its first line (getpass would warn
    that it cannot hide the input, and a script has nothing to hide it from)."""
    stdin = sys.stdin
    if stdin.isatty():
        answer: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return answer
    line = stdin.readline()
    if not line:
        raise InvalidDataError(
            "no password: give --password, type it at a terminal or pipe it on stdin", field_errors={"password": "required"}
        )
    return line.rstrip("\r\n")


@user.command("list")
@json_option
@pass_ctx
def user_list(ctx: Context, as_json: bool) -> None:
    """List users with their role and organisation."""

    def show(result: list[Principal]) -> None:
        for p in result:
            click.echo(f"{p.username:24} {p.role.value:14} {p.organisation or '-'}")

    run(as_json, lambda: _directory(ctx).users(), show)


def _expiry(text: str | None, now: datetime) -> datetime | None:
    """`--expires`: days (`30d`, ISO 8601 `P30D`), a date (`2027-01-31`, the end of that day UTC)
    or a time with zone (`2027-01-31T12:00:00+02:00`). Raises InvalidDataError."""
    if text is None:
        return None
    days = re.fullmatch(r"(?:P(\d{1,4})D|(\d{1,4})d)", text.strip())
    if days:
        return now + timedelta(days=int(days.group(1) or days.group(2)))
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            return datetime.combine(date.fromisoformat(text.strip()), time.max, tzinfo=UTC)
        return datetime.fromisoformat(text.strip())
    except ValueError:
        pass
    raise InvalidDataError(
        f"--expires {text!r}: give days (90d or P90D), a date (2027-01-31) or a time with its zone",
        field_errors={"expires": "not a duration, date or time"},
    )


@user.command("token")
@click.argument("username")
@click.option("--name", default="api", show_default=True, help="What the token is for.")
@click.option(
    "--expires", help="When it stops working: 90d / P90D, a date 2027-01-31, or a time with zone. Default 90 days, at most 366."
)
@json_option
@pass_ctx
def user_token(ctx: Context, username: str, name: str, expires: str | None, as_json: bool) -> None:
    """Create an API token for USERNAME; it is shown once (only its hash is kept)."""

    def action() -> dict[str, Any]:
        directory = _directory(ctx)
        token, info = directory.new_token(username, name=name, expires_at=_expiry(expires, directory.now()))
        return {"token": token, "id": info.id, "expires_at": info.expires_at.isoformat()}

    run(as_json, action, lambda r: click.echo(r["token"]))


@user.command("tokens")
@click.argument("username", required=False)
@json_option
@pass_ctx
def user_tokens(ctx: Context, username: str | None, as_json: bool) -> None:
    """List the API tokens of USERNAME (everyone's without it): id, user, name, expiry, status."""

    def action() -> list[dict[str, Any]]:
        directory = _directory(ctx)
        now = directory.now()
        return [
            {
                "id": t.id,
                "username": t.username,
                "name": t.name,
                "created_at": t.created_at.isoformat(),
                "expires_at": t.expires_at.isoformat(),
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
                "status": t.status(now),
            }
            for t in directory.tokens(username)
        ]

    def show(rows: list[dict[str, Any]]) -> None:
        for t in rows:
            click.echo(f"{t['id']:>6}  {t['username']:24} {t['name']:16} expires {t['expires_at'][:16]}  {t['status']}")

    run(as_json, action, show)


@user.command("revoke")
@click.argument("token_id", type=ROW_ID)
@json_option
@pass_ctx
def user_revoke(ctx: Context, token_id: int, as_json: bool) -> None:
    """Revoke the API token TOKEN_ID (from `kapula user tokens`): it stops working at once."""

    def action() -> dict[str, Any]:
        t = _directory(ctx).revoke_token(token_id)
        return {
            "id": t.id,
            "username": t.username,
            "name": t.name,
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        }

    run(as_json, action, lambda r: click.echo(f"token {r['id']} ({r['name']}) of {r['username']} revoked"))


@user.command("disable")
@click.argument("username")
@json_option
@pass_ctx
def user_disable(ctx: Context, username: str, as_json: bool) -> None:
    """Disable USERNAME: sessions end at once, API tokens stop working, sign-in is refused."""
    _set_disabled(ctx, username, True, as_json)


@user.command("enable")
@click.argument("username")
@json_option
@pass_ctx
def user_enable(ctx: Context, username: str, as_json: bool) -> None:
    """Enable a disabled USERNAME again."""
    _set_disabled(ctx, username, False, as_json)


def _set_disabled(ctx: Context, username: str, disabled: bool, as_json: bool) -> None:
    def action() -> dict[str, Any]:
        _directory(ctx).set_disabled(username, disabled)
        return {"username": username, "disabled": disabled}

    run(as_json, action, lambda r: click.echo(f"user {username} {'disabled' if disabled else 'enabled'}"))


def show_demo_people(kapula: Kapula, *, quiet: bool) -> None:
    """Create the demo organisations and users (once) and print their sign-in names."""
    people = add_demo_people(kapula)
    if quiet:
        return
    click.echo(f"\nsign in with these names, password `{DEMO_PASSWORD}`:")
    for p in people:
        what = p.role.value.replace("_", " ") + (f" of {p.organisation}" if p.organisation else "")
        click.echo(f"  {p.username:26} {what}")
