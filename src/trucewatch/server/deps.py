"""Request context: the mission, the group writer, and the caller's identity and role."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

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


def caller(request: Request) -> User:
    header = request.headers.get("authorization")
    if not header:
        return PUBLIC
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Authorization must be 'Bearer <token>'")
    with state(request).mission.engine.connect() as conn:
        user = authenticate(conn, token.strip())
    if user is None:
        raise ApiError(401, "token unknown, expired or revoked")
    return user


def require(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise ApiError(403, f"role {user.role!r} may not do this; needs {' or '.join(roles)}")
