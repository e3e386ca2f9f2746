"""Constrained scalar types shared by every event: ids, masses, fineness, money and timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

ID_PATTERN: Final = r"^[A-Za-z0-9._:-]{1,128}$"
MAX_TEXT: Final = 256
MAX_LIST: Final = 256
MAX_SAFE_INTEGER: Final = 2**53 - 1  # I-JSON (RFC 7493): the largest integer every JSON parser holds exactly
MAX_MASS_MG: Final = MAX_SAFE_INTEGER
MAX_COUNT: Final = 10**7

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, min_length=1, max_length=128)]
# Free text (names, reasons, forms): 1-256 characters, no control characters (C0, DEL, C1).
Text = Annotated[str, StringConstraints(pattern=r"^[^\x00-\x1f\x7f-\x9f]+$", min_length=1, max_length=MAX_TEXT)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
# 32 bytes in canonical base64url: the 43rd character carries 4 bits and 2 zero bits, so only 16 letters end it.
PublicKeyB64 = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$")]
MassMg = Annotated[int, Field(gt=0, le=MAX_MASS_MG)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
BasisPoints = Annotated[int, Field(gt=0, le=10_000)]

# ASCII digits only: `\d` would also match other scripts' digits.
_RFC3339_UTC = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$"


def parse_utc(text: str) -> datetime:
    """Parse an RFC 3339 UTC timestamp such as `2026-11-27T05:00:00Z` (fractions beyond microseconds dropped)."""
    frac = text[20:-1]
    return datetime(
        int(text[0:4]),
        int(text[5:7]),
        int(text[8:10]),
        int(text[11:13]),
        int(text[14:16]),
        int(text[17:19]),
        int(frac[:6].ljust(6, "0")) if frac else 0,
        tzinfo=UTC,
    )


def utc_instant_ns(text: str) -> tuple[datetime, int]:
    """An exact sort key of an RFC 3339 UTC timestamp: the whole second and the nanoseconds within it."""
    frac = text[20:-1]
    return parse_utc(text[:19] + "Z"), int(frac.ljust(9, "0")) if frac else 0


def _valid_timestamp(text: str) -> str:
    parse_utc(text)  # raises ValueError on impossible dates such as 2026-02-30 or second 60
    return text


Timestamp = Annotated[str, StringConstraints(pattern=_RFC3339_UTC, max_length=40), AfterValidator(_valid_timestamp)]


# Parts per thousand as a decimal string, 0 to 1000 with up to 4 decimals: "999.9", "850", "1000", "0.0001".
# The pattern alone is exact, so the published JSON Schema checks the same set as the model.
Fineness = Annotated[str, StringConstraints(pattern=r"^(?:1000(?:\.0{1,4})?|(?:0|[1-9][0-9]{0,2})(?:\.[0-9]{1,4})?)$")]
DecimalAmount = Annotated[str, StringConstraints(pattern=r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$")]


class Strict(BaseModel):
    """Base of every contract model: strict types, no unknown fields, immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Money(Strict):
    """An amount of money: `{"currency": "USD", "amount": "1234.56"}`."""

    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    amount: DecimalAmount


def fine_mass_mg(mass_mg: int, fineness: str) -> int:
    """Fine gold in a lot: floor(mass_mg x fineness / 1000), computed exactly."""
    return int(Decimal(mass_mg) * Decimal(fineness) // 1000)
