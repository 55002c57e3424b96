"""The access log's entry: every read or change of a case by a user, and every refused attempt,
appended and never rewritten but for the reasons an erasure of the case blanks (engine.erasure).
The rows are written and read through the unit of work
(engine.persistence.ports.AccessLogRepository; the SQL lives in engine.persistence.sql)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AccessEntry:
    """One access: `action` is read, read_history, list, start, claim, unclaim, complete, cancel,
    erase, export, deploy, …; `refused` says why it was refused (None: it was done). `case_id` is
    None for what concerns no single case (an upload, a refused look-up of a process)."""

    at: datetime
    user: str
    case_id: int | None
    action: str
    task_id: str | None = None
    origin: str | None = None
    process_key: str | None = None
    refused: str | None = None
    reason: str | None = None  # why the user did it, where the action asks (cancel, erase)
