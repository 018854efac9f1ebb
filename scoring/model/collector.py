"""Scoring a batch without the cycle collector walking its inputs over and over.

Scoring allocates many small objects, so CPython's cycle collector runs often, and each of
its full passes walks every object alive: on a 10,000-row register, the loaded proposals.
Those passes cost about a third of scoring's time and free nothing, since the inputs stay
alive for the whole batch. While a batch runs, what existed before it sits in the
collector's permanent generation (``gc.freeze``), and full passes wait for ten times as many
younger ones: on a 10,000-row register they found nothing, as what a batch keeps (its
score cards) is alive until it ends. Young objects are collected as usual. At the end
everything frozen returns to the oldest generation and the thresholds are restored.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # batches running (serve builds in a thread; a batch may run inside another)
_ours = False  # whether this module froze: a process that froze for itself keeps its own
_thresholds = (0, 0, 0)  # the process's own, restored at the end
FULL_PASS_WAIT = 10  # times as many younger passes before a full one, while a batch runs


@contextmanager
def inputs_held() -> Iterator[None]:
    """Hold everything that exists now out of the cycle collector until the outermost
    batch ends."""
    global _depth, _ours, _thresholds
    with _lock:
        if _depth == 0:
            _ours = gc.get_freeze_count() == 0 and gc.isenabled()
            if _ours:
                _thresholds = gc.get_threshold()
                young, middle, full = _thresholds
                gc.set_threshold(young, middle, full * FULL_PASS_WAIT)
                gc.freeze()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _ours:
                gc.unfreeze()
                gc.set_threshold(*_thresholds)
                _ours = False
