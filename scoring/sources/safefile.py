"""Read a file named on the command line (an inventory, mapping, rubric, score JSON or
config) without trusting it.

Files found by scanning a folder follow the proposal rules (`proposals.loading.refusal`
and `yamlsource.read_source`). A file named on the command line is read here: it must be
a regular file reached without a symlink at its last component, it is opened so that a
FIFO or device can never block or flood the read, and it is capped by its kind, so an
inventory may be large but a score JSON or rubric may not. Every refusal is an
``InputError`` naming the file, which the command line turns into exit status 2.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path


class InputError(Exception):
    """Bad input: a message naming the file and, where known, the row and column."""

    def __init__(self, file: str, message: str, row: int = 0, column: str = "") -> None:
        self.file, self.row, self.column, self.message = file, row, column, message
        where = file + (f": row {row}" if row else "") + (f", column '{column}'" if column else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class FileKind:
    """What a named file is for, and the most bytes such a file may have."""

    noun: str
    max_bytes: int


MiB = 1024 * 1024
INVENTORY = FileKind("inventory", 200 * MiB)
MAPPING = FileKind("mapping", 1 * MiB)
RUBRIC = FileKind("rubric", 1 * MiB)
SCORES = FileKind("score JSON", 64 * MiB)
CONFIG = FileKind("config", 1 * MiB)
PROFILE = FileKind("regulatory profile", 1 * MiB)

# O_NOFOLLOW refuses a symlink at the last component; O_NONBLOCK keeps open() of a FIFO
# from waiting for a writer (it is refused by the fstat check straight after).
_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
)


def _size_text(size: int) -> str:
    return f"{size / MiB:.1f} MiB" if size >= MiB else f"{size / 1024:.1f} KiB"


def read_named(path: Path, kind: FileKind, display: str | None = None) -> bytes:
    """The bytes of ``path``, or an InputError saying why they may not be read."""
    shown = display or str(path)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError as error:
        raise InputError(shown, "no such file") from error
    except OSError as error:
        raise InputError(shown, f"cannot read the file: {error.strerror or error}") from error
    if stat.S_ISLNK(mode):
        raise InputError(
            shown,
            f"the {kind.noun} file is a symlink; name the file itself "
            "(a link could point outside the repository)",
        )
    if stat.S_ISDIR(mode):
        raise InputError(shown, f"is a folder; name the {kind.noun} file")
    if not stat.S_ISREG(mode):
        raise InputError(shown, "not a regular file (a pipe, socket or device)")
    try:
        handle = os.open(path, _FLAGS)
    except OSError as error:
        raise InputError(shown, f"cannot read the file: {error.strerror or error}") from error
    with os.fdopen(handle, "rb") as stream:
        # Checked again on the open file: the entry may have been swapped since lstat.
        opened = os.fstat(stream.fileno())
        if not stat.S_ISREG(opened.st_mode):
            raise InputError(shown, "not a regular file (a pipe, socket or device)")
        if opened.st_size > kind.max_bytes:
            raise InputError(
                shown,
                f"the file is {_size_text(opened.st_size)}; a "
                f"{kind.noun} file may have at most {_size_text(kind.max_bytes)}",
            )
        raw = stream.read(kind.max_bytes + 1)  # a file growing while read stops at the cap
    if len(raw) > kind.max_bytes:
        raise InputError(
            shown, f"the file is over the {_size_text(kind.max_bytes)} limit for a {kind.noun} file"
        )
    return raw
