"""The mission's record: tamper detection, checkpoints, co-signatures, proof bundles, report checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from trucewatch.store.mission import Mission

from .helpers import csv_bytes, obs_row, past_agreement


@pytest.fixture
def filled(tmp_path: Path, database: str | None, cli, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    if database:
        monkeypatch.setenv("TRUCEWATCH_DATABASE", database)
    d = tmp_path / "m"
    assert cli("init", d, "--agreement", past_agreement(tmp_path)).code == 0
    rows = [obs_row(client_id=f"o{i}", observed_at=f"2026-10-0{1 + i % 5}T1{i % 10}:00:00Z", lat=51.2 + i * 0.005)
            for i in range(12)]  # fmt: skip
    rows.append(obs_row(client_id="bad", lat="nan"))
    f = tmp_path / "o.csv"
    f.write_bytes(csv_bytes(rows))
    assert cli("import", d, f).code == 3
    assert cli("decide", d, "nothing", "--status", "under_review", "--reason", "x").code == 1
    assert cli("run", d).code == 0
    assert cli("checkpoint", d).code == 0
    return d


def _sql(d: Path, stmt: str) -> None:
    with Mission.open(d).engine.begin() as conn:
        conn.execute(text(stmt))


def test_intact_record_verifies(cli, filled: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("verify", filled)
    assert r.code == 0 and "record intact" in r.out


def test_edited_observation_is_named(cli, filled: Path) -> None:  # type: ignore[no-untyped-def]
    _sql(filled, "UPDATE observations SET payload = replace(payload, 'patrol-1', 'patrol-9') WHERE id = 'o3'")
    r = cli("verify", filled)
    assert r.code == 4 and "observation o3: row differs from record entry" in r.out


def test_deleted_observation_is_named(cli, filled: Path) -> None:  # type: ignore[no-untyped-def]
    _sql(filled, "DELETE FROM observations WHERE id = 'o5'")
    r = cli("verify", filled)
    assert r.code == 4 and "observation o5: in record entry" in r.out and "deleted" in r.out


def test_reordered_rows_are_named(cli, filled: Path) -> None:  # type: ignore[no-untyped-def]
    with Mission.open(filled).engine.begin() as conn:
        a, b = (conn.execute(text(f"SELECT leaf_index FROM observations WHERE id = '{i}'")).scalar_one()
                for i in ("o1", "o2"))  # fmt: skip
        conn.execute(text("UPDATE observations SET leaf_index = -1 WHERE id = 'o1'"))
        conn.execute(text(f"UPDATE observations SET leaf_index = {a} WHERE id = 'o2'"))
        conn.execute(text(f"UPDATE observations SET leaf_index = {b} WHERE id = 'o1'"))
    r = cli("verify", filled)
    assert r.code == 4 and "observation o1: record entry" in r.out and "reordered" in r.out


def test_rewritten_log_entry_breaks_the_signed_checkpoint(cli, filled: Path) -> None:  # type: ignore[no-untyped-def]
    from trucewatch.record.hashing import leaf_hash
    from trucewatch.store import schema as t

    with Mission.open(filled).engine.begin() as conn:
        data = conn.execute(t.log_leaves.select().where(t.log_leaves.c.idx == 2)).first().data
        forged = bytes(data).replace(b"patrol-1", b"patrol-7")
        conn.execute(
            t.log_leaves.update().where(t.log_leaves.c.idx == 2).values(data=forged, leaf_hash=leaf_hash(forged))
        )
    r = cli("verify", filled)
    assert r.code == 4
    assert "checkpoint 1 (size" in r.out and "recomputed root differs" in r.out


def test_deleted_quarantine_entry_is_named(cli, filled: Path) -> None:  # type: ignore[no-untyped-def]
    _sql(filled, "DELETE FROM quarantine")
    r = cli("verify", filled)
    assert r.code == 4 and re.search(r"quarantine \w+: in record entry \d+ but its row is gone", r.out)


def test_bundle_verifies_offline_and_rejects_wrong_key(cli, filled: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    b = tmp_path / "entry.bundle"
    assert cli("bundle", filled, "3", "--out", b).code == 0
    pub = filled / "keys" / "mission.pub"
    r = cli("verify-bundle", b, "--key", pub)
    assert r.code == 0 and '"kind": "observation"' in r.out
    other = tmp_path / "k"
    cli("keys", "new", "someone.example/k", "--dir", other)
    r = cli("verify-bundle", b, "--key", other / "k.pub")
    assert r.code == 4 and "not signed by a known key" in r.err
    data = json.loads(b.read_text())
    data["index"] = 4
    b.write_text(json.dumps(data))
    r = cli("verify-bundle", b, "--key", pub)
    assert r.code == 4 and "different root" in r.err


def test_cosign_refuses_a_rewritten_history(cli, filled: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    keys = tmp_path / "party"
    r = cli("keys", "new", "party-a.example/liaison", "--dir", keys)
    assert r.code == 0 and r.out.strip().splitlines()[-1].startswith("party-a.example/liaison+")
    assert "PRIVATE" not in r.out
    assert (keys / "liaison.key").stat().st_mode & 0o777 == 0o600
    assert cli("cosign", filled, "--key", keys / "liaison.key").code == 0
    # the record grows honestly: a new checkpoint extends the old one and the party co-signs again
    assert cli("decide", filled, _any_incident(filled), "--status", "under_review", "--reason", "look").code == 0
    assert cli("checkpoint", filled).code == 0
    r = cli("cosign", filled, "--key", keys / "liaison.key")
    assert r.code == 0 and "consistent with size" in r.out
    # now history is rewritten behind the party's back: an early entry changes and the tree is rebuilt
    from trucewatch.store import schema as t
    from trucewatch.store.log import append

    with Mission.open(filled).engine.begin() as conn:
        rows = conn.execute(t.log_leaves.select().order_by(t.log_leaves.c.idx)).fetchall()
        conn.execute(t.log_leaves.delete())
        entries = [(r.kind, r.ref, json.loads(bytes(r.data))["data"]) for r in rows]
        entries[1] = (entries[1][0], entries[1][1], {**entries[1][2], "imported_by": "someone else"})
        append(conn, entries)
    assert cli("checkpoint", filled).code == 0
    r = cli("cosign", filled, "--key", keys / "liaison.key")
    assert r.code == 4 and "differ" in r.err  # a fork: same size, another root; the party refuses to sign


def _any_incident(d: Path) -> str:
    from trucewatch.store.runs import load_incidents

    with Mission.open(d).engine.connect() as conn:
        return load_incidents(conn)[0].id


def test_report_names_its_checkpoint_and_verify_report_catches_a_changed_figure(cli, filled: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("report", filled).code == 0
    day = next(p for p in sorted((filled / "reports").glob("day-*.html")) if "violation" in p.read_text())
    r = cli("verify-report", day, "--mission", filled)
    assert r.code == 0 and "match the record" in r.out
    html = day.read_text()
    doctored = re.sub(r'("violations": \{"RU": )(\d+)', lambda m: m.group(1) + str(int(m.group(2)) + 5), html, count=1)
    assert doctored != html
    day.write_text(doctored)
    r = cli("verify-report", day, "--mission", filled)
    assert r.code == 4 and "differ" in r.err
    assert cli("verify", filled).code == 0  # publishing added entries without breaking anything
