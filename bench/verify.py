"""Offline bundle verification: time to verify a ~100-event provenance bundle, beside raw Ed25519 verify.

    .venv/bin/python bench/verify.py [--runs 100] [--leaves 10000] [--extractions 18]

Builds a realistic bundle: the demo registry (authority, certifier, ASMOs, trader, refiner, jeweller, lab, mines,
certificates, a key rotation) and one ring's history: CECOMIP lots extracted, assayed, sold to the trader with
their premium and received, melted four by four, the doré shipped to the refiner and refined into one bar, the
bar shipped to the jeweller and made into the ring. The events sit among filler leaves of other lots in a log
of `--leaves` leaves, so every inclusion proof has a realistic depth. Then times, on one core:
- `verify_bundle` (all six steps) and its parts: parsing (step 1), steps 1-4 (signatures of head and anchor,
  every event's digest, leaf and inclusion proof), the replay alone (step 5: the fold with its Ed25519 checks);
- the ceiling measured in the same run: raw `Ed25519PublicKey.verify` of the same event signatures plus the
  tree head and anchor signatures, with cached key objects (what any verifier must at least spend).
Prints wall-clock p50/p99 and CPU-time p50 in ms over `--runs` rounds (CPU time is what this process spent: on a
machine busy with other work, wall clock also counts the waits for a core), and the target (a 100-event bundle
in at most 100 ms, wall clock).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from events.anchor import anchor_signing_input  # noqa: E402
from events.bundle_parse import parse_bundle  # noqa: E402
from events.bundle_verify import check_entries, check_replay, verify_bundle  # noqa: E402
from events.codec import SignedEvent  # noqa: E402
from events.signing import b64url_decode  # noqa: E402
from events.treehead import tree_head_signing_input  # noqa: E402
from tests.unit.events.bundle_builder import BuiltLog, built_log  # noqa: E402
from tests.unit.events.scenario import (  # noqa: E402
    BATEADORAS,
    COOPERATIVES,
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    JEWELLER,
    LAB,
    REFINER,
    TRADER,
    Scenario,
    shipment_of,
)

TARGET_MS: Final = 100.0
MELT_EVERY: Final = 4
RING = "ring-1"


def ring_history(scenario: Scenario, extractions: int) -> list[SignedEvent]:
    """The registry and one ring's history, in decision order (see the module docstring)."""
    events = scenario.world()
    for participant in (ECO_ASMO, TRADER, REFINER):  # each rotates its key once, before acting
        added, key = scenario.add_key(participant, f"{participant}:2")
        events.append(added)
        scenario.signers[participant] = key
    dores = []
    for start in range(0, extractions, MELT_EVERY):
        lots = [f"eco-{n:03d}" for n in range(start, min(start + MELT_EVERY, extractions))]
        for lot in lots:
            shares = [(BATEADORAS, 3_500), (COOPERATIVES, 6_500)]
            events.append(
                scenario.extract(ECO_ASMO, lot, ECO_MINE, 100_000, certificate=ECO_CERT, contributions=shares)
            )
            events.append(scenario.assay(ECO_ASMO, lot, "850"))
            shipped = scenario.ship(ECO_ASMO, lot, TRADER, 100_000, premium_usd="510.00")
            events += [shipped, scenario.receive(TRADER, lot, shipment_of(shipped), 100_000)]
        dore = f"dore-{start // MELT_EVERY:03d}"
        events.append(scenario.transform(TRADER, lots, [(dore, 99_000 * len(lots), "850")]))
        shipped = scenario.ship(TRADER, dore, REFINER, 99_000 * len(lots))
        events += [shipped, scenario.receive(REFINER, dore, shipment_of(shipped), 99_000 * len(lots))]
        dores.append(dore)
    fine = sum(99_000 * 850 // 1000 for _ in range(extractions))
    events.append(scenario.transform(REFINER, dores, [("bar-1", fine * 990 // 1000, "999.9")], process="refining"))
    events.append(scenario.assay(REFINER, "bar-1", "999.9", assayer=LAB))
    shipped = scenario.ship(REFINER, "bar-1", JEWELLER, fine * 990 // 1000)
    events += [shipped, scenario.receive(JEWELLER, "bar-1", shipment_of(shipped), fine * 990 // 1000)]
    events.append(scenario.transform(JEWELLER, ["bar-1"], [(RING, 12_000, "750")], process="manufacturing"))
    return events


def build(extractions: int, leaves: int) -> tuple[BuiltLog, bytes]:
    """The log (events spread among filler leaves up to `leaves`) and the ring's bundle."""
    scenario = Scenario()
    events = ring_history(scenario, extractions)
    log = built_log(scenario.anchor(), events, filler_every=max(0, leaves // len(events) - 1))
    log.pad(leaves)
    return log, log.bundle_bytes(RING)


def timings_ms(actions: list[Callable[[], object]], runs: int) -> tuple[list[list[float]], list[list[float]]]:
    """Wall-clock and CPU milliseconds of each action in each of `runs` rounds, the actions taking turns within a
    round (so a machine busy with other work slows them alike); two warm-up rounds, GC paused while timing."""
    for _ in range(2):
        for action in actions:
            action()
    gc.collect()
    gc.disable()
    wall: list[list[float]] = [[] for _ in actions]
    cpu: list[list[float]] = [[] for _ in actions]
    try:
        for _ in range(runs):
            for number, action in enumerate(actions):
                start, start_cpu = time.perf_counter(), time.process_time()
                action()
                cpu[number].append((time.process_time() - start_cpu) * 1000)
                wall[number].append((time.perf_counter() - start) * 1000)
    finally:
        gc.enable()
    return wall, cpu


def percentiles(spent: list[float]) -> tuple[float, float]:
    """p50 and p99."""
    cuts = statistics.quantiles(spent, n=100, method="inclusive")
    return statistics.median(spent), cuts[98]


def raw_verify(log: BuiltLog, document: bytes) -> Callable[[], None]:
    """Raw Ed25519 verify of every signature the bundle carries (events, head, anchor), keys cached."""
    bundle = parse_bundle(document)
    signed, _ = check_entries(bundle)
    keys: dict[str, Ed25519PublicKey] = {}
    for placed in log.placed:
        if placed.signed.event.type in ("participant.registered", "participant.key_added"):
            data = placed.signed.raw["data"]
            for entry in data.get("keys", [data]):
                keys[entry["keyid"]] = Ed25519PublicKey.from_public_bytes(b64url_decode(entry["public_key"]))
    work = [(keys[e.event.keyid], b64url_decode(e.event.signature or ""), e.signing_input) for e in signed]
    log_key = log.log_public_key
    work.append((log_key, b64url_decode(bundle.tree_head.signature), tree_head_signing_input(bundle.tree_head)))
    anchor = bundle.anchor
    work.append((log_key, b64url_decode(anchor.signature), anchor_signing_input(anchor.trust_anchor, anchor.log_keyid)))

    def verify_all() -> None:
        for key, signature, message in work:
            key.verify(signature, message)

    return verify_all


def main(argv: list[str] | None = None) -> int:
    """Build the bundle, time verification and raw verify, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--leaves", type=int, default=10_000)
    parser.add_argument("--extractions", type=int, default=18)
    args = parser.parse_args(argv)
    log, document = build(args.extractions, args.leaves)
    key, keyid = log.log_public_key, log.log_keyid
    verdict = verify_bundle(document, key, keyid)
    if not verdict.verified:
        print(f"error: the bundle does not verify: {verdict.failures[:3]}", file=sys.stderr)
        return 1
    bundle = parse_bundle(document)
    signed, _ = check_entries(bundle)
    depth = max(len(entry.inclusion_proof) for entry in bundle.entries)
    print(
        f"bundle: {verdict.entries} events, {len(document) / 1024:.0f} KiB, log of {verdict.tree_size:,} leaves "
        f"(proofs up to {depth} hashes), {verdict.signatures_checked} signatures; {args.runs} runs, one core"
    )
    rows = [
        ("verify_bundle (steps 1-6)", lambda: verify_bundle(document, key, keyid)),
        ("  step 1: parse + schema", lambda: parse_bundle(document)),
        ("  steps 1-4: + head, anchor, digests, proofs", lambda: check_entries(parse_bundle(document))),
        ("  step 5 alone: replay (fold + Ed25519) + verdict", lambda: check_replay(bundle, signed, None)),
        ("ceiling: raw Ed25519 verify of the same signatures", raw_verify(log, document)),
    ]
    spent, cpu = timings_ms([action for _, action in rows], args.runs)
    print(f"{'':52s} {'wall p50':>10s} {'wall p99':>10s} {'cpu p50':>10s}")
    for (label, _), times, cpu_times in zip(rows, spent, cpu, strict=True):
        p50, p99 = percentiles(times)
        print(f"{label:52s} {p50:7.2f} ms {p99:7.2f} ms {statistics.median(cpu_times):7.2f} ms")
    full = statistics.median(spent[0])
    ratios = sorted(whole / floor for whole, floor in zip(spent[0], spent[-1], strict=True))
    print(f"verify_bundle / raw Ed25519 ceiling, same round: median {statistics.median(ratios):.2f}x")
    print(f"load average over the last minute: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"target: a 100-event bundle in <= {TARGET_MS:.0f} ms: {'met' if full <= TARGET_MS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
