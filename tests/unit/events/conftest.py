"""Fixtures of the custody tests: a scenario builder and the state of its standard world."""

from __future__ import annotations

import pytest

from events.custody import State
from tests.unit.events.scenario import Scenario, world_state


@pytest.fixture
def scenario() -> Scenario:
    """A fresh scenario (fixed keys, fixed clock)."""
    return Scenario()


@pytest.fixture
def state(scenario: Scenario) -> State:
    """The state of the standard world: registry complete, no lots."""
    return world_state(scenario)
