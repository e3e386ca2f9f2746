"""Playing a signed season against a gateway: one request per step, each step waited for until it is decided."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from services.demo.builder import Step
from services.demo.errors import DemoError
from services.demo.gateway_client import EventStatus, GatewayClient
from services.demo.signing import SignedPlanned

Say = Callable[[str], None]


@dataclass(frozen=True)
class SignedStep:
    """A step with its events signed."""

    step: Step
    events: tuple[SignedPlanned, ...]


@dataclass
class Played:
    """The gateway's first answer to each event, and each event's final status."""

    answers: dict[str, EventStatus] = field(default_factory=dict)
    final: dict[str, EventStatus] = field(default_factory=dict)

    @property
    def already_there(self) -> int:
        """How many events the gateway answered `duplicate`: they were submitted by an earlier run."""
        return sum(1 for status in self.answers.values() if status.status == "duplicate")


def signed_steps(steps: Sequence[Step], signed: Sequence[SignedPlanned]) -> list[SignedStep]:
    """Pair each step with its signed events (`signed` in the season's order)."""
    by_id = {event.id: event for event in signed}
    return [SignedStep(step, tuple(by_id[event.id] for event in step.events)) for step in steps]


async def play_season(client: GatewayClient, steps: Sequence[SignedStep], wait_seconds: float, say: Say) -> Played:
    """Submit each step as one request, wait until its events are decided, and say what became of them."""
    played = Played()
    for number, signed_step in enumerate(steps, start=1):
        answers = await client.submit([event.body for event in signed_step.events])
        ids = [event.id for event in signed_step.events]
        played.answers.update(zip(ids, answers, strict=True))
        final = await client.wait_decided(dict(zip(ids, answers, strict=True)), wait_seconds)
        played.final.update(final)
        say(step_line(number, len(steps), signed_step.step, answers, [final[i] for i in ids]))
        undecided = [event_id for event_id in ids if not final[event_id].decided]
        if undecided:
            raise DemoError(
                "demo.undecided",
                f"The pipeline did not decide event {undecided[0]} within {wait_seconds:g} s. Are the custody "
                "workers and the ledger running? See `goldtrace status` and the logs under .goldtrace/logs/; "
                "then run `goldtrace demo` again (what was sent already is answered as a duplicate).",
            )
    return played


def step_line(number: int, total: int, step: Step, answers: Sequence[EventStatus], final: Sequence[EventStatus]) -> str:
    """`[ 3/31] cecomip       extracts ...: 3 accepted (already there)`."""
    counts = Counter(status.status for status in final)
    outcome = ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))
    refusals = sorted({status.code for status in final if status.status == "rejected" and status.code})
    if refusals:
        outcome += f" ({', '.join(refusals)})"
    if answers and all(answer.status == "duplicate" for answer in answers):
        outcome += ", already there"
    width = len(str(total))
    return f"[{number:>{width}}/{total}] {step.actor:<17} {step.what}: {outcome}"
