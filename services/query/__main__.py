"""`python -m services.query`: serve the query API on 127.0.0.1 at GOLDTRACE_QUERY_PORT."""

import uvicorn

from services.common.event_loop import use_fast_loop
from services.common.heap import settle_heap
from services.common.settings import PipelineSettings
from services.query.app import create_app


def main() -> None:
    """Read settings and serve."""
    settings = PipelineSettings.from_env()
    app = create_app(settings)
    settle_heap()
    uvicorn.run(
        app,
        host=settings.stack.http_host,
        port=settings.stack.query_port,
        log_level="info",
        loop=use_fast_loop(),
        http="httptools",
    )


main()
