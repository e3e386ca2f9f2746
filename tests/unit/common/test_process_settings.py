"""The services' process settings: the event loop they run on and their frozen startup heap."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from services.common.event_loop import loop_name, use_fast_loop
from services.common.heap import freeze_startup_heap


@pytest.fixture
def standard_policy() -> Iterator[None]:
    yield
    asyncio.set_event_loop_policy(None)


def test_the_services_run_on_uvloop_unless_told_otherwise(standard_policy: None) -> None:
    assert loop_name({}) == "uvloop"
    assert loop_name({"GOLDTRACE_EVENT_LOOP": "asyncio"}) == "asyncio"
    with pytest.raises(ValueError, match="use uvloop or asyncio"):
        loop_name({"GOLDTRACE_EVENT_LOOP": "trio"})
    assert use_fast_loop({"GOLDTRACE_EVENT_LOOP": "asyncio"}) == "asyncio"
    assert type(asyncio.get_event_loop_policy()).__module__.startswith("asyncio")
    assert use_fast_loop({}) == "uvloop"
    assert type(asyncio.get_event_loop_policy()).__module__.startswith("uvloop")


def test_the_startup_heap_leaves_the_collectors_sight() -> None:
    kept = [{"lot": n} for n in range(1000)]
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()
