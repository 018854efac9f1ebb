"""A proposal as the scoring model sees it, and the result of loading a folder of them."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

from scoring.sources.problems import Problem

STAGES = (
    "idea",
    "proposed",
    "approved",
    "incubating",
    "pilot",
    "production",
    "retired",
    "rejected",
    "not_reported",
)
INACTIVE_STAGES = ("retired", "rejected")


@lru_cache(maxsize=1024)
def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


class LineMap(Mapping[str, int]):
    """Where each field starts: dotted path (``data.sources.0.name``) → line.

    A build keeps every proposal's map, dozens of entries each, for error messages: as a
    dict of strings that was most of a loaded proposal's memory. Here each path is a number
    in one table shared by all maps (the same paths recur in every file), and a map is two
    arrays of numbers, a fraction of that. The table only grows, by one entry for each path never
    seen before in the process: bounded by the input, as the loaded data is.
    """

    __slots__ = ("_ids", "_lines")
    _numbers: ClassVar[dict[str, int]] = {}
    _names: ClassVar[list[str]] = []

    _path_numbers: ClassVar[dict[tuple[str | int, ...], int]] = {}

    def __init__(self, lines: Mapping[str, int] | Iterable[tuple[str, int]] = ()) -> None:
        pairs = lines.items() if isinstance(lines, Mapping) else lines
        # A dict first: the last of two equal paths wins, as in a dict of the pairs.
        self._fill({self.number(name): line for name, line in pairs})

    def _fill(self, numbered: dict[int, int]) -> None:
        ordered = sorted(numbered)
        self._ids = array("I", ordered)
        self._lines = array("I", [numbered[i] for i in ordered])  # a list: sized exactly

    @classmethod
    def of_paths(cls, lines: Iterable[tuple[tuple[str | int, ...], int]]) -> LineMap:
        """From (JSON path, line) pairs, as the YAML loader records them; a path's dotted
        name is joined once per process, not once per file."""
        known = cls._path_numbers
        numbered: dict[int, int] = {}
        for path, line in lines:
            number = known.get(path)
            if number is None:
                number = known[path] = cls.number(".".join(str(p) for p in path))
            numbered[number] = line
        made = cls.__new__(cls)
        made._fill(numbered)
        return made

    @classmethod
    def number(cls, name: str) -> int:
        """The shared number of a dotted path, given one on first sight."""
        found = cls._numbers.get(name)
        if found is None:
            found = cls._numbers[name] = len(cls._names)
            cls._names.append(name)
        return found

    def _at(self, name: str) -> int:
        number = self._numbers.get(name) if isinstance(name, str) else None
        if number is not None:
            index = bisect_left(self._ids, number)
            if index < len(self._ids) and self._ids[index] == number:
                return index
        return -1

    def __getitem__(self, name: str) -> int:
        index = self._at(name)
        if index < 0:
            raise KeyError(name)
        return self._lines[index]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._at(name) >= 0

    def __iter__(self) -> Iterator[str]:
        return (self._names[i] for i in self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        return f"LineMap({dict(self)!r})"


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True, slots=True)  # slots: thousands are held for a whole build
class Proposal:
    """A valid proposal. ``fields`` keeps the whole validated mapping for rule lookups."""

    id: str
    file: str
    title: str
    summary: str
    team: str
    stage: str
    owner: str | None
    sponsor: str | None
    tags: tuple[str, ...]
    links: tuple[Link, ...]
    fields: Mapping[str, Any] = field(repr=False)
    line_of: Mapping[str, int] = field(repr=False, default_factory=LineMap)
    # Style hints ("info" problems) that do not make the file invalid, for `validate`.
    hints: tuple[Problem, ...] = field(repr=False, default=(), compare=False)
    warnings: tuple[Problem, ...] = field(repr=False, default=())  # e.g. hidden characters

    def get(self, dotted: str) -> Any:
        """The value at a dotted path such as ``data.split_plan``, or None when unanswered."""
        value: Any = self.fields
        # Called for every rule and criterion of every proposal: plain dicts (what the
        # loader builds) take the fast path.
        for part in _parts(dotted):
            if type(value) is dict or isinstance(value, Mapping):
                value = value.get(part)
            else:
                return None
            if value is None:
                return None
        return value


@dataclass(frozen=True)
class InvalidFile:
    file: str
    id: str
    problems: tuple[Problem, ...]
    # For a file `sweetspot import` wrote: "row N of FILE", from its `source` (the intake
    # page says which inventory row to fix), read with the file, never again at render time.
    imported_from: str | None = None
    # Its `org` as written, read with the file too, so `score --org` keeps its problems.
    org: tuple[str, ...] = ()


@dataclass
class Intake:
    """Everything found: valid proposals and every invalid file with its problems."""

    proposals: list[Proposal] = field(default_factory=list)
    invalid: list[InvalidFile] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        """Every problem: those of invalid files, then the warnings about valid ones."""
        return [
            *(p for bad in self.invalid for p in bad.problems),
            *(w for proposal in self.proposals for w in proposal.warnings),
        ]

    @property
    def hints(self) -> list[Problem]:
        """Style hints on valid proposals (invalid files list theirs among their problems)."""
        return [h for proposal in self.proposals for h in proposal.hints]
