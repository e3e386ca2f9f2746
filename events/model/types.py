"""Constrained scalar types shared by every event: ids, masses, fineness, money and timestamps."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Annotated, Final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic import Strict as StrictType
from pydantic.dataclasses import dataclass

ID_PATTERN: Final = r"^[A-Za-z0-9._:-]{1,128}$"
MAX_TEXT: Final = 256
MAX_LIST: Final = 256
MAX_SAFE_INTEGER: Final = 2**53 - 1  # I-JSON (RFC 7493): the largest integer every JSON parser holds exactly
MAX_MASS_MG: Final = MAX_SAFE_INTEGER
MAX_COUNT: Final = 10**7

# Every scalar type is strict by itself (no "3" for 3, no 1 for true): the contract's dataclasses cannot be
# strict as a whole, which would make them accept only instances of themselves, not JSON objects.
Id = Annotated[str, StrictType(), StringConstraints(pattern=ID_PATTERN, min_length=1, max_length=128)]
# Free text (names, reasons, forms): 1-256 characters, no control characters (C0, DEL, C1).
Text = Annotated[
    str, StrictType(), StringConstraints(pattern=r"^[^\x00-\x1f\x7f-\x9f]+$", min_length=1, max_length=MAX_TEXT)
]
CountryCode = Annotated[str, StrictType(), StringConstraints(pattern=r"^[A-Z]{2}$")]
Sha256Hex = Annotated[str, StrictType(), StringConstraints(pattern=r"^[0-9a-f]{64}$")]
# 32 bytes in canonical base64url: the 43rd character carries 4 bits and 2 zero bits, so only 16 letters end it.
PublicKeyB64 = Annotated[str, StrictType(), StringConstraints(pattern=r"^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$")]
MassMg = Annotated[int, StrictType(), Field(gt=0, le=MAX_MASS_MG)]
Count = Annotated[int, StrictType(), Field(ge=0, le=MAX_COUNT)]
BasisPoints = Annotated[int, StrictType(), Field(gt=0, le=10_000)]

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
    """Refuse impossible instants (2026-02-30, hour 24, second 60) of a text the pattern already shaped."""
    # The pattern fixed every position to ASCII digits, so comparing digit strings compares the numbers.
    if text[11:13] > "23" or text[14] > "5" or text[17] > "5" or not _possible_day(text[:10]):
        parse_utc(text)  # raises the ValueError that names the impossible part
    return text


@lru_cache(maxsize=4096)
def _possible_day(day: str) -> bool:
    """Whether a `YYYY-MM-DD` of ASCII digits names a day of the proleptic Gregorian calendar (years 1-9999)."""
    try:
        date(int(day[0:4]), int(day[5:7]), int(day[8:10]))
    except ValueError:
        return False
    return True


Timestamp = Annotated[
    str, StrictType(), StringConstraints(pattern=_RFC3339_UTC, max_length=40), AfterValidator(_valid_timestamp)
]


# Parts per thousand as a decimal string, 0 to 1000 with up to 4 decimals: "999.9", "850", "1000", "0.0001".
# The pattern alone is exact, so the published JSON Schema checks the same set as the model.
FINENESS_PATTERN: Final = r"^(?:1000(?:\.0{1,4})?|(?:0|[1-9][0-9]{0,2})(?:\.[0-9]{1,4})?)$"
Fineness = Annotated[str, StrictType(), StringConstraints(pattern=FINENESS_PATTERN)]
DecimalAmount = Annotated[str, StrictType(), StringConstraints(pattern=r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$")]


_FINENESS: Final = re.compile(FINENESS_PATTERN)


class Strict(BaseModel):
    """Base of the bundle and tree head models: strict types, no unknown fields, immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


CONTRACT: Final = ConfigDict(extra="forbid")
"""Config of the event contract's classes: pydantic dataclasses, frozen, slotted and keyword-only.

Dataclasses rather than models because one event is validated and read per event on the hot path: they
validate about a fifth faster, and their slotted attributes read several times faster (a model's
`__getattr__` keeps Python from specialising attribute reads). Strictness comes from each field's type.
"""


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class Money:
    """An amount of money: `{"currency": "USD", "amount": "1234.56"}`."""

    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    amount: DecimalAmount


def fine_mass_mg(mass_mg: int, fineness: str) -> int:
    """Fine gold in a lot: floor(mass_mg x fineness / 1000), computed exactly."""
    return mass_mg * fineness_ten_thousandths(fineness) // 10_000_000


@lru_cache(maxsize=4096)
def fineness_ten_thousandths(fineness: str) -> int:
    """A fineness string (parts per thousand, at most 4 decimals, as `Fineness` admits) as an integer of 1/10000."""
    if _FINENESS.fullmatch(fineness) is None:
        raise ValueError(f"not a fineness (parts per thousand, at most 4 decimals): {fineness!r}")
    whole, _, fraction = fineness.partition(".")
    return int(whole) * 10_000 + int(fraction.ljust(4, "0"))
