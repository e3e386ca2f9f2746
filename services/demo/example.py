"""An unsigned example event for the user to sign and submit by hand: a new CECOMIP lot under its certificate."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.demo import cast
from services.demo.ids import DemoSeed, rfc3339


def next_extraction(seed: DemoSeed, now: datetime, nonce: str) -> dict[str, Any]:
    """A `lot.extracted` by CECOMIP a minute before `now`, with a fresh lot and event id (`nonce` makes them new).

    It has no `keyid` and no signature: `goldtrace sign --key ... --keyid ...` adds both.
    """
    at = now - timedelta(minutes=1)
    lot = seed.named(f"cecomip-{nonce}")
    certificate = next(spec.name for spec in cast.CERTIFICATES if spec.holder == cast.CECOMIP)
    return {
        "specversion": "1.0",
        "id": seed.event_id(f"example/{nonce}", at),
        "source": f"/participants/{cast.CECOMIP}",
        "type": "lot.extracted",
        "subject": lot,
        "time": rfc3339(at),
        "datacontenttype": "application/json",
        "data": {
            "lot": lot,
            "mine": cast.CECOMIP_MINE,
            "form": "doré",
            "mass_mg": 950_000,
            "fineness": "880",
            "mercury_free": True,
            "certificate": seed.named(certificate),
            "contributions": [
                {"group": cast.BATEADORAS, "share_bp": 2_500},
                {"group": cast.COOPERATIVES, "share_bp": 7_500},
            ],
        },
    }
