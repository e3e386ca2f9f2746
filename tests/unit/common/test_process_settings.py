"""The services' process settings: the event loop they run on and their settled heap."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from services.common.event_loop import loop_name, use_fast_loop
from services.common.heap import YOUNG_OBJECTS, settle_heap


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


def test_the_startup_heap_leaves_the_collectors_sight_and_young_objects_are_collected_less_often() -> None:
    kept = [{"lot": n} for n in range(1000)]
    threshold = gc.get_threshold()
    try:
        settle_heap()
        assert gc.get_freeze_count() >= len(kept)
        assert gc.get_threshold() == (YOUNG_OBJECTS, 10, 10)
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
