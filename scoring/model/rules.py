"""The rubric's flag rules, as data: evaluate a `when` condition against one proposal.

A leaf tests a proposal field (`field`), a fact the engine derives (`fact`), a criterion's
level (`level`) or a score (`score`) with `equals`, `in`, `not_in`, `below`, `at_least` or
`answered`. A value that is not answered satisfies no comparison except `answered: false`
and `not_in`, so a rule fires on what a proposal says, not on what it leaves out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class RuleContext:
    proposal: Proposal
    facts: Mapping[str, Any]
    levels: Mapping[str, float | None]
    scores: Mapping[str, float]

    def value(self, leaf: Mapping[str, Any]) -> Any:
        if "field" in leaf:
            return self.proposal.get(leaf["field"])
        if "fact" in leaf:
            return self.facts.get(leaf["fact"])
        if "level" in leaf:
            return self.levels.get(leaf["level"])
        if "score" in leaf:
            return self.scores.get(leaf["score"])
        return None


def _same(value: Any, expected: Any) -> bool:
    # true == 1 in Python; a yes/no rule must not match a number, nor a number a boolean.
    if isinstance(expected, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value == expected
    return bool(value == expected)


def holds(condition: Mapping[str, Any], context: RuleContext) -> bool:
    if "all" in condition:
        return all(holds(part, context) for part in condition["all"])
    if "any" in condition:
        return any(holds(part, context) for part in condition["any"])
    value = context.value(condition)
    known = is_answered(value)
    result = True
    if "answered" in condition:
        result = result and known == condition["answered"]
    if "equals" in condition:
        result = result and known and _same(value, condition["equals"])
    if "in" in condition:
        result = result and known and any(_same(value, v) for v in condition["in"])
    if "not_in" in condition:
        result = result and not (known and any(_same(value, v) for v in condition["not_in"]))
    for key, compare in (("below", float.__lt__), ("at_least", float.__ge__)):
        if key in condition:
            number = value if isinstance(value, (int, float)) and not isinstance(
                value, bool) else None
            result = result and number is not None and compare(float(number),
                                                               float(condition[key]))
    return result


def uses_scores(condition: Mapping[str, Any]) -> bool:
    """Whether a rule looks at scores (so it can only run after scoring)."""
    if "score" in condition:
        return True
    return any(uses_scores(part) for key in ("all", "any") for part in condition.get(key, ()))


def severity_of(rule: FlagRule, context: RuleContext) -> str | None:
    """The rule's severity for this proposal, or None when it does not fire."""
    if not rule.when or not holds(rule.when, context):
        return None
    if rule.escalate and holds(rule.escalate["when"], context):
        return str(rule.escalate["severity"])
    return rule.severity
