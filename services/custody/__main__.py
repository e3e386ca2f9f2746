"""`python -m services.custody [--worker N]`: run one custody worker (several share the partitions)."""

import argparse

from faust import Worker

from services.common.event_loop import use_fast_loop
from services.common.heap import settle_heap
from services.common.profiling import profiled
from services.common.settings import PipelineSettings
from services.custody.app import create_app


def main() -> None:
    """Read settings and run a worker until SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m services.custody")
    parser.add_argument("--worker", type=int, default=0, help="worker number: its web port is the custody port + N")
    args = parser.parse_args()
    use_fast_loop()
    app = create_app(PipelineSettings.from_env(), args.worker)
    settle_heap()
    Worker(app, loglevel="info").execute_from_commandline()


profiled("custody", main)
