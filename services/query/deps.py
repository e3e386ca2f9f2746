"""FastAPI dependencies of the query service: the database pool and the settings, set on app.state by the lifespan."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from services.common.settings import PipelineSettings


async def _pool(request: Request) -> asyncpg.Pool:  # async: no thread-pool hop per request
    pool: asyncpg.Pool = request.app.state.pool
    return pool


async def _settings(request: Request) -> PipelineSettings:
    settings: PipelineSettings = request.app.state.settings
    return settings


Pool = Annotated[asyncpg.Pool, Depends(_pool)]
Settings = Annotated[PipelineSettings, Depends(_settings)]
