"""Server CPU per request of bench/load.py's journey, in process: the app called directly over ASGI,
one request at a time, with the process's CPU time (all threads) around each call; then as many
requests to the bare FastAPI app (bench/bare_app.py) in the same process and run.

No sockets, no uvicorn, no client: what is left is the app's own work (middlewares, routing,
FastAPI's dependencies and validation, the use cases, the database, the JSON answer), which is
where the two apps differ. `--profile` runs the journey again under cProfile with the thread pool
replaced by direct calls (one thread, so the profile holds the use cases too) and prints the top
functions.

    python bench/request_cpu.py --cases 200                   # CPU per request by operation, and vs bare
    python bench/request_cpu.py --cases 100 --profile 40      # and the 40 costliest functions
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so `python bench/request_cpu.py` finds the engine package

from bench.load import KEY, LoadConfig, prepare  # noqa: E402

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


async def call(app: Asgi, path: str, body: dict[str, Any], token: str) -> tuple[int, bytes]:
    """One POST with a JSON body and a bearer token, as uvicorn hands it to the app."""
    raw = json.dumps(body).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"accept", b"*/*"),
            (b"accept-encoding", b"gzip, deflate"),
            (b"connection", b"keep-alive"),
            (b"user-agent", b"python-httpx/0.28.1"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-length", str(len(raw)).encode()),
            (b"content-type", b"application/json"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    status = 0
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


class Timed:
    """CPU seconds (the process's, all threads) per operation."""

    def __init__(self, app: Asgi) -> None:
        self.app = app
        self.cpu: dict[str, list[float]] = defaultdict(list)

    async def post(self, op: str, path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
        began = time.process_time()
        status, raw = await call(self.app, path, body, token)
        self.cpu[op].append(time.process_time() - began)
        if status >= 300:
            raise AssertionError(f"{path}: {status} {raw[:300]!r}")
        answer: dict[str, Any] = json.loads(raw)
        return answer


async def journey(t: Timed, i: int, tokens: dict[str, str], cfg: LoadConfig) -> None:
    """bench/load.py's journey without its races: start, describe, claim and prepare, then ELY's
    funding decision or SEK's aftercare and the customer's feedback."""
    customer = tokens[f"asiakas.{i % max(2, cfg.workers)}"]
    sek = tokens[f"sek.{i % (cfg.racers + 2)}"]
    funding = i % cfg.funding_every == 1
    case = await t.post("start", "/api/cases", {"process_key": KEY}, customer)  # a customer gives formless steps no data

    async def complete(token: str, data: dict[str, Any]) -> dict[str, Any]:
        task = case["ready_tasks"][0]["id"]
        return await t.post("complete", f"/api/tasks/{task}/complete", {"data": data}, token)

    async def claim(token: str) -> None:
        await t.post("claim", f"/api/tasks/{case['ready_tasks'][0]['id']}/claim", {}, token)

    case = await complete(customer, {"need": "kasvu"})
    await claim(sek)
    case = await complete(sek, {"needs_funding": funding})
    if funding:
        ely = tokens[f"ely.{i % 2}"]
        await claim(ely)
        await complete(ely, {})
        return
    await claim(sek)
    case = await complete(sek, {})
    await complete(customer, {})


async def bare_requests(app: Asgi, count: int) -> list[float]:
    cpu = []
    for _ in range(count):
        began = time.process_time()
        status, _ = await call(app, "/api/tasks/t-1/complete", {"data": {"need": "kasvu"}}, "x")
        cpu.append(time.process_time() - began)
        assert status == 200
    return cpu


def ms(values: list[float]) -> str:
    return f"{1000 * statistics.mean(values):.3f} mean, {1000 * statistics.median(values):.3f} median"


async def measure(app: Asgi, bare: Asgi, tokens: dict[str, str], cfg: LoadConfig, warm: int) -> dict[str, Any]:
    t = Timed(app)
    for i in range(warm):
        await journey(t, i, tokens, cfg)
    await bare_requests(bare, 200)
    t.cpu.clear()
    for i in range(warm, warm + cfg.cases):
        await journey(t, i, tokens, cfg)
    every = [c for values in t.cpu.values() for c in values]
    bare_cpu = await bare_requests(bare, len(every))
    return {
        "requests": len(every),
        "kapula_ms_per_request": round(1000 * statistics.mean(every), 3),
        "bare_ms_per_request": round(1000 * statistics.mean(bare_cpu), 3),
        "ratio": round(statistics.mean(every) / statistics.mean(bare_cpu), 2),
        **{f"{op}_ms": ms(values) for op, values in sorted(t.cpu.items())},
        "bare_ms": ms(bare_cpu),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--warm", type=int, default=20, help="journeys before the measured ones")
    parser.add_argument("--database", help="a database URL (default: a new SQLite file); its data is added to")
    parser.add_argument("--profile", type=int, default=0, help="then profile the journey and print this many functions")
    parser.add_argument("--profile-out", help="and keep the profile in this file (pstats)")
    args = parser.parse_args()
    cfg = LoadConfig(cases=args.cases, timer_cases=0)
    folder = tempfile.mkdtemp(prefix="kapula-request-cpu-")
    url = args.database or f"sqlite:///{folder}/bench.db"
    seed = prepare(url, cfg)

    from api.http.app import create_app
    from bench.bare_app import app as bare
    from engine.bootstrap import open_kapula

    kapula = open_kapula(url, migrate=False)
    app = create_app(kapula)
    gc.freeze()
    try:
        print(json.dumps(asyncio.run(measure(app, bare, seed.tokens, cfg, args.warm)), indent=2))
        if args.profile:
            profile(app, seed.tokens, cfg, args.warm + args.cases, args.profile, args.profile_out)
    finally:
        kapula.close()


def profile(app: Asgi, tokens: dict[str, str], cfg: LoadConfig, first: int, top: int, out_file: str | None) -> None:
    import anyio.to_thread

    async def direct(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return func(*args)

    anyio.to_thread.run_sync = direct  # type: ignore[assignment]  # one thread: the profile sees the use cases
    t = Timed(app)
    profiler = cProfile.Profile(time.thread_time)  # CPU time: waits and other processes' turns left out

    async def run() -> None:
        profiler.enable()
        for i in range(first, first + cfg.cases):
            await journey(t, i, tokens, cfg)
        profiler.disable()

    asyncio.run(run())
    if out_file:
        profiler.dump_stats(out_file)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
