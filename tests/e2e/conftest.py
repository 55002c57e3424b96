"""Fixtures for the HTTP tests: the real app on the test's database, organisations, users and tokens."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.cli import main
from api.http.app import create_app
from engine.access import passwords
from engine.access.directory import Directory
from engine.access.policy import Role
from tests.conftest import BPMN

PASSWORD = "salasana-123"

# user name → (role, organisation); the three_lanes.bpmn fixture has lanes Asiakas, SEK and ELY
PEOPLE = {
    "admin": (Role.ADMINISTRATOR, None),
    "omistaja": (Role.PROCESS_OWNER, "SEK"),
    "novago.omistaja": (Role.PROCESS_OWNER, "Novago"),
    "sek.neuvoja": (Role.ADVISOR, "SEK"),
    "sek.toinen": (Role.ADVISOR, "SEK"),
    "ely.neuvoja": (Role.ADVISOR, "Etelä-Pohjanmaan ELY-keskus"),
    "te.neuvoja": (Role.ADVISOR, "TE-toimisto"),
    "asiakas": (Role.CUSTOMER, None),
    "toinen.asiakas": (Role.CUSTOMER, None),
}


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """argon2 with its smallest cost: the tests check who may do what, not the hash's strength."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def directory(kapula) -> Directory:
    d = Directory(kapula.sessions, kapula.clock)
    d.add_organisation("SEK")
    d.add_organisation("Novago")
    d.add_organisation("TE-toimisto")
    # the ELY Centre's lane is called just "ELY" in the diagrams: an explicit mapping
    d.add_organisation("Etelä-Pohjanmaan ELY-keskus", lanes=[(None, "ELY")])
    return d


@pytest.fixture
def tokens(directory) -> dict[str, dict[str, str]]:
    """Authorization headers per user name."""
    out = {}
    for name, (role, org) in PEOPLE.items():
        directory.add_user(name, PASSWORD, role=role, organisation=org)
        out[name] = {"Authorization": f"Bearer {directory.issue_token(name)}"}
    return out


# a browser sends its page's origin with every POST; Kapula refuses state changes without it (CSRF)
ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def cli(database_url):
    """`kapula` on the test's database: cli("load", path) gives click's Result (exceptions not caught)."""
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["--database", database_url, *args], catch_exceptions=False)

    return invoke


@pytest.fixture
def client(kapula):
    with TestClient(create_app(kapula, max_body_bytes=200_000, secret_key="test-secret"), headers=ORIGIN) as c:
        yield c


def csrf_token(client) -> str:
    """The CSRF token of the client's session, read from a page's hidden field as a browser has it."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert match, "the sign-in page carries no CSRF token"
    return match.group(1)


def signin_form(client, username: str, password: str = PASSWORD, next: str = "/") -> dict[str, str]:
    """The sign-in form's fields as the page sends them, the session's CSRF token included."""
    return {"username": username, "password": password, "next": next, "csrf_token": csrf_token(client)}


def upload(client, headers, name="three_lanes.bpmn", *, owner=None):
    files = [("files", (name, (BPMN / name).read_bytes(), "application/xml"))]
    if name == "three_lanes.bpmn":  # its first task names this form; its card offers it to customers
        files.append(("files", ("tarve.json", (BPMN / "tarve.json").read_bytes(), "application/json")))
        files.append(("files", ("three_lanes.card.json", (BPMN / "three_lanes.card.json").read_bytes(), "application/json")))
    return client.post("/api/processes", headers=headers, params={"owner": owner} if owner else None, files=files)
