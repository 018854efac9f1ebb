"""Flags: the rubric's rules (data, in its `flags` section) applied to each proposal.

Red flags are the caps that fired; the others come from each rule's `when` condition,
evaluated on the proposal's fields, the facts the engine derives, criterion levels and
scores. Rules are read in three values (rules.py): a flag fires on what a proposal says,
never on what it leaves out; a rule the open stakes questions or safeguards could make fire
is an open flag, a question the next steps ask and the risk range makes room for.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from scoring.model.features import Features
from scoring.model.rules import RuleTable, severities
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


def flags_for(
    proposals: list[Proposal], features: Features, scores: pd.DataFrame, rubric: Rubric
) -> dict[str, list[Flag]]:
    """Red flags (caps that fired) first, then rule flags by severity. Rules on answers were
    evaluated with the features; only the rules on scores run here."""
    table = RuleTable(
        proposals,
        {},
        {},
        {
            "weakest_dimension": scores[["desirability", "profitability", "feasibility"]]
            .min(axis=1)
            .tolist(),
            "answered_share": scores["answered_share"].tolist(),
        },
    )
    raised = dict(features.raised)
    for rule in rubric.flags:
        if rule.id not in raised:
            raised[rule.id] = severities(rule, table)
    caps_column = scores["caps"].tolist()
    result: dict[str, list[Flag]] = {}
    for index, proposal in enumerate(proposals):
        flags = [
            Flag(cap.id, "red", cap.title, cap.message, cap.playbook)
            for cap_id in str(caps_column[index]).split()
            if (cap := rubric.cap(cap_id)) is not None
        ]
        for rule in rubric.flags:
            severity = raised[rule.id][index]
            if severity is not None:
                flags.append(Flag(rule.id, severity, rule.title, rule.message, rule.playbook))
        flags.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.id))
        result[proposal.id] = flags
    return result


def open_flags(features: Features, rubric: Rubric, row: int) -> list[Flag]:
    """The flags one proposal does not raise but could, once its open stakes questions and
    safeguards are answered, each at the highest severity it could reach, most severe
    first."""
    found = []
    for rule in rubric.flags:
        could = features.could.get(rule.id)  # rules on scores are never open
        severity = None if could is None else could[row]
        if severity is not None and features.raised[rule.id][row] is None:
            found.append(Flag(rule.id, severity, rule.title, rule.message, rule.playbook))
    return sorted(found, key=lambda f: (SEVERITY_ORDER[f.severity], f.id))
