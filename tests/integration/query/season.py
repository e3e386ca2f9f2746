"""The season the query tests play: two Fairmined lots assayed, sold with premium, refined into a bar that goes to
a jeweller; an ecological lot with a women's group; a lot whose extraction is refused; and a melt of the ecological
lot by a trader who does not hold it, refused, whose output lot exists nowhere else."""

from __future__ import annotations

from dataclasses import dataclass

from events.codec import SignedEvent
from tests.unit.events.scenario import (
    BATEADORAS,
    COOPERATIVES,
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    FM_ASMO,
    FM_CERT,
    FM_MINE,
    JEWELLER,
    REFINER,
    TRADER,
    UNCERTIFIED_ASMO,
    UNCERTIFIED_MINE,
    Scenario,
    shipment_of,
)

BAR = "BAR-1"
REFUSED_LOT = "LOT-X"
REFUSED_OUTPUT = "LOT-Y"  # named only in data.outputs of the refused melt
ECO_LOT = "LOT-E"
ORE_LOTS = ("LOT-A", "LOT-B")


@dataclass(frozen=True)
class Season:
    """The events in submission batches (each decided before the next is sent), and the two refusals."""

    batches: list[list[SignedEvent]]
    refused: SignedEvent
    refused_melt: SignedEvent

    @property
    def events(self) -> list[SignedEvent]:
        """Every event in the order submitted."""
        return [event for batch in self.batches for event in batch]

    @property
    def accepted(self) -> list[SignedEvent]:
        """Every event the pipeline accepts, in the order submitted."""
        return [event for event in self.events if event.id not in (self.refused.id, self.refused_melt.id)]


def play_season(scenario: Scenario) -> Season:
    """Build the season's signed events."""
    world = scenario.world()
    lot_a = scenario.extract(FM_ASMO, "LOT-A", FM_MINE, 200_000, certificate=FM_CERT)
    assay_a = scenario.assay(FM_ASMO, "LOT-A", "851")
    lot_b = scenario.extract(FM_ASMO, "LOT-B", FM_MINE, 150_000, certificate=FM_CERT)
    eco = scenario.extract(
        ECO_ASMO,
        ECO_LOT,
        ECO_MINE,
        40_000,
        certificate=ECO_CERT,
        contributions=[(BATEADORAS, 6_000), (COOPERATIVES, 4_000)],
    )
    refused = scenario.extract(UNCERTIFIED_ASMO, REFUSED_LOT, UNCERTIFIED_MINE, 9_000, certificate=FM_CERT)
    sold_a = scenario.ship(FM_ASMO, "LOT-A", TRADER, 200_000, premium_usd="681.00")
    sold_b = scenario.ship(FM_ASMO, "LOT-B", TRADER, 150_000, premium_usd="510.00")
    refused_melt = scenario.transform(TRADER, [ECO_LOT], [(REFUSED_OUTPUT, 39_000, "850")])
    got_a = scenario.receive(TRADER, "LOT-A", shipment_of(sold_a), 200_000)
    got_b = scenario.receive(TRADER, "LOT-B", shipment_of(sold_b), 150_000)
    to_refiner_a = scenario.ship(TRADER, "LOT-A", REFINER, 200_000)
    to_refiner_b = scenario.ship(TRADER, "LOT-B", REFINER, 150_000)
    at_refiner_a = scenario.receive(REFINER, "LOT-A", shipment_of(to_refiner_a), 200_000)
    at_refiner_b = scenario.receive(REFINER, "LOT-B", shipment_of(to_refiner_b), 150_000)
    melted = scenario.transform(REFINER, list(ORE_LOTS), [(BAR, 298_000, "995")], process="refining")
    to_jeweller = scenario.ship(REFINER, BAR, JEWELLER, 298_000)
    at_jeweller = scenario.receive(JEWELLER, BAR, shipment_of(to_jeweller), 298_000)
    return Season(
        batches=[
            world,
            [lot_a, assay_a, lot_b, eco, refused],
            [sold_a, sold_b, refused_melt],
            [got_a, got_b],
            [to_refiner_a, to_refiner_b],
            [at_refiner_a, at_refiner_b],
            [melted],
            [to_jeweller],
            [at_jeweller],
        ],
        refused=refused,
        refused_melt=refused_melt,
    )
