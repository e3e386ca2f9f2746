"""Constrained scalar types shared by every event: ids, masses, fineness, money and timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

ID_PATTERN: Final = r"^[A-Za-z0-9._:-]{1,128}$"
MAX_TEXT: Final = 256
MAX_LIST: Final = 256
MAX_MASS_MG: Final = 10**12  # one thousand tonnes: far above any real lot, far below float trouble
MAX_COUNT: Final = 10**7

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, min_length=1, max_length=128)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
PublicKeyB64 = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{43}$")]
MassMg = Annotated[int, Field(gt=0, le=MAX_MASS_MG)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
BasisPoints = Annotated[int, Field(gt=0, le=10_000)]

_RFC3339_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$"


def parse_utc(text: str) -> datetime:
    """Parse an RFC 3339 UTC timestamp such as `2026-11-27T05:00:00Z` (fractions beyond microseconds dropped)."""
    main, _, frac = text[:-1].partition(".")
    moment = datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    if frac:
        moment = moment.replace(microsecond=int(frac[:6].ljust(6, "0")))
    return moment


def _valid_timestamp(text: str) -> str:
    parse_utc(text)  # raises ValueError on impossible dates such as 2026-02-30
    return text


Timestamp = Annotated[str, StringConstraints(pattern=_RFC3339_UTC, max_length=40), AfterValidator(_valid_timestamp)]


def _valid_fineness(text: str) -> str:
    if Decimal(text) > 1000:
        raise ValueError("fineness is in parts per thousand and cannot exceed 1000")
    return text


# Parts per thousand as a decimal string: "999.9", "850", "1000".
Fineness = Annotated[
    str, StringConstraints(pattern=r"^(0|[1-9][0-9]{0,3})(\.[0-9]{1,4})?$"), AfterValidator(_valid_fineness)
]
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
