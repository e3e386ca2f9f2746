"""Payloads of custody events: extraction, assay, shipment, receipt, transformation, export."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, model_validator
from pydantic import Strict as StrictType
from pydantic.dataclasses import dataclass

from events.model.types import (
    CONTRACT,
    MAX_LIST,
    BasisPoints,
    CountryCode,
    Fineness,
    Id,
    MassMg,
    Money,
    Sha256Hex,
    Text,
)


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class Contribution:
    """A group's share of a lot, in basis points (10000 = the whole lot)."""

    group: Id
    share_bp: BasisPoints


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class LotExtracted:
    """`lot.extracted`: an ASMO registers a lot produced at one of its mines."""

    lot: Id
    mine: Id
    form: Text
    mass_mg: MassMg
    fineness: Fineness
    mercury_free: StrictBool
    certificate: Id | None = None
    contributions: Annotated[list[Contribution], StrictType(), Field(min_length=1, max_length=MAX_LIST)] | None = None

    @model_validator(mode="after")
    def _shares(self) -> LotExtracted:
        if self.contributions is not None:
            if sum(c.share_bp for c in self.contributions) != 10_000:
                raise ValueError("contributions must sum to 10000 basis points")
            if len({c.group for c in self.contributions}) != len(self.contributions):
                raise ValueError("a group appears twice in contributions")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class LotAssayed:
    """`lot.assayed`: a lab measured the lot's fineness; the report is referenced by its hash."""

    lot: Id
    fineness: Fineness
    method: Text
    assayer: Id
    report_sha256: Sha256Hex


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class LotShipped:
    """`lot.shipped`: the custodian sends the lot to another participant; nobody holds it in transit."""

    lot: Id
    shipment: Id
    to: Id
    mass_mg: MassMg
    price: Money | None = None
    premium: Money | None = None


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class LotReceived:
    """`lot.received`: the named receiver takes the lot; its weighing prevails over the sender's."""

    lot: Id
    shipment: Id
    mass_mg: MassMg


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class TransformOutput:
    """One lot produced by a transformation."""

    lot: Id
    form: Text
    mass_mg: MassMg
    fineness: Fineness
    serial: Text | None = None


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class LotTransformed:
    """`lot.transformed`: inputs are consumed and outputs created (melting, refining, split, merge, ...)."""

    process: Annotated[str, StrictType(), Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
    inputs: Annotated[list[Id], StrictType(), Field(min_length=1, max_length=MAX_LIST)]
    outputs: Annotated[list[TransformOutput], StrictType(), Field(min_length=1, max_length=MAX_LIST)]

    @model_validator(mode="after")
    def _distinct(self) -> LotTransformed:
        if len(set(self.inputs)) != len(self.inputs):
            raise ValueError("an input lot is listed twice")
        out = [o.lot for o in self.outputs]
        if len(set(out)) != len(out):
            raise ValueError("an output lot is listed twice")
        if set(out) & set(self.inputs):
            raise ValueError("a lot cannot be both input and output")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class LotExported:
    """`lot.exported`: the custodian declares the lot's export to a destination country."""

    lot: Id
    declaration: Text
    destination: CountryCode
