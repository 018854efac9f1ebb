"""Which entries of a proposals folder are read, and why one is refused before any read.

These are rules about files, not about proposals, so they sit with the other sources: the
proposal loader and the inventory import (which checks the folder it writes into) share
them, and a symlink, FIFO or device is refused the same way wherever a folder is scanned.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from scoring.sources.problems import Problem

# Windows reserves these names for devices, whatever the extension: a checkout of a
# repository holding con.yaml fails there.
WINDOWS_RESERVED = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{n}" for n in range(1, 10)),
        *(f"lpt{n}" for n in range(1, 10)),
    }
)
SUFFIXES = (".yaml", ".yml")


def printable_name(name: str) -> str:
    """A file name as text that can always be printed and written as UTF-8: bytes that are
    not UTF-8 (kept by Python as lone surrogates) are shown as \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def looks_like_proposal(name: str) -> bool:
    """Any case of .yaml/.yml counts, and stray spaces too, so 'Churn.YAML ' or a file
    called just '.yaml' is reported rather than skipped."""
    return name.strip().lower().endswith(SUFFIXES)


def discover(paths: Iterable[Path]) -> list[Path]:
    """Every entry to load or refuse, in the files or folders named, sorted for stable output.

    Folders are walked without following symlinks. Besides YAML files, every symlink and
    every entry that is neither a file nor a folder is listed, whatever its name, so that
    `refusal` reports it (none of them is ever read). Other files are not proposals: they
    are left out here, and the plugin never publishes them.
    """
    found: dict[str, Path] = {}
    for path in paths:
        candidates = _walk(path) if path.is_dir() and not path.is_symlink() else [path]
        for candidate in candidates:
            # The same file named twice (relative and absolute) is checked once.
            found.setdefault(os.path.abspath(candidate), candidate)
    return sorted(found.values())


def _walk(folder: Path) -> list[Path]:
    out: list[Path] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:  # an unreadable subfolder: say so instead of skipping it
            if current != folder:
                out.append(current)
            continue
        for entry in entries:
            path = current / entry.name
            try:
                if entry.is_symlink():
                    out.append(path)
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                elif not entry.is_file(follow_symlinks=False) or looks_like_proposal(entry.name):
                    out.append(path)
            except OSError:
                out.append(path)
    return out


def refusal(path: Path, file: str) -> Problem | None:
    """Why an entry is refused before anything reads it, or None for a regular file.

    A symlink could point anywhere on the machine that builds the site, for example at a
    file of secrets, and git carries symlinks in pull requests: so symlinks are refused,
    never followed. So are entries that are not files (a FIFO would block a read) and
    names that are not UTF-8 (nothing could print or publish them)."""
    if path.name != printable_name(path.name):
        return Problem(
            file,
            0,
            0,
            "",
            "the file name is not valid UTF-8; rename the file "
            "using lowercase letters, digits and hyphens",
            "bad-file-name",
        )
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None  # reading it reports "cannot read the file"
    except OSError as error:
        return Problem(
            file, 0, 0, "", f"cannot read the file: {error.strerror or error}", "unreadable"
        )
    if stat.S_ISLNK(mode):
        return Problem(
            file,
            0,
            0,
            "",
            "symlinks are not accepted in the proposals folder "
            "(one could publish a file from outside the repository); commit the "
            "file itself",
            "symlink",
        )
    if stat.S_ISDIR(mode):
        return Problem(
            file, 0, 0, "", "cannot read the folder; check its permissions", "unreadable"
        )
    if not stat.S_ISREG(mode):
        return Problem(
            file,
            0,
            0,
            "",
            "not a regular file (a pipe, socket or device); only "
            "proposal files belong in the proposals folder",
            "not-a-file",
        )
    return None
