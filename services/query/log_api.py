"""The transparency log: the latest signed tree head, inclusion and consistency proofs, the log's public key."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
