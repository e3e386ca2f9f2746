"""Hypothesis properties of the fold: gold never grows, folding twice is idempotent, order of unrelated lots
does not matter, and a lot is consumed at most once."""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.codec import SignedEvent
from events.custody import Accepted, Duplicate, Outcome, Rejected, State, decide, evolve, fold, initial_state
from events.custody.policy import BASIS_POINTS, DEFAULT_POLICY
from events.custody.replay import replay
from events.model.types import fine_mass_mg
from events.verdict import lot_verdict
from tests.unit.events.scenario import (
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
    accept,
    shipment_of,
)

PROPERTY_SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ORIGINS = ((ECO_ASMO, ECO_MINE, ECO_CERT), (FM_ASMO, FM_MINE, FM_CERT), (UNCERTIFIED_ASMO, UNCERTIFIED_MINE, None))
HOLDERS = (TRADER, REFINER, JEWELLER, ECO_ASMO)
FINENESS = st.sampled_from(["500", "850", "900.5", "950", "999.9"])
WILD = 90  # a lot index at or above this picks among all lots, not only those the operation fits


@dataclass(frozen=True)
class Extract:
    """An ASMO of ORIGINS extracts a lot (certified when the ASMO holds a certificate)."""

    origin: int
    mass_mg: int
    fineness: str


@dataclass(frozen=True)
class Assay:
    """The custodian records a lab fineness."""

    lot: int
    fineness: str


@dataclass(frozen=True)
class Ship:
    """The custodian ships the lot to one of HOLDERS."""

    lot: int
    to: int


@dataclass(frozen=True)
class Receive:
    """The receiver weighs the lot, off the shipped mass by some basis points."""

    lot: int
    weight_change_bp: int


@dataclass(frozen=True)
class Transform:
    """The holder of the first lot transforms it (with others it holds) at some yield of fine gold."""

    lots: list[int]
    outputs: list[tuple[int, str]]
    yield_bp: int


Operation = Extract | Assay | Ship | Receive | Transform
LOT = st.integers(0, 99)
OPERATIONS = st.lists(
    st.one_of(
        st.builds(Extract, st.integers(0, 2), st.integers(1_000, 400_000), FINENESS),
        st.builds(Assay, LOT, st.sampled_from(["700", "880", "940", "990", "1000"])),
        st.builds(Ship, LOT, st.integers(0, len(HOLDERS) - 1)),
        st.builds(Receive, LOT, st.integers(-400, 2_500)),
        st.builds(
            Transform,
            st.lists(LOT, min_size=1, max_size=3),
            st.lists(st.tuples(st.integers(1, 9), FINENESS), min_size=1, max_size=3),
            st.integers(9_000, 10_300),
        ),
    ),
    min_size=4,
    max_size=24,
)


@dataclass
class History:
    """A generated history: the state it was built against, every event, and the accepted ones."""

    scenario: Scenario
    state: State
    events: list[SignedEvent] = field(default_factory=list)
    accepted: list[SignedEvent] = field(default_factory=list)
    lots: list[str] = field(default_factory=list)
    extracted_fine: dict[str, int] = field(default_factory=dict)
    parents: dict[str, list[str]] = field(default_factory=dict)
    transforms: list[tuple[int, int]] = field(default_factory=list)  # (fine in, fine out) of accepted ones

    def log(self, signed: SignedEvent) -> None:
        """Fold one event and remember it (and, when accepted, what the properties need)."""
        before = {lot: found.fine_mg for lot, found in self.state.lots.items()}
        outcome = decide(self.state, signed)
        evolve(self.state, outcome)
        self.events.append(signed)
        if not isinstance(outcome, Accepted):
            return
        self.accepted.append(signed)
        data = signed.raw["data"]
        if signed.event.type == "lot.extracted":
            self.extracted_fine[data["lot"]] = self.state.lots[data["lot"]].fine_mg
        if signed.event.type == "lot.transformed":
            outputs = [o["lot"] for o in data["outputs"]]
            self.parents.update({lot: list(data["inputs"]) for lot in outputs})
            fine_in = sum(before[lot] for lot in data["inputs"])
            self.transforms.append((fine_in, sum(self.state.lots[lot].fine_mg for lot in outputs)))

    def pick(self, index: int, status: str, custodian: str | None = None) -> str | None:
        """A lot by index among those with a status (and custodian), or among all lots for a wild index."""
        lots = self.state.lots
        fitting = [
            lot
            for lot in self.lots
            if lot in lots and lots[lot].status == status and custodian in (None, lots[lot].custodian)
        ]
        choice = fitting if index < WILD else self.lots
        return choice[index % len(choice)] if choice else None

    def new_lot(self) -> str:
        """A fresh lot id."""
        self.lots.append(f"L{len(self.lots)}")
        return self.lots[-1]


def build(operations: list[Operation]) -> History:
    """Turn generated operations into signed events, each folded as it is made (so signers follow custody)."""
    scenario = Scenario()
    history = History(scenario, initial_state(scenario.anchor()))
    for signed in scenario.world():
        history.log(signed)
    for operation in operations:
        event = make_event(history, operation)
        if event is not None:
            history.log(event)
    return history


def holder_of(history: History, lot: str) -> str:
    """The lot's custodian, or some participant when nobody holds it (the event will be refused)."""
    found = history.state.lots.get(lot)
    return (found.custodian if found is not None else None) or TRADER


def make_event(history: History, operation: Operation) -> SignedEvent | None:
    """The event an operation asks for, signed by whoever holds the lot (or by its receiver)."""
    scenario, lots = history.scenario, history.state.lots
    if isinstance(operation, Extract):
        asmo, mine, certificate = ORIGINS[operation.origin]
        lot = history.new_lot()
        return scenario.extract(
            asmo, lot, mine, operation.mass_mg, fineness=operation.fineness, certificate=certificate
        )
    if isinstance(operation, Assay):
        picked = history.pick(operation.lot, "held")
        return None if picked is None else scenario.assay(holder_of(history, picked), picked, operation.fineness)
    if isinstance(operation, Ship):
        picked = history.pick(operation.lot, "held")
        if picked is None:
            return None
        holder, to = holder_of(history, picked), HOLDERS[operation.to]
        mass = lots[picked].mass_mg if picked in lots else 1_000
        return scenario.ship(holder, picked, to if to != holder else REFINER, mass)
    if isinstance(operation, Receive):
        picked = history.pick(operation.lot, "in_transit")
        found = lots.get(picked) if picked is not None else None
        if picked is None or found is None or found.shipment is None:
            return None if picked is None else scenario.receive(TRADER, picked, "no-shipment", 1_000)
        mass = found.shipment.mass_mg * (BASIS_POINTS + operation.weight_change_bp) // BASIS_POINTS
        return scenario.receive(found.shipment.to, picked, found.shipment.shipment, max(mass, 1))
    first = history.pick(operation.lots[0], "held")
    if first is None:
        return None
    signer = holder_of(history, first)
    others = [history.pick(index, "held", signer) for index in operation.lots[1:]]
    names = list(dict.fromkeys(lot for lot in [first, *others] if lot is not None))
    target = sum(lots[name].fine_mg for name in names if name in lots) * operation.yield_bp // BASIS_POINTS
    total_share = sum(share for share, _ in operation.outputs)
    outputs = []
    for share, fineness in operation.outputs:
        numerator, scale = fineness.replace(".", ""), 10 ** len(fineness.partition(".")[2])
        mass = max(1, target * share // total_share * 1000 * scale // int(numerator))
        outputs.append((history.new_lot(), mass, fineness))
    return scenario.transform(signer, names, outputs)


def upstream_extractions(history: History, lot: str) -> set[str]:
    """The extracted lots an accepted lot comes from."""
    if lot in history.extracted_fine:
        return {lot}
    return {origin for parent in history.parents.get(lot, ()) for origin in upstream_extractions(history, parent)}


@PROPERTY_SETTINGS
@given(OPERATIONS)
def test_fine_gold_never_grows_beyond_the_tolerances(operations: list[Operation]) -> None:
    history = build(operations)
    gain = BASIS_POINTS + DEFAULT_POLICY.transformation_gain_tolerance_bp
    field_purity = BASIS_POINTS + DEFAULT_POLICY.field_purity_uncertainty_bp
    for fine_in, fine_out in history.transforms:
        assert fine_out * BASIS_POINTS <= fine_in * gain
    live = {lot: found for lot, found in history.state.lots.items() if found.status != "consumed"}
    for lot, found in live.items():
        declared = sum(history.extracted_fine[origin] for origin in upstream_extractions(history, lot))
        assert found.fine_mg * BASIS_POINTS <= declared * field_purity
        assert found.fine_mg == fine_mass_mg(found.mass_mg, found.fineness)
    total_declared = sum(history.extracted_fine.values())
    assert sum(found.fine_mg for found in live.values()) * BASIS_POINTS <= total_declared * field_purity


@PROPERTY_SETTINGS
@given(OPERATIONS)
def test_folding_an_accepted_stream_twice_gives_the_same_state(operations: list[Operation]) -> None:
    history = build(operations)
    state = initial_state(history.scenario.anchor())
    first = fold(state, history.accepted)
    assert all(isinstance(outcome, Accepted) for outcome in first)
    snapshot = (dict(state.lots), dict(state.tallies), dict(state.seen), repr(state.registry))
    second = fold(state, history.accepted)
    assert all(isinstance(outcome, Duplicate) for outcome in second)
    assert (dict(state.lots), dict(state.tallies), dict(state.seen), repr(state.registry)) == snapshot
    assert dict(state.lots) == dict(history.state.lots)


def chain(
    scenario: Scenario, asmo: str, mine: str, certificate: str | None, lot: str, split: bool
) -> list[SignedEvent]:
    """One lot's history from its mine to the refiner, optionally split by the trader."""
    events = [scenario.extract(asmo, lot, mine, 200_000, fineness="900", certificate=certificate)]
    shipped = scenario.ship(asmo, lot, TRADER, 200_000, premium_usd="1080.00")
    events += [shipped, scenario.receive(TRADER, lot, shipment_of(shipped), 199_900)]
    final = f"{lot}-bar"
    outputs = [(final, 100_000, "900"), (f"{lot}-rest", 99_000, "900")] if split else [(final, 198_000, "905")]
    events.append(scenario.transform(TRADER, [lot], outputs, process="split" if split else "melting"))
    to_refiner = scenario.ship(TRADER, final, REFINER, 100_000)
    return [*events, to_refiner, scenario.receive(REFINER, final, shipment_of(to_refiner), 100_000)]


@PROPERTY_SETTINGS
@given(st.lists(st.booleans(), min_size=3, max_size=3), st.permutations(list(range(3)) * 6))
def test_shuffling_events_of_unrelated_lots_changes_no_verdict(splits: list[bool], interleaving: list[int]) -> None:
    scenario = Scenario()
    world = scenario.world()
    chains = [
        chain(scenario, asmo, mine, certificate, f"lot-{i}", split)
        for i, ((asmo, mine, certificate), split) in enumerate(zip(ORIGINS, splits, strict=True))
    ]
    in_order = world + [event for events in chains for event in events]
    cursors = [0, 0, 0]
    shuffled = list(world)
    for which in interleaving:
        shuffled.append(chains[which][cursors[which]])
        cursors[which] += 1
    anchor = scenario.anchor()
    first, second = replay(in_order, anchor), replay(shuffled, anchor)
    for i in range(3):
        for lot in (f"lot-{i}", f"lot-{i}-bar"):
            one, other = lot_verdict(first, lot), lot_verdict(second, lot)
            assert one.verified
            assert one == other


@PROPERTY_SETTINGS
@given(st.integers(2, 5), st.randoms(use_true_random=False))
def test_a_lot_is_consumed_at_most_once_when_transformations_race(racers: int, rng: Random) -> None:
    scenario = Scenario()
    state = initial_state(scenario.anchor())
    accept(state, *scenario.world())
    accept(state, scenario.extract(ECO_ASMO, "x", ECO_MINE, 100_000), scenario.extract(ECO_ASMO, "y", ECO_MINE, 1_000))
    contenders = [
        scenario.transform(ECO_ASMO, ["x", "y"] if n % 2 else ["x"], [(f"out-{n}", 85_000, "1000")])
        for n in range(racers)
    ]
    rng.shuffle(contenders)
    outcomes: list[Outcome] = []
    for event in contenders:
        outcome = decide(state, event)
        evolve(state, outcome)
        outcomes.append(outcome)
    assert sum(isinstance(outcome, Accepted) for outcome in outcomes) == 1
    assert all(o.code == "lot.consumed" for o in outcomes if isinstance(o, Rejected))
    assert sum(lot.startswith("out-") for lot in state.lots) == 1
    assert state.lots["x"].status == "consumed"
