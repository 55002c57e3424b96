"""Server processes that start at once share one session secret; none of them fails on it."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from engine.access import directory as directory_module
from engine.access.directory import Directory
from engine.persistence.tables import SettingRecord


def test_a_secret_stored_meanwhile_by_another_process_is_the_one_used(open_engine, backend, monkeypatch):
    if backend == "sqlite":
        pytest.skip("on SQLite the read and the insert hold the write lock together: no other process can come between")
    mine, theirs = open_engine(), open_engine()

    def another_process_stores_first(_nbytes: int) -> str:
        with theirs.sessions.begin() as session:
            session.execute(insert(SettingRecord), {"name": "session_secret", "value": "stored-by-the-other"})
        return "mine-would-be-this"

    monkeypatch.setattr(directory_module.secrets, "token_urlsafe", another_process_stores_first)
    assert Directory(mine.sessions, mine.clock).session_secret() == "stored-by-the-other"
    assert Directory(theirs.sessions, theirs.clock).session_secret() == "stored-by-the-other"


def test_the_secret_is_made_once_and_kept(kapula):
    first = Directory(kapula.sessions, kapula.clock).session_secret()
    assert len(first) >= 48 and Directory(kapula.sessions, kapula.clock).session_secret() == first
