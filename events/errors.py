"""One error hierarchy for the kernel: every refusal has a stable code and a sentence a person can act on."""

from __future__ import annotations


class GoldtraceError(Exception):
    """Root of every goldtrace error: `code` is stable and machine-readable, `detail` is for people."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail

    def as_json(self) -> dict[str, str]:
        """The error as the HTTP body `{"error": code, "detail": sentence}`."""
        return {"error": self.code, "detail": self.detail}


class DecodeError(GoldtraceError):
    """The bytes are not a well-formed v1 event (size, JSON, schema)."""


class SignatureError(GoldtraceError):
    """The signature does not verify, or the key behind it cannot be used."""
