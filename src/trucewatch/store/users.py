"""Users and their bearer tokens: tokens are shown once and stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from trucewatch.errors import TrucewatchError
from trucewatch.store import schema as t

ROLES = ("monitor", "analyst", "chief", "party", "mediator")
TOKEN_PREFIX = "tw_"


@dataclass(frozen=True)
class User:
    name: str
    role: str
    party: str | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(conn: Connection, name: str, role: str, party: str | None, parties: list[str],
             days: int = 90) -> str:  # fmt: skip
    """Create a user; returns the token (the only time it exists in clear)."""
    if role not in ROLES:
        raise TrucewatchError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if role == "party" and party not in parties:
        raise TrucewatchError(f"a party liaison needs --party, one of {', '.join(parties)}")
    if role != "party" and party is not None:
        raise TrucewatchError("--party applies only to the party role")
    if conn.execute(select(t.users.c.seq).where(t.users.c.name == name)).first():
        raise TrucewatchError(f"user {name!r} already exists; revoke it first or choose another name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    conn.execute(insert(t.users).values(name=name, role=role, party=party, token_hash=token_hash(token),
                                        created_at=now, expires_at=now + timedelta(days=days)))  # fmt: skip
    return token


def list_users(conn: Connection) -> list[dict[str, object]]:
    rows = conn.execute(select(t.users).order_by(t.users.c.seq))
    return [{k: v for k, v in r._mapping.items() if k != "token_hash"} for r in rows]


def revoke_user(conn: Connection, name: str) -> None:
    res = conn.execute(update(t.users).where(t.users.c.name == name, t.users.c.revoked_at.is_(None))
                       .values(revoked_at=datetime.now(UTC)))  # fmt: skip
    if res.rowcount == 0:
        raise TrucewatchError(f"no active user {name!r}")
    # revocation changes a row in place on purpose: it is access control, not part of the record


def authenticate(conn: Connection, token: str) -> User | None:
    r = conn.execute(select(t.users).where(t.users.c.token_hash == token_hash(token))).first()
    if r is None or r.revoked_at is not None or r.expires_at <= datetime.now(UTC):
        return None
    return User(r.name, r.role, r.party)
