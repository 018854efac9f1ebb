"""Flags: the rubric's rules (data, in its `flags` section) applied to each proposal.

Red flags are the caps that fired; the others come from each rule's `when` condition,
evaluated on the proposal's fields, the facts the engine derives, criterion levels and
scores. A field that is not answered satisfies no comparison except `answered: false` and
`not_in`, so a flag fires on what a proposal says, not on what it leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from scoring.model.features import Features
from scoring.model.rules import RuleContext, severity_of
from scoring.proposals.proposal import Proposal
from scoring.rubric import Rubric

SEVERITY_ORDER = {"red": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True)
class Flag:
    id: str
    severity: str
    title: str
    message: str
    playbook: str


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
            severity = severity_of(rule, context)
            if severity is not None:
                flags.append(Flag(rule.id, severity, rule.title, rule.message,
                                  rule.playbook))
        flags.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.id))
    return result
