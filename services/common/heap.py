"""The collector and a service's startup heap: what is alive once a service is up stays alive until it stops."""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Collect once, then move every object alive now (modules, settings, connections, the registry so far) into
    the collector's permanent generation, so its full collections no longer walk them again and again.

    Objects made later (lots, batches, requests) are collected as usual. bench/kernel.py freezes what it built
    before timing the same way, so the kernel's figures are those of a service.
    """
    gc.collect()
    gc.freeze()
