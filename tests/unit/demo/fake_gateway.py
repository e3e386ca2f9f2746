"""A fake of the gateway's HTTP API for unit tests of our own client: it decides at once with the kernel.

POST /v1/events claims ids like the gateway (same id and digest: duplicate; other content: event.id_conflict),
refuses bad signatures at the door (rejected, not claimed), and answers everything else `queued`; GET answers
`queued` for the first `queued_polls` polls of an event, then its decision (accepted with findings, or rejected).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from events.codec import decode_event
from events.custody import Accepted, Rejected, TrustAnchor, decide, evolve, initial_state
from events.custody.checks.signature import check_signature
from events.errors import DecodeError, SignatureError


@dataclass
class FakeGateway:
    """The fake's state: the kernel's, the claims, the decisions, and what was asked of it."""

    anchor: TrustAnchor
    queued_polls: int = 1
    unavailable: int = 0  # answer this many requests with 503 first
    claims: dict[str, bytes] = field(default_factory=dict)
    decided: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)
    batch_sizes: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.state = initial_state(self.anchor)

    def transport(self) -> httpx.MockTransport:
        """An httpx transport answering as this gateway."""
        return httpx.MockTransport(self.handle)

    def client(self) -> httpx.AsyncClient:
        """An httpx client over this gateway."""
        return httpx.AsyncClient(transport=self.transport(), base_url="http://gateway.test")

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request."""
        if self.unavailable:
            self.unavailable -= 1
            return httpx.Response(503, json={"error": "service.unavailable", "detail": "Try again."})
        if request.url.path == "/healthz":
            return httpx.Response(200, json={"status": "ok"})
        if request.method == "POST" and request.url.path == "/v1/events":
            items = orjson.loads(request.content)
            items = items if isinstance(items, list) else [items]
            self.batch_sizes.append(len(items))
            return httpx.Response(202, json=[self.take(orjson.dumps(item)) for item in items])
        if request.method == "GET" and request.url.path.startswith("/v1/events/"):
            return self.status(request.url.path.removeprefix("/v1/events/"))
        return httpx.Response(404, json={"error": "not_found", "detail": "No such route."})

    def take(self, body: bytes) -> dict[str, Any]:
        """Claim, check at the door, decide."""
        try:
            signed = decode_event(body)
        except DecodeError as error:
            return {"id": None, "status": "rejected", "error": {"code": error.code, "detail": error.detail}}
        try:
            check_signature(self.state.registry, signed)
        except SignatureError as error:
            return {"id": signed.id, "status": "rejected", "error": {"code": error.code, "detail": error.detail}}
        known = self.claims.get(signed.id)
        if known == signed.digest:
            return {"id": signed.id, "status": "duplicate"}
        if known is not None:
            detail = "The id was used for other content."
            return {"id": signed.id, "status": "rejected", "error": {"code": "event.id_conflict", "detail": detail}}
        self.claims[signed.id] = signed.digest
        outcome = decide(self.state, signed)
        evolve(self.state, outcome)
        if isinstance(outcome, Accepted):
            findings = [finding.to_json() for finding in outcome.findings]
            self.decided[signed.id] = {"id": signed.id, "status": "accepted", "findings": findings}
        elif isinstance(outcome, Rejected):
            reason = {"code": outcome.code, "detail": outcome.detail}
            self.decided[signed.id] = {"id": signed.id, "status": "rejected", "error": reason}
        return {"id": signed.id, "status": "queued"}

    def status(self, event_id: str) -> httpx.Response:
        """The status of a claimed event: queued for a while, then its decision."""
        if event_id not in self.claims:
            return httpx.Response(404, json={"error": "event.not_found", "detail": "Never submitted here."})
        self.polls[event_id] = self.polls.get(event_id, 0) + 1
        if self.polls[event_id] <= self.queued_polls:
            return httpx.Response(200, json={"id": event_id, "status": "queued"})
        return httpx.Response(200, json=self.decided[event_id])
