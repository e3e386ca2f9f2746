"""The auditor's API and dashboard (bearer token with the auditor role)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
