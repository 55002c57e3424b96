"""The one table from Kapula's errors to what each adapter answers: the command line's exit code,
and the API's HTTP status and error code. The first class that matches wins; any other error is a
fault of Kapula's (exit code 1, HTTP 500 "internal")."""

from __future__ import annotations

from typing import NamedTuple

from engine.errors import (
    AccessDeniedError,
    AuthenticationError,
    CaseStepError,
    ConflictError,
    DiagramError,
    InvalidDataError,
    KapulaError,
    NotFoundError,
    TooManyAttemptsError,
    UnavailableError,
)


class ErrorAnswer(NamedTuple):
    """How the adapters answer one kind of error: `exit_code` (the CLI; usage errors are click's 2),
    `status` (HTTP) and `code` (the API error body's `code`)."""

    exit_code: int
    status: int
    code: str


ERRORS: dict[type[KapulaError], ErrorAnswer] = {
    DiagramError: ErrorAnswer(3, 422, "diagram_invalid"),
    NotFoundError: ErrorAnswer(4, 404, "not_found"),
    ConflictError: ErrorAnswer(5, 409, "conflict"),
    InvalidDataError: ErrorAnswer(6, 422, "invalid_data"),
    CaseStepError: ErrorAnswer(7, 422, "case_step_failed"),
    UnavailableError: ErrorAnswer(8, 503, "unavailable"),
    AccessDeniedError: ErrorAnswer(9, 403, "forbidden"),
    # the command line signs in nobody: these reach it only as faults
    AuthenticationError: ErrorAnswer(1, 401, "not_signed_in"),
    TooManyAttemptsError: ErrorAnswer(1, 429, "too_many_attempts"),
}
UNEXPECTED = ErrorAnswer(1, 500, "internal")


def answer_of(exc: KapulaError) -> ErrorAnswer:
    """The row of ERRORS for `exc` (the first class it is an instance of), else UNEXPECTED."""
    for kind, answer in ERRORS.items():
        if isinstance(exc, kind):
            return answer
    return UNEXPECTED
