"""A cache on disk of what loading each proposal file produced, keyed by the file's bytes.

Parsing and validating is most of the engine's time in a build. A build whose files did not
change reads the results back from one JSON file instead. An entry is used only when the
file's SHA-256, the schema and the loading code are all unchanged; anything else (a missing,
unreadable or corrupt cache file, a new library version) means loading afresh. The cache is
only an accelerator: deleting it at any time is safe.

Each record is stored as JSON text with a SHA-256 of that text, the file name and the file's
hash, computed when it is written and checked before the record is parsed: a damaged or
edited record (a changed title, a stage no schema allows) is loaded afresh, never trusted.
The checksum guards against damage, not against someone who can write to the cache folder
and compute it too: that is why CI only saves caches from the default branch (SECURITY.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform
import tempfile
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)

STORE_FILE = "proposals.json"
# Loaded YAML is at most 40 levels deep (yamlsource.MAX_DEPTH); a deeper record is damage.
MAX_RECORD_DEPTH = 64
# The modules whose code decides what loading a file yields; editing one empties the cache.
_LOADING_MODULES = (
    "sources/yamlsource.py",
    "sources/problems.py",
    "sources/validation.py",
    "sources/characters.py",
    "sources/fastcheck.py",
    "sources/filestore.py",
    "proposals/schema.py",
    "proposals/loading.py",
    "proposals/proposal.py",
)
_LIBRARIES = ("sweetspot-kb", "PyYAML", "jsonschema", "fastjsonschema")

Record = dict[str, Any]


@lru_cache(maxsize=1)
def code_key() -> str:
    # libyaml and the pure-Python parser word some syntax errors differently.
    digest = hashlib.sha256(f"{platform.python_version()}:{yaml.__with_libyaml__}".encode())
    here = Path(__file__).parent.parent  # the scoring package
    for name in _LOADING_MODULES:
        try:
            digest.update((here / name).read_bytes())
        except OSError:  # installed without sources: the package version below still counts
            digest.update(f"{name}=?".encode())
    for library in _LIBRARIES:
        try:
            digest.update(f"{library}={version(library)}".encode())
        except PackageNotFoundError:
            digest.update(f"{library}=?".encode())
    return digest.hexdigest()[:20]


def content_key(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


class FileStore:
    """Load records by (file name, content hash); save only the files seen in this run, so
    renamed and deleted files drop out."""

    def __init__(self, folder: Path, schema_key: str) -> None:
        self.path = folder / STORE_FILE
        self.key = f"{code_key()}:{schema_key}"
        self._old: dict[str, Record] = self._read()
        self._new: dict[str, Record] = {}

    def _read(self) -> dict[str, Record]:
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, RecursionError) as error:
            log.debug("sweetspot: ignoring the proposal cache %s: %s", self.path, error)
            return {}
        if (
            not isinstance(stored, dict)
            or stored.get("key") != self.key
            or not isinstance(stored.get("files"), dict)
        ):
            return {}
        return stored["files"]

    def get(self, file: str, digest: str) -> Record | None:
        """The record stored for this file and content, if it is intact."""
        entry = self._old.get(file)
        if not isinstance(entry, dict) or entry.get("sha256") != digest:
            return None
        text = entry.get("record")
        if not isinstance(text, str) or entry.get("check") != _checksum(file, digest, text):
            return None
        try:
            record = json.loads(text)
        except (ValueError, RecursionError):
            return None
        if not isinstance(record, dict) or not _shallow(record, MAX_RECORD_DEPTH):
            return None
        self._new[file] = entry
        return record

    def keep(self, file: str, digest: str) -> bool:
        """A file this run took from elsewhere (the serve cache): keep its entry, if the
        cache has one for this content."""
        entry = self._old.get(file)
        if not isinstance(entry, dict) or entry.get("sha256") != digest:
            return False
        self._new.setdefault(file, entry)
        return True

    def put(self, file: str, digest: str, record: Record) -> None:
        # Records hold what the YAML loader yields: string keys and str, int, finite float,
        # bool or None values, which JSON gives back unchanged.
        try:
            text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            check = _checksum(file, digest, text)
        except (TypeError, ValueError, RecursionError) as error:
            # Not JSON after all, or text UTF-8 cannot encode: cache nothing for this file.
            log.debug("sweetspot: proposal cache entry not kept: %s", error)
            return
        self._new[file] = {"sha256": digest, "record": text, "check": check}

    def save(self) -> None:
        """Write the cache atomically; an unwritable folder only costs speed next time."""
        if self._new == self._old:
            return
        text = json.dumps(
            {"key": self.key, "files": self._new}, ensure_ascii=False, separators=(",", ":")
        )
        temporary: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=".proposals-", suffix=".tmp"
            )
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, self.path)  # readers never see a half-written file
        except (OSError, ValueError) as error:  # ValueError: text UTF-8 cannot encode
            log.debug("sweetspot: proposal cache not written: %s", error)
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            return
        self._old = dict(self._new)


def _checksum(file: str, digest: str, text: str) -> str:
    """Of the record's text, tied to its file and content, so no record can stand in for
    another."""
    return hashlib.sha256(f"{file}\0{digest}\0{text}".encode()).hexdigest()


def _shallow(value: Any, limit: int) -> bool:
    """Whether ``value`` nests at most ``limit`` levels (checked without recursion)."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            pending.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            pending.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return True
