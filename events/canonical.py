"""RFC 8785 (JSON Canonicalization Scheme) bytes of events, and event digests.

Events hold only strings, integers within +-(2^53-1), booleans, null, objects and arrays. For those values
orjson with sorted keys writes exactly the RFC 8785 text: integers print as ECMAScript does, strings escape
`"`, `\\` and the C0 controls the same way (`\\b \\t \\n \\f \\r`, else lowercase `\\u00xx`) and leave every
other character literal. The one difference is key order: orjson sorts by code point, RFC 8785 by UTF-16
code unit, and the two disagree only between characters above U+FFFF and those in U+E000..U+FFFF. Output
that holds no astral character (no 4-byte UTF-8 sequence) is therefore exact; anything else is written by
the reference `rfc8785` package. Floats and out-of-range integers are refused rather than approximated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final

import orjson
import rfc8785

MAX_SAFE_INTEGER: Final = 2**53 - 1
_SORTED: Final = orjson.OPT_SORT_KEYS
_ASTRAL_LEAD_BYTES: Final = frozenset(range(0xF0, 0xF5))


class CanonicalDomainError(ValueError):
    """The value holds something events never carry (a float, a huge integer, a non-string key)."""


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON object of event values (dicts, lists, str, int, bool, None)."""
    if not isinstance(document, dict):
        document = dict(document)
    _check_domain(document, 0)
    return canonical_bytes_unchecked(document)


def canonical_bytes_unchecked(document: Any) -> bytes:
    """RFC 8785 bytes of a value already known to hold only event values (the decoder has checked)."""
    try:
        text = orjson.dumps(document, option=_SORTED)
    except orjson.JSONEncodeError as exc:  # a lone surrogate in a string, a non-string key
        raise CanonicalDomainError(f"the value cannot be written as JSON: {exc}") from exc
    return rfc8785.dumps(document) if needs_utf16_order(text) else text


def needs_utf16_order(sorted_text: bytes) -> bool:
    """Whether orjson's code-point key order might differ from RFC 8785's (an astral character occurs)."""
    return not sorted_text.isascii() and not _ASTRAL_LEAD_BYTES.isdisjoint(sorted_text)


def signing_input(event: Mapping[str, Any]) -> bytes:
    """The bytes a signer signs: the canonical form of the event without its `signature`."""
    return canonical_bytes({k: v for k, v in event.items() if k != "signature"})


def event_digest(signed_event: Mapping[str, Any]) -> bytes:
    """SHA-256 of the canonical bytes of the signed event (signature included)."""
    return hashlib.sha256(canonical_bytes(signed_event)).digest()


def without_signature(signed_canonical: bytes, signature: str) -> bytes:
    """The signing input of a schema-valid signed event, cut from its canonical bytes (no second pass).

    In a valid event the top-level members sort as data, datacontenttype, id, keyid, signature, source,
    specversion, subject, time, type; the members after `signature` are plain strings, in which an unescaped
    quote cannot occur, so the last `,"signature":"..."` in the text is the top-level member.
    """
    member = b',"signature":"' + signature.encode("ascii") + b'"'
    at = signed_canonical.rfind(member)
    if at < 0:
        raise ValueError("the canonical text holds no top-level signature member")
    return signed_canonical[:at] + signed_canonical[at + len(member) :]


_MAX_DOMAIN_DEPTH: Final = 64


def _check_domain(value: Any, depth: int) -> None:
    """Refuse values outside the event domain, which a fast writer could not canonicalize exactly."""
    if value is None or isinstance(value, str | bool):
        return
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return
        raise CanonicalDomainError(f"the integer {value} lies outside +-(2^53-1)")
    if depth >= _MAX_DOMAIN_DEPTH:
        raise CanonicalDomainError("the value is nested too deeply")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalDomainError(f"the object key {key!r} is not a string")
            _check_domain(item, depth + 1)
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_domain(item, depth + 1)
        return
    raise CanonicalDomainError(f"a {type(value).__name__} cannot appear in an event (integers, strings, bools only)")
