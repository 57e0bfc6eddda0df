"""A served mission (3-day scenario, imported and run) with one user per role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from trucewatch.intake.formats import read_file
from trucewatch.intake.validate import Context
from trucewatch.pipeline import run
from trucewatch.scenario.generate import generate
from trucewatch.server.app import create_app
from trucewatch.store.checkpoints import ensure_mission_key
from trucewatch.store.mission import Mission
from trucewatch.store.observations import store_intake
from trucewatch.store.users import add_user

ROLES = ("monitor", "analyst", "chief", "party", "mediator", "public")


@dataclass
class Served:
    dir: Path
    mission: Mission
    client: TestClient
    tokens: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        return {} if role == "public" else {"Authorization": f"Bearer {self.tokens[role]}"}


def make_served(tmp_path: Path, database: str | None) -> Served:
    d = tmp_path / "served"
    files = generate(d, days=3, seed=5)
    m = Mission.create(d, files.agreement, database)
    ensure_mission_key(m)
    with m.engine.begin() as conn:
        store_intake(conn, read_file(files.observations, Context.for_agreement(m.agreement)), "setup")
        tokens = {r: add_user(conn, f"{r}-1", r, "A" if r == "party" else None, m.agreement.party_ids)
                  for r in ROLES if r != "public"}  # fmt: skip
        tokens["party-b"] = add_user(conn, "party-b", "party", "B", m.agreement.party_ids)
    run(m)
    return Served(d, m, TestClient(create_app(d, database)), tokens)


@pytest.fixture
def served(tmp_path: Path, database: str | None) -> Served:
    s = make_served(tmp_path, database)
    yield s
    s.client.close()


@pytest.fixture(scope="module")
def served_module(tmp_path_factory: pytest.TempPathFactory, module_database: str | None) -> Served:
    """One served mission for tests that only check what each role may do."""
    s = make_served(tmp_path_factory.mktemp("served"), module_database)
    yield s
    s.client.close()
