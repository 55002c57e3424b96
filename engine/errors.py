"""Kapula's errors: every failure below `api/` is one of these.

    KapulaError                       root; `message` is plain language for a person
     ├── DiagramError                 an upload that cannot be loaded, or a start on a version that is
     │                                documentation only; `issues` lists why
     ├── NotFoundError                a process key, version, case or task that does not exist
     ├── ConflictError                a stale write, a task that is no longer ready, or a case that
     │                                takes no more steps (check_takes_steps)
     ├── InvalidDataError             data that a step cannot accept (bad JSON, wrong shape)
     ├── CaseStepError                the case's own diagram failed while running a step
     │                                (a script or condition raised, was refused, or ran too long)
     ├── AuthenticationError          no valid sign-in: unknown user, wrong password, bad token
     ├── TooManyAttemptsError         sign-ins refused for a while (too many failures, or busy)
     ├── AccessDeniedError            signed in, but this is not theirs to see or do
     └── UnavailableError             the database cannot be reached now; try again later

Adapters map these to exit codes or HTTP statuses in one table each.
"""

from __future__ import annotations

from engine.model import CaseStatus, ValidationIssue


class KapulaError(Exception):
    """Root of Kapula's errors."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DiagramError(KapulaError):
    """An upload that cannot be loaded (nothing was stored), or, with `documentation` naming the
    version, a case started on a documentation-only version (nothing was started)."""

    def __init__(self, issues: list[ValidationIssue], *, filename: str | None = None, documentation: str | None = None) -> None:
        self.issues = list(issues)
        self.filename = filename
        self.documentation = documentation
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        if documentation is not None:
            super().__init__(f"{documentation} is {documentation_only(self.issues)}:\n{lines}")
            return
        where = f"{filename}: " if filename else ""
        super().__init__(f"{where}the diagram cannot be loaded ({len(self.issues)} problem(s)):\n{lines}")


def documentation_only(issues: list[ValidationIssue] | tuple[ValidationIssue, ...]) -> str:
    """'documentation only — 3 things to fix before cases can start' (one wording everywhere)."""
    count = len(issues)
    things = "1 thing" if count == 1 else f"{count} things"
    return f"documentation only — {things} to fix before cases can start"


class NotFoundError(KapulaError):
    """Something looked up by key or id does not exist."""

    def __init__(self, kind: str, ident: object) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} {ident!r} was not found")


class ConflictError(KapulaError):
    """Someone else changed the case first, the task is no longer ready, or the case takes no more
    steps (`case_status` then names its status: completed, cancelled, or failed). Nothing was changed."""

    def __init__(
        self, message: str, *, case_id: int | None = None, task_id: str | None = None, case_status: str | None = None
    ) -> None:
        self.case_id = case_id
        self.task_id = task_id
        self.case_status = case_status
        super().__init__(message)


def check_takes_steps(case_id: int, status: str, *, failed_too: bool = False) -> None:
    """A case takes steps (a completion, a claim, a message) while it runs; with `failed_too` also
    while it waits for a retry after a failed unattended step (a retry, a cancellation, a migration).
    Raises ConflictError with `case_status` otherwise: "case 51 is cancelled; it takes no more steps"."""
    takes_steps = (CaseStatus.RUNNING.value, CaseStatus.FAILED.value) if failed_too else (CaseStatus.RUNNING.value,)
    if status not in takes_steps:
        raise ConflictError(f"case {case_id} is {status}; it takes no more steps", case_id=case_id, case_status=status)


class InvalidDataError(KapulaError):
    """Data that a step cannot accept. Nothing was changed."""

    def __init__(self, message: str, *, field_errors: dict[str, str] | None = None) -> None:
        self.field_errors = dict(field_errors or {})
        super().__init__(message)


class CaseStepError(KapulaError):
    """The case's diagram failed while running a step (a script or condition). Nothing was changed.
    Raised by engine.runtime.stepping for the diagram's own failure, it carries the element's
    `element_name` too and SpiffWorkflow's words in `detail` (else both None)."""

    def __init__(
        self,
        message: str,
        *,
        case_id: int | None = None,
        element_id: str | None = None,
        element_name: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.case_id = case_id
        self.element_id = element_id
        self.element_name = element_name
        self.detail = detail
        super().__init__(message)


class AuthenticationError(KapulaError):
    """No valid sign-in (unknown user, wrong password, unknown or revoked token)."""


class TooManyAttemptsError(KapulaError):
    """Sign-in refused without checking the password: too many failed attempts for this account or
    from this address, or too many sign-ins waiting. Try again after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(message)


class AccessDeniedError(KapulaError):
    """The signed-in user's role or organisation does not cover this. Nothing was changed."""

    def __init__(self, message: str, *, user: str | None = None) -> None:
        self.user = user
        super().__init__(message)


class UnavailableError(KapulaError):
    """The database could not be reached or dropped the connection; try again after `retry_after`
    seconds. A step commits all or nothing, but a connection lost while committing leaves unknown
    which: a client that retries a step reads the case (or task) first."""

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        self.retry_after = retry_after
        super().__init__(message)


QUOTE_LIMIT = 80  # characters of a refused value that a message quotes


def excerpt(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`text` as a message quotes it: its first `limit` characters and "…" when longer, so a refused
    5,000-character value or pattern does not come back in full."""
    return text if len(text) <= limit else text[:limit] + "…"


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """repr() of `value` for a message, a text cut to `limit` characters first (excerpt); any other
    value's repr cut likewise."""
    return repr(excerpt(value, limit)) if isinstance(value, str) else excerpt(repr(value), limit)
