"""The QR code of a page, as a small scalable SVG (segno; error correction M, so a scuffed label still scans)."""

from __future__ import annotations

import io
from typing import Final

import segno

MAX_URL_CHARS: Final = 1024  # far above any page URL; keeps a hostile URL from making a huge code


def qr_svg(url: str) -> bytes:
    """An SVG QR code encoding `url` (black on white, with the quiet zone, scaling to its box)."""
    if len(url) > MAX_URL_CHARS:
        raise ValueError(f"a QR code URL is at most {MAX_URL_CHARS} characters, not {len(url)}")
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", border=4, xmldecl=False, omitsize=True, dark="#000", light="#fff", title=url)
    return out.getvalue()
