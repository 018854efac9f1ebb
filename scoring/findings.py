"""Flags (rule-based findings) and "what would raise this score" suggestions."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .engine import score
from .features import Features
from .rubric import Rubric

SEVERITY_ORDER = {"red": 0, "high": 1, "medium": 2, "low": 3}
TOP_SUGGESTIONS = 5


@dataclass(frozen=True)
class Flag:
    id: str
    severity: str
    title: str
    message: str
    playbook: str


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "criterion" or "checklist"
    id: str
    text: str
    current: str
    target: str
    gain: float
    playbook: str


def flag_conditions(features: Features, scores: pd.DataFrame) -> dict[str, pd.Series]:
    facts = features.facts
    levels = features.levels
    beats = levels["beats_baseline"] if "beats_baseline" in levels else pd.Series(
        np.nan, index=levels.index)
    return {
        "one_person_team": facts["roles_given"].astype(bool) & (facts["distinct_people"] <= 1),
        "no_baseline": beats.fillna(0.0) <= 0,
        "no_online_plan": ~facts["has_online_plan"].astype(bool),
        "personal_data_without_review": facts["personal_data"].astype(bool)
        & ~facts["privacy_review"].isin(["done", "planned", "not-needed"]),
        "no_labels_no_plan": (facts["labels"] == "none")
        & ~facts["has_labelling_plan"].astype(bool),
        "llm_without_evaluation_set": facts["uses_llm"].astype(bool)
        & ~facts["has_golden_set"].astype(bool),
        "no_sponsor": ~facts["has_sponsor"].astype(bool),
        "no_domain_expert": facts["roles_given"].astype(bool) & ~facts["has_sme"].astype(bool),
        "affected_groups_not_evaluated": (facts["affected_groups"] > 0)
        & (facts["results_by_group"] != "yes"),
        "weakest_link": scores[["desirability", "profitability", "feasibility"]].min(axis=1) < 25,
        "thin_evidence": scores["confidence"] < 0.5,
    }


def flags_for(features: Features, scores: pd.DataFrame, rubric: Rubric) -> dict[str, list[Flag]]:
    """Red flags (caps that fired) first, then rule flags by severity."""
    result: dict[str, list[Flag]] = {pid: [] for pid in scores.index}
    for pid, caps in scores["caps"].items():
        for cap_id in str(caps).split():
            cap = rubric.cap(cap_id)
            if cap:
                result[str(pid)].append(Flag(cap.id, "red", cap.title, cap.message, cap.playbook))
    conditions = flag_conditions(features, scores)
    for rule in rubric.flags:
        hits = conditions[rule.id]
        for pid in hits.index[hits.to_numpy(dtype=bool)]:
            result[str(pid)].append(Flag(rule.id, rule.severity, rule.title, rule.message,
                                         rule.playbook))
    for flags in result.values():
        flags.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.id))
    return result


def _level_text(level: float) -> str:
    return "unanswered" if math.isnan(level) else f"level {level:g}"


def suggestions_for(features: Features, scores: pd.DataFrame,
                    rubric: Rubric) -> dict[str, list[Suggestion]]:
    """For each proposal, the open items whose improvement would raise priority most.

    Each candidate is re-scored for every proposal at once: raise one criterion by one
    level, or answer one checklist item 'yes', and measure the change in priority.
    """
    base = scores["priority"]
    candidates: dict[str, list[Suggestion]] = {pid: [] for pid in scores.index}

    def collect(kind: str, key: str, text: str, playbook: str, changed: Features,
                current: pd.Series, target: pd.Series, mask: pd.Series) -> None:
        gain = (score(changed, rubric)["priority"] - base).round(1)
        useful = mask & (gain > 0)
        for pid in gain.index[useful.to_numpy(dtype=bool)]:
            candidates[str(pid)].append(Suggestion(kind, key, text, current[pid], target[pid],
                                                   float(gain[pid]), playbook))

    for criterion in rubric.criteria:
        if criterion.kind != "evidence":
            continue
        column = features.levels[criterion.id]
        raised = np.where(column.isna(), 1.0, np.minimum(np.floor(column) + 1, 4.0))
        levels = features.levels.copy()
        levels[criterion.id] = raised
        changed = dataclasses.replace(features, levels=levels)
        collect("criterion", criterion.id, criterion.question, criterion.playbook, changed,
                column.map(_level_text), pd.Series(raised, index=column.index).map(_level_text),
                column.isna() | (column < 4))
    for checklist in rubric.checklists:
        for item in checklist.items:
            key = f"{checklist.id}.{item.id}"
            column = features.items[key]
            open_mask = features.applicable[key] & (column.isna() | (column < 1))
            if not open_mask.any():
                continue
            items = features.items.copy()
            items[key] = 1.0
            changed = dataclasses.replace(features, items=items)
            current = column.map(lambda v: "unknown" if math.isnan(v)
                                 else {0.0: "no", 0.5: "partial"}.get(v, "yes"))
            collect("checklist", key, item.text, item.playbook, changed, current,
                    pd.Series("yes", index=column.index), open_mask)
    return {
        pid: sorted(found, key=lambda s: (-s.gain, s.id))[:TOP_SUGGESTIONS]
        for pid, found in candidates.items()
    }
