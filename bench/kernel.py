"""Kernel throughput: decode (canonicalise) + verify + apply, per event on one core, beside raw Ed25519 verify.

    .venv/bin/python bench/kernel.py [--events 20000] [--rounds 3] [--profile]

Builds a realistic signed season (registry, then extractions, assays, first sales with premium, receipts,
trader melts, shipments to a refiner, refining), then times, over the same byte stream:
- kernel: `decode_event` (JSON, schema, RFC 8785 bytes, digest) + signature check + rules + `evolve`, both
  batched as a stream processor runs it (decode a chunk, check its signatures in one pass, then the rules)
  and one event at a time;
- raw verify: `Ed25519PublicKey.verify` with cached key objects over the same signing inputs and signatures.
Before timing, the heap is settled as every service settles it once up (services.common.heap): what the bench built
is frozen out of the collector's sight, and young objects are collected every 50,000 allocations, not every 700.
Prints events/s of each and the ratios (target: kernel >= 70 % of raw verify).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from events.codec import decode_event
from events.custody import Accepted, TrustAnchor, decide, evolve, initial_state
from events.custody.fold import fold_outcomes
from events.signing import b64url_decode, public_key_b64, sign_event
from services.common.heap import settle_heap

AUTHORITY = "arm"
ASMOS = (("cecomip", "fairmined-ecological"), ("oro-puno", "fairmined"), ("cruz-pata", "fairmined"), ("linda-2", None))
TRADER, REFINER, LAB, CERTIFIER = "aurum-trading", "andes-refinery", "lab-puno", "fairmined-cb"
MERGE_EVERY = 4  # the trader melts four received lots of one ASMO into one bar


def key(participant: str) -> Ed25519PrivateKey:
    """A fixed-seed key per participant."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"goldtrace/bench/" + participant.encode()).digest())


class Season:
    """Signs the events of one season in log order."""

    def __init__(self) -> None:
        self.count = 0
        self.start = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)

    def event(self, signer: str, event_type: str, subject: str, data: dict[str, Any]) -> bytes:
        """One signed event as the JSON bytes a gateway would receive (ten minutes apart)."""
        moment = self.start + timedelta(minutes=10 * self.count)
        unsigned = {
            "specversion": "1.0",
            "id": f"ev-{self.count:07d}",
            "source": f"/participants/{signer}",
            "type": event_type,
            "subject": subject,
            "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "datacontenttype": "application/json",
            "keyid": f"{signer}:1",
            "data": data,
        }
        self.count += 1
        return orjson.dumps(sign_event(unsigned, key(signer)))

    def register(self, participant: str, roles: list[str], members: tuple[int, int] | None = None) -> bytes:
        """`participant.registered` with one key."""
        data: dict[str, Any] = {
            "participant": participant,
            "name": participant,
            "roles": roles,
            "country": "PE",
            "keys": [{"keyid": f"{participant}:1", "public_key": public_key_b64(key(participant))}],
        }
        if members is not None:
            data["members"] = {"women": members[0], "men": members[1]}
            data["groups"] = [
                {"group": f"{participant}-bateadoras", "kind": "bateadoras", "women": 21, "men": 0},
                {"group": f"{participant}-members", "kind": "members", "women": 37, "men": 142},
            ]
        return self.event(AUTHORITY, "participant.registered", participant, data)

    def registry(self) -> Iterator[bytes]:
        """Authority, certifier, ASMOs with mines and certificates, trader, refiner, lab."""
        yield self.register(AUTHORITY, ["authority"])
        yield self.register(CERTIFIER, ["certifier"])
        for participant in (TRADER, REFINER, LAB):
            yield self.register(participant, ["trader" if participant == TRADER else "refiner", "assayer"])
        for asmo, standard in ASMOS:
            yield self.register(asmo, ["asmo"], members=(58, 142))
            mine = {"mine": f"{asmo}-mine", "operator": asmo, "name": asmo, "region": "Puno"}
            yield self.event(AUTHORITY, "mine.registered", f"{asmo}-mine", {**mine, "capacity_mg_per_month": 10**8})
            if standard is not None:
                certificate = {
                    "certificate": f"{asmo}-cert",
                    "holder": asmo,
                    "standard": standard,
                    "mines": [f"{asmo}-mine"],
                    "valid_from": "2026-01-01T00:00:00Z",
                    "valid_until": "2028-01-01T00:00:00Z",
                }
                yield self.event(CERTIFIER, "certificate.issued", f"{asmo}-cert", certificate)

    def lot_chain(self, asmo: str, certified: bool, n: int) -> Iterator[bytes]:
        """Extraction, field assay, first sale with premium, receipt by the trader."""
        lot = f"{asmo}-lot-{n}"
        extraction: dict[str, Any] = {
            "lot": lot,
            "mine": f"{asmo}-mine",
            "form": "doré",
            "mass_mg": 180_000 + 7_919 * n % 40_000,
            "fineness": "850",
            "mercury_free": True,
            "contributions": [
                {"group": f"{asmo}-bateadoras", "share_bp": 3_000 + n % 4_000},
                {"group": f"{asmo}-members", "share_bp": 7_000 - n % 4_000},
            ],
        }
        if certified:
            extraction["certificate"] = f"{asmo}-cert"
        yield self.event(asmo, "lot.extracted", lot, extraction)
        assay = {"lot": lot, "fineness": "902.5", "method": "fire assay", "assayer": LAB, "report_sha256": "ab" * 32}
        yield self.event(asmo, "lot.assayed", lot, assay)
        mass = extraction["mass_mg"]
        shipment = {"lot": lot, "shipment": f"{lot}-s1", "to": TRADER, "mass_mg": mass}
        if certified:
            shipment["premium"] = {"currency": "USD", "amount": f"{mass * 0.9025 * 6 / 1000:.2f}"}
        yield self.event(asmo, "lot.shipped", lot, shipment)
        yield self.event(TRADER, "lot.received", lot, {"lot": lot, "shipment": f"{lot}-s1", "mass_mg": mass - 40})

    def bar_chain(self, asmo: str, inputs: list[str], n: int) -> Iterator[bytes]:
        """The trader melts lots into a bar, ships it to the refiner, which receives and refines it."""
        bar = f"{asmo}-bar-{n}"
        mass = 4 * 170_000
        output = {"lot": bar, "form": "bar", "mass_mg": mass, "fineness": "900"}
        yield self.event(
            TRADER, "lot.transformed", inputs[0], {"process": "melting", "inputs": inputs, "outputs": [output]}
        )
        shipment = {"lot": bar, "shipment": f"{bar}-s1", "to": REFINER, "mass_mg": mass}
        yield self.event(TRADER, "lot.shipped", bar, shipment)
        yield self.event(REFINER, "lot.received", bar, {"lot": bar, "shipment": f"{bar}-s1", "mass_mg": mass})
        fine = {"lot": f"{bar}-fine", "form": "grain", "mass_mg": mass * 900 // 1000 - 500, "fineness": "999.9"}
        yield self.event(REFINER, "lot.transformed", bar, {"process": "refining", "inputs": [bar], "outputs": [fine]})

    def stream(self, events: int) -> list[bytes]:
        """At least `events` signed events: the registry, then lot chains round-robin over the ASMOs."""
        out = list(self.registry())
        waiting: dict[str, list[str]] = {asmo: [] for asmo, _ in ASMOS}
        n = 0
        while len(out) < events:
            asmo, standard = ASMOS[n % len(ASMOS)]
            out.extend(self.lot_chain(asmo, standard is not None, n))
            waiting[asmo].append(f"{asmo}-lot-{n}")
            if len(waiting[asmo]) == MERGE_EVERY:
                out.extend(self.bar_chain(asmo, waiting[asmo], n))
                waiting[asmo] = []
            n += 1
        return out


def anchor() -> TrustAnchor:
    """The authority's anchor key."""
    return TrustAnchor(AUTHORITY, f"{AUTHORITY}:1", public_key_b64(key(AUTHORITY)))


def verify_inputs(stream: list[bytes]) -> list[tuple[Ed25519PublicKey, bytes, bytes]]:
    """(cached key object, raw signature, signing input) for every event of the stream."""
    keys: dict[str, Ed25519PublicKey] = {}
    triples = []
    for data in stream:
        signed = decode_event(data)
        signer = signed.event.signer
        public = keys.setdefault(signer, key(signer).public_key())
        triples.append((public, b64url_decode(signed.event.signature or ""), signed.signing_input))
    return triples


@dataclass
class Timing:
    """Seconds spent over one pass: the kernel in batches, the kernel one event at a time, raw verification."""

    batched_s: float = 0.0
    single_s: float = 0.0
    raw_s: float = 0.0
    accepted: int = 0


def timed_round(stream: list[bytes], triples: list[tuple[Ed25519PublicKey, bytes, bytes]], chunk: int) -> Timing:
    """One pass over the stream chunk by chunk, timing each way of running the kernel and raw verify side by side.

    - batched (the processor's path): decode the chunk, then `fold_outcomes` (signatures checked in one pass,
      then the rules);
    - one at a time: decode_event, decide, evolve per event;
    - raw: `Ed25519PublicKey.verify` over the same chunk.
    Alternating in small chunks means all three see the same machine load, so their ratios hold on a busy
    machine.
    """
    batched, single = initial_state(anchor()), initial_state(anchor())
    timing = Timing()
    clock = time.perf_counter
    for start in range(0, len(stream), chunk):
        part = stream[start : start + chunk]
        began = clock()
        decoded = [decode_event(data) for data in part]
        for _, outcome in fold_outcomes(batched, decoded, batch=chunk):
            timing.accepted += isinstance(outcome, Accepted)
        folded = clock()
        for data in part:
            evolve(single, decide(single, decode_event(data)))
        decided = clock()
        for public, signature, message in triples[start : start + chunk]:
            public.verify(signature, message)
        timing.batched_s += folded - began
        timing.single_s += decided - folded
        timing.raw_s += clock() - decided
    return timing


def profile_kernel(stream: list[bytes]) -> None:
    """Print where one kernel pass spends its time."""
    state = initial_state(anchor())

    def run() -> None:
        for data in stream:
            evolve(state, decide(state, decode_event(data)))

    profiler = cProfile.Profile()
    profiler.runcall(run)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> int:
    """Build the season, time kernel and raw verify, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=500, help="events per alternation of kernel and raw verify")
    parser.add_argument("--profile", action="store_true", help="profile one kernel pass with cProfile")
    args = parser.parse_args(argv)
    stream = Season().stream(args.events)
    if args.profile:
        profile_kernel(stream)
        return 0
    triples = verify_inputs(stream)
    settle_heap()  # as every service does once it is up
    rounds = [timed_round(stream, triples, args.chunk) for _ in range(args.rounds)]
    if any(timing.accepted != len(stream) for timing in rounds):
        print(f"error: not every one of the {len(stream)} events was accepted", file=sys.stderr)
        return 1
    count = len(stream)
    print(f"events: {count} (all accepted), {args.rounds} rounds, one core, chunks of {args.chunk}")
    for label, seconds in (
        ("kernel, batched (decode chunk, verify chunk, rules)", [t.batched_s for t in rounds]),
        ("kernel, one event at a time", [t.single_s for t in rounds]),
        ("raw Ed25519 verify (cached keys)", [t.raw_s for t in rounds]),
    ):
        best = min(seconds)
        print(f"{label:52s} {count / best:7.0f} events/s  ({best / count * 1e6:6.1f} us/event)")
    for label, kernel in (("batched", "batched_s"), ("one at a time", "single_s")):
        ratios = sorted(t.raw_s / getattr(t, kernel) for t in rounds)
        spread = f"{ratios[0]:.1%}..{ratios[-1]:.1%}"
        print(f"ratio {label}: {ratios[len(ratios) // 2]:.1%} of raw verify (median of rounds, range {spread})")
    print("target: >= 70% of raw verify")
    return 0


if __name__ == "__main__":
    sys.exit(main())
