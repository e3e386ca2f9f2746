"""The collector as the services run it: their startup heap frozen, young objects collected less often."""

from __future__ import annotations

import gc

YOUNG_OBJECTS = 50_000
"""Allocations (net) between two young collections; Python's default of 700 means one every few decoded events, each
promoting their short-lived objects and bringing on the older generations' passes sooner."""


def settle_heap() -> None:
    """Collect once, freeze what is alive now, and collect young objects every YOUNG_OBJECTS allocations.

    Each service's entrypoint calls it once its app is built, before serving (never inside an app: a test process
    that starts apps in-process would freeze its own garbage). Freezing moves every object alive then (modules,
    settings, the app) into the collector's permanent generation, so full collections no longer walk them again
    and again; objects made later (lots, batches, requests) are collected as usual. bench/kernel.py settles the
    heap the same way before timing, so the kernel's figures are those of a service.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, 10, 10)
