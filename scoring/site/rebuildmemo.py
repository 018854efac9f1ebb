"""What parts of the site were built from, kept across `mkdocs serve` rebuilds.

Under serve, an unchanged proposal keeps its very ScoreCard object from one rebuild to the
next (the load cache and ``rescore``). Anything derived from cards alone (a portfolio.json
entry, a table row) can then be kept with the cards it came from and reused while those are
the same objects and the context (rubric, options, templates) is unchanged: a rebuild after
one edit redoes the work for that proposal, not for the whole portfolio.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

_PLAIN = (str, int, float, bool, type(None))


def frozen(value: Any) -> Hashable:
    """Plain values (dicts, lists and tuples of strings and numbers) as a hashable key;
    TypeError for anything else (an object's identity is not what a row shows)."""
    if isinstance(value, dict):
        return tuple((k, v if isinstance(v, _PLAIN) else frozen(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(v if isinstance(v, _PLAIN) else frozen(v) for v in value)
    if isinstance(value, _PLAIN):
        return value
    raise TypeError(f"not a plain value: {type(value).__name__}")


def fingerprint(parts: Iterable[object]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def tree_fingerprint(folders: Iterable[Path]) -> str:
    """Names, sizes and times of every file under ``folders``: changes when a template does."""
    seen = []
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                seen.append((str(path), stat.st_size, stat.st_mtime_ns))
    return fingerprint(seen)


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
        if entry is None or len(entry.sources) != len(sources) or any(
                a is not b for a, b in zip(entry.sources, sources, strict=True)):
            return None
        return entry.value

    def put(self, key: Hashable, sources: tuple[object, ...], value: Any) -> Any:
        self._entries[key] = _Entry(sources, value)
        self._used.add(key)
        return value

    def made(self, key: Hashable, sources: tuple[object, ...], make: Callable[[], Any]) -> Any:
        """The value kept under ``key`` for these objects, or ``make()``'s, kept from now."""
        kept = self.get(key, sources)
        return kept if kept is not None else self.put(key, sources, make())

    def finish(self) -> None:
        """Forget what this build did not ask for (deleted proposals, pages gone)."""
        self._entries = {k: v for k, v in self._entries.items() if k in self._used}


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory: MkDocs makes a new theme environment for every
    build, and compiling the theme's templates again was a fifth of a serve rebuild. Jinja
    checks each template's source against the checksum kept with its code."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


__all__ = ["MemoryBytecodeCache", "RebuildMemo", "fingerprint", "frozen", "tree_fingerprint"]
