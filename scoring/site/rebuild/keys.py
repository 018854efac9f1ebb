"""What memo keys are made of: plain values frozen into tuples, and fingerprints of values
and of template folders."""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

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


__all__ = ["fingerprint", "frozen", "tree_fingerprint"]
