"""Load test: simulated customers and advisors working cases over HTTP against `kapula serve` processes.

Each case is one journey through the three-lane model (tests/fixtures/bpmn/three_lanes.bpmn): the
customer starts it and describes the need, an SEK advisor claims and prepares it, an ELY advisor
decides funding (then the case waits on its two-day timer) or SEK gives aftercare and the customer
feedback. Some steps are raced on purpose by several advisors at once, each through another server
process: exactly one wins and every other gets 409. Cases whose timer was due before the run are
fired by the servers' timer loops meanwhile. At the end every case's records are checked.

    python bench/load.py --processes 2 --cases 400 --workers 16     # KAPULA_DATABASE_URL picks the database
    python bench/load.py --processes 1 --cases 200 --workers 16 --bare 1   # and a bare FastAPI app's CPU per request
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so `python bench/load.py` finds the engine package

from bench.load_check import Journey, verify  # noqa: E402
from bench.servers import Servers, free_port  # noqa: E402
from engine.access.directory import Directory  # noqa: E402
from engine.access.policy import Role  # noqa: E402
from engine.bootstrap import open_kapula  # noqa: E402
from engine.bundles import model_bundle  # noqa: E402
from engine.clock import FakeClock, SystemClock  # noqa: E402

MODEL = ROOT / "tests" / "fixtures" / "bpmn" / "three_lanes.bpmn"
KEY = "Handoff_demo"


@dataclass(frozen=True)
class LoadConfig:
    cases: int = 40
    workers: int = 8  # journeys in flight at once
    processes: int = 2
    race_every: int = 4  # every n-th case has a raced step
    racers: int = 3
    funding_every: int = 5  # every n-th case goes to ELY and then waits on its timer
    timer_cases: int = 6  # cases whose timer is already due when the servers start
    tick: float = 0.5
    time_limit: float = 120.0
    pool_size: int = 4
    bare: int = 0  # 1: also send as many requests to a bare FastAPI app (bench/bare_app.py), for its CPU per request


@dataclass
class Calls:
    """Every request's operation, status and latency, from all threads."""

    rows: list[tuple[str, int, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, op: str, status: int, seconds: float) -> None:
        with self.lock:
            self.rows.append((op, status, seconds))


@dataclass
class LoadReport:
    config: LoadConfig
    seconds: float
    calls: list[tuple[str, int, float]]
    losing_racers: int
    completions: int
    problems: list[str]
    server_cpu_s: float = 0.0  # CPU time (user + system) of the server processes during the journeys
    bare: BareRun | None = None  # the same number of requests to a bare FastAPI app, in the same run

    @property
    def conflicts(self) -> int:
        return sum(1 for _, status, _ in self.calls if status == 409)

    def latency_ms(self, q: float, op: str | None = None) -> float:
        times = sorted(s for o, status, s in self.calls if status < 300 and (op is None or o == op))
        return 1000 * times[min(len(times) - 1, int(q * len(times)))] if times else float("nan")

    def summary(self) -> dict[str, Any]:
        return {
            "processes": self.config.processes,
            "cases": self.config.cases,
            "workers": self.config.workers,
            "seconds": round(self.seconds, 2),
            "requests": len(self.calls),
            "completions": self.completions,
            "completions_per_s": round(self.completions / self.seconds, 1),
            "requests_per_s": round(len(self.calls) / self.seconds, 1),
            "p50_ms": round(self.latency_ms(0.50), 1),
            "p95_ms": round(self.latency_ms(0.95), 1),
            "p99_ms": round(self.latency_ms(0.99), 1),
            "complete_p50_ms": round(self.latency_ms(0.50, "complete"), 1),
            "complete_p99_ms": round(self.latency_ms(0.99, "complete"), 1),
            "conflicts_409": self.conflicts,
            "losing_racers": self.losing_racers,
            "problems": len(self.problems),
            "server_cpu_ms_per_request": round(1000 * self.server_cpu_s / max(1, len(self.calls)), 3),
            **(
                {
                    "bare_fastapi_cpu_ms_per_request": round(1000 * self.bare.cpu_s / max(1, self.bare.requests), 3),
                    "bare_fastapi_p50_ms": round(self.bare.latency_ms(0.50), 1),
                    "bare_fastapi_p95_ms": round(self.bare.latency_ms(0.95), 1),
                    "bare_fastapi_p99_ms": round(self.bare.latency_ms(0.99), 1),
                    "cpu_per_request_vs_bare": round(
                        (self.server_cpu_s / max(1, len(self.calls))) / max(1e-9, self.bare.cpu_s / max(1, self.bare.requests)), 2
                    ),
                }
                if self.bare is not None
                else {}
            ),
        }


@dataclass
class BareRun:
    """Requests to the bare FastAPI app (bench/bare_app.py): how many, their latencies, the server's CPU."""

    requests: int
    cpu_s: float
    latencies: list[float]

    def latency_ms(self, q: float) -> float:
        times = sorted(self.latencies)
        return 1000 * times[min(len(times) - 1, int(q * len(times)))] if times else float("nan")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), children not included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def run_bare(requests: int, workers: int) -> BareRun:
    """`requests` completions' worth of POSTs from `workers` keep-alive clients to a bare FastAPI
    app under uvicorn with kapula serve's settings; the server's CPU time over them."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.bare_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--timeout-keep-alive",
        "5",
        "--http",
        "api.http.timeouts:TimedH11Protocol",
    ]
    process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/openapi.json", timeout=5)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        latencies: list[float] = []
        lock = threading.Lock()
        counter = itertools.count()

        def worker() -> None:
            with httpx.Client(timeout=30) as client:
                while next(counter) < requests:
                    began = time.perf_counter()
                    r = client.post(
                        url + "/api/tasks/t-1/complete", json={"data": {"need": "kasvu"}}, headers={"Authorization": "Bearer x"}
                    )
                    r.raise_for_status()
                    with lock:
                        latencies.append(time.perf_counter() - began)

        cpu_before = process_cpu_seconds(process.pid)
        with ThreadPoolExecutor(workers) as pool:
            for future in [pool.submit(worker) for _ in range(workers)]:
                future.result()
        return BareRun(len(latencies), process_cpu_seconds(process.pid) - cpu_before, latencies)
    finally:
        process.terminate()
        process.wait(timeout=20)


@dataclass(frozen=True)
class Seed:
    tokens: dict[str, str]  # user name → bearer token
    timer_cases: list[int]


def prepare(database_url: str, cfg: LoadConfig) -> Seed:
    """Deploy the model, add organisations and users with API tokens, and start the cases whose
    timer is already due (on a clock three days back)."""
    kapula = open_kapula(database_url)
    try:
        kapula.deploy(model_bundle(MODEL))
        directory = Directory(kapula.sessions, kapula.clock)
        directory.add_organisation("SEK")
        directory.add_organisation("ELY")
        people = [(f"sek.{i}", Role.ADVISOR, "SEK") for i in range(cfg.racers + 2)]
        people += [(f"ely.{i}", Role.ADVISOR, "ELY") for i in range(2)]
        people += [(f"asiakas.{i}", Role.CUSTOMER, None) for i in range(max(2, cfg.workers))]
        tokens = {}
        for name, role, org in people:
            directory.add_user(name, secrets.token_urlsafe(16), role=role, organisation=org)
            tokens[name] = directory.issue_token(name, name="load")
    finally:
        kapula.close()
    return Seed(tokens, _due_timer_cases(database_url, cfg.timer_cases))


def _due_timer_cases(database_url: str, count: int) -> list[int]:
    clock = FakeClock(SystemClock().now().replace(microsecond=0) - timedelta(days=3))
    kapula = open_kapula(database_url, clock=clock, migrate=False)
    ids = []
    try:
        for _ in range(count):
            case = kapula.start_case(KEY, {"customer": "ajastin"}, user="ely.0")
            for data in ({}, {"needs_funding": True}, {}):
                case = kapula.complete_task(case.ready_tasks[0].id, data, user="ely.0")
            ids.append(case.id)
    finally:
        kapula.close()
    return ids


class Driver:
    """The simulated people: each request goes to the next server, a race's racers to different ones."""

    def __init__(self, urls: list[str], seed: Seed, cfg: LoadConfig, deadline: float) -> None:
        self.urls, self.seed, self.cfg, self.deadline = urls, seed, cfg, deadline
        self.calls = Calls()
        self._next = itertools.count()
        self._local = threading.local()
        self._clients: list[httpx.Client] = []

    def client(self) -> httpx.Client:
        """One keep-alive client per thread, as one browser per person."""
        if not hasattr(self._local, "client"):
            self._local.client = httpx.Client(timeout=30)
            with self.calls.lock:
                self._clients.append(self._local.client)
        client: httpx.Client = self._local.client
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def call(
        self, op: str, user: str, path: str, body: dict[str, Any] | None = None, *, server: int | None = None
    ) -> httpx.Response:
        if time.monotonic() > self.deadline:
            raise TimeoutError("the load run's time limit passed")
        url = self.urls[(next(self._next) if server is None else server) % len(self.urls)]
        headers = {"Authorization": f"Bearer {self.seed.tokens[user]}"}
        began = time.perf_counter()
        r = self.client().post(url + path, json=body or {}, headers=headers)
        self.calls.add(op, r.status_code, time.perf_counter() - began)
        return r

    def race(self, op: str, users: list[str], path: str, body: dict[str, Any]) -> list[httpx.Response]:
        """The same request by several people at the same moment, each through another server."""
        barrier = threading.Barrier(len(users))
        base = next(self._next)

        def one(j: int) -> httpx.Response:
            barrier.wait(timeout=30)
            return self.call(op, users[j], path, body, server=base + j)

        with ThreadPoolExecutor(len(users)) as pool:
            return list(pool.map(one, range(len(users))))

    def journey(self, i: int) -> Journey:
        cfg = self.cfg
        customer = f"asiakas.{i % max(2, cfg.workers)}"
        funding = i % cfg.funding_every == 1
        j = Journey(index=i, funding=funding)
        # the customer's steps without a form take no data from a customer (engine.access.policy.gives_formless_data)
        case = _ok(self.call("start", customer, "/api/cases", {"process_key": KEY}))
        j.case_id = case["id"]
        case = self._complete(j, customer, case, {"need": "kasvu"})
        sek = [f"sek.{(i + k) % (cfg.racers + 2)}" for k in range(cfg.racers)]
        prepare_data = {"needs_funding": funding}
        if i % cfg.race_every == 0:
            case = self._raced(j, sek, case, prepare_data, claim_first=(i // cfg.race_every) % 2 == 0)
        else:
            case = self._claim_and_complete(j, sek[0], case, prepare_data)
        if funding:
            self._claim_and_complete(j, f"ely.{i % 2}", case, {})
            return j
        case = self._claim_and_complete(j, sek[1 % len(sek)], case, {})
        self._complete(j, customer, case, {})
        return j

    def _complete(self, j: Journey, user: str, case: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        task = case["ready_tasks"][0]
        case = _ok(self.call("complete", user, f"/api/tasks/{task['id']}/complete", {"data": data}))
        j.completed.append((task["element_id"], user))
        return case

    def _claim_and_complete(self, j: Journey, user: str, case: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        task = case["ready_tasks"][0]
        _ok(self.call("claim", user, f"/api/tasks/{task['id']}/claim"))
        j.claimed.append((task["element_id"], user))
        return self._complete(j, user, case, data)

    def _raced(
        self, j: Journey, users: list[str], case: dict[str, Any], data: dict[str, Any], *, claim_first: bool
    ) -> dict[str, Any]:
        task = case["ready_tasks"][0]
        op, path = ("claim", "claim") if claim_first else ("complete", "complete")
        answers = self.race(op, users, f"/api/tasks/{task['id']}/{path}", {} if claim_first else {"data": data})
        won = [u for u, r in zip(users, answers, strict=True) if r.status_code == 200]
        lost = [r.status_code for r in answers if r.status_code != 200]
        j.losing_racers += len(users) - 1
        if len(won) != 1 or any(s != 409 for s in lost):
            raise AssertionError(f"case {j.case_id}: a race of {len(users)} gave {[r.status_code for r in answers]}")
        if not claim_first:
            j.completed.append((task["element_id"], won[0]))
            return dict(answers[users.index(won[0])].json())
        j.claimed.append((task["element_id"], won[0]))
        return self._complete(j, won[0], case, data)


def _ok(r: httpx.Response) -> dict[str, Any]:
    if r.status_code >= 300:
        raise AssertionError(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:300]}")
    body: dict[str, Any] = r.json()
    return body


def run_load(database_url: str, cfg: LoadConfig, *, servers: Callable[..., Servers] = Servers) -> LoadReport:
    """Seed the database, start the servers, run every journey, wait for the due timers, check."""
    seed = prepare(database_url, cfg)
    env = {"KAPULA_DB_POOL_SIZE": str(cfg.pool_size), "KAPULA_DB_MAX_OVERFLOW": str(cfg.pool_size)}
    with servers(database_url, cfg.processes, tick=cfg.tick, env=env) as running:
        began = time.monotonic()
        pids = [p.pid for p in running.processes if p is not None]
        cpu_before = sum(process_cpu_seconds(pid) for pid in pids)
        driver = Driver(running.urls, seed, cfg, began + cfg.time_limit)
        try:
            journeys, failures = _run_journeys(driver, cfg)
        finally:
            driver.close()
        seconds = time.monotonic() - began
        server_cpu = sum(process_cpu_seconds(pid) for pid in pids) - cpu_before
        problems = failures + verify(
            database_url, journeys, seed.timer_cases, driver.calls.rows, wait_until=began + cfg.time_limit
        )
    completions = sum(1 for op, status, _ in driver.calls.rows if op == "complete" and status == 200)
    bare = run_bare(len(driver.calls.rows), cfg.workers) if cfg.bare else None
    return LoadReport(
        cfg, seconds, driver.calls.rows, sum(j.losing_racers for j in journeys), completions, problems, server_cpu, bare
    )


def _run_journeys(driver: Driver, cfg: LoadConfig) -> tuple[list[Journey], list[str]]:
    journeys, failures = [], []
    with ThreadPoolExecutor(cfg.workers) as pool:
        for future in [pool.submit(driver.journey, i) for i in range(cfg.cases)]:
            try:
                journeys.append(future.result())
            except (AssertionError, TimeoutError, httpx.HTTPError) as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
    return journeys, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="database URL (default KAPULA_DATABASE_URL); its data is added to, not wiped")
    for name, default in vars(LoadConfig()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    args = parser.parse_args()
    cfg = LoadConfig(**{k: getattr(args, k) for k in vars(LoadConfig())})
    from engine.persistence.database import database_url

    report = run_load(database_url(args.database), cfg)
    print(json.dumps(report.summary(), indent=2))
    for problem in report.problems[:20]:
        print("PROBLEM:", problem)
    raise SystemExit(1 if report.problems else 0)


if __name__ == "__main__":
    main()
