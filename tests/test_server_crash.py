"""Kill the server in the middle of a load: no acknowledged observation may be lost."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from trucewatch.server.launch import start_server
from trucewatch.store import schema as t

from .live_server import free_port
from .server_fixtures import make_served


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_kill_during_load_loses_nothing_acknowledged(tmp_path: Path, database: str | None, workers: int) -> None:
    s = make_served(tmp_path, database)
    s.client.close()
    port = free_port()
    proc = start_server(s.dir, port, database, workers=workers)
    when = (s.mission.agreement.start + timedelta(hours=6)).isoformat()
    acked: list[str] = []
    errors: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(k: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=s.headers("monitor"), timeout=10) as c:
            n = 0
            while not stop.is_set():
                size = 1 if k % 2 else 20
                ids = [f"crash-{k}-{n + i}" for i in range(size)]
                body = [{"client_id": i, "observed_at": when, "source_kind": "drone", "source_id": "uav-9",
                         "type": "impact", "lat": 51.2, "lon": 35.3} for i in ids]  # fmt: skip
                try:
                    r = c.post("/api/v1/observations", json=body if size > 1 else body[0])
                except httpx.HTTPError:
                    return  # the server is gone: this request was never acknowledged
                with lock:
                    if r.status_code == 200:
                        acked.extend(ids)
                    else:
                        errors.append(r.status_code)
                n += size

    threads = [threading.Thread(target=client, args=(k,)) for k in range(10)]
    for th in threads:
        th.start()
    time.sleep(2.0)
    # no shutdown, no flush, every worker at once: a power cut as far as the server knows
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    stop.set()
    for th in threads:
        th.join(timeout=15)
    assert len(acked) > 50, "the load never got going"
    assert errors == [], f"requests refused under load (workers contending for the store?): {errors[:5]}"
    with s.mission.reader.connect() as conn:
        stored = set(conn.execute(select(t.observations.c.id).where(t.observations.c.id.like("crash-%"))).scalars())
    missing = set(acked) - stored
    assert not missing, f"{len(missing)} acknowledged observations lost, e.g. {sorted(missing)[:5]}"
    # the store is intact and the server comes back
    proc = start_server(s.dir, port, database)
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/agreement").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    from trucewatch.store.audit import verify_store

    assert verify_store(s.mission).problems == []


def _workers(pid: int) -> set[int]:
    """Live server worker processes of the supervisor `pid` (not zombies, not multiprocessing's helpers)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z" and b"spawn_main" in cmdline:
                out.add(int(entry.name))
    return out


@pytest.mark.slow
def test_a_worker_that_dies_is_replaced(tmp_path: Path, database: str | None) -> None:
    s = make_served(tmp_path, database)
    s.client.close()
    port = free_port()
    proc = start_server(s.dir, port, database, workers=2)
    try:
        workers = _workers(proc.pid)
        assert len(workers) == 2
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while (now := _workers(proc.pid)) and (victim in now or len(now) < 2) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert victim not in now and len(now) == 2, "the dead worker was not replaced"
        for _ in range(20):  # every connection lands on a live worker
            assert httpx.get(f"http://127.0.0.1:{port}/api/v1/agreement", timeout=10).status_code == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
