"""The FastAPI application: API, errors, limits, and the dashboard's static files."""

from __future__ import annotations

import gc
import os
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from trucewatch import __version__
from trucewatch.server import errors
from trucewatch.server.api import router
from trucewatch.server.deps import State
from trucewatch.server.errors import ApiError
from trucewatch.server.limits import BodyLimit
from trucewatch.server.writer import GroupWriter
from trucewatch.store.mission import Mission

STATIC = Path(str(resources.files("trucewatch.server") / "static"))


def create_app(mission_dir: Path | str, database: str | None = None) -> FastAPI:
    mission = Mission.open(mission_dir, database)
    mission.agreement  # noqa: B018  (load and validate once, before the first request)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        # The agreement, its geometry and the libraries are some 200,000 long-lived objects; a full garbage
        # collection walking them all took about 190 ms and, under load, came round every second or so,
        # stalling every request in flight. Frozen, they are never walked again.
        gc.collect()
        gc.freeze()
        yield
        app.state.tw.writer.close()

    app = FastAPI(title="Trucewatch", version=__version__, lifespan=lifespan,
                  description="Monitoring and verification of a ceasefire.")  # fmt: skip
    app.state.tw = State(mission=mission, writer=GroupWriter(mission.engine))
    errors.install(app)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/api/v1/{rest:path}", include_in_schema=False)
    def unknown(rest: str) -> None:
        raise ApiError(404, f"no route /api/v1/{rest}")

    app.add_middleware(BodyLimit)
    return app


def from_environment() -> FastAPI:
    """The factory `trucewatch serve` hands to uvicorn."""
    return create_app(os.environ["TRUCEWATCH_MISSION"], os.environ.get("TRUCEWATCH_DATABASE"))
