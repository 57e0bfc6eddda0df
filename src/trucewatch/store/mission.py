"""A mission folder: its agreement, its database and its keys."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from trucewatch.agreement import Agreement, load_agreement
from trucewatch.agreement.load import parse_agreement
from trucewatch.errors import StoreError
from trucewatch.store import schema as t
from trucewatch.store.db import database_url, make_engine, migrate

MISSION_FILE = "mission.json"
AGREEMENT_DIR = "agreement"


@dataclass
class Mission:
    dir: Path
    database: str | None = None

    @classmethod
    def open(cls, path: Path | str, database: str | None = None) -> Mission:
        d = Path(path)
        if not (d / MISSION_FILE).exists():
            raise StoreError(f"{d}: not a mission folder (no {MISSION_FILE}); create one with 'trucewatch init'")
        m = cls(d, database)
        migrate(m.engine)
        return m

    @classmethod
    def create(cls, path: Path | str, agreement_file: Path | str, database: str | None = None) -> Mission:
        d, src = Path(path), Path(agreement_file)
        if (d / MISSION_FILE).exists():
            raise StoreError(f"{d}: already a mission folder")
        load_agreement(src)  # validate before copying anything
        (d / AGREEMENT_DIR).mkdir(parents=True, exist_ok=True)
        text = src.read_text(encoding="utf-8")
        refs = _file_refs(parse_agreement(text, str(src)).model_dump(mode="json"))
        for ref in sorted(set(refs)):
            shutil.copy2(src.parent / ref, d / AGREEMENT_DIR / Path(ref).name)
            text = re.sub(rf"(file:\s*['\"]?){re.escape(ref)}", rf"\g<1>{Path(ref).name}", text)
        (d / AGREEMENT_DIR / "agreement.yaml").write_text(text, encoding="utf-8")
        for sub in ("reports", "exports", "keys"):
            (d / sub).mkdir(exist_ok=True)
        info = {"created_at": datetime.now(UTC).isoformat(), "agreement": f"{AGREEMENT_DIR}/agreement.yaml"}
        (d / MISSION_FILE).write_text(json.dumps(info, indent=2) + "\n")
        m = cls(d, database)
        migrate(m.engine)
        ag = m.agreement
        with m.engine.begin() as conn:
            existing = conn.execute(select(t.meta.c.key)).scalars().all()
            if "agreement_id" not in existing:
                conn.execute(insert(t.meta), [
                    {"key": "agreement_id", "value": ag.id},
                    {"key": "agreement_digest", "value": ag.digest},
                ])  # fmt: skip
        return m

    @cached_property
    def engine(self) -> Engine:
        return make_engine(database_url(self.dir, self.database))

    @cached_property
    def reader(self) -> Engine:
        """For reads only: on SQLite its transactions never wait for the writer's lock."""
        url = database_url(self.dir, self.database)
        return make_engine(url, writer=False) if url.startswith("sqlite") else self.engine

    @property
    def agreement_path(self) -> Path:
        info = json.loads((self.dir / MISSION_FILE).read_text())
        return (self.dir / info["agreement"]).resolve()

    @cached_property
    def agreement(self) -> Agreement:
        return load_agreement(self.agreement_path)

    @property
    def reports_dir(self) -> Path:
        return self.dir / "reports"

    @property
    def keys_dir(self) -> Path:
        return self.dir / "keys"


def _file_refs(obj: Any) -> list[str]:
    out: list[str] = []
    if isinstance(obj, dict):
        if isinstance(obj.get("file"), str):
            out.append(obj["file"])
        for v in obj.values():
            out += _file_refs(v)
    elif isinstance(obj, list):
        for v in obj:
            out += _file_refs(v)
    return out
