"""The platform's own keys: the authority's trust anchor and the transparency-log key, made once per stack."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from events.anchor import sign_anchor
from events.custody.registry import TrustAnchor
from events.keys import derive_key_id, generate_private_key, load_private_key, write_private_key
from events.signing import public_key_b64

AUTHORITY_ID = "arm"  # the platform operator's participant id (ARM, the Alliance for Responsible Mining)


@dataclass(frozen=True)
class PlatformKeys:
    """Where a stack keeps its platform keys and the public trust file every service reads."""

    keys_dir: Path

    @property
    def authority_key_file(self) -> Path:
        """The authority's private key (signs registry events; only the operator holds it)."""
        return self.keys_dir / "authority.pem"

    @property
    def log_key_file(self) -> Path:
        """The transparency log's private key (signs tree heads)."""
        return self.keys_dir / "log.pem"

    @property
    def trust_file(self) -> Path:
        """Public facts only: the authority anchor, the log's public key, and the log key's signature of the anchor."""
        return self.keys_dir / "trust.json"

    def ensure(self) -> dict[str, str]:
        """Create the keys and the trust file if missing; return the trust file's contents."""
        self.keys_dir.mkdir(parents=True, exist_ok=True)
        self.keys_dir.chmod(0o700)
        for path in (self.authority_key_file, self.log_key_file):
            if not path.exists():
                write_private_key(path, generate_private_key())
        authority = load_private_key(self.authority_key_file)
        log = load_private_key(self.log_key_file)
        trust = {
            "authority": AUTHORITY_ID,
            "authority_keyid": derive_key_id(authority.public_key()),
            "authority_public_key": public_key_b64(authority),
            "log_keyid": derive_key_id(log.public_key()),
            "log_public_key": public_key_b64(log),
        }
        trust["anchor_signature"] = sign_anchor(anchor_from_trust(trust), trust["log_keyid"], log)
        if not self.trust_file.exists() or json.loads(self.trust_file.read_text()) != trust:
            self.trust_file.write_text(json.dumps(trust, indent=2) + "\n")
        return trust


def anchor_from_trust(trust: dict[str, str]) -> TrustAnchor:
    """The kernel's trust anchor from the trust file's contents."""
    return TrustAnchor(trust["authority"], trust["authority_keyid"], trust["authority_public_key"])
