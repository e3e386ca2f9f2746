"""A live registry: every registry event from goldtrace.registry, in order, folded with the kernel's rules."""

from __future__ import annotations

import asyncio
import bisect
import logging
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from events.codec import SignedEvent, decode_parsed
from events.custody.fold import decide, evolve
from events.custody.outcome import Outcome
from events.custody.registry import TrustAnchor
from events.custody.state import State, initial_state
from events.errors import DecodeError
from services.common import records

log = logging.getLogger(__name__)
FOLLOW_WAIT_MS = 500  # the longest a follower's fetch waits at the broker when no registry event comes


@dataclass(frozen=True, slots=True)
class RegistryDecision:
    """What the registry fold made of the record at one offset."""

    offset: int
    raw: dict[str, Any] | None
    signed: SignedEvent | None
    outcome: Outcome | None
    error: DecodeError | None = None


class RegistryFeed:
    """Reads the single registry partition from the start; `position` is the next offset not yet applied."""

    def __init__(self, bootstrap: str, topic: str, anchor: TrustAnchor) -> None:
        self._bootstrap = bootstrap
        self._partition = TopicPartition(topic, 0)
        self.state: State = initial_state(anchor)
        self.anchor = anchor
        self.events: list[tuple[int, SignedEvent]] = []  # (offset, event) of every decodable registry event
        self.decisions: dict[int, RegistryDecision] = {}
        self.position = 0
        self._advanced = asyncio.Condition()
        self._consumer: AIOKafkaConsumer | None = None
        self._ends: AIOKafkaConsumer | None = None  # asks for the end offset on a connection of its own
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and start following the registry topic in the background.

        The follower long-polls (the broker answers its fetch as soon as a registry event is appended, else after
        half a second), so an idle feed costs the broker two fetches a second, not fifty. A broker serves one
        connection's requests in order, so `end_offset` asks on a connection of its own: behind a parked fetch it
        would wait out the poll.
        """
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            enable_auto_commit=False,
            fetch_max_wait_ms=FOLLOW_WAIT_MS,
            isolation_level="read_committed",
        )
        self._ends = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, enable_auto_commit=False, isolation_level="read_committed"
        )
        await self._consumer.start()
        await self._ends.start()
        self._consumer.assign([self._partition])
        await self._consumer.seek_to_beginning(self._partition)
        self._task = asyncio.create_task(self._follow(), name="registry-feed")

    async def stop(self) -> None:
        """Stop following."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for consumer in (self._consumer, self._ends):
            if consumer is not None:
                await consumer.stop()

    async def end_offset(self) -> int:
        """The registry topic's current end: every registry event acknowledged so far lies below it."""
        assert self._ends is not None
        ends = await self._ends.end_offsets([self._partition])
        return int(ends[self._partition])

    async def wait_for(self, position: int) -> None:
        """Wait until every registry event below `position` is applied (callers bound it with asyncio.timeout)."""
        async with self._advanced:
            await self._advanced.wait_for(lambda: self.position >= position)

    def between(self, lo: int, hi: int) -> list[tuple[int, SignedEvent]]:
        """The decodable registry events with offsets in [lo, hi), in order (they must have been applied)."""
        if hi > self.position:
            raise ValueError(f"registry events up to {hi} were asked for, but only {self.position} are known")
        start = bisect.bisect_left(self.events, lo, key=lambda pair: pair[0])
        end = bisect.bisect_left(self.events, hi, key=lambda pair: pair[0])
        return self.events[start:end]

    async def _follow(self) -> None:
        assert self._consumer is not None
        while True:
            batch = await self._consumer.getmany(self._partition, timeout_ms=500)
            for message in batch.get(self._partition, []):
                self.apply(message.offset, message.value)
            if batch:
                async with self._advanced:
                    self._advanced.notify_all()

    def apply(self, offset: int, value: bytes) -> RegistryDecision:
        """Fold one registry record at its offset; undecodable records advance the position and change nothing."""
        raw: dict[str, Any] | None = None
        try:
            raw = records.decode(value)["event"]
            signed = decode_parsed(raw)
        except DecodeError as error:
            decision = RegistryDecision(offset, raw, None, None, error)
        except (ValueError, KeyError, TypeError):
            unreadable = DecodeError("event.malformed_json", "The registry record is not a JSON event.")
            decision = RegistryDecision(offset, None, None, None, unreadable)
        else:
            outcome = decide(self.state, signed)
            evolve(self.state, outcome)
            self.events.append((offset, signed))
            decision = RegistryDecision(offset, raw, signed, outcome)
        if decision.error is not None:
            log.warning("registry record at offset %d is unreadable: %s", offset, decision.error)
        self.decisions[offset] = decision
        self.position = offset + 1
        return decision
