"""Several server processes on one port, the kernel spreading connections evenly between them.

uvicorn's own `workers` share one listening socket: whichever process wakes first accepts, so a burst of
keep-alive clients lands mostly on one worker while the other idles, and that worker's queue sets the
tail latency. With SO_REUSEPORT each worker listens on its own socket and Linux hashes every new
connection to one of them. Where the option does not exist, uvicorn's workers are used instead.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import time
from typing import Any

APP = "trucewatch.server.app:from_environment"
# uvloop and httptools: the event loop and HTTP parser in C, about half the server's per-request cost
UVICORN = {"factory": True, "log_level": "warning", "loop": "uvloop", "http": "httptools", "access_log": False}


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int) -> None:
    import uvicorn

    sock = _listen(host, port)
    uvicorn.Server(uvicorn.Config(APP, **UVICORN)).run(sockets=[sock])


def serve(host: str, port: int, workers: int) -> None:
    """Run the app in `workers` processes until interrupted; a worker that dies is started again."""
    import uvicorn

    if workers == 1:
        uvicorn.run(APP, host=host, port=port, **UVICORN)
        return
    if not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(APP, host=host, port=port, workers=workers, **UVICORN)
        return
    _listen(host, port).close()  # fail here, in the parent, if the address is taken
    ctx = multiprocessing.get_context("spawn")
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def start() -> multiprocessing.process.BaseProcess:
        p = ctx.Process(target=_worker, args=(host, port), name="trucewatch-worker", daemon=False)
        p.start()
        return p

    procs = [start() for _ in range(workers)]
    last_restart = 0.0
    while not stopping:
        time.sleep(0.2)
        for i, p in enumerate(procs):
            if not p.is_alive() and not stopping:
                if time.monotonic() - last_restart < 1.0:
                    time.sleep(1.0)  # a worker failing at once again: do not spin
                last_restart = time.monotonic()
                procs[i] = start()
    for p in procs:
        if p.is_alive() and p.pid is not None:
            p.terminate()  # uvicorn finishes the requests in flight, then exits
    for p in procs:
        p.join(timeout=30)
        if p.is_alive():
            p.kill()
