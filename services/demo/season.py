"""The Puno demo season, as planned events in submission order (pure: no I/O, no clock, no randomness).

Story (days before the season's end; every figure is invented for the demo, within ../shared/notes/puno.md):

- day 120: ARM registers the cast and the mines; the certification body issues three certificates (CECOMIP and
  Oro Puno Fairmined Ecological; Cruz Pata Fairmined, which lapses 45 days before the end).
- days 110-79, first sales to the first authorized buyer at the Fairmined rate: CECOMIP (with the bateadoras'
  share), Cruz Pata (with the pallaqueras' share), Oro Puno (premium below the rate: a finding), CECOMIP again
  (weighed light on receipt: a finding).
- day 70: Cruz Pata declares a lot as mostly its pallaqueras' gold, more than its 12 registered pallaqueras may
  legally sell in a month (a finding); it still holds the lot when its certificate lapses (a finding of the audit
  clock: held past its certificate's end).
- days 60-55: Linda 2, in certification, sells two uncertified lots in one day, above its mine's declared
  capacity (a finding); the buyer melts them, then tries to split one of them again (double spend: refused).
- days 50-45: the buyer melts the Fairmined Ecological lots into one doré, has it assayed, ships it, the
  Fairmined lot and the uncertified doré to the refinery.
- days 35-32: the refinery refines each class apart into bars with serials; before refining the uncertified doré
  properly it declares more fine gold out than went in (refused). It ships a 1 kg Ecological bar to the jeweller,
  who never confirms receiving it (a finding of the audit clock once the receipt window has passed).
- day 30: Cruz Pata declares a lot under its lapsed certificate (refused); day 25: someone signs an extraction
  in CECOMIP's name with another key (forged signature: refused).
- days 20-10: a 100 g Fairmined Ecological bar goes to the jeweller, who makes rings: `ring-01-<tag>` is the lot
  to verify, back to CECOMIP's and Oro Puno's mines and the bateadoras' work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from events.custody.policy import BASIS_POINTS, DEFAULT_POLICY
from events.model.types import fine_mass_mg
from services.demo import cast
from services.demo.builder import (
    ACCEPTED,
    Expected,
    Output,
    PlannedEvent,
    PublicKeyEntry,
    Season,
    SeasonBuilder,
    Step,
    fineness_for,
    flagged,
    mass_for,
    refused,
)
from services.demo.cast import CERTIFICATES, MINES
from services.demo.ids import DemoSeed

BAR_FINENESS = "999.9"
KILO_MG = 1_000_000
HUNDRED_G_MG = 100_000


def build_season(seed: DemoSeed, keys: Mapping[str, PublicKeyEntry]) -> Season:
    """Every step of the season for this seed, signed later with the keys whose public halves are given."""
    missing = sorted({member.participant for member in cast.CAST} - set(keys))
    if missing:
        raise ValueError(f"no key for {', '.join(missing)}")
    b = SeasonBuilder(seed, keys)
    story = _Story(b)
    steps = [
        *story.registry(),
        *story.first_sales(),
        *story.pallaqueras(),
        *story.uncertified_gold(),
        *story.buyer_to_refinery(),
        *story.refinery(),
        *story.unreceived_bar(),
        *story.late_attempts(),
        *story.jeweller(),
    ]
    made = next(e.id for step in steps for e in step.events if e.type == "lot.transformed" and _makes(e, story.ring))
    return Season(seed.tag, tuple(steps), story.ring, made, story.notable)


def _makes(event: PlannedEvent, lot: str) -> bool:
    return any(output["lot"] == lot for output in event.unsigned["data"]["outputs"])


def _step(actor: str, what: str, *events: PlannedEvent) -> Step:
    return Step(actor, what, events)


class _Story:
    """The chapters of the season; lot ids are kept here as the story names them."""

    def __init__(self, b: SeasonBuilder) -> None:
        self.b = b
        lot = b.lot_id
        self.cecomip_1, self.cecomip_2, self.cecomip_forged = lot("cecomip-01"), lot("cecomip-02"), lot("cecomip-03")
        self.cruz_pata_1, self.cruz_pata_lapsed = lot("cruz-pata-01"), lot("cruz-pata-02")
        self.cruz_pata_pallaqueras = lot("cruz-pata-03")
        self.lost_bar = lot("bar-1kg-02")
        self.oro_puno_1 = lot("oro-puno-01")
        self.linda_1, self.linda_2 = lot("linda-2-01"), lot("linda-2-02")
        self.eco_dore, self.uncertified_dore = lot("dore-01"), lot("dore-02")
        self.eco_bar = lot("bar-100g-01")
        self.fairmined_bar = lot("bar-500g-01")
        self.uncertified_bar = lot("bar-u-01")
        self.ring = lot("ring-01")
        self.certificates = {spec.holder: b.certificate_id(spec) for spec in CERTIFICATES}
        self.notable = {
            self.ring: "Fairmined Ecological ring (verified back to CECOMIP's and Oro Puno's mines)",
            self.eco_bar: "100 g Fairmined Ecological bar the ring was made from",
            self.fairmined_bar: "500 g Fairmined bar from Cruz Pata, with the pallaqueras' share",
            self.uncertified_bar: "bar of Linda 2's uncertified gold (its history shows the refused attempts)",
            self.cruz_pata_pallaqueras: "Cruz Pata lot declared as mostly pallaqueras' gold, held past its certificate",
            self.lost_bar: "1 kg Ecological bar shipped to the jeweller and never received",
        }
        self.serials = 0

    def serial(self) -> str:
        """The refinery's next bar serial."""
        self.serials += 1
        return f"RL-{self.b.seed.tag.upper()}-{self.serials:04d}"

    # -- day 120 ----------------------------------------------------------------------------------------------
    def registry(self) -> list[Step]:
        """ARM registers the cast and the mines; the certification body issues the certificates."""
        b, day = self.b, self.b.seed.day
        participants = [b.register(member, day(120, 8, i)) for i, member in enumerate(cast.CAST)]
        mines = [b.mine(spec, day(120, 9, i)) for i, spec in enumerate(MINES)]
        certificates = [b.certificate(spec, cast.CERTIFIER, day(119, 10, i)) for i, spec in enumerate(CERTIFICATES)]
        return [
            _step(cast.AUTHORITY, "registers the participants and their mines", *participants, *mines),
            _step(cast.CERTIFIER, "issues the Fairmined certificates", *certificates),
        ]

    # -- days 110-79 ------------------------------------------------------------------------------------------
    def first_sales(self) -> list[Step]:
        """Certified lots extracted, assayed and sold to the first authorized buyer, who receives them."""
        bateadoras, pallaqueras = cast.BATEADORAS, cast.PALLAQUERAS
        c1 = self._first_sale(cast.CECOMIP, self.cecomip_1, 1_250_000, "880", "905", 110,
                              [(bateadoras, 2_400), (cast.COOPERATIVES, 7_600)])  # fmt: skip
        p1 = self._first_sale(cast.CRUZ_PATA, self.cruz_pata_1, 820_000, "860", "872", 100,
                              [(pallaqueras, 1_800), (cast.CRUZ_PATA_MEMBERS, 8_200)])  # fmt: skip
        o1 = self._first_sale(cast.ORO_PUNO, self.oro_puno_1, 640_000, "890", None, 95, (), premium_share_bp=8_000)
        c2 = self._first_sale(cast.CECOMIP, self.cecomip_2, 1_180_000, "875", "901", 80,
                              [(bateadoras, 2_600), (cast.COOPERATIVES, 7_400)])  # fmt: skip
        return [
            _step(cast.CECOMIP, "extracts a lot with the bateadoras' share, has it assayed, sells it", *c1),
            _step(cast.TRADER, "receives CECOMIP's lot", self._bought(self.cecomip_1, 108, 1_249_100)),
            _step(cast.CRUZ_PATA, "extracts a lot with the pallaqueras' share, has it assayed, sells it", *p1),
            _step(cast.TRADER, "receives Cruz Pata's lot", self._bought(self.cruz_pata_1, 98)),
            _step(cast.ORO_PUNO, "extracts a lot and sells it with a premium below the rate", *o1),
            _step(cast.TRADER, "receives Oro Puno's lot", self._bought(self.oro_puno_1, 93, 639_600)),
            _step(cast.CECOMIP, "extracts a second lot, has it assayed, sells it", *c2),
            _step(cast.TRADER, "receives CECOMIP's second lot, weighing it light",
                  self._bought(self.cecomip_2, 78, 1_172_500, flagged("receipt.weight_mismatch"))),
        ]  # fmt: skip

    def _bought(self, lot: str, days: int, mass_mg: int | None = None, expected: Expected = ACCEPTED) -> PlannedEvent:
        """The buyer receives a lot, weighing it (the shipped mass unless given)."""
        return self.b.receive(cast.TRADER, lot, self.b.seed.day(days, 11), mass_mg=mass_mg, expected=expected)

    def _first_sale(
        self,
        asmo: str,
        lot: str,
        mass_mg: int,
        field_fineness: str,
        assayed_fineness: str | None,
        days: int,
        contributions: Sequence[tuple[str, int]],
        premium_share_bp: int = 10_000,
    ) -> list[PlannedEvent]:
        """An ASMO extracts a certified lot at its mine, has it assayed, and sells it to the buyer the next day
        with the premium at the Fairmined rate (or a share of it: below the policy's tolerance it is a finding)."""
        b, day = self.b, self.b.seed.day
        spec = next(spec for spec in CERTIFICATES if spec.holder == asmo)
        mine = spec.mines[0]
        events = [
            b.extract(asmo, lot, mine, mass_mg, field_fineness, day(days, 7, 30),
                      certificate=b.certificate_id(spec), contributions=contributions),
        ]  # fmt: skip
        if assayed_fineness is not None:
            events.append(b.assay(asmo, lot, assayed_fineness, cast.LAB, day(days, 15)))
        premium = b.premium_at_rate(lot, spec.standard, premium_share_bp)
        enough_bp = BASIS_POINTS - DEFAULT_POLICY.premium_shortfall_tolerance_bp
        expected = ACCEPTED if premium_share_bp >= enough_bp else flagged("premium.below_rate")
        events.append(b.ship(asmo, lot, cast.TRADER, day(days - 1, 8), premium=premium, expected=expected))
        return events

    # -- day 70 -----------------------------------------------------------------------------------------------
    def pallaqueras(self) -> list[Step]:
        """Cruz Pata declares 85 % of a lot as its pallaqueras' gold: above the legal amount for 12 of them."""
        b, day = self.b, self.b.seed.day
        extract = b.extract(
            cast.CRUZ_PATA,
            self.cruz_pata_pallaqueras,
            cast.CRUZ_PATA_MINE,
            1_150_000,
            "860",
            day(70, 7, 30),
            certificate=self.certificates[cast.CRUZ_PATA],
            contributions=[(cast.PALLAQUERAS, 8_500), (cast.CRUZ_PATA_MEMBERS, 1_500)],
            expected=flagged("pallaqueras.above_monthly_limit"),
        )
        return [_step(cast.CRUZ_PATA, "declares a lot as mostly its pallaqueras' gold, and keeps it", extract)]

    # -- days 60-55 -------------------------------------------------------------------------------------------
    def uncertified_gold(self) -> list[Step]:
        """Linda 2's uncertified lots (above its mine's capacity), melted by the buyer; then a double spend."""
        b, day = self.b, self.b.seed.day
        l1 = b.extract(cast.LINDA_2, self.linda_1, cast.LINDA_2_MINE, 180_000, "800", day(60, 8))
        l2 = b.extract(
            cast.LINDA_2,
            self.linda_2,
            cast.LINDA_2_MINE,
            220_000,
            "800",
            day(60, 15),
            expected=flagged("mine.over_capacity"),
        )
        ships = [b.ship(cast.LINDA_2, lot, cast.TRADER, day(60, 17)) for lot in (self.linda_1, self.linda_2)]
        receipts = [b.receive(cast.TRADER, lot, day(58, 10)) for lot in (self.linda_1, self.linda_2)]
        melt = self._melt([self.linda_1, self.linda_2], self.uncertified_dore, day(56, 9))
        split_mass = b.mass_mg(self.linda_1) // 2
        double_spend = b.transform(
            cast.TRADER,
            "split",
            [self.linda_1],
            [Output(b.lot_id(f"linda-2-01{half}"), "doré", split_mass, "800") for half in ("a", "b")],
            day(55, 9),
            expected=refused("lot.consumed"),
            attempt="The buyer splits Linda 2's first lot, already melted into a doré (a double spend).",
        )
        return [
            _step(cast.LINDA_2, "extracts two uncertified lots in one day and sells them", l1, l2, *ships),
            _step(cast.TRADER, "receives Linda 2's lots", *receipts),
            _step(cast.TRADER, "melts Linda 2's lots into one uncertified doré", melt),
            _step(cast.TRADER, "tries to split one of the melted lots again", double_spend),
        ]

    def _melt(self, inputs: list[str], output: str, at: datetime) -> PlannedEvent:
        """The buyer melts lots of one class into a doré: 0.3 % of the mass and 0.05 % of the fine gold lost."""
        b = self.b
        mass_in = sum(b.mass_mg(lot) for lot in inputs)
        fine_in = sum(b.fine_mg(lot) for lot in inputs)
        mass = mass_in * 997 // 1000
        fine = fine_in * 9_995 // 10_000
        return b.transform(cast.TRADER, "melting", inputs, [Output(output, "doré", mass, fineness_for(fine, mass))], at)

    # -- days 50-45 -------------------------------------------------------------------------------------------
    def buyer_to_refinery(self) -> list[Step]:
        """The buyer melts the Fairmined Ecological lots, has the doré assayed and ships three lots to the refinery."""
        b, day = self.b, self.b.seed.day
        melt = self._melt([self.cecomip_1, self.oro_puno_1, self.cecomip_2], self.eco_dore, day(50, 9))
        mass = b.mass_mg(self.eco_dore)
        assay = b.assay(
            cast.TRADER,
            self.eco_dore,
            fineness_for(b.fine_mg(self.eco_dore) * 1_001 // 1_000, mass),
            cast.LAB,
            day(49, 12),
        )
        lots = (self.eco_dore, self.cruz_pata_1, self.uncertified_dore)
        ships = [b.ship(cast.TRADER, lot, cast.REFINER, day(47, 9, i)) for i, lot in enumerate(lots)]
        receipts = [b.receive(cast.REFINER, lot, day(45, 10, i)) for i, lot in enumerate(lots)]
        return [
            _step(cast.TRADER, "melts the Fairmined Ecological lots into one doré and has it assayed", melt, assay),
            _step(
                cast.TRADER,
                "ships the Ecological doré, Cruz Pata's lot and the uncertified doré to the refinery",
                *ships,
            ),
            _step(cast.REFINER, "receives the three lots", *receipts),
        ]

    # -- days 35-33 -------------------------------------------------------------------------------------------
    def refinery(self) -> list[Step]:
        """Each class refined apart into 999.9 bars with serials; one inflated attempt refused."""
        b, day = self.b, self.b.seed.day
        eco_bars = self._bars(
            self.eco_dore,
            [("bar-1kg-01", KILO_MG), ("bar-1kg-02", KILO_MG)]
            + [(f"bar-100g-{n:02d}", HUNDRED_G_MG) for n in range(1, 6)],
            "grain-01",
        )
        fm_bars = self._bars(self.cruz_pata_1, [("bar-500g-01", 500_000)], "grain-02")
        fine_in = b.fine_mg(self.uncertified_dore)
        inflated_mass = mass_for(fine_in * 108 // 100, BAR_FINENESS)
        inflated = b.transform(
            cast.REFINER,
            "refining",
            [self.uncertified_dore],
            [Output(b.lot_id("bar-u-x"), "bar", inflated_mass, BAR_FINENESS, self.serial())],
            day(33, 9),
            label=f"{cast.REFINER}/refining/{self.uncertified_dore}/inflated",
            expected=refused("transformation.fine_gold_gain"),
            attempt="The refinery declares 8 % more fine gold out of Linda 2's doré than went in.",
        )
        honest = b.transform(
            cast.REFINER,
            "refining",
            [self.uncertified_dore],
            [
                Output(
                    self.uncertified_bar,
                    "bar",
                    mass_for(fine_in * 999 // 1000, BAR_FINENESS),
                    BAR_FINENESS,
                    self.serial(),
                )
            ],
            day(33, 14),
        )
        return [
            _step(
                cast.REFINER,
                "refines the Ecological doré into bars",
                b.transform(cast.REFINER, "refining", [self.eco_dore], eco_bars, day(35, 9)),
            ),
            _step(
                cast.REFINER,
                "refines Cruz Pata's lot into a bar",
                b.transform(cast.REFINER, "refining", [self.cruz_pata_1], fm_bars, day(34, 9)),
            ),
            _step(cast.REFINER, "declares more fine gold out of the uncertified doré than went in", inflated),
            _step(cast.REFINER, "refines the uncertified doré into a bar", honest),
        ]

    def _bars(self, lot: str, bars: list[tuple[str, int]], grain: str) -> list[Output]:
        """Bars of 999.9 with serials and the rest as grain, losing 0.1 % of the fine gold."""
        b = self.b
        fine_out = b.fine_mg(lot) * 999 // 1000
        outputs = [Output(b.lot_id(name), "bar", mass, BAR_FINENESS, self.serial()) for name, mass in bars]
        rest = fine_out - sum(fine_mass_mg(output.mass_mg, output.fineness) for output in outputs)
        if rest <= 0:
            raise ValueError(f"lot {lot} holds too little fine gold for these bars")
        outputs.append(Output(b.lot_id(grain), "grain", mass_for(rest, BAR_FINENESS), BAR_FINENESS))
        return outputs

    # -- day 32 -----------------------------------------------------------------------------------------------
    def unreceived_bar(self) -> list[Step]:
        """The refinery ships a 1 kg Ecological bar to the jeweller, who never confirms receiving it."""
        ship = self.b.ship(cast.REFINER, self.lost_bar, cast.JEWELLER, self.b.seed.day(32, 9))
        return [_step(cast.REFINER, "ships a 1 kg Ecological bar to the jeweller (never received)", ship)]

    # -- days 30-25 -------------------------------------------------------------------------------------------
    def late_attempts(self) -> list[Step]:
        """A lot under a lapsed certificate, and an extraction signed in CECOMIP's name with another key."""
        b, day = self.b, self.b.seed.day
        lapsed = b.extract(
            cast.CRUZ_PATA,
            self.cruz_pata_lapsed,
            cast.CRUZ_PATA_MINE,
            410_000,
            "860",
            day(30, 7),
            certificate=self.certificates[cast.CRUZ_PATA],
            contributions=[(cast.PALLAQUERAS, 2_000), (cast.CRUZ_PATA_MEMBERS, 8_000)],
            expected=refused("certificate.not_valid_at_time"),
            attempt="Cruz Pata declares a certified lot after its certificate lapsed (not renewed at its audit).",
        )
        forged = b.extract(
            cast.CECOMIP,
            self.cecomip_forged,
            cast.CECOMIP_MINE,
            900_000,
            "880",
            day(25, 7),
            certificate=self.certificates[cast.CECOMIP],
            contributions=[(cast.BATEADORAS, 3_000), (cast.COOPERATIVES, 7_000)],
            expected=refused("signature.invalid"),
            sign_with=cast.FORGER,
            attempt="Someone declares a lot in CECOMIP's name, signed with a key that is not CECOMIP's.",
        )
        return [
            _step(cast.CRUZ_PATA, "declares a lot under its lapsed certificate", lapsed),
            _step(cast.CECOMIP, "(forged) an extraction signed in CECOMIP's name by someone else", forged),
        ]

    # -- days 20-10 -------------------------------------------------------------------------------------------
    def jeweller(self) -> list[Step]:
        """A 100 g Ecological bar goes to the jeweller, who makes four 18-carat rings and keeps the rest as stock."""
        b, day = self.b, self.b.seed.day
        ship = b.ship(cast.REFINER, self.eco_bar, cast.JEWELLER, day(20, 9))
        receive = b.receive(cast.JEWELLER, self.eco_bar, day(18, 11))
        rings = [Output(b.lot_id(f"ring-{n:02d}"), "ring", 6_000, "750") for n in range(1, 5)]
        ring_fine = sum(fine_mass_mg(ring.mass_mg, ring.fineness) for ring in rings)
        stock_fine = b.fine_mg(self.eco_bar) * 998 // 1000 - ring_fine
        stock = Output(b.lot_id("stock-01"), "casting grain", mass_for(stock_fine, BAR_FINENESS), BAR_FINENESS)
        make = b.transform(cast.JEWELLER, "manufacturing", [self.eco_bar], [*rings, stock], day(10, 9))
        return [
            _step(cast.REFINER, "ships a 100 g Ecological bar to the jeweller", ship),
            _step(cast.JEWELLER, "receives the bar", receive),
            _step(cast.JEWELLER, "makes four rings from the bar", make),
        ]
