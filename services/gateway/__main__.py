"""`python -m services.gateway`: serve the gateway on 127.0.0.1 at GOLDTRACE_GATEWAY_PORT."""

from services.common.profiling import profiled
from services.common.serving import serve
from services.common.settings import PipelineSettings
from services.gateway.app import create_app


def main() -> None:
    """Read settings and serve."""
    settings = PipelineSettings.from_env()
    serve(create_app(settings), settings.stack.http_host, settings.stack.gateway_port)


profiled("gateway", main)
