"""The catalogue of every reason code and finding code of the kernel, with its meaning.

Decode, signature and key-file codes come from events/errors.py; log codes from the error classes of the
Merkle log modules; bundle codes from events/bundle_parse.py and the anchor statement's error class; custody
refusals, findings and verdict reasons are listed here. events/README.md shows the same tables
(`catalogue_markdown()`), and a test keeps README, catalogue and source in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from events import anchor, log_entry, merkle, treehead
from events.bundle_parse import BUNDLE_CODES
from events.errors import DECODE_CODES, KEY_FILE_CODES, SIGNATURE_ERRORS, GoldtraceError

Kind = Literal["decode", "signature", "key file", "log", "bundle", "refusal", "finding", "verdict"]

REFUSAL_CODES: Final[dict[str, str]] = {
    "event.id_conflict": "the event id was accepted before for an event with other content",
    "role.missing": "the signer lacks the role the event type needs (authority, certifier, asmo), "
    "or revokes a key of another participant without being the authority",
    "role.cannot_hold_gold": "the signer of a lot event holds no role that may take custody of gold",
    "participant.already_registered": "the participant is registered already",
    "participant.unknown": "the event names a participant that is not registered",
    "participant.members_required": "an ASMO is registered without its member counts",
    "key.id_taken": "the key id is already used (by any participant); key ids are never reused",
    "revocation.unknown_key": "the participant has no key with that id",
    "revocation.already_revoked": "the key was revoked before",
    "revocation.own_signing_key": "a participant signs the revocation of a key with that same key",
    "mine.already_registered": "the mine id is registered already",
    "mine.operator_not_asmo": "a mine's operator is not a registered ASMO",
    "mine.unknown": "the event names a mine that is not registered",
    "certificate.already_issued": "the certificate id was issued before",
    "certificate.holder_not_asmo": "a certificate's holder is not a registered ASMO",
    "certificate.mine_not_of_holder": "a certificate names a mine its holder does not operate",
    "certificate.unknown": "the event names a certificate that was never issued",
    "certificate.not_issuer": "a certifier changes the status of a certificate another certifier issued",
    "certificate.invalid_transition": "suspend needs an active certificate, reinstate a suspended one; "
    "a withdrawn certificate stays withdrawn",
    "certificate.not_holder": "a lot claims a certificate held by another organization",
    "certificate.mine_not_covered": "a lot claims a certificate that does not cover its mine",
    "certificate.is_suspended": "a lot claims a certificate that is suspended",
    "certificate.is_withdrawn": "a lot claims a certificate that was withdrawn",
    "certificate.not_valid_at_time": "a lot claims a certificate outside its validity period at the event's time",
    "certificate.mercury_used": "a lot under a Fairmined Ecological certificate is not mercury-free",
    "lot.unknown": "the lot was never created (extracted or produced by a transformation)",
    "lot.consumed": "the lot was consumed by a transformation and can never be used again",
    "lot.in_transit": "the lot is in transit: nobody but its named receiver can act on it, by receiving it",
    "lot.id_reused": "the new lot's id is taken already (lot ids are never reused)",
    "custody.not_custodian": "the signer is not the lot's current custodian",
    "extraction.not_operator": "the signer does not operate the mine the lot was extracted at",
    "extraction.no_fine_gold": "the extracted lot holds no fine gold",
    "extraction.unknown_group": "the contributions name a group the ASMO did not register",
    "assay.not_an_assayer": "the assay names a participant that is not a registered assayer",
    "assay.above_ceiling": "the assayed fineness gives the lot more fine gold than its origins allow",
    "shipment.to_self": "the custodian ships a lot to itself",
    "shipment.receiver_cannot_hold": "the receiver is not a registered participant that may hold gold",
    "receipt.not_in_transit": "the lot received is not in transit",
    "receipt.wrong_shipment": "the receipt names another shipment than the lot's open one",
    "receipt.not_receiver": "the signer of the receipt is not the shipment's named receiver",
    "receipt.above_ceiling": "the weight received gives the lot more fine gold than its origins allow",
    "transformation.mixed_classes": "the inputs mix Fairmined Ecological, Fairmined and uncertified gold",
    "transformation.fine_gold_gain": "fine gold out exceeds fine gold in by more than the transformation tolerance",
    "transformation.above_ceiling": "fine gold out exceeds what the inputs' origins allow",
    "export.already_declared": "the lot's export was declared before",
}

FINDING_CODES: Final[dict[str, str]] = {
    "receipt.weight_mismatch": "the receiver's weight is off the shipped weight beyond the receipt tolerance",
    "transformation.high_loss": "a transformation lost more fine gold than the loss alert level",
    "premium.missing": "a certified first sale by an ASMO states no premium in USD",
    "premium.below_rate": "a certified first sale by an ASMO states a premium below the Fairmined rate",
    "mine.over_capacity": "a mine's fine gold of the month went above its declared monthly capacity",
    "asmo.above_productivity": "an ASMO's fine gold of the month went above the productivity threshold "
    "(grams per member per day)",
    "pallaqueras.above_monthly_limit": "a pallaqueras group's fine gold of the month went above the legal limit "
    "for its registered members (66 g each in Puno)",
    "shipment.not_received": "a shipment was not received within the receipt window (clock-dependent)",
    "lot.held_past_certificate": "a certified lot is still held by its certificate's holder after the "
    "certificate ended or was withdrawn (clock-dependent)",
}

VERDICT_CODES: Final[dict[str, str]] = {
    "verdict.lot_unknown": "no accepted event in the set creates the lot",
    "verdict.upstream_rejected": "an event of the lot's history (or of its registry) was refused by the rules",
    "verdict.upstream_missing": "an event of the lot's history was refused because the set lacks an event "
    "it depends on (a lot, key, participant, mine or certificate never created)",
    "verdict.key_revoked": "an event of the lot's history was signed with a key revoked before it was logged",
}


@dataclass(frozen=True, slots=True)
class Code:
    """One reason or finding code: what kind it is and what it means."""

    code: str
    kind: Kind
    meaning: str


def _error_class_codes(*modules: object) -> dict[str, str]:
    """Codes of the error classes with a fixed `CODE` defined in some modules, with their docstrings."""
    found: dict[str, str] = {}
    pending: list[type] = [GoldtraceError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        code = cls.__dict__.get("CODE")
        if isinstance(code, str) and any(cls.__module__ == getattr(m, "__name__", None) for m in modules):
            found[code] = _first_line(cls.__doc__)
    return dict(sorted(found.items()))


def _first_line(doc: str | None) -> str:
    line = (doc or "").strip().splitlines()[0] if doc and doc.strip() else ""
    return line[0].lower() + line[1:].rstrip(".") if line else ""


def _build() -> dict[str, Code]:
    groups: list[tuple[Kind, dict[str, str]]] = [
        ("decode", DECODE_CODES),
        ("signature", {cls.CODE: _first_line(cls.__doc__) for cls in SIGNATURE_ERRORS}),
        ("key file", KEY_FILE_CODES),
        ("log", _error_class_codes(merkle, treehead, log_entry)),
        ("bundle", {**_error_class_codes(anchor), **BUNDLE_CODES}),
        ("refusal", REFUSAL_CODES),
        ("finding", FINDING_CODES),
        ("verdict", VERDICT_CODES),
    ]
    catalogue: dict[str, Code] = {}
    for kind, codes in groups:
        for code, meaning in codes.items():
            if code in catalogue:
                raise ValueError(f"reason code {code!r} is defined twice")
            catalogue[code] = Code(code, kind, meaning)
    return catalogue


CATALOGUE: Final[dict[str, Code]] = _build()

KIND_TITLES: Final[dict[Kind, str]] = {
    "decode": "Decoding (events/codec.py): the bytes are not a well-formed v1 event",
    "signature": "Signatures and keys (events/signing.py, custody step 1)",
    "key file": "Key files (events/keys.py)",
    "log": "Transparency log (events/merkle.py, treehead.py, log_entry.py)",
    "bundle": "Provenance bundles (events/bundle_parse.py, bundle_verify.py, anchor.py): why a bundle does not verify",
    "refusal": "Custody rules (events/custody): the event is rejected",
    "finding": "Findings (events/custody): the event is accepted and flagged for the auditor",
    "verdict": "Lot verdict (events/verdict.py): why a lot is not verified",
}


def catalogue_markdown() -> str:
    """The catalogue as the Markdown tables of events/README.md, one table per kind."""
    lines: list[str] = []
    for kind, title in KIND_TITLES.items():
        lines += [f"#### {title}", "", "| code | meaning |", "|---|---|"]
        lines += [f"| `{c.code}` | {_cell(c.meaning)} |" for c in CATALOGUE.values() if c.kind == kind]
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")
