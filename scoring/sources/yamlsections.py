"""Many versions of one YAML file, parsed a top-level section at a time, each section kept
by its text: history scores every version of every proposal, and most commits change one
section of a file, so most of each version was parsed already.

Every section goes through the one safe loader (``yamlsource.load_text``) with all its
checks, and the result is the very document that loader gives for the whole text: the same
data, positions and plain texts (or, when asked, no positions at all). A text is cut only
where the whole reads the same in parts: at lines that start a plain key at the first
column, in a text of plain line breaks with no document markers or directives, where every
part parses on its own without a problem and no key repeats. Anything else (a problem to
report, a byte-order mark, a part that does not parse alone) is parsed whole, as
``load_bytes`` does. tests/test_yaml_sections.py compares the two on every YAML file in the
repository and on thousands of edits of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from scoring.sources.yamlsource import (
    MAX_BYTES,
    JsonPath,
    LoadResult,
    Position,
    YamlDocument,
    load_bytes,
    load_text,
    shared_data,
)

# A line that starts a top-level key: a plain key at the first column, then ':' and a space,
# a tab or the end of the line.
_SECTION_START = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*[ \t]*:(?:[ \t]|$)")
# Lines that make the whole read differently from its parts: document markers, directives.
_WHOLE_ONLY = re.compile(r"^(?:---|\.\.\.)(?:[ \t]|$)|^%", re.MULTILINE)
# Line breaks other than "\n", which YAML counts as lines too (and a byte-order mark).
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029\ufeff]")
CACHED_SECTIONS = 50_000  # sections kept at most; emptied when full


@dataclass(frozen=True)
class _Section:
    """One section parsed alone, positions counted from its first line."""

    data: dict[str, Any]
    values: dict[JsonPath, Position]
    keys: dict[JsonPath, Position]
    plain_text: dict[JsonPath, str]


class _Placed(NamedTuple):
    """A section's positions where it starts in one file; the root's apart."""

    root: Position  # where the section's mapping starts: the file's, for its first section
    values: dict[JsonPath, Position]
    keys: dict[JsonPath, Position]


class SectionCache:
    """Sections parsed so far, by their text (None: it does not parse alone cleanly), and
    their positions moved down to where they start in a file (most start where they did in
    the version before)."""

    def __init__(self) -> None:
        self._parsed: dict[str, _Section | None] = {}
        self._placed: dict[tuple[str, int], _Placed] = {}

    def placed(self, text: str, section: _Section, start: int) -> _Placed:
        """The section's positions, ``start`` lines down; not to be changed (each version's
        document copies them into its own)."""
        found = self._placed.get((text, start))
        if found is None:
            if len(self._placed) >= CACHED_SECTIONS:
                self._placed.clear()
            values = _shifted(section.values, start)
            root = values.pop((), Position(start + 1, 1))
            found = self._placed[text, start] = _Placed(root, values, _shifted(section.keys, start))
        return found

    def parsed(self, text: str) -> _Section | None:
        if text in self._parsed:
            return self._parsed[text]
        if len(self._parsed) >= CACHED_SECTIONS:
            self._parsed.clear()
            self._placed.clear()
        result = load_text(text, "")
        document = result.document
        found = None
        if not result.problems and document is not None and isinstance(document.data, dict):
            found = _Section(document.data, document.values, document.keys, document.plain_text)
        self._parsed[text] = found
        return found


def load_in_sections(
    raw: bytes, file: str, cache: SectionCache, *, positions: bool = True
) -> LoadResult:
    """``load_bytes(raw, file)``, reusing the sections ``cache`` parsed before. Without
    ``positions`` a document read in sections records none (a reader that never shows
    where a value is, as history's old versions, need not place every value)."""
    document = _in_sections(raw, cache, positions)
    return LoadResult(document, []) if document is not None else load_bytes(raw, file)


def _in_sections(raw: bytes, cache: SectionCache, positions: bool) -> YamlDocument | None:
    if len(raw) > MAX_BYTES:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _OTHER_BREAKS.search(text) or _WHOLE_ONLY.search(text):
        return None
    lines = text.split("\n")
    starts = [n for n, line in enumerate(lines) if _SECTION_START.match(line)]
    if not starts or any(_holds_more(line) for line in lines[: starts[0]]):
        return None
    document = YamlDocument(data={})
    data: dict[str, Any] = document.data
    ends = [*starts[1:], len(lines)]
    for start, end in zip(starts, ends, strict=True):
        # Each with the line break that ends its last line, as in the whole (a block
        # scalar keeps it).
        text = "\n".join(lines[start:end]) + ("\n" if end < len(lines) else "")
        section = cache.parsed(text)
        if section is None or not section.data.keys().isdisjoint(data):
            return None  # parsed whole: its problems, or a key set twice, named there
        for key, value in section.data.items():
            data[key] = shared_data(value)  # a copy: loading normalises each version's data
        document.plain_text.update(section.plain_text)
        if not positions:
            continue
        placed = cache.placed(text, section, start)
        if start == starts[0]:
            document.values[()] = placed.root
        document.values.update(placed.values)
        document.keys.update(placed.keys)
    return document


def _holds_more(line: str) -> bool:
    """Whether a line before the first key holds more than a comment."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _shifted(positions: dict[JsonPath, Position], lines: int) -> dict[JsonPath, Position]:
    """Positions counted from a section's first line, moved down to where it starts."""
    return {path: Position(at.line + lines, at.column) for path, at in positions.items()}


__all__ = ["SectionCache", "load_in_sections"]
