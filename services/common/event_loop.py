"""The services' event loop: uvloop (libuv) instead of asyncio's pure-Python selector loop.

Each service spends much of its CPU in the loop itself (callbacks, futures, socket writes to Kafka and PostgreSQL);
uvloop does that work in C. `GOLDTRACE_EVENT_LOOP=asyncio` keeps the standard loop (to compare, or to debug).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping

EVENT_LOOP_VARIABLE = "GOLDTRACE_EVENT_LOOP"


def loop_name(env: Mapping[str, str] | None = None) -> str:
    """`uvloop` (the default) or `asyncio`, from GOLDTRACE_EVENT_LOOP."""
    name = (os.environ if env is None else env).get(EVENT_LOOP_VARIABLE, "uvloop")
    if name not in {"uvloop", "asyncio"}:
        raise ValueError(f"{EVENT_LOOP_VARIABLE}={name!r}: use uvloop or asyncio")
    return name


def use_fast_loop(env: Mapping[str, str] | None = None) -> str:
    """Make new event loops uvloop ones (unless asked not to); return the loop's name, as uvicorn's `loop` wants."""
    name = loop_name(env)
    if name == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return name
