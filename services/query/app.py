"""The query service: health and metrics now; lots, provenance and bundles arrive with the verification issue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from services.common.http import install_common
from services.common.settings import PipelineSettings


def create_app(settings: PipelineSettings) -> FastAPI:
    """The query app; its database pool opens in the lifespan."""
    metrics = CollectorRegistry()
    parts: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        parts["pool"] = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=8)
        try:
            yield
        finally:
            await parts["pool"].close()

    app = FastAPI(title="goldtrace query", version="1", lifespan=lifespan)

    async def health() -> dict[str, str]:
        pool: asyncpg.Pool | None = parts.get("pool")
        try:
            ok = pool is not None and await pool.fetchval("SELECT 1") == 1
        except (OSError, asyncpg.PostgresError):
            ok = False
        return {"database": "ok" if ok else "down"}

    install_common(app, metrics, health)
    return app
