"""Numbers, masses, money, shares and dates as a reader of each language writes them (integer arithmetic only).

Spanish follows the RAE: decimal comma, digits grouped by a no-break space from five integer digits on
(`1250,5 g`, `12 500 g`); English: decimal point, comma groups (`1,250.5 g`). Times are shown in UTC, as signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from services.query.web.i18n import Language

NBSP: Final = "\u00a0"
MONTHS: Final[dict[Language, tuple[str, ...]]] = {
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


@dataclass(frozen=True)
class Formats:
    """Formatting of one language; templates call it as `fmt.grams(mass_mg)` and the like."""

    lang: Language

    def number(self, units: int, decimals: int = 0, *, trim: bool = False) -> str:
        """`units` / 10**decimals written out (`trim` drops trailing zero decimals)."""
        sign = "-" if units < 0 else ""
        whole, fraction = divmod(abs(units), 10**decimals)
        digits = str(fraction).rjust(decimals, "0") if decimals else ""
        if trim:
            digits = digits.rstrip("0")
        text = self._group(str(whole))
        if digits:
            text += ("," if self.lang == "es" else ".") + digits
        return sign + text

    def _group(self, digits: str) -> str:
        if self.lang == "es" and len(digits) < 5:
            return digits
        separator = NBSP if self.lang == "es" else ","
        groups: list[str] = []
        while digits:
            groups.insert(0, digits[-3:])
            digits = digits[:-3]
        return separator.join(groups)

    def grams(self, mass_mg: int) -> str:
        """A mass in grams: to the centigram under 100 g, to the decigram above, trailing zeros dropped."""
        decimals = 2 if abs(mass_mg) < 100_000 else 1
        step = 10 ** (3 - decimals)
        rounded = (abs(mass_mg) + step // 2) // step * (1 if mass_mg >= 0 else -1)
        return f"{self.number(rounded, decimals, trim=True)}{NBSP}g"

    def percent(self, share_bp: int) -> str:
        """A share in basis points as a percentage (`24 %`, `24%`, up to two decimals)."""
        space = NBSP if self.lang == "es" else ""
        return f"{self.number(share_bp, 2, trim=True)}{space}%"

    def usd(self, cents: int) -> str:
        """US dollars with cents (`USD 1,234.56`; `1234,56 USD`)."""
        amount = self.number(cents, 2)
        return f"{amount}{NBSP}USD" if self.lang == "es" else f"USD{NBSP}{amount}"

    def fineness(self, fineness: str) -> str:
        """A fineness in parts per thousand, in this language's decimal mark (`999,9`)."""
        return fineness.replace(".", ",") if self.lang == "es" else fineness

    def when(self, rfc3339: str) -> str:
        """A contract timestamp as a day and time in UTC (`2 mar 2026, 08:00 UTC`); unparsable text as is."""
        try:
            moment = datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return rfc3339
        month = MONTHS[self.lang][moment.month - 1]
        return f"{moment.day}{NBSP}{month}{NBSP}{moment.year}, {moment:%H:%M}{NBSP}UTC"

    def day(self, rfc3339: str) -> str:
        """A contract timestamp as a day only (`2 mar 2026`)."""
        return self.when(rfc3339).split(",")[0]
