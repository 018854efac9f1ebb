"""Assemble the full, explained result for every proposal: the engine's public entry point."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from scoring.model.engine import (
    MAX_LEVEL,
    MAX_RISK,
    SCORE_COLUMNS,
    raw_scores,
    rounded,
    score_from,
)
from scoring.model.features import (
    ANSWER_VALUE,
    Features,
    distinct_people,
    evidence_level,
    extract,
    filled_roles,
    is_answered,
    money_figures,
)
from scoring.model.findings import Flag, Suggestion, flags_for, suggestions_for
from scoring.proposals.proposal import Intake, Proposal
from scoring.rubric import Cap, Rubric


@dataclass(frozen=True)
class BreakdownRow:
    criterion_id: str
    dimension: str
    question: str
    answer: str | None
    level: float | None
    level_label: str
    basis: str  # "evidence", "asserted", "computed" or "unanswered"
    note: str | None
    weight: float
    contribution: float
    playbook: str


@dataclass(frozen=True)
class RiskRow:
    factor_id: str
    question: str
    severity: int | None
    likelihood: int | None
    value: float
    assumed: bool
    note: str | None
    weight: float
    contribution: float
    playbook: str


@dataclass(frozen=True)
class ChecklistItemStatus:
    id: str
    text: str
    answer: str
    playbook: str


@dataclass(frozen=True)
class ChecklistStatus:
    id: str
    title: str
    items: tuple[ChecklistItemStatus, ...]
    done: float
    applicable: int

    @property
    def completion(self) -> float | None:
        return None if self.applicable == 0 else round(self.done / self.applicable, 2)


@dataclass
class ScoreCard:
    """One proposal's result. The explanation tables are built on first use: a site needs
    them for every page, but scoring a large portfolio for a summary does not."""

    proposal: Proposal
    scores: dict[str, float]
    confidence: dict[str, float]
    priority: float
    impact: float
    delivery_risk: float
    quadrant: str
    weakest: str
    caps: tuple[Cap, ...]
    flags: tuple[Flag, ...]
    suggestions: tuple[Suggestion, ...]
    roi: float | None
    payback_months: float | None
    rubric: Rubric = field(repr=False, compare=False)
    levels: dict[str, float] = field(repr=False, compare=False)
    risk_values: dict[str, float] = field(repr=False, compare=False)

    @cached_property
    def breakdown(self) -> tuple[BreakdownRow, ...]:
        checklist_levels = {c.id: self.levels[c.id] for c in self.rubric.criteria
                            if c.kind == "checklist"}
        return _breakdown(self.proposal, self.rubric, self.levels, checklist_levels)

    @cached_property
    def risks(self) -> tuple[RiskRow, ...]:
        return _risks(self.proposal, self.rubric, self.risk_values)

    @cached_property
    def checklists(self) -> tuple[ChecklistStatus, ...]:
        return _checklists(self.proposal, self.rubric)


@dataclass
class ScoredPortfolio:
    rubric: Rubric
    intake: Intake
    cards: list[ScoreCard]
    frame: pd.DataFrame  # one row per valid proposal: metadata, money and scores

    def card(self, proposal_id: str) -> ScoreCard | None:
        return self._by_id.get(proposal_id)

    @cached_property
    def _by_id(self) -> dict[str, ScoreCard]:
        return {card.proposal.id: card for card in self.cards}


def describe(value: Any) -> str | None:
    """A short, readable rendering of a proposal answer for the breakdown table."""
    if not is_answered(value):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {describe(v)}" for k, v in value.items()
                         if is_answered(v))
    if isinstance(value, list):
        return ", ".join(describe(v) or "" for v in value)
    return str(value)


def _breakdown(proposal: Proposal, rubric: Rubric, levels: dict[str, float],
               checklist_levels: dict[str, float]) -> tuple[BreakdownRow, ...]:
    rows = []
    labels = {lv.level: lv.label for lv in rubric.levels}
    for dimension in ("desirability", "profitability", "feasibility"):
        criteria = rubric.criteria_for(dimension)
        total = sum(c.weight for c in criteria) or 1.0
        for criterion in criteria:
            level = checklist_levels.get(criterion.id, levels.get(criterion.id, math.nan))
            note = None
            if criterion.kind == "evidence":
                stated, note = evidence_level(proposal, criterion.id)
                basis = "evidence" if stated is not None else "asserted"
            else:
                basis = "computed"
            if level is None or math.isnan(level):
                level_value = None
                basis = "unanswered"
                label = "Unanswered"
            else:
                level_value = round(float(level), 1)
                # Computed levels can be fractional: describe them by the nearest anchor.
                label = criterion.scale[min(4, round(level))] if criterion.kind != "evidence" \
                    else labels.get(round(level), "")
                if criterion.kind in ("roi", "payback") and rubric.low_confidence_penalty and (
                        (proposal.get("value") or {}).get("confidence") == "low"):
                    label += f" (lowered {rubric.low_confidence_penalty} level for a " \
                             "low-confidence estimate)"
            contribution = 0.0 if level_value is None else (
                criterion.weight * level_value / (MAX_LEVEL * total) * 100)
            answer = _computed_answer(proposal, rubric, criterion.kind) or describe(
                proposal.get(criterion.answer))
            rows.append(BreakdownRow(criterion.id, dimension, criterion.question, answer,
                                     level_value, label, basis, note, criterion.weight,
                                     round(contribution, 1), criterion.playbook))
    return tuple(rows)


def _computed_answer(proposal: Proposal, rubric: Rubric, kind: str) -> str | None:
    """What a computed criterion was computed from, in words a reader can check."""
    if kind == "checklist":
        return "from the checklists below"
    if kind == "team_coverage":
        roles = filled_roles(proposal)
        people = distinct_people(roles)
        return f"{len(roles)} of 7 roles filled by {people} people" if roles else None
    if kind in ("roi", "payback"):
        figures = money_figures(proposal, rubric)
        if figures["roi"] is None:
            return None
        confidence = (proposal.get("value") or {}).get("confidence")
        note = " (low-confidence estimate)" if confidence == "low" else ""
        if kind == "roi":
            roi = figures["roi"]
            text = "no cost given" if roi == float("inf") else f"{roi:.2f}"
            return f"return over {rubric.roi_horizon_years:g} years: {text}{note}"
        months = figures["payback_months"]
        text = "never" if months is None or months == float("inf") else f"{months:.1f} months"
        return f"payback: {text}{note}"
    return None


def _risks(proposal: Proposal, rubric: Rubric, values: dict[str, float]) -> tuple[RiskRow, ...]:
    factors = proposal.get("risks.factors") or {}
    total = sum(f.weight for f in rubric.risk_factors) or 1.0
    rows = []
    for factor in rubric.risk_factors:
        rated = factors.get(factor.id)
        value = float(values[factor.id])
        rows.append(RiskRow(
            factor.id, factor.question,
            rated["severity"] if rated else None,
            rated["likelihood"] if rated else None,
            round(value, 1),
            assumed=factor.kind == "rated" and rated is None,
            note=rated.get("note") if rated else None,
            weight=factor.weight,
            contribution=round(factor.weight * value / (MAX_RISK * total) * 100, 1),
            playbook=factor.playbook,
        ))
    return tuple(rows)


def _checklists(proposal: Proposal, rubric: Rubric) -> tuple[ChecklistStatus, ...]:
    answers = proposal.get("checklists") or {}
    result = []
    for checklist in rubric.checklists:
        given = answers.get(checklist.id) or {}
        items = tuple(ChecklistItemStatus(item.id, item.text, given.get(item.id, "unknown"),
                                          item.playbook) for item in checklist.items)
        applicable = [i for i in items if i.answer != "n/a"]
        done = sum(ANSWER_VALUE.get(i.answer, 0.0) for i in applicable)
        result.append(ChecklistStatus(checklist.id, checklist.title, items, done,
                                      len(applicable)))
    return tuple(result)


def _frame(proposals: Sequence[Proposal], scores: pd.DataFrame,
           money: dict[str, dict[str, float | None]]) -> pd.DataFrame:
    meta = pd.DataFrame(
        [{
            "id": p.id,
            "title": p.title,
            "team": p.team,
            "stage": p.stage,
            "owner": p.owner or "",
            "sponsor": p.sponsor or "",
            "tags": " ".join(p.tags),
            "currency": (p.get("value.currency") or ""),
            "annual_value": p.get("value.annual_value"),
            "one_off_cost": p.get("value.one_off_cost"),
            "annual_running_cost": p.get("value.annual_running_cost"),
            "roi": _finite(money[p.id]["roi"]),
            "payback_months": _finite(money[p.id]["payback_months"]),
            "file": p.file,
        } for p in proposals],
        columns=["id", "title", "team", "stage", "owner", "sponsor", "tags", "currency",
                 "annual_value", "one_off_cost", "annual_running_cost", "roi",
                 "payback_months", "file"],
    ).set_index("id")
    for column in ("annual_value", "one_off_cost", "annual_running_cost", "roi",
                   "payback_months"):
        meta[column] = pd.to_numeric(meta[column], errors="coerce").astype("float64")
    meta["roi"] = meta["roi"].round(2)
    meta["payback_months"] = meta["payback_months"].round(1)
    return meta.join(scores)


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isinf(value) else value


def score_intake(intake: Intake, rubric: Rubric) -> ScoredPortfolio:
    """Score every valid proposal in an intake and explain each number."""
    proposals = sorted(intake.proposals, key=lambda p: p.id)
    features: Features = extract(proposals, rubric)
    raw = raw_scores(features, rubric)
    scores = rounded(score_from(raw, features, rubric))
    flags = flags_for(features, scores, rubric)
    suggestions = suggestions_for(features, raw, rubric)
    levels, risks = raw.levels, raw.risk_values
    money = {p.id: money_figures(p, rubric) for p in proposals}
    caps_by_id = {c.id: c for c in rubric.caps}
    # Whole-frame conversions once; per-row .loc lookups cost more than the scoring itself.
    rows = scores.to_dict("index")
    level_rows = levels.to_dict("index")
    risk_rows = risks.to_dict("index")
    cards = []
    for proposal in proposals:
        row = rows[proposal.id]
        cards.append(ScoreCard(
            proposal=proposal,
            scores={d: float(row[d]) for d in SCORE_COLUMNS},
            confidence={d: float(row[f"{d}_confidence"]) for d in SCORE_COLUMNS},
            priority=float(row["priority"]),
            impact=float(row["impact"]),
            delivery_risk=float(row["delivery_risk"]),
            quadrant=str(row["quadrant"]),
            weakest=str(row["weakest"]),
            caps=tuple(caps_by_id[c] for c in str(row["caps"]).split()),
            flags=tuple(flags[proposal.id]),
            suggestions=tuple(suggestions[proposal.id]),
            roi=money[proposal.id]["roi"],
            payback_months=money[proposal.id]["payback_months"],
            rubric=rubric,
            levels={str(k): float(v) for k, v in level_rows[proposal.id].items()},
            risk_values={str(k): float(v) for k, v in risk_rows[proposal.id].items()},
        ))
    frame = _frame(proposals, scores, money)
    frame["flags"] = [" ".join(f.id for f in flags[p.id]) for p in proposals]
    return ScoredPortfolio(rubric, intake, cards, frame)
