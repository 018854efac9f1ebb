"""Whether a proposal answered a field: the one test the rules, the class suggestions and
the stakes share (a module of its own, so none of them imports another for it)."""

from __future__ import annotations

from typing import Any


def is_answered(value: Any) -> bool:
    """False for a missing value, blank text and an empty list or mapping."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, dict, tuple)):
        return len(value) > 0
    return True
