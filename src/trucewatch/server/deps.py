"""Request context: the mission, the group writer, and the caller's identity and role."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

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
    # token -> (when looked up, the lookup): see `caller`
    tokens: dict[str, tuple[float, asyncio.Future[User | None]]] = field(default_factory=dict)


def state(request: Request) -> State:
    return request.app.state.tw  # type: ignore[no-any-return]


# Token lookups are cached briefly; a revocation takes effect within this many seconds. Each entry holds the
# lookup's future, so requests arriving together while it runs share one query instead of each starting one.
TOKEN_CACHE_SECONDS = 2.0


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
    st = state(request)
    cache = st.tokens
    hit = cache.get(token)
    if hit is None or now - hit[0] > TOKEN_CACHE_SECONDS:
        if len(cache) > 10_000:
            cache.clear()
        lookup = asyncio.ensure_future(run_in_threadpool(_lookup, st, token))
        cache[token] = (now, lookup)
        try:
            user = await asyncio.shield(lookup)  # one caller giving up must not cancel the others' lookup
        except BaseException:
            cache.pop(token, None)  # a failed lookup is not remembered
            raise
    else:
        user = await asyncio.shield(hit[1])
    if user is None:
        raise ApiError(401, "token unknown, expired or revoked")
    return user


def require(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise ApiError(403, f"role {user.role!r} may not do this; needs {' or '.join(roles)}")
