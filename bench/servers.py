"""`kapula serve` processes on loopback for the load and fault tests: start, kill -9, restart, stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType

KAPULA = str(Path(sys.executable).parent / "kapula")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Servers:
    """`count` server processes on one database, each on its own loopback port.

    `env` adds settings (e.g. KAPULA_DB_POOL_SIZE); `tick` is `kapula serve --tick`."""

    def __init__(
        self, database_url: str, count: int = 1, *, tick: float = 0, env: dict[str, str] | None = None, start_timeout: float = 60
    ) -> None:
        self.database_url = database_url
        self.tick = tick
        self.env = {**os.environ, "KAPULA_DATABASE_URL": database_url, **(env or {})}
        self.start_timeout = start_timeout
        self.ports = [free_port() for _ in range(count)]
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * count
        # stderr goes to files: a pipe nobody reads would stall a server that logs much
        self._logs = Path(tempfile.mkdtemp(prefix="kapula-servers-"))

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def __enter__(self) -> Servers:
        try:
            for i in range(len(self.ports)):
                self._spawn(i)
            for i in range(len(self.ports)):
                self.wait_ready(i)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _spawn(self, i: int) -> None:
        # the first process applies migrations; later ones find the schema at head
        args = [KAPULA, "serve", "--host", "127.0.0.1", "--port", str(self.ports[i]), "--tick", str(self.tick)]
        with open(self.log(i), "ab") as log:
            self.processes[i] = subprocess.Popen(args, env=self.env, stdout=subprocess.DEVNULL, stderr=log)

    def log(self, i: int) -> Path:
        """Server `i`'s stderr (all its runs)."""
        return self._logs / f"server-{i}.log"

    def wait_ready(self, i: int) -> None:
        """Poll until server `i` answers (a real process takes real time to start)."""
        deadline = time.monotonic() + self.start_timeout
        process = self.processes[i]
        assert process is not None
        while True:
            try:
                with urllib.request.urlopen(f"{self.urls[i]}/openapi.json", timeout=5) as response:
                    response.read()
                    return
            except OSError:
                if process.poll() is not None:
                    err = self.log(i).read_text(errors="replace")
                    raise RuntimeError(f"kapula serve exited with {process.returncode}: {err[-2000:]}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def kill(self, i: int) -> None:
        """kill -9: no shutdown, no cleanup, open transactions cut off mid-way."""
        process = self.processes[i]
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

    def restart(self, i: int) -> None:
        self.kill(i)
        self._spawn(i)
        self.wait_ready(i)

    def stop(self) -> None:
        for process in self.processes:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in self.processes:
            if process is None:
                continue
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)
