"""The command line acts as a principal: `--user` names an existing user held to the access rules,
the operator's commands run as an administrator, and both are in the access log (issue 13)."""

from __future__ import annotations

import getpass
import json

from tests.conftest import BPMN


def _people(cli):
    for org in ("SEK", "Novago"):
        assert cli("org", "add", org).exit_code == 0
    for name, role, org in (("sek.neuvoja", "advisor", "SEK"), ("asiakas", "customer", None)):
        args = ["user", "add", name, "--role", role, "--password", "salasana-123"] + (["--org", org] if org else [])
        assert cli(*args).exit_code == 0


def test_load_names_the_owner_when_there_are_several_organisations(cli):
    _people(cli)
    refused = cli("load", str(BPMN / "three_lanes.bpmn"))
    assert refused.exit_code == 6 and "--owner" in refused.output
    assert cli("load", str(BPMN / "three_lanes.bpmn"), "--owner", "Nobody").exit_code == 4
    assert cli("load", str(BPMN / "three_lanes.bpmn"), "--owner", "SEK").exit_code == 0
    log = json.loads(cli("access-log", "--user", getpass.getuser(), "--json").output)
    assert [(e["action"], e["process_key"], e["origin"]) for e in log] == [("deploy", "Handoff_demo", "kapula load")]


def test_user_must_exist_and_is_held_to_the_rules(cli):
    _people(cli)
    cli("load", str(BPMN / "three_lanes.bpmn"), "--owner", "SEK")
    ghost = cli("start", "Handoff_demo", "--user", "ghost")
    assert ghost.exit_code == 4 and "ghost" in ghost.output
    started = json.loads(cli("start", "Handoff_demo", "--user", "asiakas", "--json").output)
    describe = started["ready_tasks"][0]["id"]
    # an advisor does not work the customer's lane of a case a customer user started
    refused = cli("complete", describe, "--user", "sek.neuvoja", "--data", '{"need": "kasvu"}')
    assert refused.exit_code == 9 and "error:" in refused.output
    done = json.loads(cli("complete", describe, "--user", "asiakas", "--data", '{"need": "kasvu"}', "--json").output)
    sek_task = done["ready_tasks"][0]["id"]
    assert cli("complete", sek_task, "--user", "asiakas", "--data", "{}").exit_code == 9
    assert sek_task in cli("tasks", "--user", "sek.neuvoja").output
    assert sek_task not in cli("tasks", "--user", "asiakas").output

    log = json.loads(cli("access-log", "--case", str(started["id"]), "--json").output)
    assert [(e["user"], e["action"], bool(e["refused"])) for e in log] == [
        ("asiakas", "start", False),
        ("sek.neuvoja", "complete", True),
        ("asiakas", "complete", False),
        ("asiakas", "complete", True),
    ]
    assert {e["origin"] for e in log} == {"kapula start", "kapula complete"}


def test_the_operator_acts_as_an_administrator_and_is_logged(cli):
    cli("load", str(BPMN / "three_lanes.bpmn"))
    started = json.loads(cli("start", "Handoff_demo", "--json").output)
    assert cli("history", str(started["id"])).exit_code == 0
    assert cli("cancel", str(started["id"]), "--reason", "kokeilu").exit_code == 0
    log = json.loads(cli("access-log", "--case", str(started["id"]), "--json").output)
    assert [(e["user"], e["action"]) for e in log] == [(getpass.getuser(), a) for a in ("start", "read", "cancel")]


def test_migrate_as_a_user_is_held_to_the_owner_rule_and_the_refusal_is_logged(cli):
    _people(cli)
    assert cli("load", str(BPMN / "three_lanes.bpmn"), "--owner", "SEK").exit_code == 0
    refused = cli("migrate", "Handoff_demo", "--from", "1", "--to", "2", "--user", "sek.neuvoja")
    assert refused.exit_code == 9 and "only the owner of 'Handoff_demo'" in refused.output
    log = json.loads(cli("access-log", "--user", "sek.neuvoja", "--json").output)
    assert [(e["action"], e["origin"], bool(e["refused"])) for e in log] == [("migrate", "kapula migrate", True)]
