"""Fixtures of the web tests: the demo season signed once per module run."""

from __future__ import annotations

import pytest

from tests.unit.web.documents import DemoSeason, demo_season


@pytest.fixture(scope="session")
def season() -> DemoSeason:
    """The demo season, signed with seeded keys."""
    return demo_season()
