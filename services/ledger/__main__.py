"""`python -m services.ledger`: run the ledger with settings from the environment until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import asyncpg

from events.errors import GoldtraceError
from services.common.event_loop import use_fast_loop
from services.common.heap import settle_heap
from services.common.profiling import profiled
from services.ledger.app import run
from services.ledger.settings import LedgerSettings


async def _main() -> None:
    settings = LedgerSettings.from_env()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await run(settings, stop)


def main() -> int:
    """Run the ledger; exit 0 on a clean stop, 1 with the reason when it cannot run."""
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    log = logging.getLogger("services.ledger")
    use_fast_loop()
    settle_heap()
    try:
        asyncio.run(_main())
    except GoldtraceError as error:
        log.error("%s", error)
        return 1
    except (OSError, asyncpg.PostgresError) as error:
        log.error(
            "ledger.unreachable: Kafka or PostgreSQL cannot be used (%s); is the stack up (`goldtrace up`)?", error
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(profiled("ledger", main))
