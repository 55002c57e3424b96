"""Data limits before anything is stored, over HTTP and the CLI alike (issue 12, item 3): deep,
huge and non-finite case data is a 422 naming the field (exit code 6), and nothing is stored."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.cli import main
from api.http.app import create_app
from tests.conftest import BPMN
from tests.e2e.conftest import upload


def _deep(levels: int) -> str:
    return "[" * levels + "1" + "]" * levels


def _start(client, headers, data_json: str):
    body = '{"process_key": "Handoff_demo", "data": {"customer": "Oy", "tiedot": ' + data_json + "}}"
    return client.post("/api/cases", headers={**headers, "content-type": "application/json"}, content=body.encode())


def test_an_unpaired_surrogate_in_a_field_name_is_a_readable_422_not_a_500(kapula, tokens):
    """The refusal quotes the field's name; with a lone surrogate in it the JSON error could not be
    written as UTF-8 and the client got a 500 (found by the form fuzz test)."""
    client = TestClient(create_app(kapula, secret_key="limits"))
    upload(client, tokens["admin"], owner="SEK")
    for data_json in ('{"\\ud800x": "\\ud800"}', '{"a": {"\\udfff": 1}}'):
        r = _start(client, tokens["admin"], data_json)
        assert r.status_code == 422, r.text[:300]
        assert r.json()["code"] == "invalid_data" and "unpaired surrogate" in r.json()["message"]
    assert client.get("/api/cases", headers=tokens["admin"]).json() == []


@pytest.mark.parametrize(
    "data_json, problem",
    [
        (_deep(300), "nested more than 32 levels deep"),
        ("NaN", "not a JSON number"),
        ("[1, Infinity]", "not a JSON number"),
        ("-Infinity", "not a JSON number"),
        (json.dumps("x" * 100_001), "the limit is 100000"),
        (json.dumps(list(range(10_001))), "the limit is 10000"),
        (json.dumps(["x" * 99_000] * 11), "larger than 1048576 bytes"),
        ("12345678901234567890", "beyond"),
        ('"\\ud800"', "unpaired surrogate"),
    ],
)
def test_bad_case_data_over_http_is_a_422_naming_the_field_and_stores_nothing(kapula, tokens, data_json, problem):
    client = TestClient(create_app(kapula, secret_key="limits"))  # the 5 MB body limit: the data's own limits first
    upload(client, tokens["admin"], owner="SEK")
    r = _start(client, tokens["admin"], data_json)
    assert r.status_code == 422, r.text[:300]
    error = r.json()
    assert error["code"] == "invalid_data" and problem in error["message"]
    assert list(error["details"]["field_errors"]) == ["tiedot"] and problem in error["details"]["field_errors"]["tiedot"]
    assert client.get("/api/cases", headers=tokens["admin"]).json() == []


def test_a_completion_with_deep_data_is_refused_and_the_case_is_unchanged(client, tokens):
    upload(client, tokens["admin"], owner="SEK")
    case = _start(client, tokens["admin"], "1").json()
    task = case["ready_tasks"][0]["id"]
    body = '{"data": {"need": ' + _deep(300) + "}}"
    r = client.post(
        f"/api/tasks/{task}/complete", headers={**tokens["admin"], "content-type": "application/json"}, content=body.encode()
    )
    assert r.status_code == 422 and r.json()["details"]["field_errors"].keys() == {"need"}
    after = client.get(f"/api/cases/{case['id']}", headers=tokens["admin"]).json()
    assert after["data"] == case["data"] and [t["id"] for t in after["ready_tasks"]] == [task]
    assert client.get("/api/cases", headers=tokens["admin"]).status_code == 200


def test_data_as_deep_as_the_limit_is_stored_and_listed(client, tokens):
    upload(client, tokens["admin"], owner="SEK")
    r = _start(client, tokens["admin"], _deep(30))  # the data object and "tiedot"'s 30 lists: 31 deep
    assert r.status_code == 201, r.text[:300]
    assert client.get("/api/cases", headers=tokens["admin"]).status_code == 200


def test_a_body_nested_deeper_than_the_json_parser_goes_is_a_4xx(client, tokens):
    upload(client, tokens["admin"], owner="SEK")
    r = _start(client, tokens["admin"], _deep(100_000))
    assert 400 <= r.status_code < 500 and isinstance(r.json()["message"], str)
    assert client.get("/api/cases", headers=tokens["admin"]).json() == []


@pytest.fixture
def cli(database_url):
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["--database", database_url, *args], catch_exceptions=False)


def test_the_cli_refuses_the_same_data_with_exit_code_6_and_one_line(cli):
    assert cli("load", str(BPMN / "three_lanes.bpmn")).exit_code == 0
    for data_json in ('{"a": ' + _deep(300) + "}", '{"a": NaN}', '{"a": [Infinity]}'):
        r = cli("start", "Handoff_demo", "--data", data_json)
        assert r.exit_code == 6, r.output
        assert r.output.count("\n") == 1 and "field 'a'" in r.output
    deeper = cli("start", "Handoff_demo", "--data", '{"a": ' + _deep(50_000) + "}")
    assert deeper.exit_code == 2 and "nested too deep" in deeper.output
    assert json.loads(cli("cases", "--json").output) == []
