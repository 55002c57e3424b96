"""Passwords, API tokens and the session secret never reach the server's logs (uvicorn's access
and error logs and Kapula's own loggers), at the most talkative level they run at."""

from __future__ import annotations

import io
import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from api.http.app import create_app
from engine.access.policy import Role
from tests.e2e.conftest import PASSWORD, signin_form

LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "kapula", "api", "engine", "fastapi", "starlette")


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything the server's loggers write, at DEBUG."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s"))
    saved = {name: (logging.getLogger(name).level, logging.getLogger(name).propagate) for name in LOGGERS}
    root = logging.getLogger()
    root.addHandler(handler)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger(name).propagate = True
    try:
        yield out
    finally:
        root.removeHandler(handler)
        for name, (level, propagate) in saved.items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).propagate = propagate


@pytest.fixture
def served(kapula, directory) -> Iterator[str]:
    """The app under a real uvicorn with its access log on (log_config=None: our handler, not uvicorn's)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(kapula), host="127.0.0.1", port=port, log_config=None, log_level="debug", access_log=True, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:  # a real server starts in real time
        assert thread.is_alive() and time.monotonic() < deadline
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_sign_in_token_and_bearer_calls_leave_no_secret_in_the_logs(served, directory, log_output):
    directory.add_user("sek.neuvoja", PASSWORD, role=Role.ADVISOR, organisation="SEK")
    wrong = "väärä-salasana-9876"
    with httpx.Client(base_url=served, headers={"Origin": served}) as client:
        assert client.post("/signin", data=signin_form(client, "sek.neuvoja", wrong)).status_code == 401
        signed_in = client.post("/signin", data=signin_form(client, "sek.neuvoja"))
        assert signed_in.status_code in (200, 303)
        cookie = client.cookies["kapula_session"]
        assert client.get("/api/me").status_code == 200
        assert client.post("/api/tokens", json={"username": "sek.neuvoja", "password": wrong}).status_code == 401
        issued = client.post("/api/tokens", json={"username": "sek.neuvoja", "password": PASSWORD})
        assert issued.status_code == 201
        token = issued.json()["token"]
    with httpx.Client(base_url=served, headers={"Authorization": f"Bearer {token}"}) as bearer:
        assert bearer.get("/api/me").status_code == 200
        assert bearer.get("/api/cases/12345").status_code == 404
    with httpx.Client(base_url=served, headers={"Authorization": f"Bearer {token}x"}) as forged:
        assert forged.get("/api/me").status_code == 401

    logged = log_output.getvalue()
    assert "POST /api/tokens" in logged and "GET /api/me" in logged  # the access log did run
    for secret in (PASSWORD, wrong, token, cookie, directory.session_secret()):
        assert secret not in logged
