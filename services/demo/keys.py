"""Every participant's private key under $GOLDTRACE_HOME/keys/, and demo/participants.json listing them.

ARM signs with the platform authority key (`keys/authority.pem`, made by `goldtrace up`: the stack's trust
anchor). Every other participant gets `keys/<participant>.pem` (PKCS#8 PEM, mode 0600) on the first run; later
runs load the same files, so the season's signatures come out byte for byte the same.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events.errors import KeyFileError
from events.keys import derive_key_id, generate_private_key, load_private_key, write_private_key
from events.signing import public_key_b64
from services.common.platform_keys import AUTHORITY_ID
from services.demo.builder import PublicKeyEntry
from services.demo.cast import CAST, CERTIFICATES, FORGER, MINES, Cast
from services.demo.errors import DemoError
from services.demo.home import DemoHome
from services.demo.ids import DemoSeed


def key_file(demo: DemoHome, participant: str) -> Path:
    """Where a participant's private key lives (the authority's is the platform key)."""
    name = "authority" if participant == AUTHORITY_ID else participant
    return demo.keys_dir / f"{name}.pem"


def ensure_keys(demo: DemoHome, participants: Iterable[str]) -> dict[str, Ed25519PrivateKey]:
    """Load each participant's key, creating the missing ones (never the authority's: `goldtrace up` makes it)."""
    authority = key_file(demo, AUTHORITY_ID)
    if not authority.exists():
        raise DemoError(
            "demo.no_authority_key",
            f"There is no platform authority key at {authority}; start the stack with `goldtrace up` "
            "(or `make demo`), which creates it.",
        )
    keys: dict[str, Ed25519PrivateKey] = {}
    for participant in participants:
        path = key_file(demo, participant)
        if participant != AUTHORITY_ID and not path.exists():
            try:
                write_private_key(path, generate_private_key())
            except KeyFileError as error:
                if error.code != "keyfile.exists":  # another run made it a moment ago: use that one
                    raise DemoError(error.code, error.detail) from error
        try:
            keys[participant] = load_private_key(path)
        except KeyFileError as error:
            raise DemoError(error.code, error.detail) from error
    return keys


def forger_key(seed: DemoSeed) -> Ed25519PrivateKey:
    """The key of the forged-signature attempt: derived from the seed (so reruns send the same bytes), never kept."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"goldtrace/demo/forger\n" + seed.seed).digest())


def public_entries(keys: Mapping[str, Ed25519PrivateKey]) -> dict[str, PublicKeyEntry]:
    """Each key's id (derived from the public key, as `goldtrace keys new` does) and public key."""
    return {name: PublicKeyEntry(derive_key_id(key.public_key()), public_key_b64(key)) for name, key in keys.items()}


def participants_listing(demo: DemoHome, seed: DemoSeed, keys: Mapping[str, PublicKeyEntry]) -> list[dict[str, Any]]:
    """The participants.json entries: id, name, roles, key id, public key, key file, and an ASMO's mines."""
    return [_entry(demo, seed, member, keys[member.participant]) for member in CAST]


def _entry(demo: DemoHome, seed: DemoSeed, member: Cast, key: PublicKeyEntry) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "participant": member.participant,
        "source": f"/participants/{member.participant}",
        "name": member.name,
        "roles": list(member.roles),
        "keyid": key.keyid,
        "public_key": key.public_key,
        "key_file": str(key_file(demo, member.participant)),
    }
    if member.groups:
        entry["groups"] = [group.group for group in member.groups]
    mines = [mine.mine for mine in MINES if mine.operator == member.participant]
    if mines:
        entry["mines"] = mines
    certificates = [seed.named(spec.name) for spec in CERTIFICATES if spec.holder == member.participant]
    if certificates:
        entry["certificates"] = certificates
    return entry


def write_json(path: Path, document: Any) -> None:
    """Write a JSON file whole (a temporary file renamed over it), so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    temporary.replace(path)


def demo_keys(demo: DemoHome, seed: DemoSeed) -> dict[str, Ed25519PrivateKey]:
    """Every key the season is signed with: the cast's (made or loaded) and the forger's."""
    keys = ensure_keys(demo, [member.participant for member in CAST])
    keys[FORGER] = forger_key(seed)
    return keys
