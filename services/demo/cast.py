"""Who takes part in the Puno demo: organisations, their groups, mines and certificates (../shared/notes/puno.md).

Organisation names are public; the others are described by what they are, with "(demo)" in the name. No person is
named: groups are counted by gender only. Head counts follow the notes where they give them (CECOMIP: about 200
members, 58 of them women; "Divinas en Brillo de Oro": 21 women); the rest are demo figures.

The pallaqueras of La Rinconada are registered as a group of Cruz Pata Chaquiminas, whose workings lie at
Chaquiminas by La Rinconada: a pallaquera's gold is backed by a "constancia de origen" from the concession holder,
so her contribution enters the chain through the lots that holder declares. Twelve are registered with Cruz Pata:
together they may sell at most 12 x 66 g of gold a month. Linda 2 (Madre de Dios) is still in
certification: its gold is the season's uncertified gold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

AUTHORITY: Final = "arm"
CERTIFIER: Final = "fairmined-cb"
CECOMIP: Final = "cecomip"
ORO_PUNO: Final = "oro-puno"
CRUZ_PATA: Final = "cruz-pata"
LINDA_2: Final = "linda-2"
TRADER: Final = "fas-juliaca"
LAB: Final = "assay-lab-juliaca"
REFINER: Final = "refinery-lima"
JEWELLER: Final = "jeweller-lima"

BATEADORAS: Final = "divinas-en-brillo-de-oro"
COOPERATIVES: Final = "cecomip-member-cooperatives"
PALLAQUERAS: Final = "pallaqueras-la-rinconada"
CRUZ_PATA_MEMBERS: Final = "cruz-pata-members"

CECOMIP_MINE: Final = "cecomip-ananea"
ORO_PUNO_MINE: Final = "oro-puno-san-antonio-de-poto"
CRUZ_PATA_MINE: Final = "cruz-pata-chaquiminas"
LINDA_2_MINE: Final = "linda-2-madre-de-dios"

FORGER: Final = "forger"
"""Not a participant: the key of someone who signs in another's name (the forged-signature attempt)."""


@dataclass(frozen=True)
class Group:
    """A group of miners inside an ASMO, counted by gender."""

    group: str
    kind: str
    women: int
    men: int


@dataclass(frozen=True)
class Cast:
    """One participant of the demo: id, public name, roles, country, and for an ASMO its members and groups."""

    participant: str
    name: str
    roles: tuple[str, ...]
    country: str = "PE"
    members: tuple[int, int] | None = None  # (women, men)
    groups: tuple[Group, ...] = field(default=())


@dataclass(frozen=True)
class MineSpec:
    """A mine, its operating ASMO, region and declared monthly capacity of fine gold."""

    mine: str
    operator: str
    name: str
    region: str
    capacity_mg_per_month: int


@dataclass(frozen=True)
class CertificateSpec:
    """A certificate to issue: holder, standard, mines and its validity in days around the season's end."""

    name: str  # the certificate id without the season tag
    holder: str
    standard: str
    mines: tuple[str, ...]
    valid_from_days_before_end: int
    valid_until_days_after_end: int  # negative: it lapsed before the season ended


CAST: Final[tuple[Cast, ...]] = (
    Cast(AUTHORITY, "Alliance for Responsible Mining (ARM)", ("authority",), country="CO"),
    Cast(CERTIFIER, "Fairmined certification body (demo)", ("certifier",), country="CO"),
    Cast(
        CECOMIP,
        "Central de Cooperativas Mineras de Puno (CECOMIP)",
        ("asmo",),
        members=(58, 142),
        groups=(
            Group(BATEADORAS, "bateadoras", 21, 0),
            Group(COOPERATIVES, "members", 37, 142),
        ),
    ),
    Cast(ORO_PUNO, "Oro Puno", ("asmo",), members=(24, 30)),
    Cast(
        CRUZ_PATA,
        "Cruz Pata Chaquiminas",
        ("asmo",),
        members=(35, 85),
        groups=(
            Group(PALLAQUERAS, "pallaqueras", 12, 0),
            Group(CRUZ_PATA_MEMBERS, "members", 10, 85),
        ),
    ),
    Cast(LINDA_2, "Linda 2 (in Fairmined certification)", ("asmo",), members=(6, 22)),
    Cast(TRADER, "First authorized buyer, Juliaca (demo)", ("trader",)),
    Cast(LAB, "Assay laboratory, Juliaca (demo)", ("assayer",)),
    Cast(REFINER, "Gold refinery, Lima (demo)", ("refiner",)),
    Cast(JEWELLER, "Fairmined-licensed jeweller, Lima (demo)", ("manufacturer",)),
)

MINES: Final[tuple[MineSpec, ...]] = (
    MineSpec(CECOMIP_MINE, CECOMIP, "CECOMIP alluvial concession, Ananea", "Ananea, Puno", 4_000_000),
    MineSpec(ORO_PUNO_MINE, ORO_PUNO, "Oro Puno moraine deposit, San Antonio de Poto", "Ananea, Puno", 1_500_000),
    MineSpec(CRUZ_PATA_MINE, CRUZ_PATA, "Cruz Pata, Chaquiminas", "Ananea, Puno", 2_000_000),
    MineSpec(LINDA_2_MINE, LINDA_2, "Linda 2", "Madre de Dios", 300_000),
)

CERTIFICATES: Final[tuple[CertificateSpec, ...]] = (
    CertificateSpec("fme-cecomip", CECOMIP, "fairmined-ecological", (CECOMIP_MINE,), 200, 165),
    CertificateSpec("fme-oro-puno", ORO_PUNO, "fairmined-ecological", (ORO_PUNO_MINE,), 300, 65),
    # Not renewed at its yearly audit: it lapsed 45 days before the season's end.
    CertificateSpec("fm-cruz-pata", CRUZ_PATA, "fairmined", (CRUZ_PATA_MINE,), 330, -45),
)


def cast_member(participant: str) -> Cast:
    """The cast entry of a participant id."""
    for member in CAST:
        if member.participant == participant:
            return member
    raise KeyError(participant)
