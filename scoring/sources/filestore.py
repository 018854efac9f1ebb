"""A cache on disk of what loading each proposal file produced, keyed by the file's bytes.

Parsing and validating is most of the engine's time in a build. A build whose files did not
change reads the results back from one JSON file instead. An entry is used only when the
file's SHA-256, the schema and the loading code are all unchanged; anything else (a missing,
unreadable or corrupt cache file, a new library version) means loading afresh. The cache is
only an accelerator: deleting it at any time is safe.
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
# The modules whose code decides what loading a file yields; editing one empties the cache.
_LOADING_MODULES = ("sources/yamlsource.py", "sources/problems.py", "sources/validation.py",
                    "sources/fastcheck.py", "sources/filestore.py", "proposals/schema.py",
                    "proposals/loading.py", "proposals/proposal.py")
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
        except (OSError, ValueError) as error:
            log.debug("sweetspot: ignoring the proposal cache %s: %s", self.path, error)
            return {}
        if not isinstance(stored, dict) or stored.get("key") != self.key \
                or not isinstance(stored.get("files"), dict):
            return {}
        return stored["files"]

    def get(self, file: str, digest: str) -> Record | None:
        entry = self._old.get(file)
        if not isinstance(entry, dict) or entry.get("sha256") != digest \
                or not isinstance(entry.get("result"), dict):
            return None
        self._new[file] = entry
        return entry["result"]

    def keep(self, file: str) -> None:
        """A file this run took from elsewhere (the serve cache): keep its entry."""
        if file in self._old and file not in self._new:
            self._new[file] = self._old[file]

    def put(self, file: str, digest: str, record: Record) -> None:
        # Records hold what the YAML loader yields: string keys and str, int, finite float,
        # bool or None values, which JSON gives back unchanged.
        self._new[file] = {"sha256": digest, "result": record}

    def save(self) -> None:
        """Write the cache atomically; an unwritable folder only costs speed next time."""
        if self._new == self._old:
            return
        try:
            text = json.dumps({"key": self.key, "files": self._new}, ensure_ascii=False,
                              separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as error:  # not JSON after all: cache nothing
            log.debug("sweetspot: proposal cache not written: %s", error)
            return
        temporary: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".proposals-",
                                                 suffix=".tmp")
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
