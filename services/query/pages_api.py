"""Public HTML pages: /verify/{lot} and its QR code, in Spanish and English."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
