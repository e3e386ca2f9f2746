"""The catalogue of signed test vectors published in contracts/vectors/: deterministic test keys and events.

Every key here is a TEST KEY: its private seed is SHA-256 of a public label, so anyone can recompute it.
Never register these keys anywhere real.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events.keys import derive_key_id, private_key_from_seed
from events.model.types import MAX_SAFE_INTEGER
from events.signing import b64url_encode

SEED_PREFIX: Final = b"goldtrace test vector key: "
TIME: Final = "2026-11-27T05:00:00Z"
LONGEST_ID: Final = "L" * 64 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._:-"[:64]


def vector_key(label: str) -> Ed25519PrivateKey:
    """The test key of a label: its seed is SHA-256(b"goldtrace test vector key: " + label)."""
    return private_key_from_seed(hashlib.sha256(SEED_PREFIX + label.encode("utf-8")).digest())


def vector_key_id(label: str) -> str:
    """The derived key id of a label's test key."""
    return derive_key_id(vector_key(label).public_key())


def vector_public_key(label: str) -> str:
    """The raw public key of a label's test key, base64url without padding."""
    return b64url_encode(vector_key(label).public_key().public_bytes_raw())


@dataclass(frozen=True)
class Vector:
    """One test vector before signing: its file name, what it shows, the signer's key label and the event."""

    name: str
    description: str
    signer: str
    event: dict[str, Any]


def envelope(event_type: str, number: int, signer: str, subject: str, data: dict[str, Any]) -> dict[str, Any]:
    """An unsigned event of `event_type` by the participant `signer` (whose test key label is its id)."""
    return {
        "specversion": "1.0",
        "id": f"019ac4e0-0000-7000-8000-{number:012d}",
        "type": event_type,
        "source": f"/participants/{signer}",
        "subject": subject,
        "time": TIME,
        "datacontenttype": "application/json",
        "keyid": vector_key_id(signer),
        "data": data,
    }


def _registry_vectors() -> list[Vector]:
    asmo = {
        "participant": "cecomip",
        "name": "Central de Cooperativas Mineras de Puno — CECOMIP (Ñuñoa, Ananea) ⛏",
        "roles": ["asmo"],
        "country": "PE",
        "keys": [{"keyid": vector_key_id("cecomip"), "public_key": vector_public_key("cecomip")}],
        "members": {"women": 412, "men": 1187},
        "groups": [
            {"group": "pallaqueras-rinconada", "kind": "pallaqueras", "women": 230, "men": 0},
            {"group": "bateadoras-ananea", "kind": "bateadoras", "women": 64, "men": 3},
        ],
    }
    certificate = {
        "certificate": "FM-PE-2026-0042",
        "holder": "cecomip",
        "standard": "fairmined-ecological",
        "mines": ["mina-ananea-1", "mina-rinconada-7"],
        "valid_from": "2026-01-01T00:00:00.5Z",
        "valid_until": "2027-01-01T00:00:00.123456789Z",
    }
    return [
        Vector(
            "participant-registered-asmo",
            "participant.registered: an ASMO with accents, an em dash, a BMP symbol, members and women's groups",
            "arm",
            envelope("participant.registered", 1, "arm", "cecomip", asmo),
        ),
        Vector(
            "participant-registered-astral-name",
            "participant.registered: a trader whose name holds astral characters (emoji) and escaped quotes",
            "arm",
            envelope(
                "participant.registered",
                2,
                "arm",
                "oro-andino",
                {
                    "participant": "oro-andino",
                    "name": 'Comercializadora "Oro Andino" S.A.C. 🪙✨ — Juliaca, Perú',
                    "roles": ["trader", "assayer"],
                    "country": "PE",
                    "keys": [{"keyid": vector_key_id("oro-andino"), "public_key": vector_public_key("oro-andino")}],
                },
            ),
        ),
        Vector(
            "participant-key-added",
            "participant.key_added: the authority adds a second key to the ASMO",
            "arm",
            envelope(
                "participant.key_added",
                3,
                "arm",
                "cecomip",
                {"participant": "cecomip", "keyid": "cecomip-2026-b", "public_key": vector_public_key("cecomip-b")},
            ),
        ),
        Vector(
            "participant-key-revoked",
            "participant.key_revoked: the participant revokes its own key with another; the reason holds an emoji",
            "cecomip",
            envelope(
                "participant.key_revoked",
                4,
                "cecomip",
                "cecomip",
                {"participant": "cecomip", "keyid": "cecomip-2026-b", "reason": "Llave extraviada en la bocamina 🔑"},
            ),
        ),
        Vector(
            "mine-registered-max-capacity",
            "mine.registered: capacity at the largest allowed integer, 2^53-1 mg",
            "arm",
            envelope(
                "mine.registered",
                5,
                "arm",
                "mina-rinconada-7",
                {
                    "mine": "mina-rinconada-7",
                    "operator": "cecomip",
                    "name": "Mina La Rinconada, galería Señor de Qoyllur Rit'i",
                    "region": "Puno — San Antonio de Putina",
                    "capacity_mg_per_month": MAX_SAFE_INTEGER,
                },
            ),
        ),
        Vector(
            "certificate-issued",
            "certificate.issued: Fairmined Ecological, fractional-second validity bounds (1 and 9 digits)",
            "cert-fm",
            envelope("certificate.issued", 6, "cert-fm", "FM-PE-2026-0042", certificate),
        ),
    ] + [
        Vector(
            f"certificate-{status}",
            f"certificate.{status}: a certifier changes the certificate's status, with a Spanish reason",
            "cert-fm",
            envelope(
                f"certificate.{status}",
                7 + offset,
                "cert-fm",
                "FM-PE-2026-0042",
                {"certificate": "FM-PE-2026-0042", "reason": reason},
            ),
        )
        for offset, (status, reason) in enumerate(
            [
                ("suspended", "Auditoría anual pendiente; uso de mercurio en evaluación"),
                ("reinstated", "Auditoría de seguimiento aprobada el 3 de diciembre"),
                ("withdrawn", "Retiro solicitado por la organización — cierre de la mina"),
            ]
        )
    ]


def _custody_vectors() -> list[Vector]:
    extracted: dict[str, Any] = {
        "lot": "LOT-CECOMIP-2026-000123",
        "mine": "mina-rinconada-7",
        "form": "oro refogado (esponja)",
        "mass_mg": 66_000,
        "fineness": "850",
        "mercury_free": True,
        "certificate": "FM-PE-2026-0042",
        "contributions": [
            {"group": "pallaqueras-rinconada", "share_bp": 6250},
            {"group": "bateadoras-ananea", "share_bp": 3750},
        ],
    }
    return [
        Vector(
            "lot-extracted",
            "lot.extracted: a certified, mercury-free lot with women's groups' contributions",
            "cecomip",
            envelope("lot.extracted", 10, "cecomip", extracted["lot"], extracted),
        ),
        Vector(
            "lot-extracted-minimal",
            "lot.extracted: one-character ids, 1 mg at the smallest fineness 0.0001, no optional members",
            "cecomip",
            envelope(
                "lot.extracted",
                11,
                "cecomip",
                "L",
                {"lot": "L", "mine": "M", "form": "x", "mass_mg": 1, "fineness": "0.0001", "mercury_free": False},
            ),
        ),
        Vector(
            "lot-assayed",
            "lot.assayed: fire assay at fineness 1000 with a report hash",
            "cecomip",
            envelope(
                "lot.assayed",
                12,
                "cecomip",
                "LOT-CECOMIP-2026-000123",
                {
                    "lot": "LOT-CECOMIP-2026-000123",
                    "fineness": "1000",
                    "method": "ensayo al fuego (copelación)",
                    "assayer": "oro-andino",
                    "report_sha256": hashlib.sha256(b"informe de ensayo 2026-000123").hexdigest(),
                },
            ),
        ),
        Vector(
            "lot-shipped",
            "lot.shipped: the first sale with price and the Fairmined Ecological premium",
            "cecomip",
            envelope(
                "lot.shipped",
                13,
                "cecomip",
                "LOT-CECOMIP-2026-000123",
                {
                    "lot": "LOT-CECOMIP-2026-000123",
                    "shipment": "SHP-2026-0001",
                    "to": "oro-andino",
                    "mass_mg": 66_000,
                    "price": {"currency": "USD", "amount": "4861.23"},
                    "premium": {"currency": "USD", "amount": "336.60"},
                },
            ),
        ),
        Vector(
            "lot-shipped-longest-ids-max-mass",
            "lot.shipped: 128-character ids and the largest mass, 2^53-1 mg",
            "cecomip",
            envelope(
                "lot.shipped",
                14,
                "cecomip",
                LONGEST_ID,
                {"lot": LONGEST_ID, "shipment": LONGEST_ID, "to": LONGEST_ID, "mass_mg": MAX_SAFE_INTEGER},
            ),
        ),
        Vector(
            "lot-received",
            "lot.received: the receiver's weighing, with a nine-digit fraction of a second in `time`",
            "oro-andino",
            {
                **envelope(
                    "lot.received",
                    15,
                    "oro-andino",
                    "LOT-CECOMIP-2026-000123",
                    {"lot": "LOT-CECOMIP-2026-000123", "shipment": "SHP-2026-0001", "mass_mg": 65_987},
                ),
                "time": "2026-11-28T14:30:05.123456789Z",
            },
        ),
        Vector(
            "lot-transformed",
            "lot.transformed: melting and refining into two bars with serials",
            "oro-andino",
            envelope(
                "lot.transformed",
                16,
                "oro-andino",
                "LOT-CECOMIP-2026-000123",
                {
                    "process": "refining",
                    "inputs": ["LOT-CECOMIP-2026-000123", "LOT-CECOMIP-2026-000124"],
                    "outputs": [
                        {
                            "lot": "BAR-OA-0001",
                            "form": "barra",
                            "mass_mg": 60_000,
                            "fineness": "999.9",
                            "serial": "OA№0001",
                        },
                        {"lot": "BAR-OA-0002", "form": "granalla", "mass_mg": 5_000, "fineness": "995"},
                    ],
                },
            ),
        ),
        Vector(
            "lot-exported",
            "lot.exported: export declaration to Switzerland",
            "oro-andino",
            envelope(
                "lot.exported",
                17,
                "oro-andino",
                "BAR-OA-0001",
                {"lot": "BAR-OA-0001", "declaration": "DAM 172-2026-40-012345", "destination": "CH"},
            ),
        ),
    ]


def vectors() -> list[Vector]:
    """Every published vector, unsigned, in file order."""
    return _registry_vectors() + _custody_vectors()
