"""HTML of the public pages from a verdict dict and a language: pure functions over jinja2 with autoescape on.

`render_lot_page(verdict, lang, links)` and `render_not_found(lot, lang, links, why)` return the whole page as
text. Every page extends `templates/base.html` (one inline stylesheet, the language switch as a plain link, no
JavaScript). The jinja2 environment is built on first use, not at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

import jinja2

from services.query.web import reason_texts
from services.query.web.formats import Formats
from services.query.web.i18n import Language, Messages, Translator, other_language
from services.query.web.messages import MESSAGES
from services.query.web.reason_texts import SIGNATURE_TEXTS
from services.query.web.steps import Day, Fineness, LotList, Mass, Money, Step, Term, Value
from services.query.web.story import Story, lot_story

TEMPLATES: Final = Path(__file__).parent / "templates"
MAX_SHOWN_ID_CHARS: Final = 128  # a hostile path is cut to this before it is written back on a page

NotFoundWhy = Literal["unknown", "malformed", "page", "error"]


@dataclass(frozen=True)
class Links:
    """Where a page points: itself (absolute, for the QR code), the language switch, its QR code, its bundle."""

    page: str
    switch: str
    qr: str = ""
    bundle: str = ""
    server: str = ""


@cache
def environment() -> jinja2.Environment:
    """The templates' environment: autoescape for HTML (and for any template string), undefined names fail."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class Writer:
    """Writes the story's parts in one language: typed values, steps, refusals, findings (templates call it)."""

    t: Translator
    fmt: Formats

    @property
    def lang(self) -> Language:
        """The language written."""
        return self.t.lang

    def value(self, value: Value) -> str:
        """One typed value as text."""
        if isinstance(value, Mass):
            return self.fmt.grams(value.mg)
        if isinstance(value, Fineness):
            return self.fmt.fineness(value.value)
        if isinstance(value, Money):
            return self._money(value)
        if isinstance(value, Day):
            return self.fmt.day(value.rfc3339)
        if isinstance(value, Term):
            return self.t(value.key) if self.t.has(value.key) else value.fallback
        if isinstance(value, LotList):
            return self._lots(value)
        return str(value)

    def _money(self, money: Money) -> str:
        whole, _, cents = money.amount.partition(".")
        if money.currency == "USD" and whole.isdigit() and (cents.isdigit() or not cents) and len(cents) <= 2:
            return self.fmt.usd(int(whole) * 100 + int(cents.ljust(2, "0") or 0))
        return f"{money.amount} {money.currency}"

    def _lots(self, lots: LotList) -> str:
        items = [
            lot if mass is None else self.t("lots.item", lot=lot, mass=self.fmt.grams(mass.mg))
            for lot, mass in lots.lots
        ]
        if lots.more:
            items.append(self.t("lots.more", n=lots.more))
        return ", ".join(items)

    def term(self, key: str, fallback: str | None) -> str:
        """A catalogue word, or the fallback when the catalogue lacks the key (a value it does not know yet)."""
        return self.t(key) if self.t.has(key) else (fallback or "")

    def status(self, story: Story) -> str:
        """Where the lot is now."""
        if story.status == "held":
            return self.t("status.held", who=story.custodian or "-")
        return self.term(f"status.{story.status}", story.status)

    def mark(self, step: Step) -> str:
        """The check mark of a step's signature: verified, refused (why), or repeated."""
        if step.outcome == "accepted":
            return "✓ " + self.t("mark.verified")
        if step.refused:
            return "✗ " + self.t("mark.refused", why=self.why(step.code))
        return "= " + self.t("mark.duplicate")

    def label(self, step: Step) -> str:
        """What kind of step it is (`Shipment`)."""
        return self.term(f"label.{step.type}", step.type)

    def what(self, step: Step) -> str:
        """What the step did (`Shipped 12.3 g to X`), or nothing when the verdict lacks the event's data."""
        if step.message is None or not self.t.has(step.message):
            return ""
        return self.t(step.message, **{name: self.value(v) for name, v in step.values.items()})

    def refusal(self, step: Step) -> str:
        """Why a refused step was refused, as a whole sentence."""
        key = f"event.{step.type}"
        what = self.t(key) if self.t.has(key) else step.type
        actor = self.t("refusal.claimed", actor=step.actor) if step.code in SIGNATURE_TEXTS else step.actor
        fields = {"what": what, "actor": actor, "day": self.fmt.day(step.time), "why": self.why(step.code)}
        return self.t("refusal.lot", lot=step.lot, **fields) if step.lot else self.t("refusal.other", **fields)

    def why(self, code: str | None) -> str:
        """A refusal code in plain words."""
        return reason_texts.reason_text(code, self.lang)

    def verdict_reason(self, code: str) -> str:
        """A verdict reason code in plain words."""
        return reason_texts.verdict_text(code, self.lang)

    def finding(self, code: str) -> str:
        """A finding code in plain words."""
        return reason_texts.finding_text(code, self.lang)


def page_context(lang: Language, links: Links, messages: Messages = MESSAGES) -> dict[str, Any]:
    """What every page template needs: the language, the switch, `t`, `fmt`, `w` (see web/README.md)."""
    t = Translator(lang, messages)
    fmt = Formats(lang)
    return {"lang": lang, "other": other_language(lang), "links": links, "t": t, "fmt": fmt, "w": Writer(t, fmt)}


def render_lot_page(verdict: Mapping[str, Any], lang: Language, links: Links) -> str:
    """The verification page of the verdict's lot."""
    story: Story = lot_story(verdict)
    return environment().get_template("verify/lot.html").render(story=story, **page_context(lang, links))


def render_not_found(lot: str, lang: Language, links: Links, why: NotFoundWhy = "unknown") -> str:
    """The page for a lot nobody recorded (`unknown`), a text that is no lot id (`malformed`), another path
    (`page`), or a lot whose history cannot be judged here (`error`)."""
    shown = lot[:MAX_SHOWN_ID_CHARS] + ("…" if len(lot) > MAX_SHOWN_ID_CHARS else "")
    template = environment().get_template("verify/not_found.html")
    return template.render(shown_lot=shown, why=why, **page_context(lang, links))
