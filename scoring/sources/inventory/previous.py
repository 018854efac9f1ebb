"""Next year's file: rows of a new inventory format matched to files an earlier year's
format wrote (the mapping's ``previous`` section), so a use case keeps its id, and its hand
edits, when the register changes its columns.

A row matches an earlier file on the source's own id where both have one (within the
first ``match`` field, usually the agency), or else on all ``match`` fields (agency and
use-case name), compared as ``normalise`` compares values. An earlier file is taken by one
row at most. Earlier files no row matched are reported, each with the new rows of the same
first field whose titles are close enough to be a likely rename.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.sources.inventory.convert import get_path
from scoring.sources.inventory.mapping import normalise

# How close two titles must be (difflib's ratio) to be reported as a likely rename.
RENAME_SIMILARITY = 0.75

Found = tuple[Path, dict[str, Any], str]  # file, data, text


def _part(data: Any, dotted: str) -> str:
    value = get_path(data, dotted)
    if isinstance(value, list):
        value = value[0] if value else None
    return normalise(str(value)) if value not in (None, "") else ""


def match_key(data: Any, fields: tuple[str, ...]) -> tuple[str, ...] | None:
    """The normalised values of ``fields`` (a list gives its first item), or None when
    one is missing."""
    parts = tuple(_part(data, f) for f in fields)
    return parts if all(parts) else None


@dataclass
class Earlier:
    """The files earlier formats wrote, by what a row can match them on."""

    fields: tuple[str, ...]
    by_id: dict[tuple[str, str], Found] = field(default_factory=dict)
    by_key: dict[tuple[str, ...], Found] = field(default_factory=dict)
    taken: set[Path] = field(default_factory=set)
    files: list[Found] = field(default_factory=list)

    def add(self, found: Found) -> None:
        data = found[1]
        self.files.append(found)
        key = match_key(data, self.fields)
        if key is not None:
            self.by_key.setdefault(key, found)
        own = data.get("external_id")
        if own not in (None, "") and self.fields:
            self.by_id.setdefault((_part(data, self.fields[0]), str(own)), found)

    def claim(self, data: dict[str, Any]) -> Found | None:
        """The earlier file this row's data matches, if no other row took it."""
        own = data.get("external_id")
        candidates = []
        if own not in (None, "") and self.fields:
            candidates.append(self.by_id.get((_part(data, self.fields[0]), str(own))))
        key = match_key(data, self.fields)
        if key is not None:
            candidates.append(self.by_key.get(key))
        for found in candidates:
            if found is not None and found[0] not in self.taken:
                self.taken.add(found[0])
                return found
        return None

    def left(self) -> list[Found]:
        return [f for f in self.files if f[0] not in self.taken]


@dataclass(frozen=True)
class Rename:
    """An earlier file no row matched, and a new row that is probably the same use case."""

    path: Path
    old_title: str
    row: int
    new_title: str


def likely_renames(
    left: list[Found], new_rows: list[tuple[int, dict[str, Any]]], first: str
) -> list[Rename]:
    """For each earlier file left over, the new row of the same first field (agency) with
    the closest title, when it is close enough."""
    by_group: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, data in new_rows:
        by_group.setdefault(_part(data, first), []).append((number, data))
    renames = []
    for path, data, _ in left:
        old = str(data.get("title") or "")
        best: tuple[float, int, str] | None = None
        for number, fresh in by_group.get(_part(data, first), []):
            new = str(fresh.get("title") or "")
            matcher = difflib.SequenceMatcher(None, normalise(old), normalise(new))
            if matcher.real_quick_ratio() < RENAME_SIMILARITY:
                continue
            if matcher.quick_ratio() < RENAME_SIMILARITY:
                continue
            ratio = matcher.ratio()
            if ratio >= RENAME_SIMILARITY and (best is None or ratio > best[0]):
                best = (ratio, number, new)
        if best is not None:
            renames.append(Rename(path, old, best[1], best[2]))
    return renames
