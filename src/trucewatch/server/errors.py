"""One JSON error shape for every error status: {"ok": false, "status": N, "error": message, "code": slug}."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from trucewatch.errors import DecisionError, TrucewatchError
from trucewatch.record.errors import VerificationError

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 500: "server_error",
         503: "unavailable"}  # fmt: skip


class ApiError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


def error_body(status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "status": status, "error": message, "code": CODES.get(status, "error"), **extra}


def error_response(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse(error_body(status, message, **extra), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, e: ApiError) -> JSONResponse:
        return error_response(e.status, e.message, **e.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, e: StarletteHTTPException) -> JSONResponse:
        return error_response(e.status_code, str(e.detail), headers=getattr(e, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error_response(422, f"{where}: {first.get('msg')}", details=[
            {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg"))} for err in e.errors()[:20]
        ])  # fmt: skip

    @app.exception_handler(DecisionError)
    async def _decision(_: Request, e: DecisionError) -> JSONResponse:
        return error_response(409, str(e))

    @app.exception_handler(VerificationError)
    async def _verification(_: Request, e: VerificationError) -> JSONResponse:
        return error_response(409, str(e))

    @app.exception_handler(TrucewatchError)
    async def _tw(_: Request, e: TrucewatchError) -> JSONResponse:
        return error_response(400, str(e))

    @app.exception_handler(Exception)
    async def _crash(_: Request, e: Exception) -> JSONResponse:
        return error_response(500, f"internal error ({type(e).__name__}); the server log has details")
