"""A proposal file's fields, read by the same rules as validation, for commands that need
only its data and not a validated Proposal: `export` writes every file (invalid ones too)
as an inventory row, `score --org` and the intake page read invalid files' `org` and
`source` blocks.

A plain ``yaml.load`` would follow a symlink out of the repository, block on a FIFO, read
/dev/zero without end and expand an alias bomb; this refuses each of them as validation
does (`loading.refusal`, then `yamlsource.read_source` and `load_bytes`: 256 KiB, no
aliases), and says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scoring.proposals.loading import refusal
from scoring.sources.problems import Problem
from scoring.sources.yamlsource import LoadResult, load_bytes, read_source

# Problems after which the data is not what the author wrote: an alias is read as nothing,
# and of two duplicate keys only the first is kept.
UNTRUSTED = ("alias", "duplicate-key")


@dataclass(frozen=True)
class PlainData:
    """A file's top-level mapping, or None with the problems that say why it is left out."""

    data: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()


def read_data(path: Path, file: str) -> PlainData:
    """The fields of the proposal file at ``path`` (``file`` names it in problems)."""
    refused = refusal(path, file)
    if refused is not None:
        return PlainData(None, (refused,))
    raw = read_source(path, file)
    if isinstance(raw, LoadResult):  # unreadable or over the size limit
        return PlainData(None, tuple(raw.problems))
    result = load_bytes(raw, file)
    untrusted = tuple(p for p in result.problems if p.code in UNTRUSTED)
    if result.document is None or untrusted:
        return PlainData(None, untrusted or tuple(result.problems))
    return PlainData(result.document.data)
