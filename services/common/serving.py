"""How the HTTP services (gateway, query) serve: uvicorn on uvloop and httptools, after settling the heap."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from services.common.event_loop import use_fast_loop
from services.common.heap import settle_heap


def serve(app: FastAPI, host: str, port: int) -> None:
    """Serve `app` until SIGTERM or SIGINT."""
    settle_heap()
    uvicorn.run(app, host=host, port=port, log_level="info", loop=use_fast_loop(), http="httptools")
