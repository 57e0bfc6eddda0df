"""Shared fixtures: databases (SQLite always, PostgreSQL when the test runner started one), missions, CLI."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from trucewatch.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "trucewatch" / "examples"
SUDZHA = EXAMPLES / "sudzha" / "agreement.yaml"
ASSETS = Path(__file__).resolve().parent / "assets"
PG = os.environ.get("TRUCEWATCH_TEST_PG")

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _database(backend: str) -> Iterator[str | None]:
    if backend == "sqlite":
        yield None
        return
    if not PG:
        pytest.skip("no PostgreSQL: run the suite with scripts/run-tests, which starts one")
    import psycopg

    name = f"tw_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None means the embedded SQLite store; otherwise a fresh PostgreSQL database per test."""
    yield from _database(request.param)


@pytest.fixture(params=BACKENDS, scope="module")
def module_database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The same, shared by the tests of one module."""
    yield from _database(request.param)


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run `trucewatch ARGS` in-process; returns exit code, stdout and stderr."""
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str | Path) -> Result:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["trucewatch", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def mission(tmp_path: Path, database: str | None, cli, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    """An empty mission on the Sudzha example agreement."""
    d = tmp_path / "mission"
    args = ["init", d, "--agreement", SUDZHA]
    if database:
        args += ["--database", database]
    r = cli(*args)
    assert r.code == 0, r.err
    if database:
        monkeypatch.setenv("TRUCEWATCH_DATABASE", database)
    return d


@pytest.fixture(scope="session", params=BACKENDS)
def small_scenario_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, str | None]]:
    """A 6-day scenario, imported and run once per backend; tests that change it use `scenario_copy`."""
    gen = _database(request.param)
    database = next(gen)
    d = tmp_path_factory.mktemp("scenario") / "m"
    saved, env = sys.argv, os.environ.get("TRUCEWATCH_DATABASE")
    try:
        if database:
            os.environ["TRUCEWATCH_DATABASE"] = database
        for args in (["scenario", str(d), "--days", "6", "--seed", "7"],
                     ["import", str(d), str(d / "inputs" / "observations.csv")],
                     ["run", str(d)]):  # fmt: skip
            sys.argv = ["trucewatch", *args]
            try:
                main()
            except SystemExit as e:
                assert not e.code, args
    finally:
        sys.argv = saved
        os.environ.pop("TRUCEWATCH_DATABASE", None)
        if env is not None:
            os.environ["TRUCEWATCH_DATABASE"] = env
    yield d, database
    for _ in gen:
        pass


@pytest.fixture
def small_scenario(small_scenario_db: tuple[Path, str | None], monkeypatch: pytest.MonkeyPatch) -> Path:
    d, database = small_scenario_db
    if database:
        monkeypatch.setenv("TRUCEWATCH_DATABASE", database)
    return d


@pytest.fixture
def scenario_copy(small_scenario_db: tuple[Path, str | None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the scenario mission: the folder, and on PostgreSQL the database (as a template)."""
    src, database = small_scenario_db
    d = tmp_path / "copy"
    shutil.copytree(src, d)
    if database:
        import psycopg

        name = f"tw_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (database.rsplit("/", 1)[1],),
            )
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{database.rsplit("/", 1)[1]}"')
        monkeypatch.setenv("TRUCEWATCH_DATABASE", PG.rsplit("/", 1)[0] + "/" + name)
    return d


from .server_fixtures import served, served_module  # noqa: E402, F401  (fixtures shared by server tests)
