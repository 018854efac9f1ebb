"""Flags: the rubric's rules (data, in its `flags` section) applied to each proposal.

Red flags are the caps that fired; the others come from each rule's `when` condition,
evaluated on the proposal's fields, the facts the engine derives, criterion levels and
scores. A field that is not answered satisfies no comparison except `answered: false` and
`not_in`, so a flag fires on what a proposal says, not on what it leaves out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scoring.model.features import Features, is_answered
from scoring.proposals.proposal import Proposal
from scoring.rubric import Rubric

SEVERITY_ORDER = {"red": 0, "high": 1, "medium": 2, "low": 3}
_MISSING = object()


@dataclass(frozen=True)
class Flag:
    id: str
    severity: str
    title: str
    message: str
    playbook: str


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


def flags_for(proposals: list[Proposal], features: Features, scores: pd.DataFrame,
              rubric: Rubric) -> dict[str, list[Flag]]:
    """Red flags (caps that fired) first, then rule flags by severity."""
    result: dict[str, list[Flag]] = {p.id: [] for p in proposals}
    facts: dict[Any, dict[str, Any]] = features.facts.to_dict("index")  # type: ignore[assignment]
    levels: dict[Any, dict[str, Any]] = features.levels.to_dict("index")  # type: ignore[assignment]
    rows = scores.to_dict("index")
    for proposal in proposals:
        flags = result[proposal.id]
        row = rows[proposal.id]
        for cap_id in str(row["caps"]).split():
            cap = rubric.cap(cap_id)
            if cap:
                flags.append(Flag(cap.id, "red", cap.title, cap.message, cap.playbook))
        context = RuleContext(
            proposal, facts[proposal.id],
            {k: (None if v != v else v) for k, v in levels[proposal.id].items()},
            {"weakest_dimension": min(row["desirability"], row["profitability"],
                                      row["feasibility"]),
             "answered_share": row["answered_share"]},
        )
        for rule in rubric.flags:
            if not rule.when or not holds(rule.when, context):
                continue
            severity = rule.severity
            if rule.escalate and holds(rule.escalate["when"], context):
                severity = rule.escalate["severity"]
            flags.append(Flag(rule.id, severity, rule.title, rule.message, rule.playbook))
        flags.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.id))
    return result
