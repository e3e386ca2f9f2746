"""RFC 8785 (JSON Canonicalization Scheme) bytes of events, and event digests.

Events hold only strings, integers within +-(2^53-1), booleans, null, objects and arrays. For those values
orjson writes exactly the RFC 8785 text: integers print as ECMAScript does, strings escape `"`, `\\` and the
C0 controls the same way (`\\b \\t \\n \\f \\r`, else lowercase `\\u00xx`) and leave every other character
literal. The one difference is key order: orjson's OPT_SORT_KEYS sorts by code point, RFC 8785 by UTF-16
code unit, and the two disagree only between characters above U+FFFF and those in U+E000..U+FFFF. Keys of
a schema-valid event are ASCII member names, so `canonical_event_bytes` sorts with orjson; the general
`canonical_bytes` sorts objects with a non-ASCII key by UTF-16 itself. Floats and out-of-range integers are
refused rather than approximated. The reference `rfc8785` package is the oracle in the tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final

import orjson

MAX_SAFE_INTEGER: Final = 2**53 - 1
_SORTED: Final = orjson.OPT_SORT_KEYS
_MAX_DOMAIN_DEPTH: Final = 64


class CanonicalDomainError(ValueError):
    """The value holds something events never carry (a float, a huge integer, a non-string key)."""


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON object of event values (dicts, lists, str, int, bool, None)."""
    if not isinstance(document, dict):
        document = dict(document)
    ascii_keys = _check_domain(document, 0)
    return _dumps(document if ascii_keys else _utf16_sorted(document), _SORTED if ascii_keys else 0)


def canonical_event_bytes(event: dict[str, Any]) -> bytes:
    """RFC 8785 bytes of a schema-valid event (its member names are ASCII, its values in the event domain)."""
    return _dumps(event, _SORTED)


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


def _dumps(value: Any, option: int) -> bytes:
    try:
        return orjson.dumps(value, option=option)
    except orjson.JSONEncodeError as exc:  # a lone surrogate in a string
        raise CanonicalDomainError(f"the value cannot be written as JSON: {exc}") from exc


def _utf16_sorted(value: Any) -> Any:
    """A copy with every object's members in RFC 8785 order (by the UTF-16 code units of the keys)."""
    if isinstance(value, dict):
        ordered = sorted(value.items(), key=lambda item: item[0].encode("utf-16-be", "surrogatepass"))
        return {key: _utf16_sorted(item) for key, item in ordered}
    if isinstance(value, list | tuple):
        return [_utf16_sorted(item) for item in value]
    return value


def _check_domain(value: Any, depth: int) -> bool:
    """Refuse values outside the event domain; return whether every object key in it is ASCII."""
    if value is None or isinstance(value, str | bool):
        return True
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return True
        raise CanonicalDomainError(f"the integer {value} lies outside +-(2^53-1)")
    if depth >= _MAX_DOMAIN_DEPTH:
        raise CanonicalDomainError("the value is nested too deeply")
    ascii_keys = True
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalDomainError(f"the object key {key!r} is not a string")
            ascii_keys = _check_domain(item, depth + 1) and key.isascii() and ascii_keys
        return ascii_keys
    if isinstance(value, list | tuple):
        for item in value:
            ascii_keys = _check_domain(item, depth + 1) and ascii_keys
        return ascii_keys
    raise CanonicalDomainError(f"a {type(value).__name__} cannot appear in an event (integers, strings, bools only)")
