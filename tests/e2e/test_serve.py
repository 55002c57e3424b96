"""`kapula serve` as a newcomer runs it, and the timer loop inside the server."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from api.http.server import fire_timers_every
from tests.conftest import read


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> bytes:
    """Poll until the server answers; startup takes a moment (real time: a server is a real process)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_serve_answers_with_openapi(database_url):
    port = free_port()
    env = {**os.environ, "KAPULA_DATABASE_URL": database_url}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "kapula"), "serve", "--port", str(port), "--tick", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        spec = wait_for(f"http://127.0.0.1:{port}/openapi.json", server)
        assert b'"/api/tasks/{task_id}/claim"' in spec
        # the /docs page and its Swagger UI come from this server, not a CDN (api/http/api_docs.py)
        docs = wait_for(f"http://127.0.0.1:{port}/docs", server)
        assert b"/static/swagger/swagger-ui-bundle.js" in docs and b"https://" not in docs
        with pytest.raises(urllib.error.HTTPError, match="404"):
            wait_for(f"http://127.0.0.1:{port}/redoc", server)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert f"http://localhost:{port}/" in output


def test_the_timer_loop_fires_due_timers_each_round(kapula, clock):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo")
    for data in ({}, {"needs_funding": True}, {}):
        case = kapula.complete_task(case.ready_tasks[0].id, data)
    assert case.ready_tasks == () and case.next_timer_due is not None
    clock.advance(days=3)
    rounds = []

    async def one_round(seconds: float) -> None:
        rounds.append(seconds)
        if len(rounds) > 1:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(fire_timers_every(kapula, 30, sleep=one_round))
    assert rounds == [30, 30]
    assert [t.element_id for t in kapula.get_case(case.id).ready_tasks] == ["Task_aftercare"]
    assert clock.now() - case.started_at >= timedelta(days=3)
