"""Request context: the mission, the group writer, and the caller's identity and role."""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from trucewatch.server.errors import ApiError
from trucewatch.server.writer import GroupWriter
from trucewatch.store.mission import Mission
from trucewatch.store.users import User, authenticate

PUBLIC = User(name="public", role="public", party=None)


@dataclass
class State:
    mission: Mission
    writer: GroupWriter


def state(request: Request) -> State:
    return request.app.state.tw  # type: ignore[no-any-return]


# Token lookups are cached briefly; a revocation takes effect within this many seconds.
TOKEN_CACHE_SECONDS = 2.0
_cache: dict[str, tuple[float, User | None]] = {}


def _lookup(st: State, token: str) -> User | None:
    with st.mission.reader.connect() as conn:
        return authenticate(conn, token)


async def caller(request: Request) -> User:
    header = request.headers.get("authorization")
    if not header:
        return PUBLIC
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "Authorization must be 'Bearer <token>'")
    now = time.monotonic()
    hit = _cache.get(token)
    if hit is None or now - hit[0] > TOKEN_CACHE_SECONDS:
        user = await run_in_threadpool(_lookup, state(request), token)
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[token] = (now, user)
    else:
        user = hit[1]
    if user is None:
        raise ApiError(401, "token unknown, expired or revoked")
    return user


def require(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise ApiError(403, f"role {user.role!r} may not do this; needs {' or '.join(roles)}")
