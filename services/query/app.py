"""The query service's composition root: one pool, the settings, and the routers of each audience."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from services.common.http import install_common
from services.common.settings import PipelineSettings
from services.query import audit_api, dashboard_api, log_api, lots_api, pages_api


def wall_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def create_app(settings: PipelineSettings, clock: Callable[[], datetime] = wall_clock) -> FastAPI:
    """The query app; its database pool opens in the lifespan, never at import. `clock` is the time its reports and
    verdicts are made at (clock-dependent findings, lapsed certificates)."""
    metrics = CollectorRegistry()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=8)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(
        title="goldtrace query",
        version="1",
        summary="Verify a lot back to its mines, take its provenance bundle away, read the transparency log; "
        "audit custody chains (auditor token).",
        lifespan=lifespan,
    )

    async def health() -> dict[str, str]:
        pool: asyncpg.Pool | None = getattr(app.state, "pool", None)
        try:
            ok = pool is not None and await pool.fetchval("SELECT 1") == 1
        except (OSError, asyncpg.PostgresError):
            ok = False
        return {"database": "ok" if ok else "down"}

    app.state.clock = clock
    install_common(app, metrics, health)
    app.include_router(lots_api.router)
    app.include_router(log_api.router)
    app.include_router(pages_api.router)
    app.include_router(audit_api.router)
    app.include_router(dashboard_api.router)
    return app
