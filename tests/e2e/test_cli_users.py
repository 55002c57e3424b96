"""`kapula org …` and `kapula user …`: organisations with mapped lanes, users, tokens that sign in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from engine.access.directory import Directory
from engine.bootstrap import open_kapula
from engine.errors import InvalidDataError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(database_url, quick_hashes):
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, ["--database", database_url, *args], input=input, catch_exceptions=False)

    return invoke


def test_org_and_user_add_then_the_token_signs_in(cli, database_url):
    assert cli("org", "add", "Etelä-Pohjanmaan ELY-keskus", "--lane", "ELY", "--lane", "Suupohja:ELY-keskus").exit_code == 0
    listed = cli("org", "list", "--json")
    assert json.loads(listed.output) == [["Etelä-Pohjanmaan ELY-keskus", [[None, "ELY"], ["Suupohja", "ELY-keskus"]]]]

    added = cli(
        "user", "add", "ely.neuvoja", "--role", "advisor", "--org", "Etelä-Pohjanmaan ELY-keskus", "--password", "salasana-123"
    )
    assert added.exit_code == 0 and "advisor of Etelä-Pohjanmaan ELY-keskus" in added.output
    # the password is asked for (twice) when not given
    prompted = cli("user", "add", "asiakas", "--role", "customer", input="salasana-456\nsalasana-456\n")
    assert prompted.exit_code == 0, prompted.output
    assert "asiakas" in cli("user", "list").output

    token = cli("user", "token", "ely.neuvoja").output.strip()
    kapula = open_kapula(database_url)
    try:
        directory = Directory(kapula.sessions, kapula.clock)
        assert directory.principal_for_token(token).organisation == "Etelä-Pohjanmaan ELY-keskus"
        assert directory.authenticate("asiakas", "salasana-456").role.value == "customer"
    finally:
        kapula.close()


def test_refusals_are_readable_with_exit_codes(cli):
    no_org = cli("user", "add", "x", "--role", "advisor", "--password", "salasana-123")
    assert no_org.exit_code == 6 and "organisation: an advisor belongs to an organisation" in no_org.output
    missing = cli("user", "add", "x", "--role", "advisor", "--org", "Nope", "--password", "salasana-123")
    assert missing.exit_code == 4
    cli("org", "add", "SEK")
    assert cli("org", "add", "SEK").exit_code == 5


@pytest.mark.parametrize("bad", ["", " ", ":", "Suupohja:", ":ELY"])
def test_an_empty_lane_is_refused_naming_the_value(cli, bad):
    r = cli("org", "add", "Y", "--lane", "ELY", "--lane", bad)
    assert r.exit_code == 6 and f"--lane {bad!r}" in r.output and "PROCESS_KEY:LANE" in r.output, r.output
    assert cli("org", "list", "--json").output.strip() == "[]"  # nothing added
    assert "also works lanes ELY, Suupohja:ELY" in cli("org", "add", "Y", "--lane", " ELY ", "--lane", "Suupohja:ELY").output


def test_the_directory_refuses_a_blank_lane_too(database_url, quick_hashes):
    kapula = open_kapula(database_url)
    try:
        directory = Directory(kapula.sessions, kapula.clock)
        with pytest.raises(InvalidDataError, match="lane ' '"):
            directory.add_organisation("Y", lanes=[(None, " ")])
        directory.add_organisation("Y")
        with pytest.raises(InvalidDataError, match="process key ''"):
            directory.map_lane("Y", "ELY", process_key="")
        assert directory.organisations() == [("Y", [])]
    finally:
        kapula.close()


def test_a_bad_name_or_role_is_refused_before_the_password_is_asked_for(cli):
    evil = cli("user", "add", "evil<b>", "--role", "advisor", "--org", "SEK")  # no input: a prompt would fail
    assert evil.exit_code == 6 and "username: letters, digits" in evil.output and "Password" not in evil.output
    role = cli("user", "add", "x", "--role", "boss")
    assert role.exit_code == 2 and "'boss' is not one of" in role.output and "Password" not in role.output
    no_org = cli("user", "add", "x", "--role", "advisor")
    assert no_org.exit_code == 6 and "organisation" in no_org.output and "Password" not in no_org.output
    empty = cli("user", "add", "x", "--role", "customer", input="")
    assert empty.exit_code == 6 and "no password" in empty.output


def test_a_piped_password_is_read_without_getpass_warning(database_url, quick_hashes):
    """Piped, the password is stdin's first line: no 'GetPassWarning: Can not control echo on the terminal.'"""
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "--database", database_url, "user", "add", "piped", "--role", "customer"],
        input="salasana-789\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 0 and "user piped added: customer" in done.stdout, done.stderr
    assert done.stderr == ""
    kapula = open_kapula(database_url)
    try:
        assert Directory(kapula.sessions, kapula.clock).authenticate("piped", "salasana-789").username == "piped"
    finally:
        kapula.close()
