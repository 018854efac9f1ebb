"""Compiled templates kept between builds: Jinja's environments for the generated pages
(one pair per template search path, in this process), their compiled code on disk under the
cache folder (checked by a SHA-256 before use), and under `mkdocs serve` the theme's compiled
templates in memory. Jinja checks every template's source against its kept code, so an
edited template is compiled again: keeping never shows an old template."""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import jinja2
from jinja2 import BytecodeCache, FileSystemBytecodeCache
from jinja2.bccache import Bucket

log = logging.getLogger(__name__)
T = TypeVar("T")
# Where the environments' settings (escaping, finalize, delimiters, filters) are written.
ENVIRONMENT_SOURCE = Path(__file__).resolve().parent.parent / "environment.py"


@lru_cache(maxsize=8)
def kept_environments(
    make: Callable[[tuple[Path, ...], Path | None], T],
    template_dirs: tuple[Path, ...],
    cache_dir: Path | None,
    templates_key: str = "",
) -> T:
    """The environments ``make`` gives for this search path and these template files, made
    once per process: reused across `mkdocs serve` rebuilds so templates compile once
    (auto_reload picks up an edited file; a file added or removed changes the key)."""
    return make(template_dirs, cache_dir)


class QuietBytecodeCache(FileSystemBytecodeCache):
    """Jinja's own on-disk cache of compiled templates, keyed by each template's source.

    Later builds load compiled code from it instead of compiling the templates again. Each
    entry starts with a SHA-256 of the rest, written with it and checked before anything in
    it is unpickled or unmarshalled: a damaged entry (a flipped bit could crash the
    interpreter or change a page) is compiled afresh, and bytecode is never loaded
    unverified. A cache that cannot be written (read-only checkout, full disk) is skipped
    with a debug message, never a failed build.
    """

    MAGIC = b"sweetspot-bytecode-sha256\n"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            with open(self._get_cache_filename(bucket), "rb") as entry:
                data = entry.read()
        except OSError:  # missing or unreadable: a miss
            return
        head = len(self.MAGIC)
        payload = data[head + 32 :]
        if data[:head] != self.MAGIC or data[head : head + 32] != hashlib.sha256(payload).digest():
            log.debug("sweetspot: template cache entry for %s failed its checksum", bucket.key)
            return
        try:
            bucket.load_bytecode(io.BytesIO(payload))
        except Exception as error:  # verified, yet written by another Jinja: a miss
            log.debug("sweetspot: template cache entry ignored: %s", error)
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        buffer = io.BytesIO()
        bucket.write_bytecode(buffer)
        payload = buffer.getvalue()
        name = self._get_cache_filename(bucket)
        temporary: str | None = None
        try:
            handle, temporary = tempfile.mkstemp(
                dir=os.path.dirname(name), prefix=os.path.basename(name), suffix=".tmp"
            )
            with os.fdopen(handle, "wb") as out:
                out.write(self.MAGIC + hashlib.sha256(payload).digest() + payload)
            os.replace(temporary, name)  # readers never see a half-written entry
        except OSError as error:
            log.debug("sweetspot: template cache not written: %s", error)
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)


@lru_cache(maxsize=4)
def settings_key(flavour: str) -> str:
    """Jinja keys compiled code by template name and source only, yet the code also depends
    on the environment's settings (escaping, finalize, delimiters), which live in this
    module. Each environment therefore gets its own key, from those settings and the Jinja
    version, which names its cache folder."""
    digest = hashlib.sha256(f"{flavour}:{jinja2.__version__}:".encode())
    digest.update(ENVIRONMENT_SOURCE.read_bytes())
    return f"{flavour}-{digest.hexdigest()[:16]}"


def bytecode_cache(folder: Path | None, flavour: str) -> QuietBytecodeCache | None:
    """The on-disk cache of one environment's compiled templates, in a folder named by its
    settings key; None without a cache folder (Jinja then compiles each template once)."""
    if folder is None:
        return None
    try:
        key = settings_key(flavour)
    except OSError:  # no source to fingerprint (a bytecode-only install): Jinja compiles
        return None
    return _disk_cache(folder / key)


def _disk_cache(folder: Path | None) -> QuietBytecodeCache | None:
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        log.debug("sweetspot: template cache disabled: %s", error)
        return None
    return QuietBytecodeCache(str(folder))


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


__all__ = [
    "MemoryBytecodeCache",
    "QuietBytecodeCache",
    "bytecode_cache",
    "kept_environments",
    "settings_key",
]
