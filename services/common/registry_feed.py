"""A live registry: every registry event from goldtrace.registry, in order, folded with the kernel's rules."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition

from events.codec import SignedEvent, decode_object
from events.custody.fold import decide, evolve
from events.custody.outcome import Outcome
from events.custody.registry import TrustAnchor
from events.custody.state import State, initial_state
from events.errors import DecodeError
from services.common import records

log = logging.getLogger(__name__)


class RegistryFeed:
    """Reads the single registry partition from the start; `position` is the next offset not yet applied."""

    def __init__(self, bootstrap: str, topic: str, anchor: TrustAnchor) -> None:
        self._bootstrap = bootstrap
        self._partition = TopicPartition(topic, 0)
        self.state: State = initial_state(anchor)
        self.anchor = anchor
        self.events: list[tuple[int, SignedEvent]] = []  # (offset, event) of every decodable registry event
        self.position = 0
        self._advanced = asyncio.Condition()
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and start following the registry topic in the background."""
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            enable_auto_commit=False,
            fetch_max_wait_ms=20,
            isolation_level="read_committed",
        )
        await self._consumer.start()
        self._consumer.assign([self._partition])
        await self._consumer.seek_to_beginning(self._partition)
        self._task = asyncio.create_task(self._follow(), name="registry-feed")

    async def stop(self) -> None:
        """Stop following."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()

    async def end_offset(self) -> int:
        """The registry topic's current end: every registry event acknowledged so far lies below it."""
        assert self._consumer is not None
        ends = await self._consumer.end_offsets([self._partition])
        return int(ends[self._partition])

    async def wait_for(self, position: int) -> None:
        """Wait until every registry event below `position` is applied (callers bound it with asyncio.timeout)."""
        async with self._advanced:
            await self._advanced.wait_for(lambda: self.position >= position)

    async def _follow(self) -> None:
        assert self._consumer is not None
        while True:
            batch = await self._consumer.getmany(self._partition, timeout_ms=500)
            for message in batch.get(self._partition, []):
                self.apply(message.offset, message.value)
            if batch:
                async with self._advanced:
                    self._advanced.notify_all()

    def apply(self, offset: int, value: bytes) -> Outcome | None:
        """Fold one registry record at its offset; undecodable records advance the position and change nothing."""
        try:
            signed = decode_object(records.decode(value)["event"])
        except (DecodeError, ValueError, KeyError) as error:
            log.warning("registry record at offset %d is unreadable: %s", offset, error)
            self.position = offset + 1
            return None
        outcome = decide(self.state, signed)
        evolve(self.state, outcome)
        self.events.append((offset, signed))
        self.position = offset + 1
        return outcome
