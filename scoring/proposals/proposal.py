"""A proposal as the scoring model sees it, and the result of loading a folder of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from scoring.sources.problems import Problem

STAGES = ("idea", "proposed", "approved", "incubating", "pilot", "production", "retired",
          "rejected", "not_reported")
INACTIVE_STAGES = ("retired", "rejected")


@lru_cache(maxsize=1024)
def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
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
    line_of: Mapping[str, int] = field(repr=False, default_factory=dict)
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


@dataclass
class Intake:
    """Everything found: valid proposals and every invalid file with its problems."""

    proposals: list[Proposal] = field(default_factory=list)
    invalid: list[InvalidFile] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        """Every problem: those of invalid files, then the warnings about valid ones."""
        return [*(p for bad in self.invalid for p in bad.problems),
                *(w for proposal in self.proposals for w in proposal.warnings)]

    @property
    def hints(self) -> list[Problem]:
        """Style hints on valid proposals (invalid files list theirs among their problems)."""
        return [h for proposal in self.proposals for h in proposal.hints]
