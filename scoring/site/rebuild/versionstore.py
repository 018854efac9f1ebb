"""Scored old versions kept on disk between builds (the plugin's cache folder), so a build
after the first, and CI with a restored cache, scores only versions it has not seen.

One file under ``<cache_dir>/history/``, for one scoring key (the rubric, the regimes and
build date, and the engine's version; another key starts afresh): a header line with the
key and the SHA-256 of the rest, then the entries' JSON, keyed by blob id and file name.
The checksum is checked before the JSON is parsed: a damaged or foreign file is ignored
and rewritten. The file is never read or written
through a symbolic link. Safe to delete at any time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from functools import cached_property
from pathlib import Path
from typing import Any

from scoring.model.timeline import Facts, Version

FILE = "history/versions.json"
MAX_BYTES = 64 * 1024 * 1024  # a larger file is not ours: ignored


def _plain(version: Version) -> Any:
    """A version as JSON data: its facts' fields in order (JSON writes their tuples as
    arrays), so no copy of them is made."""
    facts = version.facts
    if facts is None:
        return {"problem": version.problem}
    return {"facts": vars(facts)}


def _version(value: Any) -> Version:
    """A kept entry as a Version; ValueError (or KeyError, TypeError) when malformed."""
    if "facts" not in value:
        return Version(None, str(value["problem"]))
    f = value["facts"]
    return Version(
        Facts(
            stage=str(f["stage"]),
            state=str(f["state"]),
            state_name=str(f["state_name"]),
            risk_class=str(f["risk_class"]),
            risk_label=str(f["risk_label"]),
            risk_head=str(f["risk_head"]),
            priority=float(f["priority"]),
            scores=tuple((str(n), float(v)) for n, v in f["scores"]),
            flags=_texts(f["flags"]),
            answers=None if f["answers"] is None else _texts(f["answers"]),
        )
    )


def _texts(rows: Any) -> tuple[tuple[str, str, str], ...]:
    """Rows of three texts (flags, answers), as kept; ValueError for anything else."""
    if type(rows) is not list:
        raise ValueError("not rows")
    for row in rows:
        if (
            type(row) is not list
            or len(row) != 3
            or not type(row[0]) is type(row[1]) is type(row[2]) is str
        ):
            raise ValueError("not a row of three texts")
    return tuple(map(tuple, rows))


class VersionStore:
    """Read on first use (a rebuild that scores nothing never reads it)."""

    def __init__(self, cache_dir: Path, scoring_key: str) -> None:
        self.path = cache_dir / FILE
        self.key = scoring_key
        self.used = False

    @cached_property
    def entries(self) -> dict[str, Any]:
        """The kept entries: the file is a header line (the key and the SHA-256 of the rest)
        and the entries' JSON, checked before it is parsed."""
        self.used = True
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
            header_line, _, body = raw.partition(b"\n")
            header = json.loads(header_line)
            if (
                len(raw) > MAX_BYTES
                or not isinstance(header, dict)
                or header.get("key") != self.key
                or header.get("sha256") != hashlib.sha256(body).hexdigest()
            ):
                return {}
            entries = json.loads(body)
        except (OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def get(self, name: str) -> Version | None:
        value = self.entries.get(name)
        if value is None:
            return None
        try:
            return _version(value)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def release(self) -> None:
        """Forget the entries read, keeping only their names (for ``save``): a build that
        has taken what it needs need not hold the whole file for the rest of its run (the
        cycle collector would walk it on every full pass)."""
        if "entries" in self.__dict__:
            self.__dict__["entries"] = dict.fromkeys(self.entries)

    def save(self, versions: dict[str, Version]) -> None:
        """Keep exactly this build's versions (those no page shows any more drop out), when
        this build read the file and the set changed. A folder that cannot be written only
        costs speed."""
        if not self.used or set(versions) == set(self.entries):
            return
        # An entry kept as read is written as it was (released ones are written anew).
        entries = {name: self.entries.get(name) or _plain(v) for name, v in versions.items()}
        body = json.dumps(entries, separators=(",", ":")).encode("utf-8")
        if len(body) > MAX_BYTES:
            # Reading would refuse it (a larger file is not ours): writing it only costs
            # time and disk, and an old, smaller file would be as stale.
            with contextlib.suppress(OSError):
                if not self.path.is_symlink():
                    self.path.unlink()
            return
        header = json.dumps({"key": self.key, "sha256": hashlib.sha256(body).hexdigest()})
        folder = self.path.parent
        temporary = folder / f".versions.{os.getpid()}.tmp"
        try:
            if folder.is_symlink() or self.path.is_symlink():
                return
            folder.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
            with os.fdopen(os.open(temporary, flags, 0o644), "wb") as handle:
                handle.write(header.encode("utf-8") + b"\n" + body)
            os.replace(temporary, self.path)
            self.entries = entries
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()


__all__ = ["FILE", "VersionStore"]
