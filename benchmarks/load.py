"""Load benchmark of the mission server. Prints one JSON object.

Starts `trucewatch serve --workers N` (default 2: one process per core of this machine) as its own process on
a fresh mission, then:
1. batch phase: --clients concurrent clients post batches of --batch observations for --seconds;
2. single phase: the same number of clients post one observation per request for --seconds, each
   client one request every --interval seconds (a field monitor's pace; 0 = as fast as possible),
   measuring each request's latency.
It then counts what the store holds: every acknowledged observation must be stored exactly once.

    python benchmarks/load.py                                   # SQLite (the embedded store)
    python benchmarks/load.py --database postgresql://…/db      # PostgreSQL
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from trucewatch.scenario.generate import generate
from trucewatch.server.launch import start_server
from trucewatch.store import schema as t
from trucewatch.store.mission import Mission
from trucewatch.store.users import add_user


def observation(client_id: str, when: str) -> dict[str, object]:
    return {"client_id": client_id, "observed_at": when, "time_precision": "minute", "source_kind": "monitor_patrol",
            "source_id": "patrol-load", "type": "explosion", "lat": 51.2, "lon": 35.3, "grade": "B2"}  # fmt: skip


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams: the load generator shares this 2-core machine
    with the server, so it must cost far less per request than a full-featured client."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port, self.token = host, port, token

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {self.token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()  # fmt: skip
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    async def close(self) -> None:
        self.writer.close()


async def phase(port: int, token: str, clients: int, seconds: float, batch: int, when: str, tag: str,
                acked: list[str], latencies: list[float], failed: list[int],
                interval: float = 0.0) -> None:  # fmt: skip
    """Each client posts as fast as it can (interval 0), or one request every `interval` seconds."""
    deadline = time.perf_counter() + seconds

    async def client(k: int) -> None:
        n = 0
        c = Connection("127.0.0.1", port, token)
        await c.open()
        await asyncio.sleep(k * (interval or 0.01) / clients)  # spread the clients' first requests
        while time.perf_counter() < deadline:
            ids = [f"{tag}-{k}-{n + i}" for i in range(batch)]
            body = [observation(i, when) for i in ids] if batch > 1 else observation(ids[0], when)
            t0 = time.perf_counter()
            status, data = await c.post("/api/v1/observations", json.dumps(body).encode())
            latencies.append(time.perf_counter() - t0)
            if status == 200 and json.loads(data)["stored"] == len(ids):
                acked.extend(ids)
            else:
                failed.append(status)
            n += batch
            if interval:
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - t0)))
        await c.close()

    await asyncio.gather(*(client(k) for k in range(clients)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--database", default=None)
    ap.add_argument("--workers", type=int, default=2, help="server processes (trucewatch serve --workers)")
    ap.add_argument(
        "--interval",
        type=float,
        default=0.2,
        help="seconds between one client's single submissions (0: as fast as possible)",
    )
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tw-load-"))
    try:
        files = generate(tmp / "m", days=2, seed=3)
        m = Mission.create(tmp / "m", files.agreement, args.database)
        with m.engine.begin() as conn:
            token = add_user(conn, "load-monitor", "monitor", None, m.agreement.party_ids)
        when = (m.agreement.start + timedelta(hours=12)).isoformat()
        proc = start_server(tmp / "m", args.port, args.database, workers=args.workers)
        try:
            batch_acked: list[str] = []
            batch_lat: list[float] = []
            failed: list[int] = []
            t0 = time.perf_counter()
            asyncio.run(phase(args.port, token, args.clients, args.seconds, args.batch, when, "b", batch_acked,
                              batch_lat, failed))  # fmt: skip
            batch_rate = len(batch_acked) / (time.perf_counter() - t0)
            single_acked: list[str] = []
            single_lat: list[float] = []
            t1 = time.perf_counter()
            asyncio.run(phase(args.port, token, args.clients, args.seconds, 1, when, "s", single_acked, single_lat,
                              failed, args.interval))  # fmt: skip
            single_rate = len(single_lat) / (time.perf_counter() - t1)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        with m.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(t.observations)).scalar_one()
            distinct = conn.execute(select(func.count(func.distinct(t.observations.c.id)))).scalar_one()
        accepted = len(batch_acked) + len(single_acked)
        lat = sorted(single_lat)
        print(json.dumps({
            "database": "postgresql" if args.database else "sqlite",
            "clients": args.clients,
            "workers": args.workers,
            "failed_requests": len(failed),
            "accepted": accepted,
            "stored": stored,
            "duplicates": stored - distinct,
            "accepted_equals_stored": accepted == stored,
            "obs_per_second": round(batch_rate),
            "batch_size": args.batch,
            "single_requests": len(lat),
            "single_interval_s": args.interval,
            "single_requests_per_second": round(single_rate),
            "p50_ms": round(statistics.median(lat) * 1e3, 1),
            "p99_ms": round(lat[int(len(lat) * 0.99)] * 1e3, 1),
        }, sort_keys=True))  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
