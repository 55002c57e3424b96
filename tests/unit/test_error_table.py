"""One table from Kapula's errors to the CLI's exit code and the API's status (api/error_table.py):
every error of engine.errors has its row, and both adapters answer from that row."""

from __future__ import annotations

import inspect

import pytest

import engine.errors
from api import cli_common
from api.error_table import ERRORS, UNEXPECTED, ErrorAnswer, answer_of
from api.http.errors import status_of
from engine.errors import KapulaError
from engine.model import ValidationIssue

KINDS = [c for _, c in inspect.getmembers(engine.errors, inspect.isclass) if issubclass(c, KapulaError) and c is not KapulaError]


def _instance(kind: type[KapulaError]) -> KapulaError:
    samples = {
        "DiagramError": lambda: kind([ValidationIssue("bad")]),
        "NotFoundError": lambda: kind("case", 1),
        "TooManyAttemptsError": lambda: kind("wait", retry_after=3),
    }
    return samples.get(kind.__name__, lambda: kind("it failed"))()


def test_every_kapula_error_has_a_row():
    assert sorted(k.__name__ for k in KINDS) == sorted(k.__name__ for k in ERRORS)
    assert answer_of(KapulaError("a bare one")) == UNEXPECTED == ErrorAnswer(1, 500, "internal")


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_the_cli_and_the_api_answer_from_the_same_row(kind, monkeypatch, capsys):
    exc = _instance(kind)
    row = ErrorAnswer(42, 418, "from_the_table")
    monkeypatch.setitem(ERRORS, kind, row)  # a change to the row is a change to both adapters
    assert status_of(exc) == (418, "from_the_table")

    def fail():
        raise exc

    with pytest.raises(SystemExit) as stopped:
        cli_common.run(False, fail, print)
    assert stopped.value.code == 42
    assert capsys.readouterr().err == f"error: {exc.message}\n"


def test_the_documented_exit_codes_and_statuses():
    # README: 3 the diagram cannot run, 4 not found, 5 conflict, 6 invalid data, 7 the case's own
    # diagram failed, 8 the database is not reachable, 9 refused by the access rules
    assert {k.__name__: (a.exit_code, a.status) for k, a in ERRORS.items()} == {
        "DiagramError": (3, 422),
        "NotFoundError": (4, 404),
        "ConflictError": (5, 409),
        "InvalidDataError": (6, 422),
        "CaseStepError": (7, 422),
        "UnavailableError": (8, 503),
        "AccessDeniedError": (9, 403),
        "AuthenticationError": (1, 401),
        "TooManyAttemptsError": (1, 429),
    }
