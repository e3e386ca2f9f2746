"""Ed25519 private keys: generation, key ids, and PEM files (PKCS#8, unencrypted, mode 0600).

Key id derivation, when the owner names none: `"k:"` followed by the first 16 lowercase hex digits of the
SHA-256 of the raw 32-byte public key, e.g. `k:3f9a0c51d2e47b86`. It is a valid contract id and the same
for the same key everywhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from pathlib import Path
from typing import Final

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from events.errors import KeyFileError

KEY_FILE_MODE: Final = 0o600
SEED_BYTES: Final = 32


def generate_private_key() -> Ed25519PrivateKey:
    """A new random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def private_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    """The Ed25519 private key of a 32-byte seed (deterministic: for test vectors and tests only)."""
    if len(seed) != SEED_BYTES:
        raise ValueError(f"an Ed25519 seed is {SEED_BYTES} bytes, not {len(seed)}")
    return Ed25519PrivateKey.from_private_bytes(seed)


def derive_key_id(public_key: Ed25519PublicKey) -> str:
    """The default key id of a public key: `k:` + the first 16 hex digits of SHA-256 of its raw bytes."""
    return "k:" + hashlib.sha256(public_key.public_bytes_raw()).hexdigest()[:16]


def private_key_pem(private_key: Ed25519PrivateKey) -> bytes:
    """The private key as unencrypted PKCS#8 PEM."""
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def write_private_key(path: Path, private_key: Ed25519PrivateKey) -> None:
    """Write the key to a new file readable by its owner only; never overwrite, never show a partial file.

    The PEM goes to a temporary file created with mode 0600 (O_EXCL, so no other process can have it open),
    is flushed to disk, then hard-linked to `path`, which fails if `path` exists.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    except OSError as exc:
        raise KeyFileError("keyfile.unwritable", f"Cannot create a key file in {path.parent}: {exc.strerror}.") from exc
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), KEY_FILE_MODE)  # the umask can only narrow it; make it exact
            handle.write(private_key_pem(private_key))
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    except FileExistsError as exc:
        raise KeyFileError(
            "keyfile.exists", f"{path} exists already; choose another file (keys are never overwritten)."
        ) from exc
    except OSError as exc:
        raise KeyFileError("keyfile.unwritable", f"Cannot write the key file {path}: {exc.strerror}.") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Load an unencrypted PKCS#8 PEM Ed25519 private key; raise KeyFileError if it cannot be used."""
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise KeyFileError("keyfile.unreadable", f"Cannot read the key file {path}: {exc.strerror}.") from exc
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(
            "keyfile.not_ed25519",
            f"{path} is not an unencrypted PKCS#8 PEM private key; create one with `goldtrace keys new`.",
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(
            "keyfile.not_ed25519",
            f"{path} holds a {type(key).__name__}, not an Ed25519 key; goldtrace signs with Ed25519 only.",
        )
    return key
