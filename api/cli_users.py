"""`kapula user …` and `kapula org …`: organisations, their lanes, users and API tokens."""

from __future__ import annotations

from typing import Any

import click

from api.cli import Context, json_option, pass_ctx, run
from engine.access.directory import Directory
from engine.access.policy import Role
from engine.demo_people import DEMO_PASSWORD, add_demo_people
from engine.services import Kapula


def _directory(ctx: Context) -> Directory:
    return Directory(ctx.kapula.sessions, ctx.kapula.clock)


def _parse_lane(text: str) -> tuple[str | None, str]:
    """`LANE` for every process, or `PROCESS_KEY:LANE` for one process."""
    key, sep, lane = text.partition(":")
    return (key, lane) if sep and key and lane else (None, text)


@click.group()
def org() -> None:
    """Organisations: their advisors work the lanes that carry the organisation's name."""


@org.command("add")
@click.argument("name")
@click.option("--lane", "lanes", multiple=True, help="A lane of this organisation with another name: LANE or PROCESS_KEY:LANE. Repeatable.")
@json_option
@pass_ctx
def org_add(ctx: Context, name: str, lanes: tuple[str, ...], as_json: bool) -> None:
    """Add organisation NAME."""
    mapped = [_parse_lane(text) for text in lanes]

    def action() -> dict[str, Any]:
        _directory(ctx).add_organisation(name, lanes=mapped)
        return {"organisation": name, "lanes": [{"process_key": k, "lane": lane} for k, lane in mapped]}

    run(as_json, action, lambda r: click.echo(f"organisation {name} added" + (f"; also works lanes {', '.join(lanes)}" if lanes else "")))


@org.command("list")
@json_option
@pass_ctx
def org_list(ctx: Context, as_json: bool) -> None:
    """List organisations and their explicitly mapped lanes."""

    def show(result: Any) -> None:
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
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Asked for when not given.")
@json_option
@pass_ctx
def user_add(ctx: Context, username: str, role: str, organisation: str | None, display_name: str | None,
             password: str, as_json: bool) -> None:
    """Add user USERNAME (the password is stored as an argon2 hash)."""

    def action() -> dict[str, Any]:
        p = _directory(ctx).add_user(username, password, role=Role(role), organisation=organisation, display_name=display_name)
        return {"username": p.username, "role": p.role.value, "organisation": p.organisation}

    run(as_json, action, lambda r: click.echo(f"user {r['username']} added: {r['role']}" + (f" of {r['organisation']}" if r["organisation"] else "")))


@user.command("list")
@json_option
@pass_ctx
def user_list(ctx: Context, as_json: bool) -> None:
    """List users with their role and organisation."""

    def show(result: Any) -> None:
        for p in result:
            click.echo(f"{p.username:24} {p.role.value:14} {p.organisation or '-'}")

    run(as_json, lambda: _directory(ctx).users(), show)


@user.command("token")
@click.argument("username")
@click.option("--name", default="api", show_default=True, help="What the token is for.")
@json_option
@pass_ctx
def user_token(ctx: Context, username: str, name: str, as_json: bool) -> None:
    """Create an API token for USERNAME; it is shown once (only its hash is kept)."""
    run(as_json, lambda: {"token": _directory(ctx).issue_token(username, name=name)}, lambda r: click.echo(r["token"]))


def show_demo_people(kapula: Kapula, *, quiet: bool) -> None:
    """Create the demo organisations and users (once) and print their sign-in names."""
    people = add_demo_people(kapula)
    if quiet:
        return
    click.echo(f"\nsign in with these names, password `{DEMO_PASSWORD}`:")
    for p in people:
        what = p.role.value.replace("_", " ") + (f" of {p.organisation}" if p.organisation else "")
        click.echo(f"  {p.username:26} {what}")
