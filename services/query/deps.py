"""FastAPI dependencies of the query service: the database pool, the settings and the clock, set on app.state."""

from __future__ import annotations

from datetime import datetime
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


async def _now(request: Request) -> datetime:
    now: datetime = request.app.state.clock()
    return now


Pool = Annotated[asyncpg.Pool, Depends(_pool)]
Settings = Annotated[PipelineSettings, Depends(_settings)]
Now = Annotated[datetime, Depends(_now)]
"""The time reports and verdicts are made at: the app's clock (the wall clock, unless a test pins it)."""
