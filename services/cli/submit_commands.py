"""`goldtrace submit FILE...`: send signed events to the gateway, print each one's status, optionally wait.

Exit status: 0 when every event ended queued, duplicate or accepted; 1 when any was rejected (or is unknown to the
gateway); 2 on a usage error or when the gateway cannot be used.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TextIO

import httpx
import orjson

from events.errors import GoldtraceError
from services.demo.gateway_client import EventStatus, GatewayClient, open_gateway
from services.demo.progress import Progress
from services.stack.settings import StackSettings

DEFAULT_WAIT_S: Final = 60.0
PROGRESS_FROM_EVENTS: Final = 200
PROGRESS_FROM_FILES: Final = 5


def register(subparsers: Any) -> None:
    """Register `submit`."""
    submit = subparsers.add_parser(
        "submit",
        help="send signed events to the gateway and print each one's status",
        description="Send signed events (files holding one event or a JSON array of them) to the gateway in "
        "batches of up to 1,000 and print each event's status: queued, duplicate, or rejected with its reason. "
        "Exit 0 if none was rejected, 1 if any was, 2 on a usage or connection error.",
    )
    submit.add_argument("files", nargs="+", metavar="FILE", help="a JSON file of signed events, or - for stdin")
    submit.add_argument("--gateway", metavar="URL", help="the gateway (default: this stack's, see `goldtrace status`)")
    submit.add_argument("--wait", action="store_true", help="wait until each event is accepted or rejected")
    submit.add_argument(
        "--timeout",
        type=seconds_argument,
        metavar="S",
        help=f"with --wait: stop waiting after S seconds (default {DEFAULT_WAIT_S:.0f}); undecided events stay queued",
    )
    submit.add_argument("--json", action="store_true", help="print one JSON object per event instead of text")
    submit.set_defaults(handler=submit_files)


@dataclass(frozen=True)
class Submission:
    """One event read from a file: where it came from, its bytes, and its id as far as it can be read."""

    file: str
    index: int | None  # its place in the file's array; None when the file holds one event
    body: bytes
    id: str | None

    @property
    def where(self) -> str:
        """`file` or `file[index]`."""
        return self.file if self.index is None else f"{self.file}[{self.index}]"


class UsageError(GoldtraceError):
    """The command line or an input file cannot be used."""


def seconds_argument(text: str) -> float:
    """An argparse type: a number of seconds, more than 0 and at most a day."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 86_400:  # also refuses NaN
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds between 0 and 86400")
    return value


def submit_files(args: argparse.Namespace) -> int:
    """The `submit` handler."""
    return asyncio.run(run(args))


async def run(
    args: argparse.Namespace,
    http: httpx.AsyncClient | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Read, submit, optionally wait, print; `http` replaces the network client (tests pass one over ASGI)."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        if args.timeout is not None and not args.wait:
            raise UsageError("submit.usage", "--timeout only makes sense with --wait.")
        submissions = read_events(args.files, sys.stdin.buffer)
        url = args.gateway or StackSettings.from_env().gateway_url
        progress = Progress(
            err, enabled=len(submissions) >= PROGRESS_FROM_EVENTS or len(args.files) >= PROGRESS_FROM_FILES
        )
        async with _client(url, http) as client:
            statuses = await submit_and_wait(client, submissions, args.wait, args.timeout or DEFAULT_WAIT_S, progress)
    except GoldtraceError as error:
        err.write(f"goldtrace submit: {error.detail} [{error.code}]\n")
        return 2
    except ValueError as error:  # settings from the environment
        err.write(f"goldtrace submit: {error}\n")
        return 2
    for submission, status in zip(submissions, statuses, strict=True):
        out.write((json_row(submission, status) if args.json else text_row(submission, status)) + "\n")
    err.write(tally(statuses) + "\n")
    if args.wait and any(not status.decided for status in statuses):
        err.write(f"Still queued after {args.timeout or DEFAULT_WAIT_S:g} s: follow them with GET /v1/events/ID.\n")
    return 0 if all(status.ok for status in statuses) else 1


@asynccontextmanager
async def _client(url: str, http: httpx.AsyncClient | None) -> AsyncIterator[GatewayClient]:
    if http is not None:
        yield GatewayClient(http)
        return
    async with open_gateway(url) as client:
        yield client


def read_events(files: Sequence[str], stdin: Any) -> list[Submission]:
    """Every event of every file, in order: a file holds one event (a JSON object) or a JSON array of them."""
    submissions: list[Submission] = []
    for name in files:
        data = _read(name, stdin)
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise UsageError(
                "submit.not_json", f"{name} is not JSON ({error}); give files holding one signed event or an array."
            ) from error
        if isinstance(document, list):
            submissions.extend(
                Submission(name, index, orjson.dumps(item), _id_of(item)) for index, item in enumerate(document)
            )
        else:
            submissions.append(Submission(name, None, data.strip(), _id_of(document)))
    if not submissions:
        raise UsageError("submit.no_events", "The files hold no events (only empty arrays); nothing was sent.")
    return submissions


def _read(name: str, stdin: Any) -> bytes:
    if name == "-":
        data: bytes = stdin.read()
        return data
    try:
        return Path(name).read_bytes()
    except OSError as error:
        raise UsageError("submit.unreadable", f"Cannot read {name}: {error.strerror}.") from error


def _id_of(item: Any) -> str | None:
    event_id = item.get("id") if isinstance(item, dict) else None
    return event_id if isinstance(event_id, str) else None


async def submit_and_wait(
    client: GatewayClient, submissions: Sequence[Submission], wait: bool, wait_seconds: float, progress: Progress
) -> list[EventStatus]:
    """Submit in batches (with progress), then, with `wait`, poll until each is decided; one status per event."""
    answered: list[EventStatus] = []

    def batch_done(statuses: list[EventStatus]) -> None:
        answered.extend(statuses)
        progress.update("submitted", len(answered), len(submissions))

    statuses = await client.submit_all([s.body for s in submissions], on_batch=batch_done)
    if wait:
        to_follow = {status.id: status for status in statuses if status.id is not None and not status.decided}
        final = await client.wait_decided(
            to_follow, wait_seconds, lambda done, total: progress.update("decided", done, total)
        )
        statuses = [final[status.id] if status.id is not None and not status.decided else status for status in statuses]
    progress.clear()
    return statuses


def text_row(submission: Submission, status: EventStatus) -> str:
    """`id  status  [code: sentence | findings: codes]`, tab-separated (the file and place when there is no id)."""
    columns = [status.id or submission.id or submission.where, status.status]
    if status.code is not None:
        columns.append(status.code if not status.detail else f"{status.code}: {status.detail}")
    elif status.findings:
        columns.append("findings: " + ", ".join(str(f.get("code", "?")) for f in status.findings))
    return "\t".join(columns)


def json_row(submission: Submission, status: EventStatus) -> str:
    """One JSON object per event: file, index, id, status, error and findings."""
    row: dict[str, Any] = {"file": submission.file, "index": submission.index, "id": status.id, "status": status.status}
    if status.code is not None:
        row["error"] = {"code": status.code, "detail": status.detail}
    if status.findings:
        row["findings"] = list(status.findings)
    return orjson.dumps(row).decode()


def tally(statuses: Sequence[EventStatus]) -> str:
    """`N events: a accepted, b queued, ...` in a fixed order."""
    counts = Counter(status.status for status in statuses)
    order = ["accepted", "queued", "duplicate", "rejected", "unknown"]
    parts = [f"{counts[name]} {name}" for name in order if counts[name]]
    parts += [f"{count} {name}" for name, count in sorted(counts.items()) if name not in order]
    noun = "event" if len(statuses) == 1 else "events"
    return f"{len(statuses)} {noun}: " + ", ".join(parts)
