"""`goldtrace demo`: play the Puno demo season on the running stack and print what to look at.

The stack must be up (`make demo` runs `goldtrace up` first). Keys are made (or reused) under $GOLDTRACE_HOME/keys/,
the season is built from the stack's demo seed, submitted step by step as the parties would, and summarised.
Running it again resubmits the very same events: the gateway answers them as duplicates and the summary repeats.
Exit status: 0 when everything went as the season expects, 1 when an outcome differs, 2 when the demo cannot run.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Final, TextIO

import httpx

from events.custody.registry import TrustAnchor
from events.errors import GoldtraceError
from services.cli.submit_commands import seconds_argument
from services.common.platform_keys import AUTHORITY_ID
from services.demo import cast
from services.demo.auditor import AuditorToken, stack_auditor_token
from services.demo.example import next_extraction
from services.demo.gateway_client import GatewayClient, open_gateway, unreachable
from services.demo.home import DemoHome, load_or_create_seed
from services.demo.keys import demo_keys, key_file, participants_listing, public_entries, write_json
from services.demo.play import play_season, signed_steps
from services.demo.season import build_season
from services.demo.signing import sign_all
from services.demo.summary import Links, summary_lines
from services.stack import postgres
from services.stack.settings import StackSettings

DEFAULT_STEP_WAIT_S: Final = 60.0


def register(subparsers: Any) -> None:
    """Register `demo`."""
    demo = subparsers.add_parser(
        "demo",
        help="play the Puno demo season on the running stack (safe to run again)",
        description="Register ARM, a certification body, CECOMIP, Oro Puno, Cruz Pata, Linda 2, a buyer, a lab, a "
        "refinery and a jeweller; play a season of extractions, sales, melts, refining and rings, with a few bad "
        "attempts that are refused; print the verified ring, the refusals, the findings and what to try next.",
    )
    demo.add_argument("--gateway", metavar="URL", help="the gateway (default: this stack's, see `goldtrace status`)")
    demo.add_argument(
        "--timeout",
        type=seconds_argument,
        default=DEFAULT_STEP_WAIT_S,
        metavar="S",
        help=f"seconds to wait for each step to be decided (default {DEFAULT_STEP_WAIT_S:.0f})",
    )
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    """The `demo` handler."""
    return asyncio.run(run(args))


async def run(
    args: argparse.Namespace,
    http: httpx.AsyncClient | None = None,
    out: TextIO | None = None,
    settings: StackSettings | None = None,
    now: datetime | None = None,
    auditor: AuditorToken | None = None,
) -> int:
    """Make keys, build and sign the season, play it, print the summary; `http` replaces the network (tests).

    `auditor` provides the dashboard's auditor token: by default the stack's database issues it, unless `http`
    replaces the network (tests pass their own, or get none).
    """
    out = out or sys.stdout

    def say(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    try:
        settings = settings or StackSettings.from_env()
        now = now or datetime.now(UTC)
        demo = DemoHome(settings.home)
        seed = load_or_create_seed(demo, now)
        keys = demo_keys(demo, seed)
        public = public_entries(keys)
        season = build_season(seed, public)
        signed = sign_all(season.events(), keys)
        write_json(demo.participants_file, participants_listing(demo, seed, public))
        write_json(demo.example_file, next_extraction(seed, now, secrets.token_hex(3)))
        gateway_url = args.gateway or settings.gateway_url
        async with _client(gateway_url, http) as client:
            if not await client.healthy():
                raise unreachable(client.url, ConnectionError("no answer from /healthz"))
            say(f"Playing the Puno demo season {season.tag} through {client.url} (every figure is invented).")
            played = await play_season(client, signed_steps(season.steps, signed), args.timeout, say)
        if auditor is None and http is None:
            auditor = stack_auditor_token(postgres.database_url(settings), demo.auditor_token_file, _warn)
        token_file = None if auditor is None else await auditor()
    except GoldtraceError as error:
        sys.stderr.write(f"goldtrace demo: {error.detail} [{error.code}]\n")
        return 2
    except ValueError as error:  # settings from the environment
        sys.stderr.write(f"goldtrace demo: {error}\n")
        return 2
    authority = public[AUTHORITY_ID]
    links = Links(
        gateway_url=gateway_url,
        query_url=settings.query_url,
        participants_file=demo.participants_file,
        example_file=demo.example_file,
        example_key_file=key_file(demo, cast.CECOMIP),
        example_keyid=public[cast.CECOMIP].keyid,
        audit_url=f"{settings.query_url}/audit",
        auditor_token_file=token_file,
    )
    lines, as_expected = summary_lines(
        season,
        signed,
        played.final,
        TrustAnchor(AUTHORITY_ID, authority.keyid, authority.public_key),
        links,
        played.already_there,
        now,
    )
    for line in lines:
        say(line)
    return 0 if as_expected else 1


def _warn(line: str) -> None:
    sys.stderr.write(line + "\n")


@asynccontextmanager
async def _client(url: str, http: httpx.AsyncClient | None) -> AsyncIterator[GatewayClient]:
    if http is not None:
        yield GatewayClient(http)
        return
    async with open_gateway(url) as client:
        yield client
