"""The rubric's flag rules, as data: evaluate `when` conditions for a whole portfolio at once.

A leaf tests a proposal field (`field`), a fact the engine derives (`fact`), a criterion's
level (`level`) or a score (`score`) with `equals`, `in`, `not_in`, `below`, `at_least` or
`answered`. A value that is not answered satisfies no comparison except `answered: false`
and `not_in`, so a rule fires on what a proposal says, not on what it leaves out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from scoring.proposals.proposal import Proposal
from scoring.rubric import FlagRule

SEVERITY_POINTS = {"red": 100.0, "high": 75.0, "medium": 50.0, "low": 25.0}


def is_answered(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, dict, tuple)):
        return len(value) > 0
    return True


def _hashable(value: Any) -> bool:
    return not isinstance(value, (list, dict, set))


def uses_scores(condition: Mapping[str, Any]) -> bool:
    """Whether a rule looks at scores (so it can only run after scoring)."""
    if "score" in condition:
        return True
    return any(uses_scores(part) for key in ("all", "any") for part in condition.get(key, ()))


class RuleTable:
    """The values rules test, one column per leaf, one row per proposal: rules are then
    evaluated for the whole portfolio at once, each proposal field read once."""

    def __init__(
        self,
        proposals: Sequence[Proposal],
        facts: Mapping[str, Sequence[Any]],
        levels: Mapping[str, Sequence[Any]],
        scores: Mapping[str, Sequence[float]] | None = None,
    ) -> None:
        self.proposals = proposals
        self.facts = facts
        self.levels = levels
        self.scores = scores or {}
        self._values: dict[tuple[str, str], list[Any]] = {}
        self._known: dict[tuple[str, str], np.ndarray] = {}

    def values(self, leaf: Mapping[str, Any]) -> tuple[list[Any], np.ndarray]:
        for kind in ("field", "fact", "level", "score"):
            if kind in leaf:
                key = (kind, str(leaf[kind]))
                break
        else:
            key = ("none", "")
        if key not in self._values:
            kind, name = key
            if kind == "field":
                column = [p.get(name) for p in self.proposals]
            elif kind == "fact":
                column = list(self.facts.get(name, [None] * len(self.proposals)))
            elif kind == "level":
                column = [
                    None if v is None or v != v else v
                    for v in self.levels.get(name, [None] * len(self.proposals))
                ]
            elif kind == "score":
                column = list(self.scores.get(name, [None] * len(self.proposals)))
            else:
                column = [None] * len(self.proposals)
            self._values[key] = column
            self._known[key] = np.fromiter(
                (is_answered(v) for v in column), dtype=bool, count=len(column)
            )
        return self._values[key], self._known[key]


def holds_for(condition: Mapping[str, Any], table: RuleTable) -> np.ndarray:
    """Which proposals satisfy a condition: the vectorised form of ``holds``."""
    n = len(table.proposals)
    if "all" in condition:
        result = np.ones(n, dtype=bool)
        for part in condition["all"]:
            result &= holds_for(part, table)
        return result
    if "any" in condition:
        result = np.zeros(n, dtype=bool)
        for part in condition["any"]:
            result |= holds_for(part, table)
        return result
    values, known = table.values(condition)
    result = np.ones(n, dtype=bool)

    def each(test: Any) -> np.ndarray:
        return np.fromiter((test(v) for v in values), dtype=bool, count=n)

    def member(options: list[Any]) -> np.ndarray:
        # A value matches when its kind (yes/no or not) and its value both match, so true
        # never matches 1; unhashable values (lists, mappings) match nothing.
        wanted = {(type(o) is bool, o) for o in options if _hashable(o)}  # schema: scalars
        return np.array(
            [_hashable(v) and (type(v) is bool, v) in wanted for v in values], dtype=bool
        )

    if "answered" in condition:
        result &= known == condition["answered"]
    if "equals" in condition:
        result &= known & member([condition["equals"]])
    if "in" in condition:
        result &= known & member(condition["in"])
    if "not_in" in condition:
        result &= ~(known & member(condition["not_in"]))
    for key, compare in (("below", float.__lt__), ("at_least", float.__ge__)):
        if key in condition:
            limit = float(condition[key])
            result &= each(
                lambda v, c=compare, lim=limit: (
                    isinstance(v, (int, float)) and not isinstance(v, bool) and c(float(v), lim)
                )
            )
    return result


def severities(rule: FlagRule, table: RuleTable) -> list[str | None]:
    """Each proposal's severity for a rule, or None where it does not fire."""
    if not rule.when:
        return [None] * len(table.proposals)
    fires = holds_for(rule.when, table)
    if not rule.escalate:
        return [rule.severity if hit else None for hit in fires]
    escalated = holds_for(rule.escalate["when"], table)
    higher = str(rule.escalate["severity"])
    return [
        None if not hit else (higher if up else rule.severity)
        for hit, up in zip(fires, escalated, strict=True)
    ]
