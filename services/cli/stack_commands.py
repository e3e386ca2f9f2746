"""`goldtrace up`, `goldtrace status`, `goldtrace down`: the local stack."""

from __future__ import annotations

from typing import Any


def register(subparsers: Any) -> None:
    """Register the stack commands."""
    del subparsers
