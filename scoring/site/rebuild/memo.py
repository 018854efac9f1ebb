"""The one memo: values kept from the last build, each under a key of plain values and with
the very objects it was made from (see the rule in scoring/site/rebuild/__init__.py)."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class _Entry:
    sources: tuple[object, ...]  # held, so that identity checks are safe
    value: Any


class RebuildMemo:
    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}
        self._used: set[Hashable] = set()
        self._context: str | None = None

    def begin(self, context: str) -> None:
        """Start a build; everything kept is dropped when ``context`` differs from the last."""
        if context != self._context:
            self._entries.clear()
            self._context = context
        self._used = set()

    def get(self, key: Hashable, sources: tuple[object, ...]) -> Any | None:
        """The value kept under ``key`` if it was made from these very objects, else None."""
        entry = self._entries.get(key)
        self._used.add(key)
        if (
            entry is None
            or len(entry.sources) != len(sources)
            or any(a is not b for a, b in zip(entry.sources, sources, strict=True))
        ):
            return None
        return entry.value

    def put(self, key: Hashable, sources: tuple[object, ...], value: Any) -> Any:
        self._entries[key] = _Entry(sources, value)
        self._used.add(key)
        return value

    def finish(self) -> None:
        """Forget what this build did not ask for (deleted proposals, pages gone)."""
        self._entries = {k: v for k, v in self._entries.items() if k in self._used}


__all__ = ["RebuildMemo"]
