"""Start `trucewatch serve` as its own process and wait until it answers (for benchmarks and tests)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx


def start_server(
    folder: Path, port: int, database: str | None = None, timeout: float = 15.0, workers: int = 1
) -> subprocess.Popen[bytes]:
    """The server runs in its own process group: `os.killpg(proc.pid, …)` reaches every worker."""
    args = [sys.executable, "-m", "trucewatch.cli", "serve", str(folder), "--port", str(port)]
    if database:
        args += ["--database", database]
    if workers > 1:
        args += ["--workers", str(workers)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/me", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the server did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))
