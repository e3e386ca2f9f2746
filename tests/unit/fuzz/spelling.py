"""Writing the same JSON value many ways (whitespace, member order, \\u escapes), or with one member repeated, to
hold the decoder's fast duplicate-key shortcut against the plain definition. The choices come from a
`random.Random` seeded by hypothesis, so one example costs one draw, not one per character."""

from __future__ import annotations

from random import Random
from typing import Any

from hypothesis import strategies as st

WHITESPACE = ("", "", "", " ", "\n", "\t", "\r\n  ")


def _string(text: str, rng: Random, rate: float) -> str:
    """A string literal, about `rate` of its characters written as \\u escapes (either case of hex digits)."""
    out = []
    for char in text:
        if char in '"\\' or ord(char) < 0x20 or (ord(char) <= 0xFFFF and rng.random() < rate):
            escape = f"\\u{ord(char):04x}"
            out.append("\\u" + escape[2:].upper() if rng.random() < 0.5 else escape)
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


class _Writer:
    """Writes a value; when `repeat_at` is n, the n-th object met gets one member written twice."""

    def __init__(self, rng: Random, repeat_at: int | None) -> None:
        self.rng = rng
        self.countdown = repeat_at
        self.rate = rng.choice((0.0, 0.0, 0.02, 0.5))  # half the texts without escapes: the decoder's fast path

    def space(self) -> str:
        return self.rng.choice(WHITESPACE)

    def write(self, value: Any) -> str:
        if isinstance(value, dict):
            return self.space() + self._object(value)
        if isinstance(value, list):
            return f"{self.space()}[{','.join(self.write(item) for item in value)}{self.space()}]"
        if isinstance(value, str):
            return self.space() + _string(value, self.rng, self.rate)
        if isinstance(value, bool):
            return self.space() + ("true" if value else "false")
        return self.space() + str(value)

    def _object(self, value: dict[str, Any]) -> str:
        members = [(key, self.write(item)) for key, item in value.items()]
        self.rng.shuffle(members)
        if self.countdown is not None and members:
            self.countdown -= 1
            if self.countdown == 0:
                key, text = self.rng.choice(members)
                again = text if self.rng.random() < 0.5 else self.write(_other(value[key]))
                members.insert(self.rng.randint(0, len(members)), (key, again))
        inner = ",".join(f"{self.space()}{_string(k, self.rng, self.rate)}{self.space()}:{t}" for k, t in members)
        return f"{{{inner}{self.space()}}}"


def _other(value: Any) -> Any:
    """A value of the same kind, different where it can be."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    return value


def objects_in(value: Any) -> int:
    """How many objects a JSON value holds (itself included)."""
    if isinstance(value, dict):
        return 1 + sum(objects_in(item) for item in value.values())
    if isinstance(value, list):
        return sum(objects_in(item) for item in value)
    return 0


SEEDS = st.integers(0, 2**32 - 1)


def respelled(value: Any) -> st.SearchStrategy[bytes]:
    """The same value, written another way."""
    return SEEDS.map(lambda seed: _Writer(Random(seed), None).write(value).encode())


def with_a_repeated_member(value: Any) -> st.SearchStrategy[bytes]:
    """The value written another way, with one member of one of its objects written twice."""
    return st.tuples(SEEDS, st.integers(1, objects_in(value))).map(
        lambda drawn: _Writer(Random(drawn[0]), drawn[1]).write(value).encode()
    )
