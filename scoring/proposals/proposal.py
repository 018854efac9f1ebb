"""A proposal as the scoring model sees it, and the result of loading a folder of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scoring.sources.problems import Problem

STAGES = ("idea", "proposed", "approved", "incubating", "pilot", "production", "retired",
          "rejected", "not_reported")
INACTIVE_STAGES = ("retired", "rejected")


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

    def get(self, dotted: str) -> Any:
        """The value at a dotted path such as ``data.split_plan``, or None when unanswered."""
        value: Any = self.fields
        for part in dotted.split("."):
            if not isinstance(value, Mapping) or part not in value:
                return None
            value = value[part]
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
        return [p for bad in self.invalid for p in bad.problems]
