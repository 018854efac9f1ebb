"""What to do next: the questions that would settle a proposal's placement, and the steps
that would raise its priority.

Both are what-if evaluations with the same code as scoring (``engine.evaluate``) on a copy
of the inputs where one answer changes, computed for every proposal at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from scoring.model.engine import (
    MAX_LEVEL,
    Estimates,
    Inputs,
    criterion_inputs,
    evaluate,
    risk_inputs,
    weights,
    with_column,
    with_risk,
)
from scoring.model.features import Features
from scoring.rubric import Rubric

TOP_SUGGESTIONS = 5
TOP_QUESTIONS = 3
# Extremes used to say what an answer would change: the bottom and top of each scale.
RISK_EXTREMES = (0.0, 100.0)
# Criteria whose stated level 0 trips a cap (engine.cap_conditions: no_decision_or_metric).
ZERO_LEVEL_CAPS = ("decision_named", "business_metric")


@dataclass(frozen=True)
class Question:
    """An unanswered question, how much answering it would narrow the deciding ranges,
    and the state each extreme answer would lead to."""

    kind: str  # "criterion" or "risk"
    id: str
    text: str
    playbook: str
    narrowing: float  # points of range (P25–P75 of impact plus delivery risk) it removes
    if_low: str  # the state if answered at the bottom of its scale
    if_high: str  # the state if answered at the top
    low_label: str
    high_label: str


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "criterion", "answer", "rate", "checklist" or "cap"
    id: str
    text: str
    current: str
    target: str
    gain: float
    playbook: str


def _width(estimates: Estimates, rubric: Rubric) -> np.ndarray:
    low_p, high_p = rubric.uncertainty.placement_percentiles
    return sum(
        estimates.percentile(name, high_p) - estimates.percentile(name, low_p)
        for name in ("impact", "delivery_risk")
    )


def questions_for(
    inputs: Inputs, base: Estimates, rubric: Rubric, ids: list[str]
) -> dict[str, list[Question]]:
    """For each proposal, the unanswered questions that would narrow its placement most."""
    width = _width(base, rubric)
    found: list[tuple[Question, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    prior = rubric.uncertainty.prior
    for column, criterion in enumerate(rubric.criteria):
        unknown = ~inputs.known[:, column]
        if not unknown.any():
            continue
        settled = evaluate(with_column(inputs, column, prior.mean), rubric)
        low = evaluate(with_column(inputs, column, 0.0), rubric)
        high = evaluate(with_column(inputs, column, MAX_LEVEL), rubric)
        low_state = low.state
        if criterion.id in ZERO_LEVEL_CAPS:
            # Answering it at level 0 raises a red flag, which means Reconsider.
            low_state = np.full(len(low_state), "reconsider", dtype=object)
        found.append(
            (
                Question(
                    "criterion",
                    criterion.id,
                    criterion.question,
                    criterion.playbook,
                    0.0,
                    "",
                    "",
                    criterion.scale[0],
                    criterion.scale[-1],
                ),
                unknown,
                width - _width(settled, rubric),
                low_state,
                high.state,
            )
        )
    unknown_value = weights(rubric).unknown_risk
    for column, factor in enumerate(rubric.risk_factors):
        unknown = np.isnan(inputs.risk[:, column])
        if not unknown.any() or factor.kind in ("open_pitfalls", "findings"):
            continue
        settled = evaluate(with_risk(inputs, column, unknown_value), rubric)
        # For risk the bottom of the scale is the good answer: "low" is low risk.
        low = evaluate(with_risk(inputs, column, RISK_EXTREMES[0]), rubric)
        high = evaluate(with_risk(inputs, column, RISK_EXTREMES[1]), rubric)
        found.append(
            (
                Question(
                    "risk",
                    factor.id,
                    factor.question,
                    factor.playbook,
                    0.0,
                    "",
                    "",
                    "no risk",
                    "severe and almost certain",
                ),
                unknown,
                width - _width(settled, rubric),
                low.state,
                high.state,
            )
        )
    result: dict[str, list[Question]] = {}
    for row, pid in enumerate(ids):
        ranked = sorted(
            (
                (q, float(narrow[row]), str(low[row]), str(high[row]))
                for q, unknown, narrow, low, high in found
                if unknown[row]
            ),
            # Questions whose answer can change the state come first, then by narrowing.
            key=lambda item: (item[2] == item[3], -item[1], item[0].id),
        )
        result[pid] = [
            Question(
                q.kind,
                q.id,
                q.text,
                q.playbook,
                round(max(narrow, 0.0), 1),
                low,
                high,
                q.low_label,
                q.high_label,
            )
            for q, narrow, low, high in ranked[:TOP_QUESTIONS]
        ]
    return result


@dataclass
class _Candidate:
    kind: str
    id: str
    text: str
    playbook: str
    gain: np.ndarray
    mask: np.ndarray
    current: list[str]
    target: list[str]


def _level_text(level: float, known: bool) -> str:
    return f"level {level:g}" if known else "unanswered"


def _criterion_candidates(inputs: Inputs, base: np.ndarray, rubric: Rubric) -> list[_Candidate]:
    found = []
    prior = rubric.uncertainty.prior
    for column, criterion in enumerate(rubric.criteria):
        if criterion.kind == "checklist":
            continue
        known = inputs.known[:, column]
        level = inputs.mean[:, column]
        # An unanswered question counts by answering it at the prior (its range closes);
        # an answered one by rising one level.
        raised = np.where(known, np.minimum(np.floor(level) + 1, MAX_LEVEL), prior.mean)
        priority = evaluate(with_column(inputs, column, raised), rubric).priority
        improvable = ~known | (level < MAX_LEVEL)
        if criterion.kind != "evidence":
            improvable = ~known  # computed levels move with their inputs, not directly
        found.append(
            _Candidate(
                "criterion",
                criterion.id,
                criterion.question,
                criterion.playbook,
                np.round(priority - base, 1),
                improvable,
                [_level_text(v, k) for v, k in zip(level, known, strict=True)],
                [f"level {v:g}" if k else "answered" for v, k in zip(raised, known, strict=True)],
            )
        )
    return found


def _risk_candidates(inputs: Inputs, base: np.ndarray, rubric: Rubric) -> list[_Candidate]:
    """Rating a risk factor closes its range: worth doing even when the rating is middling."""
    found = []
    value = weights(rubric).unknown_risk
    for column, factor in enumerate(rubric.risk_factors):
        unknown = np.isnan(inputs.risk[:, column])
        if not unknown.any() or factor.kind in ("open_pitfalls", "findings"):
            continue
        priority = evaluate(with_risk(inputs, column, value), rubric).priority
        count = len(unknown)
        text = (
            "Answer the stakes questions: who is affected, how badly, and what safeguards "
            "are in place"
            if factor.kind == "stakes"
            else f"Rate this risk: {factor.question}"
        )
        found.append(
            _Candidate(
                "rate",
                factor.id,
                text,
                factor.playbook,
                np.round(priority - base, 1),
                unknown,
                ["unrated"] * count,
                ["rated"] * count,
            )
        )
    return found


# Up to this many rows (proposals x open items), the what-ifs of ticking each checklist item
# are computed in one stacked pass: for a single edited proposal under `mkdocs serve`, one
# pass over 40-odd rows instead of 40-odd passes over one row. Beyond it, item by item, so a
# large portfolio never holds that many copies of its answers.
STACK_LIMIT = 4096


def _item_candidates(
    features: Features, inputs: Inputs, base: np.ndarray, rubric: Rubric
) -> list[_Candidate]:
    """Answering one checklist item 'yes' moves the checklist criteria and open-pitfall
    factors that count it; each is recomputed through the same inputs code."""
    items = features.items
    todo = []
    for checklist in rubric.checklists:
        for item in checklist.items:
            key = f"{checklist.id}.{item.id}"
            value = items[key].to_numpy(dtype="float64")
            applicable = features.applicable[key].to_numpy(dtype=bool)
            open_mask = applicable & (np.isnan(value) | (value < 1))
            if open_mask.any():
                todo.append((item, key, value, applicable, open_mask))
    if len(todo) * len(items) <= STACK_LIMIT:
        priorities = _ticked_stacked(
            features,
            inputs,
            rubric,
            [(key, value, applicable) for _, key, value, applicable, _ in todo],
        )
    else:
        priorities = [
            _ticked(features, inputs, rubric, key, value, applicable)
            for _, key, value, applicable, _ in todo
        ]
    return [
        _Candidate(
            "checklist",
            key,
            item.text,
            item.playbook,
            np.round(priority - base, 1),
            open_mask,
            [
                "unknown" if math.isnan(v) else {0.0: "no", 0.5: "partial"}.get(v, "yes")
                for v in value
            ],
            ["yes"] * len(value),
        )
        for (item, key, value, _, open_mask), priority in zip(todo, priorities, strict=True)
    ]


def _ticked(
    features: Features,
    inputs: Inputs,
    rubric: Rubric,
    key: str,
    value: np.ndarray,
    applicable: np.ndarray,
) -> np.ndarray:
    """Every proposal's priority with checklist item ``key`` answered yes."""
    changed = replace(features, items=features.items.copy())
    changed.items[key] = np.where(applicable, 1.0, value)
    mean, sd, known = criterion_inputs(changed, rubric)
    risk, risk_low = risk_inputs(changed, rubric)
    return evaluate(Inputs(mean, sd, known, risk, risk_low, inputs.conditions), rubric).priority


def _ticked_stacked(
    features: Features,
    inputs: Inputs,
    rubric: Rubric,
    todo: list[tuple[str, np.ndarray, np.ndarray]],
) -> list[np.ndarray]:
    """``_ticked`` for each item at once: the portfolio repeated once per item, each copy
    with its item ticked, through the same inputs code (every row is scored on its own)."""
    k, n = len(todo), len(features.items)
    if k == 0:
        return []

    def tiled(frame: Any) -> Any:
        return pd.concat([frame] * k, ignore_index=True)

    items = tiled(features.items)
    for copy, (key, value, applicable) in enumerate(todo):
        items.iloc[copy * n : (copy + 1) * n, items.columns.get_loc(key)] = np.where(
            applicable, 1.0, value
        )
    changed = replace(
        features,
        levels=tiled(features.levels),
        level_sd=tiled(features.level_sd),
        items=items,
        applicable=tiled(features.applicable),
        risk=tiled(features.risk),
        stakes=features.stakes * k,
        facts=tiled(features.facts),
        findings=tiled(features.findings),
        raised={rule: severities * k for rule, severities in features.raised.items()},
    )
    mean, sd, known = criterion_inputs(changed, rubric)
    risk, risk_low = risk_inputs(changed, rubric)
    conditions = {cap: np.tile(hit, k) for cap, hit in inputs.conditions.items()}
    priority = evaluate(Inputs(mean, sd, known, risk, risk_low, conditions), rubric).priority
    return list(priority.reshape(k, n))


def _cap_candidates(inputs: Inputs, base: np.ndarray, rubric: Rubric) -> list[_Candidate]:
    """A red flag caps a score whatever else improves, so fixing it is often the step worth
    most: its gain is the priority without that cap."""
    found = []
    for cap in rubric.caps:
        hit = inputs.conditions[cap.id]
        if not hit.any():
            continue
        lifted = inputs.copy()
        lifted.conditions = {**inputs.conditions, cap.id: np.zeros_like(hit)}
        priority = evaluate(lifted, rubric).priority
        count = len(hit)
        found.append(
            _Candidate(
                "cap",
                cap.id,
                f"Resolve the red flag: {cap.title.lower()}",
                cap.playbook,
                np.round(priority - base, 1),
                hit,
                ["red flag"] * count,
                ["resolved"] * count,
            )
        )
    return found


def suggestions_for(
    features: Features, inputs: Inputs, base: Estimates, rubric: Rubric
) -> dict[str, list[Suggestion]]:
    """For each proposal, the steps that would raise its priority most: improving an
    answer, answering or rating what is unknown (its range closes), ticking a checklist
    item, or resolving a red flag."""
    ids = [str(pid) for pid in features.levels.index]
    if not ids:
        return {}
    candidates = sorted(
        _criterion_candidates(inputs, base.priority, rubric)
        + _risk_candidates(inputs, base.priority, rubric)
        + _item_candidates(features, inputs, base.priority, rubric)
        + _cap_candidates(inputs, base.priority, rubric),
        key=lambda c: c.id,
    )
    if not candidates:
        return {pid: [] for pid in ids}
    gains = np.column_stack([np.where(c.mask & (c.gain > 0), c.gain, -np.inf) for c in candidates])
    # Stable sort on descending gain keeps ties in id order.
    order = np.argsort(-gains, axis=1, kind="stable")[:, :TOP_SUGGESTIONS]
    result: dict[str, list[Suggestion]] = {}
    for row, pid in enumerate(ids):
        picked = []
        for column in order[row]:
            gain = gains[row, column]
            if not np.isfinite(gain):
                break
            c = candidates[column]
            kind = "answer" if c.kind == "criterion" and c.current[row] == "unanswered" else c.kind
            picked.append(
                Suggestion(
                    kind, c.id, c.text, c.current[row], c.target[row], float(gain), c.playbook
                )
            )
        result[pid] = picked
    return result
