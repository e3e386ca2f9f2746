"""Decode signed events from bytes into validated models with their signing input and digest.

The fast path is orjson + the pydantic models + one sorted orjson write that is both the RFC 8785 form
and the duplicate-key check. Anything unusual (the fast parser refused the text, the schema refused the
object, a `\\u` escape or a colon count that could hide a duplicate key) takes the slow path: the standard
library parser with hooks that mark each lexical flaw, so the refusal names the exact problem.

Duplicate keys, cheaply: without `\\u` escapes every colon in the text is either a member separator or a
literal colon inside a string, and the sorted write holds one separator per surviving member and the
same string colons. Equal counts therefore mean no member was dropped, i.e. no key was repeated.
Cheaper still, and first: the sorted write of integers, strings, booleans and null is never longer than
their text (no whitespace, the shortest escapes), and a dropped member takes at least five bytes with it,
so a text exactly as long as its sorted write repeated no key. (Floats can write longer than they were
spelled, but no field of the contract is a float: such an event fails the schema and takes the slow path.)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import partial
from typing import Any, Final, NamedTuple

import orjson
from pydantic import ValidationError

from events.canonical import MAX_SAFE_INTEGER, without_signature
from events.errors import DecodeError
from events.model.envelope import EVENT_ADAPTER, EVENT_TYPES, MAX_EVENT_BYTES, Event

MAX_DEPTH: Final = 8  # an event nests 4 deep (envelope, data, outputs, output); more is never legitimate
MAX_BATCH_EVENTS: Final = 1000
MAX_BATCH_BYTES: Final = 8 * 1024 * 1024
_SORTED: Final = orjson.OPT_SORT_KEYS
# Substring tests use bytes.find, not `in` (`in` first tries its operand as an integer and pays for a TypeError);
# an escape is looked for only after a backslash is (a one-byte search is a memchr, ten times faster).
# The adapter's core validator, called directly: TypeAdapter.validate_python only forwards its keywords to it.
_VALIDATE: Final[Callable[[Any], Event]] = EVENT_ADAPTER.validator.validate_python


class SignedEvent(NamedTuple):
    """A schema-valid event as received: the model, the raw JSON object, its signing input and digest.

    A NamedTuple (immutable, and cheaper to build than a frozen dataclass: one is built per event).
    """

    event: Event
    raw: dict[str, Any]
    signing_input: bytes
    digest: bytes

    @property
    def id(self) -> str:
        """The event id (idempotency key)."""
        return self.event.id


def decode_event(data: bytes) -> SignedEvent:
    """Decode one signed JSON event from bytes; raise DecodeError with a reason code when it is not valid."""
    if len(data) > MAX_EVENT_BYTES:
        raise DecodeError(
            "event.too_large", f"An event may be at most {MAX_EVENT_BYTES} bytes of JSON; this one has {len(data)}."
        )
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise _diagnose(strict_json(data), str(exc)) from exc
    text = orjson.dumps(raw, option=_SORTED)
    suspect = _has_escape(data) or (len(data) != len(text) and data.count(b":") != text.count(b":"))
    return _accept(raw, text, lambda: strict_json(data), suspect)


def decode_batch(data: bytes) -> list[SignedEvent | DecodeError]:
    """Decode a JSON array of signed events: one result per item, in order; raise DecodeError for the whole."""
    if len(data) > MAX_BATCH_BYTES:
        raise DecodeError("batch.too_large", f"A batch may be at most {MAX_BATCH_BYTES} bytes; split it.")
    try:
        items = orjson.loads(data)
    except orjson.JSONDecodeError:
        return _decode_flawed_batch(strict_json(data))
    _check_batch_shape(items)
    texts = [orjson.dumps(item, option=_SORTED) for item in items]
    written = sum(len(text) for text in texts) + len(texts) + 1  # the items, n - 1 commas and two brackets
    suspect = _has_escape(data) or (
        len(data) != written and data.count(b":") != sum(text.count(b":") for text in texts)
    )
    slow: list[Any] = []

    def slow_item(index: int) -> Any:
        if not slow:
            slow.append(strict_json(data))
        return slow[0][index]

    results: list[SignedEvent | DecodeError] = []
    for index, (item, text) in enumerate(zip(items, texts, strict=True)):
        try:
            results.append(_accept(item, text, partial(slow_item, index), suspect))
        except DecodeError as error:
            results.append(error)
    return results


def decode_object(raw: dict[str, Any]) -> SignedEvent:
    """Validate an already parsed JSON object as a signed v1 event (duplicate keys are the parser's concern)."""
    return _accept(raw, orjson.dumps(raw, option=_SORTED), lambda: raw, suspect=True)


def decode_parsed(raw: dict[str, Any]) -> SignedEvent:
    """Validate an object that orjson parsed from bytes as a signed v1 event: `decode_object` without its walk.

    orjson refuses lone surrogates, NaN and infinities; the schema refuses floats, integers out of their fields'
    ranges, unknown members and extra depth; `_accept` looks for nulls whenever the text holds one. So the walk
    `decode_object` starts with finds nothing here that would not be refused anyway, with the same code
    (tests/unit/events/test_codec.py holds the two to the same answers).
    """
    return _accept(raw, orjson.dumps(raw, option=_SORTED), lambda: raw, suspect=False)


def validate_event(raw: dict[str, Any]) -> Event:
    """Validate a parsed object against the v1 contract (signed or not); raise DecodeError `event.schema`."""
    flaw = first_flaw(raw)
    if flaw is not None:
        raise flaw
    try:
        return EVENT_ADAPTER.validate_python(raw)
    except ValidationError as exc:
        raise _schema_error(exc) from exc


def strict_json(data: bytes) -> Any:
    """Parse JSON with the standard library, marking each lexical flaw for `first_flaw` to report.

    Raises DecodeError for flaws of the whole text (UTF-8, syntax, nesting beyond the parser's stack).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(
            "event.invalid_utf8", f"The bytes are not valid UTF-8 (at byte {exc.start}); send the JSON as UTF-8."
        ) from exc
    try:
        return json.loads(text, object_pairs_hook=_object, parse_float=_float, parse_int=_int, parse_constant=_constant)
    except RecursionError as exc:
        raise _too_deep() from exc
    except json.JSONDecodeError as exc:
        raise DecodeError(
            "event.malformed_json", f"The text is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}."
        ) from exc


def first_flaw(value: Any, depth: int = 0) -> DecodeError | None:
    """The first lexical flaw in a parsed value (marked by `strict_json`, or found by type), or None."""
    if isinstance(value, _Flaw):
        return value.error
    if isinstance(value, str):
        return None if value.isascii() or _encodable(value) else _lone_surrogate()
    if value is None:
        return DecodeError("event.null_value", "A member is null; leave optional members out instead of null.")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else _out_of_range(str(value))
    if isinstance(value, float):
        return _float_flaw().error
    if depth >= MAX_DEPTH:
        return _too_deep()
    children = value.values() if isinstance(value, dict) else value
    for child in children:
        flaw = first_flaw(child, depth + 1)
        if flaw is not None:
            return flaw
    return None


def _accept(raw: Any, text: bytes, slow: Callable[[], Any], suspect: bool) -> SignedEvent:
    """Validate one parsed item whose sorted orjson text is `text`; `slow` gives its flaw-marked parse."""
    if suspect:
        flaw = first_flaw(slow())
        if flaw is not None:
            raise flaw
    if len(text) > MAX_EVENT_BYTES:
        raise DecodeError("event.too_large", f"An event may be at most {MAX_EVENT_BYTES} bytes of JSON.")
    if type(raw) is not dict:
        raise DecodeError("event.not_object", "An event must be a JSON object.")
    try:
        event = _VALIDATE(raw)
    except ValidationError as exc:
        raise (first_flaw(slow()) or _schema_error(exc)) from exc
    if text.find(b"null") >= 0:
        flaw = first_flaw(raw)
        if flaw is not None:
            raise flaw
    signature = event.signature
    if signature is None:
        raise DecodeError("event.unsigned", "The event has no signature; sign it with `goldtrace sign`.")
    # `text` is the RFC 8785 form: a valid event's member names are ASCII (see events/canonical.py).
    return SignedEvent(event, raw, without_signature(text, signature), hashlib.sha256(text).digest())


def _has_escape(data: bytes) -> bool:
    """Whether the text holds a `\\u` escape (which could spell a key twice or a lone surrogate)."""
    return data.find(b"\\") >= 0 and data.find(b"\\u") >= 0


def _decode_flawed_batch(tree: Any) -> list[SignedEvent | DecodeError]:
    """Decode a batch that only the slow parser could read: flawed items fail, the others are decoded."""
    _check_batch_shape(tree)
    results: list[SignedEvent | DecodeError] = []
    for item in tree:
        flaw = first_flaw(item)
        if flaw is not None:
            results.append(flaw)
            continue
        try:
            results.append(_accept(item, orjson.dumps(item, option=_SORTED), partial(_itself, item), suspect=False))
        except DecodeError as error:
            results.append(error)
    return results


def _itself(value: Any) -> Any:
    return value


def _check_batch_shape(items: Any) -> None:
    if not isinstance(items, list):
        raise DecodeError("batch.not_array", "A batch must be a JSON array of events.")
    if len(items) > MAX_BATCH_EVENTS:
        raise DecodeError(
            "batch.too_many_events", f"A batch may hold at most {MAX_BATCH_EVENTS} events; it has {len(items)}."
        )


def _diagnose(tree: Any, fast_message: str) -> DecodeError:
    """The refusal of a text the fast parser could not read but the slow one could."""
    return first_flaw(tree) or DecodeError("event.malformed_json", f"The text is not valid JSON: {fast_message}.")


# Messages of pydantic-core said in the contract's words (its dataclasses call an unknown member an argument).
_MESSAGES: Final = {"unexpected_keyword_argument": "Extra inputs are not permitted (the member is not in the contract)"}


def _schema_error(exc: ValidationError) -> DecodeError:
    first = exc.errors()[0]
    message = _MESSAGES.get(first["type"], first["msg"])
    loc = [str(part) for part in first["loc"]]
    if len(loc) > 1 and loc[0] in EVENT_TYPES:
        where = f"the {loc[0]} event does not match the v1 contract at {'.'.join(loc[1:])}"
    else:
        where = f"the event does not match the v1 contract at {'.'.join(loc) or 'the top level'}"
    return DecodeError("event.schema", f"{where[0].upper()}{where[1:]}: {message}.")


class _Flaw:
    """A lexical flaw found by the slow parser, left in the tree where the flawed value was."""

    __slots__ = ("error",)

    def __init__(self, error: DecodeError) -> None:
        self.error = error


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any] | _Flaw:
    members = dict(pairs)
    if len(members) == len(pairs):
        return members
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            break
        seen.add(key)
    return _Flaw(DecodeError("event.duplicate_key", f"The member {key!r} appears twice in one object."))


def _float(token: str) -> _Flaw:
    del token
    return _float_flaw()


def _float_flaw() -> _Flaw:
    return _Flaw(
        DecodeError(
            "event.float",
            "A number has a fraction or exponent; events carry integers only (write decimals as strings).",
        )
    )


def _int(token: str) -> int | _Flaw:
    digits = token.lstrip("-")
    if len(digits) > 16 or int(digits) > MAX_SAFE_INTEGER:
        return _Flaw(_out_of_range(token))
    return int(token)


def _constant(token: str) -> _Flaw:
    return _Flaw(DecodeError("event.non_finite_number", f"{token} is not a JSON number; events carry integers only."))


def _out_of_range(token: str) -> DecodeError:
    shown = token if len(token) <= 24 else f"{token[:20]}... ({len(token)} digits)"
    return DecodeError("event.integer_out_of_range", f"The integer {shown} lies outside the safe range +-(2^53-1).")


def _too_deep() -> DecodeError:
    return DecodeError("event.too_deep", f"Objects and arrays are nested deeper than {MAX_DEPTH} levels.")


def _lone_surrogate() -> DecodeError:
    return DecodeError(
        "event.lone_surrogate",
        "A string holds a \\ud800-\\udfff escape outside a surrogate pair; it is not a character, remove it.",
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
