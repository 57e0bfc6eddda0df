"""Group commit: one writer thread gathers concurrent submissions into one durable transaction.

A submission is acknowledged only after its transaction commits, so an acknowledged observation survives
a crash; gathering many submissions per fsync keeps latency low under load.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import suppress
from typing import Any

from sqlalchemy import Connection, Engine

try:
    import fcntl
except ImportError:  # not on Windows: there, SQLite's own busy wait is all
    fcntl = None  # type: ignore[assignment]

from trucewatch.intake.rows import IntakeResult
from trucewatch.store.observations import ImportSummary, PreparedIntake, merge_prepared, prepare_intake, store_prepared

MAX_GROUP = 256


class IntakeJob:
    """Observations from one request; jobs of one user in a group are stored in one pass."""

    def __init__(self, result: IntakeResult, who: str, source: str) -> None:
        self.result, self.who, self.source = result, who, source
        self.prepared: PreparedIntake | None = None

    def prepare(self) -> PreparedIntake:
        if self.prepared is None:
            self.prepared = prepare_intake(self.result, self.who)
        return self.prepared

    def __call__(self, conn: Connection) -> ImportSummary:
        return store_prepared(conn, self.prepare())


Job = Callable[[Connection], Any]


class GroupWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.jobs: queue.Queue[tuple[Job, Future[Any]] | None] = queue.Queue()
        self.turns = WriterTurns.for_engine(engine)
        self.thread = threading.Thread(target=self._loop, name="trucewatch-writer", daemon=True)
        self.thread.start()

    def submit(self, job: Job, timeout: float = 60.0) -> Any:
        """Block until the job's transaction committed (for callers on worker threads)."""
        fut: Future[Any] = Future()
        self.jobs.put((job, fut))
        return fut.result(timeout=timeout)

    async def submit_async(self, job: Job, timeout: float = 60.0) -> Any:
        """The same for the event loop, without holding a worker thread while waiting."""
        import asyncio

        fut: Future[Any] = Future()
        self.jobs.put((job, fut))
        async with asyncio.timeout(timeout):  # cheaper than wait_for, which wraps the wait in a task
            return await asyncio.wrap_future(fut)

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join(timeout=10)
        if not self.thread.is_alive():  # a writer still mid-group keeps its lock file
            self.turns.close()

    def _loop(self) -> None:
        while True:
            first = self.jobs.get()
            if first is None:
                return
            group = self._gather([first])
            _prepare(group)  # encoding and hashing need no turn at the store: done while another has it
            with self.turns:
                group = self._gather(group)  # and what arrived while waiting for the turn
                _prepare(group)
                self._run(group)

    def _gather(self, group: list[tuple[Job, Future[Any]]]) -> list[tuple[Job, Future[Any]]]:
        while len(group) < MAX_GROUP:
            try:
                nxt = self.jobs.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                self.jobs.put(None)
                break
            group.append(nxt)
        return group

    def _run(self, group: list[tuple[Job, Future[Any]]]) -> None:
        results: list[Any] = []
        try:
            with self.engine.begin() as conn:
                merged = _merged_intake(conn, [job for job, _ in group if isinstance(job, IntakeJob)])
                for job, _ in group:
                    results.append(merged[id(job)] if id(job) in merged else job(conn))
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


class WriterTurns:
    """Takes turns at an SQLite store between the server's worker processes.

    SQLite lets one transaction write at a time, and a process that finds the store busy polls for it with
    growing sleeps (up to 100 ms each): tens of milliseconds of latency added for nothing. An exclusive
    `flock` on a file beside the database queues the workers' writers in the kernel instead, which wakes
    the next one the moment the lock is released. PostgreSQL needs no such help.
    """

    def __init__(self, path: str | None) -> None:
        """`path` None: no turns to take (PostgreSQL, an in-memory store, or no flock on this system)."""
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600) if path and fcntl is not None else None

    @classmethod
    def for_engine(cls, engine: Engine) -> WriterTurns:
        db = engine.url.database
        return cls(db + ".writers" if engine.dialect.name == "sqlite" and db and db != ":memory:" else None)

    def __enter__(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _prepare(group: list[tuple[Job, Future[Any]]]) -> None:
    for job, _ in group:
        if isinstance(job, IntakeJob) and job.prepared is None:
            # a failure is left for the store pass, which isolates and reports the failing submission
            with suppress(Exception):
                job.prepare()


def _merged_intake(conn: Connection, jobs: list[Any]) -> dict[int, ImportSummary]:
    """Store the observations of many requests in one pass per user, then split the summary per request."""
    out: dict[int, ImportSummary] = {}
    by_user: dict[str, list[IntakeJob]] = {}
    for job in jobs:
        by_user.setdefault(job.who, []).append(job)
    for user_jobs in by_user.values():
        summary = store_prepared(conn, merge_prepared([job.prepare() for job in user_jobs]))
        new = set(summary.new_ids)
        for job in user_jobs:
            mine = [r for r in summary.rejected if r.file == job.source]
            ids = [row.fields.get("client_id") for row, _ in job.result.accepted]
            stored = sum(1 for i in ids if i in new)
            out[id(job)] = ImportSummary(new=stored, unchanged=len(ids) - stored - sum(1 for r in mine if r.field in
                                         ("client_id", "supersedes")), rejected=mine,
                                         new_ids=[i for i in ids if i in new])  # fmt: skip
    return out
