"""HTTP pieces every service shares: JSON errors, /healthz, /metrics in Prometheus text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from events.errors import GoldtraceError

HealthCheck = Callable[[], Awaitable[dict[str, str]]]


class HttpError(GoldtraceError):
    """A refusal that maps to an HTTP status, with a stable code and a sentence."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(code, detail)
        self.status = status
        self.headers = headers or {}


def error_response(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The JSON body `{"error": code, "detail": sentence}` with a status."""
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


def install_common(app: FastAPI, metrics: CollectorRegistry, health: HealthCheck) -> None:
    """Add JSON error handlers, /healthz and /metrics to an app."""

    @app.exception_handler(HttpError)
    async def _http_error(request: Request, error: HttpError) -> JSONResponse:
        return error_response(error.status, error.code, error.detail, error.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error_response(422, "request.invalid", f"The request is not valid at {where}: {first.get('msg')}.")

    @app.exception_handler(StarletteHTTPException)
    async def _starlette(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "route.not_found", 405: "method.not_allowed"}.get(error.status_code, "http.error")
        headers = dict(error.headers or {})  # a 405 keeps its Allow header
        return error_response(error.status_code, code, str(error.detail), headers)

    @app.get("/healthz", tags=["operations"], summary="Liveness and readiness")
    async def healthz() -> JSONResponse:
        checks = await health()
        healthy = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if healthy else "degraded", **checks}, status_code=200 if healthy else 503)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=PlainTextResponse)
    async def prometheus() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(metrics), media_type=CONTENT_TYPE_LATEST)
