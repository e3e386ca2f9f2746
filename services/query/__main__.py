"""`python -m services.query`: serve the query API on 127.0.0.1 at GOLDTRACE_QUERY_PORT."""

from services.common.serving import serve
from services.common.settings import PipelineSettings
from services.query.app import create_app


def main() -> None:
    """Read settings and serve."""
    settings = PipelineSettings.from_env()
    serve(create_app(settings), settings.stack.http_host, settings.stack.query_port)


main()
