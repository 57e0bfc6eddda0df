"""Group commit: one writer thread gathers concurrent submissions into one durable transaction.

A submission is acknowledged only after its transaction commits, so an acknowledged observation survives
a crash; gathering many submissions per fsync keeps latency low under load.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from sqlalchemy import Connection, Engine

Job = Callable[[Connection], Any]
MAX_GROUP = 256


class GroupWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.jobs: queue.Queue[tuple[Job, Future[Any]] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._loop, name="trucewatch-writer", daemon=True)
        self.thread.start()

    def submit(self, job: Job, timeout: float = 60.0) -> Any:
        fut: Future[Any] = Future()
        self.jobs.put((job, fut))
        return fut.result(timeout=timeout)

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join(timeout=10)

    def _loop(self) -> None:
        while True:
            first = self.jobs.get()
            if first is None:
                return
            group = [first]
            while len(group) < MAX_GROUP:
                try:
                    nxt = self.jobs.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self.jobs.put(None)
                    break
                group.append(nxt)
            self._run(group)

    def _run(self, group: list[tuple[Job, Future[Any]]]) -> None:
        results: list[Any] = []
        try:
            with self.engine.begin() as conn:
                for job, _ in group:
                    results.append(job(conn))
        except Exception:
            if len(group) == 1:
                import sys

                group[0][1].set_exception(sys.exc_info()[1] or RuntimeError("write failed"))
                return
            for item in group:  # isolate the failing submission; the others still commit
                self._run([item])
            return
        for (_, fut), res in zip(group, results, strict=True):
            fut.set_result(res)
