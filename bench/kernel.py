"""Kernel throughput: decode (canonicalise) + verify + apply, per event on one core, beside raw Ed25519 verify.

    .venv/bin/python bench/kernel.py [--events 20000] [--rounds 3] [--profile]

Builds a realistic signed season (registry, then extractions, assays, first sales with premium, receipts,
trader melts, shipments to a refiner, refining), then times, over the same byte stream:
- kernel: `decode_event` (JSON, schema, RFC 8785 bytes, digest) + `decide` (signature and rules) + `evolve`;
- raw verify: `Ed25519PublicKey.verify` with cached key objects over the same signing inputs and signatures.
Prints events/s of both and their ratio (target: kernel >= 70 % of raw verify). Best of `--rounds`.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from events.codec import decode_event
from events.custody import Accepted, TrustAnchor, decide, evolve, initial_state
from events.signing import b64url_decode, public_key_b64, sign_event

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


def run_kernel(stream: list[bytes]) -> tuple[float, int]:
    """Decode, decide and evolve the whole stream into a fresh state; seconds taken and events accepted."""
    state = initial_state(anchor())
    accepted = 0
    started = time.perf_counter()
    for data in stream:
        outcome = decide(state, decode_event(data))
        evolve(state, outcome)
        accepted += isinstance(outcome, Accepted)
    return time.perf_counter() - started, accepted


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


def run_raw_verify(triples: list[tuple[Ed25519PublicKey, bytes, bytes]]) -> float:
    """Seconds to verify every signature with cryptography and cached key objects."""
    started = time.perf_counter()
    for public, signature, message in triples:
        public.verify(signature, message)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Build the season, time kernel and raw verify, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile one kernel pass with cProfile")
    args = parser.parse_args(argv)
    stream = Season().stream(args.events)
    triples = verify_inputs(stream)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(run_kernel, stream)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return 0
    kernel_s, raw_s, accepted = float("inf"), float("inf"), 0
    for _ in range(args.rounds):  # interleaved, so both see the same machine load
        seconds, accepted = run_kernel(stream)
        kernel_s = min(kernel_s, seconds)
        raw_s = min(raw_s, run_raw_verify(triples))
    if accepted != len(stream):
        print(f"error: only {accepted} of {len(stream)} events were accepted", file=sys.stderr)
        return 1
    kernel_rate, raw_rate = len(stream) / kernel_s, len(stream) / raw_s
    print(f"events: {len(stream)} (all accepted), best of {args.rounds} rounds, one core")
    print(f"kernel decode+verify+apply: {kernel_rate:9.0f} events/s  ({kernel_s / len(stream) * 1e6:6.1f} us/event)")
    print(f"raw Ed25519 verify:         {raw_rate:9.0f} events/s  ({raw_s / len(stream) * 1e6:6.1f} us/event)")
    print(f"ratio: {kernel_rate / raw_rate:.1%} of raw verify (target >= 70%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
