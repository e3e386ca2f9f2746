"""Buyers' API: a lot's state, its provenance verdict and its offline-verifiable bundle."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
