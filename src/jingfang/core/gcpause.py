"""Pause the cyclic garbage collector during a bounded computation that builds many objects.

A county's worklist for a past date holds ~90,000 database rows and builds ~50,000 small tuples;
every 700 allocations the collector walks the young objects, and each older-generation pass walks all
of them again, which cost about a third of that page's CPU time (bench/RESULTS.md). Those objects form
no reference cycles (tuples, dates, strings), so reference counting frees them all; the collector is
switched back on when the block ends, whatever happens in it. The switch is process-wide: another
thread's cycles simply wait for the next collection after the block.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
