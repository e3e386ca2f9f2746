"""Fixtures of the demo tests: fixed keys for the cast, a fixed seed, the season built and signed from them."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events.custody import TrustAnchor
from services.demo import cast
from services.demo.builder import PublicKeyEntry, Season
from services.demo.ids import DemoSeed
from services.demo.keys import forger_key, public_entries
from services.demo.season import build_season
from services.demo.signing import SignedPlanned, sign_all

CREATED = datetime(2026, 11, 27, 5, 0, 17, tzinfo=UTC)


def cast_keys(label: str = "test") -> dict[str, Ed25519PrivateKey]:
    """A fixed key per participant (from a label), so runs sign the same bytes."""
    return {
        member.participant: Ed25519PrivateKey.from_private_bytes(
            hashlib.sha256(f"goldtrace/demo-test/{label}/{member.participant}".encode()).digest()
        )
        for member in cast.CAST
    }


def make_seed(number: int = 0, created: datetime = CREATED) -> DemoSeed:
    """A fixed seed."""
    return DemoSeed(hashlib.sha256(f"seed {number}".encode()).digest(), created)


def signing_keys(seed: DemoSeed, keys: dict[str, Ed25519PrivateKey]) -> dict[str, Ed25519PrivateKey]:
    """The cast's keys and the forger's."""
    return {**keys, cast.FORGER: forger_key(seed)}


def anchor_of(public: dict[str, PublicKeyEntry]) -> TrustAnchor:
    """The trust anchor: ARM's key."""
    return TrustAnchor(cast.AUTHORITY, public[cast.AUTHORITY].keyid, public[cast.AUTHORITY].public_key)


@pytest.fixture(scope="module")
def keys() -> dict[str, Ed25519PrivateKey]:
    return cast_keys()


@pytest.fixture(scope="module")
def public(keys: dict[str, Ed25519PrivateKey]) -> dict[str, PublicKeyEntry]:
    return public_entries(keys)


@pytest.fixture(scope="module")
def seed() -> DemoSeed:
    return make_seed()


@pytest.fixture(scope="module")
def season(seed: DemoSeed, public: dict[str, PublicKeyEntry]) -> Season:
    return build_season(seed, public)


@pytest.fixture(scope="module")
def signed(season: Season, seed: DemoSeed, keys: dict[str, Ed25519PrivateKey]) -> list[SignedPlanned]:
    return sign_all(season.events(), signing_keys(seed, keys))


@pytest.fixture(scope="module")
def anchor(public: dict[str, PublicKeyEntry]) -> TrustAnchor:
    return anchor_of(public)
