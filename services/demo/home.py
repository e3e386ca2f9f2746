"""The demo's folder under $GOLDTRACE_HOME: the seed that fixes the season, and where keys and listings go."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from events.model.types import parse_utc
from services.demo.errors import DemoError
from services.demo.ids import SEED_BYTES, DemoSeed, rfc3339


@dataclass(frozen=True)
class DemoHome:
    """Paths of one stack's demo: `<home>/demo/` for the seed and listings, `<home>/keys/` for private keys."""

    home: Path

    @property
    def demo_dir(self) -> Path:
        """The demo's own folder."""
        return self.home / "demo"

    @property
    def keys_dir(self) -> Path:
        """Private keys: the platform's (authority.pem, made by `goldtrace up`) and each participant's."""
        return self.home / "keys"

    @property
    def seed_file(self) -> Path:
        """The per-stack seed: the same seed builds the same season, so a rerun resubmits identical events."""
        return self.demo_dir / "seed.json"

    @property
    def participants_file(self) -> Path:
        """Who takes part: participant id, name, roles, key id and key file, for signing further events."""
        return self.demo_dir / "participants.json"

    @property
    def auditor_token_file(self) -> Path:
        """An auditor token for the audit dashboard (0600; `services/demo/auditor.py`)."""
        return self.demo_dir / "auditor-token"

    @property
    def example_file(self) -> Path:
        """An unsigned example event (a new CECOMIP lot) to sign and submit by hand."""
        return self.demo_dir / "next-extraction.json"


# The version of the season the demo plays; bump it whenever the season's events change, so a stack that played
# an older season says so instead of reporting a page of id conflicts.
SEASON_VERSION: Final = 2


def load_or_create_seed(demo: DemoHome, now: datetime) -> DemoSeed:
    """The stack's demo seed; made (random, stamped `now`) on the first run and never changed afterwards."""
    demo.demo_dir.mkdir(parents=True, exist_ok=True)
    fresh = {"seed": secrets.token_hex(SEED_BYTES), "created": rfc3339(now), "season": SEASON_VERSION}
    with contextlib.suppress(FileExistsError):
        descriptor = os.open(demo.seed_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(json.dumps(fresh, indent=2) + "\n")
    seed = read_seed(demo.seed_file)
    played = json.loads(demo.seed_file.read_text()).get("season", 1)
    if played != SEASON_VERSION:
        raise DemoError(
            "demo.season_changed",
            f"This stack played version {played} of the demo season, and this goldtrace plays version "
            f"{SEASON_VERSION}: the same participants and lots with other contents would be refused. Start from a "
            "clean stack: `make clean` (removes .goldtrace and the virtualenv), then `make demo`.",
        )
    return seed


def read_seed(path: Path) -> DemoSeed:
    """Read a seed file; refuse it with a sentence when it is not one."""
    try:
        stored = json.loads(path.read_text())
        return DemoSeed(bytes.fromhex(stored["seed"]), parse_utc(stored["created"]))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise DemoError(
            "demo.seed_unreadable",
            f"{path} is not a demo seed file ({error}); restore it, or remove it only together with the stack's "
            "data (`make clean`), since a new seed on the same stack would try to register a second season.",
        ) from error
