"""Shared fixtures: a fresh database per test (SQLite file, or a PostgreSQL schema when
KAPULA_DATABASE_URL points at PostgreSQL), a fake clock, and the fixture files."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from engine.clock import FakeClock
from engine.errors import DiagramError
from engine.persistence.database import make_engine, make_session_factory
from engine.persistence.migrate import upgrade
from engine.runtime.script_engine import SafeScriptEngine
from engine.services import Kapula

FIXTURES = Path(__file__).parent / "fixtures"
BPMN = FIXTURES / "bpmn"


def _postgres_url() -> str | None:
    url = os.environ.get("KAPULA_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database nobody else uses: a SQLite file, or a throwaway schema on the PostgreSQL server."""
    pg = _postgres_url()
    if pg is None:
        yield f"sqlite:///{tmp_path / 'kapula.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg else "?"
    yield f"{pg}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def backend() -> str:
    return "postgresql" if _postgres_url() else "sqlite"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def open_engine(database_url: str, clock: FakeClock) -> Iterator:
    """Opens Kapula engines on the test's database; each one is closed at the end."""
    opened: list[Kapula] = []

    def _open(**options: Any) -> Kapula:
        engine = make_engine(database_url)
        upgrade(engine)
        kapula = Kapula(make_session_factory(engine), clock, SafeScriptEngine(), **options)
        opened.append(kapula)
        return kapula

    yield _open
    for kapula in opened:
        kapula.close()


@pytest.fixture
def kapula(open_engine) -> Kapula:
    return open_engine()


def cannot_run(kapula: Kapula, files: list[tuple[str, bytes]]) -> DiagramError:
    """Why an upload cannot run: its refusal, or the issues of its documentation-only versions
    (checked to refuse a start), as one DiagramError."""
    try:
        result = kapula.deploy(files)
    except DiagramError as refused:
        return refused
    assert result.versions and not any(v.runnable for v in result.versions), result
    for version in result.versions:
        with pytest.raises(DiagramError, match="documentation only"):
            kapula.start_case(version.key)
    return DiagramError([i for v in result.versions for i in v.issues])


@contextmanager
def statements(kapula: Kapula) -> Iterator[list[str]]:
    """The SQL statements Kapula's engine runs inside the block, whitespace collapsed."""
    engine = kapula.sessions.kw["bind"]
    seen: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, sql: str, _params: Any, _context: Any, _many: bool) -> None:
        seen.append(" ".join(sql.split()))

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def read(name: str) -> tuple[str, bytes]:
    """A fixture BPMN file as (filename, content), ready for Kapula.deploy."""
    path = BPMN / name
    return (path.name, path.read_bytes())


def checked_first(name: str) -> tuple[str, bytes]:
    """The fixture with a user task 'Check documents' between sending the application and waiting for the decision."""
    text = (
        (BPMN / name)
        .read_text()
        .replace(
            '<bpmn:sequenceFlow id="A3" sourceRef="Throw_app" targetRef="Catch_decision" />',
            '<bpmn:sequenceFlow id="A3" sourceRef="Throw_app" targetRef="Task_check" />'
            '<bpmn:userTask id="Task_check" name="Check documents"><bpmn:incoming>A3</bpmn:incoming>'
            "<bpmn:outgoing>A3b</bpmn:outgoing></bpmn:userTask>"
            '<bpmn:sequenceFlow id="A3b" sourceRef="Task_check" targetRef="Catch_decision" />',
        )
        .replace(
            '<bpmn:intermediateCatchEvent id="Catch_decision" name="Decision received"><bpmn:incoming>A3</bpmn:incoming>',
            '<bpmn:intermediateCatchEvent id="Catch_decision" name="Decision received"><bpmn:incoming>A3b</bpmn:incoming>',
        )
    )
    assert "Task_check" in text and "<bpmn:incoming>A3b</bpmn:incoming>" in text
    return (name.replace(".bpmn", "_checked.bpmn"), text.encode())


def decided_by_gateway() -> tuple[str, bytes]:
    """two_pools.bpmn with 'Check documents', and the front case going on by 'Approved?' after the
    decision: `approved` must be true or false."""
    name, text = checked_first("two_pools.bpmn")
    old = '<bpmn:sequenceFlow id="A4" sourceRef="Catch_decision" targetRef="Task_tell" />'
    new = (
        '<bpmn:sequenceFlow id="A4" sourceRef="Catch_decision" targetRef="Gw_approved" />'
        '<bpmn:exclusiveGateway id="Gw_approved" name="Approved?"><bpmn:incoming>A4</bpmn:incoming>'
        "<bpmn:outgoing>A4y</bpmn:outgoing><bpmn:outgoing>A4n</bpmn:outgoing></bpmn:exclusiveGateway>"
        '<bpmn:sequenceFlow id="A4y" sourceRef="Gw_approved" targetRef="Task_tell">'
        "<bpmn:conditionExpression>approved == True</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="A4n" sourceRef="Gw_approved" targetRef="End_rejected">'
        "<bpmn:conditionExpression>approved == False</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:endEvent id="End_rejected"><bpmn:incoming>A4n</bpmn:incoming></bpmn:endEvent>'
    )
    source = text.decode()
    assert old in source and '<bpmn:userTask id="Task_tell" name="Tell customer"><bpmn:incoming>A4</bpmn:incoming>' in source
    source = source.replace(old, new).replace(
        '<bpmn:userTask id="Task_tell" name="Tell customer"><bpmn:incoming>A4</bpmn:incoming>',
        '<bpmn:userTask id="Task_tell" name="Tell customer"><bpmn:incoming>A4y</bpmn:incoming>',
    )
    return name.replace(".bpmn", "_gateway.bpmn"), source.encode()
