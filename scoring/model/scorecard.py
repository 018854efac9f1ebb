"""Assemble the full, explained result for every proposal: the engine's public entry point."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

from scoring.model.actions import Question, Suggestion, questions_for, suggestions_for
from scoring.model.collector import inputs_held
from scoring.model.decisions import decision_columns
from scoring.model.engine import (
    MAX_LEVEL,
    SCORE_COLUMNS,
    Estimates,
    Inputs,
    build_inputs,
    evaluate,
    rounded,
    score_frame,
    weights,
)
from scoring.model.features import (
    ANSWER_VALUE,
    Features,
    checklist_answer,
    distinct_people,
    evidence_level,
    extract,
    filled_roles,
    is_answered,
    money_figures,
)
from scoring.model.findings import SEVERITY_ORDER, Flag, flags_for
from scoring.model.money import MoneyEstimate, money_estimate
from scoring.model.obligations import (
    ComplianceContext,
    RegimeCompliance,
    assess,
    default_context,
    obligation_flags,
    worst_state,
)
from scoring.model.riskstory import RiskStory, risk_story
from scoring.model.stakes import StakesAssessment
from scoring.model.suggestion import ClassSuggestion
from scoring.proposals.proposal import Intake, Proposal
from scoring.rubric import NEEDS_INFORMATION, Cap, Rubric

if TYPE_CHECKING:
    from scoring.model.decisions import DecisionRegister, Ledger


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
    contribution: float  # points of the dimension; for an unanswered one, at the prior
    playbook: str


@dataclass(frozen=True)
class RiskRow:
    factor_id: str
    question: str
    severity: int | None
    likelihood: int | None
    value: float  # risk points 0–100 (severity x likelihood / 16 x 100)
    assumed: bool  # unrated: counted at the rubric's neutral value
    note: str | None
    weight: float
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
    # The engine's four scores. Its "risk" is the risk-factor score (all factors, worst
    # first), an ingredient of delivery risk, published as "risk_factors"; Risk on every
    # surface is ``risk`` below, the stakes figure.
    scores: dict[str, float]
    confidence: dict[str, float]
    priority: float
    impact: float
    delivery_risk: float
    state: str  # a quadrant, or "needs_information" when the ranges straddle a threshold
    quadrant: str  # the quadrant of the estimates themselves, whatever their ranges
    ranges: dict[str, tuple[float, float]]  # P10–P90 of scores, impact, delivery risk
    placement: dict[str, tuple[float, float]]  # P25–P75 of impact and delivery risk
    weakest: str
    caps: tuple[Cap, ...]
    flags: tuple[Flag, ...]
    actions: Actions = field(repr=False, compare=False)
    stakes: StakesAssessment
    answered_share: float
    roi: float | None
    payback_months: float | None
    rubric: Rubric = field(repr=False, compare=False)
    row: int = field(repr=False, compare=False, default=0)  # this proposal's row in inputs
    # Its decisions at the build date (scoring/model/decisions.py); None: no decisions folder.
    ledger: Ledger | None = field(repr=False, compare=False, default=None)
    # Under each enabled regime (issue 27): determination, obligations, compliance state.
    compliance: tuple[RegimeCompliance, ...] = ()

    @cached_property
    def levels(self) -> dict[str, tuple[float, bool]]:
        """Each criterion's level as counted (the prior where unanswered) and whether it
        was answered."""
        inputs = self.actions.inputs
        return {
            c.id: (float(inputs.mean[self.row, column]), bool(inputs.known[self.row, column]))
            for column, c in enumerate(self.rubric.criteria)
        }

    @cached_property
    def risk_values(self) -> dict[str, float]:
        inputs = self.actions.inputs
        return {
            f.id: float(inputs.risk[self.row, column])
            for column, f in enumerate(self.rubric.risk_factors)
        }

    @property
    def suggestions(self) -> tuple[Suggestion, ...]:
        return self.actions.suggestions(self.proposal.id)

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.actions.questions(self.proposal.id)

    @property
    def risk_class(self) -> str:
        return self.stakes.risk_class

    @cached_property
    def money(self) -> MoneyEstimate | None:
        """The value and cost estimate with its spread, worked out on first use: scoring a
        large portfolio for a table never needs it."""
        return money_estimate(self.proposal, self.rubric)

    @property
    def suggestion(self) -> ClassSuggestion | None:
        """The class the proposal's own words suggest, with its reasons: shown beside the
        class (which only the stakes answers set), never in its place."""
        return self.stakes.suggestion

    @property
    def risk(self) -> float | None:
        """Risk: what the system can do to whom, after its safeguards, inside its class's
        band; None while the stakes are not answered."""
        return self.stakes.residual

    @property
    def risk_factors(self) -> float:
        """The risk-factor score, half of delivery risk (the other half is 100 minus
        feasibility)."""
        return self.scores["risk"]

    @cached_property
    def risk_story(self) -> RiskStory:
        return risk_story(
            self.stakes,
            self.rubric,
            tuple((f.severity, f.title) for f in self.flags),
            self.delivery_risk,
        )

    @property
    def placed(self) -> bool:
        return self.state != NEEDS_INFORMATION

    @cached_property
    def placement_sentence(self) -> str:
        return placement_sentence(self)

    @cached_property
    def breakdown(self) -> tuple[BreakdownRow, ...]:
        return _breakdown(self.proposal, self.rubric, self.levels)

    @cached_property
    def risks(self) -> tuple[RiskRow, ...]:
        return _risks(self.proposal, self.rubric, self.risk_values)

    @cached_property
    def checklists(self) -> tuple[ChecklistStatus, ...]:
        return _checklists(self.proposal, self.rubric)


class Actions:
    """The what-if questions and suggestions of a whole portfolio, computed together on
    first use: a site needs them for every page, a summary or a table for none."""

    def __init__(
        self,
        features: Features,
        inputs: Inputs,
        estimates: Estimates,
        rubric: Rubric,
        ids: list[str],
        stopped: set[str],
    ) -> None:
        self._args = (features, inputs, estimates, rubric, ids)
        self.features = features  # the next steps read the flags open questions could raise
        self.inputs = inputs
        self._stopped = stopped  # red-flagged: Reconsider whatever an answer changes
        self._suggestions: dict[str, tuple[Suggestion, ...]] | None = None
        self._questions: dict[str, tuple[Question, ...]] | None = None

    def suggestions(self, proposal_id: str) -> tuple[Suggestion, ...]:
        if self._suggestions is None:
            features, inputs, estimates, rubric, _ = self._args
            found = suggestions_for(features, inputs, estimates, rubric)
            self._suggestions = {pid: tuple(s) for pid, s in found.items()}
        return self._suggestions.get(proposal_id, ())

    def questions(self, proposal_id: str) -> tuple[Question, ...]:
        if self._questions is None:
            _, inputs, estimates, rubric, ids = self._args
            found = questions_for(inputs, estimates, rubric, ids)
            self._questions = {
                pid: tuple(replace(q, if_low="reconsider", if_high="reconsider") for q in qs)
                if pid in self._stopped
                else tuple(qs)
                for pid, qs in found.items()
            }
        return self._questions.get(proposal_id, ())


@dataclass
class ScoredPortfolio:
    rubric: Rubric
    intake: Intake
    cards: list[ScoreCard]
    frame: pd.DataFrame  # one row per valid proposal: metadata, money and scores
    context: ComplianceContext | None = None  # the regimes and build date judged against
    decisions: DecisionRegister | None = None  # what the flags were adjusted by (#29)

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
        return "; ".join(
            f"{k.replace('_', ' ')}: {describe(v)}" for k, v in value.items() if is_answered(v)
        )
    if isinstance(value, list):
        return ", ".join(describe(v) or "" for v in value)
    return str(value)


def _breakdown(
    proposal: Proposal, rubric: Rubric, levels: dict[str, tuple[float, bool]]
) -> tuple[BreakdownRow, ...]:
    rows = []
    labels = {lv.level: lv.label for lv in rubric.levels}
    prior = rubric.uncertainty.prior
    for dimension in ("desirability", "profitability", "feasibility"):
        criteria = rubric.criteria_for(dimension)
        total = sum(c.weight for c in criteria) or 1.0
        for criterion in criteria:
            level, known = levels[criterion.id]
            note = None
            if criterion.kind == "evidence":
                stated, note = evidence_level(proposal, criterion.id)
                basis = "evidence" if stated is not None else "asserted"
            else:
                basis = "computed"
            if not known:
                level_value = None
                basis = "unanswered"
                label = f"Unanswered: counts as {prior.mean:g} ± {prior.sd:g}"
                counted = prior.mean
            elif (
                basis == "asserted"
                and criterion.kind == "evidence"
                and level == rubric.uncertainty.asserted.mean
            ):
                asserted = rubric.uncertainty.asserted
                level_value = round(float(level), 1)
                counted = level_value
                label = (
                    f"Asserted without a stated evidence level: counts as "
                    f"{asserted.mean:g} ± {asserted.sd:g}"
                )
            else:
                level_value = round(float(level), 1)
                counted = level_value
                # Computed levels can be fractional: describe them by the nearest anchor.
                label = (
                    criterion.scale[min(4, round(level))]
                    if criterion.kind != "evidence"
                    else labels.get(round(level), "")
                )
                if (
                    criterion.kind in ("roi", "payback")
                    and rubric.low_confidence_penalty
                    and ((proposal.get("value") or {}).get("confidence") == "low")
                ):
                    label += (
                        f" (lowered {rubric.low_confidence_penalty} level for a "
                        "low-confidence estimate)"
                    )
            contribution = criterion.weight * counted / (MAX_LEVEL * total) * 100
            answer = _computed_answer(proposal, rubric, criterion.kind) or describe(
                proposal.get(criterion.answer)
            )
            rows.append(
                BreakdownRow(
                    criterion.id,
                    dimension,
                    criterion.question,
                    answer,
                    level_value,
                    label,
                    basis,
                    note,
                    criterion.weight,
                    round(contribution, 1),
                    criterion.playbook,
                )
            )
    return tuple(rows)


def _computed_answer(proposal: Proposal, rubric: Rubric, kind: str) -> str | None:
    """What a computed criterion was computed from, in words a reader can check."""
    if kind == "checklist":
        return "from the checklists below"
    if kind == "value_scale":
        scale = proposal.get("value.scale")
        basis = proposal.get("value.scale_basis")
        return f"{scale}: {basis}" if scale and basis else scale
    if kind == "delivery_path":
        builds_on = proposal.get("delivery.builds_on")
        if builds_on is None:
            return None
        monitored = proposal.get("delivery.existing_system_monitored")
        return builds_on.replace("_", " ") + (", into a monitored system" if monitored else "")
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
    rows = []
    for factor in rubric.risk_factors:
        rated = factors.get(factor.id)
        value = values[factor.id]
        assumed = value != value  # NaN: unrated
        rows.append(
            RiskRow(
                factor.id,
                factor.question,
                rated["severity"] if rated else None,
                rated["likelihood"] if rated else None,
                round(weights(rubric).unknown_risk if assumed else value, 1),
                assumed=assumed,
                note=rated.get("note") if rated else None,
                weight=factor.weight,
                playbook=factor.playbook,
            )
        )
    return tuple(rows)


def _checklists(proposal: Proposal, rubric: Rubric) -> tuple[ChecklistStatus, ...]:
    result = []
    for checklist in rubric.checklists:
        items = tuple(
            ChecklistItemStatus(
                item.id, item.text, checklist_answer(proposal, checklist.id, item.id), item.playbook
            )
            for item in checklist.items
        )
        applicable = [i for i in items if i.answer != "n/a"]
        done = sum(ANSWER_VALUE.get(i.answer, 0.0) for i in applicable)
        result.append(ChecklistStatus(checklist.id, checklist.title, items, done, len(applicable)))
    return tuple(result)


def _frame(
    proposals: Sequence[Proposal], scores: pd.DataFrame, money: dict[str, dict[str, float | None]]
) -> pd.DataFrame:
    meta = pd.DataFrame(
        [
            {
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
            }
            for p in proposals
        ],
        columns=[
            "id",
            "title",
            "team",
            "stage",
            "owner",
            "sponsor",
            "tags",
            "currency",
            "annual_value",
            "one_off_cost",
            "annual_running_cost",
            "roi",
            "payback_months",
            "file",
        ],
    ).set_index("id")
    for column in ("annual_value", "one_off_cost", "annual_running_cost", "roi", "payback_months"):
        meta[column] = pd.to_numeric(meta[column], errors="coerce").astype("float64")
    meta["roi"] = meta["roi"].round(2)
    meta["payback_months"] = meta["payback_months"].round(1)
    return meta.join(scores)


# The engine's risk-factor columns under the name every surface gives them; "risk" is the
# stakes figure (added by score_intake), never the risk factors.
RISK_FACTOR_COLUMNS = {
    name: name.replace("risk", "risk_factors", 1)
    for name in ("risk", "risk_low", "risk_high", "risk_confidence")
}


def published(scores: pd.DataFrame) -> pd.DataFrame:
    return scores.rename(columns=RISK_FACTOR_COLUMNS)


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isinf(value) else value


# The single columns a score card reads.
ROW_COLUMNS = (
    "priority",
    "impact",
    "delivery_risk",
    "state",
    "quadrant",
    "weakest",
    "caps",
    "answered_share",
)


def score_intake(
    intake: Intake,
    rubric: Rubric,
    compliance: ComplianceContext | None = None,
    decisions: DecisionRegister | None = None,
) -> ScoredPortfolio:
    """Score every valid proposal in an intake and explain each number. ``compliance``
    names the regimes and build date obligations are judged against (default: the rubric's
    classes at the build date from the environment); ``decisions``
    (scoring/model/decisions.py) take accepted flags out, add lapsed ones and record the
    waivers the obligations read."""
    with inputs_held():
        return _score_intake(intake, rubric, compliance, decisions)


def _score_intake(
    intake: Intake,
    rubric: Rubric,
    compliance: ComplianceContext | None,
    decisions: DecisionRegister | None,
) -> ScoredPortfolio:
    proposals = sorted(intake.proposals, key=lambda p: p.id)
    context = with_waivers(compliance or default_context(rubric), decisions, proposals)
    ids = [p.id for p in proposals]
    features: Features = extract(proposals, rubric)
    inputs = build_inputs(features, rubric)
    estimates = evaluate(inputs, rubric)
    scores = rounded(score_frame(estimates, inputs, features, rubric))
    flags = flags_for(proposals, features, scores, rubric)
    # Obligation gaps are flags like any other (issue 27): red ones stop a proposal too.
    regimes = [assess(p, features.stakes[i], context) for i, p in enumerate(proposals)]
    for proposal, results in zip(proposals, regimes, strict=True):
        if extra := obligation_flags(results):
            flags[proposal.id] = sorted(
                flags[proposal.id] + extra, key=lambda f: (SEVERITY_ORDER[f.severity], f.id)
            )
    if decisions is not None:  # before anything counts the flags (state, risk story)
        flags = {p.id: decisions.adjust_flags(p, flags[p.id]) for p in proposals}
    # A red flag is a reason to stop as proposed: Reconsider until it is resolved.
    red = [any(f.severity == "red" for f in flags[p.id]) for p in proposals]
    scores["placed_by_scores"] = scores["state"]
    scores.loc[red, "state"] = "reconsider"
    actions = Actions(
        features,
        inputs,
        estimates,
        rubric,
        ids,
        {p.id for p, stop in zip(proposals, red, strict=True) if stop},
    )
    money = {p.id: money_figures(p, rubric) for p in proposals}
    caps_by_id = {c.id: c for c in rubric.caps}
    place_low, place_high = rubric.uncertainty.placement_percentiles
    # Whole-column conversions once; per-row .loc lookups cost more than the scoring itself,
    # and a dict per row (to_dict) holds every column where a card reads a few.
    columns = {name: scores[name].tolist() for name in scores.columns}
    position = {pid: i for i, pid in enumerate(scores.index.tolist())}
    # The column names a card reads, spelled once rather than once per card.
    confidence_of = [(d, columns[f"{d}_confidence"]) for d in SCORE_COLUMNS]
    range_of = [
        (name, columns[f"{name}_low"], columns[f"{name}_high"])
        for name in (*SCORE_COLUMNS, "impact", "delivery_risk")
    ]
    placement_of = [
        (name, columns[f"{name}_p{place_low:g}"], columns[f"{name}_p{place_high:g}"])
        for name in ("impact", "delivery_risk")
    ]
    cards = []
    for index, proposal in enumerate(proposals):
        at = position[proposal.id]
        row = {name: columns[name][at] for name in ROW_COLUMNS}
        cards.append(
            ScoreCard(
                proposal=proposal,
                scores={d: float(columns[d][at]) for d in SCORE_COLUMNS},
                confidence={d: float(column[at]) for d, column in confidence_of},
                priority=float(row["priority"]),
                impact=float(row["impact"]),
                delivery_risk=float(row["delivery_risk"]),
                state=str(row["state"]),
                quadrant=str(row["quadrant"]),
                ranges={name: (float(low[at]), float(high[at])) for name, low, high in range_of},
                placement={
                    name: (float(low[at]), float(high[at])) for name, low, high in placement_of
                },
                weakest=str(row["weakest"]),
                caps=tuple(caps_by_id[c] for c in str(row["caps"]).split()),
                flags=tuple(flags[proposal.id]),
                actions=actions,
                stakes=features.stakes[index],
                answered_share=float(row["answered_share"]),
                roi=money[proposal.id]["roi"],
                payback_months=money[proposal.id]["payback_months"],
                rubric=rubric,
                row=index,
                ledger=decisions.ledger(proposal) if decisions is not None else None,
                compliance=regimes[index],
            )
        )
    frame = _frame(proposals, published(scores), money)
    frame["flags"] = [" ".join(f.id for f in flags[p.id]) for p in proposals]
    stories = [card.risk_story for card in cards]
    frame["risk"] = [s.figure for s in stories]
    frame["risk_low"] = [s.low for s in stories]
    frame["risk_high"] = [s.high for s in stories]
    frame["risk_class"] = [s.risk_class for s in features.stakes]
    frame["risk_reason"] = [s.reason for s in stories]
    frame["compliance"] = [worst_state(results) for results in regimes]
    frame["obligation_gaps"] = [
        " ".join(f"{r.profile.id}:{o.id}" for r in results for o in r.gaps) for results in regimes
    ]
    if decisions is not None:  # the CSV's decision columns (no names: see decisions.py)
        for column, values in decision_columns([c.ledger for c in cards]).items():
            frame[column] = values
    return ScoredPortfolio(rubric, intake, cards, frame, context, decisions)


def with_waivers(
    context: ComplianceContext,
    decisions: DecisionRegister | None,
    proposals: Sequence[Proposal],
) -> ComplianceContext:
    """The context with the waivers the decisions record (#29), unless it names its own."""
    if decisions is None or context.waivers:
        return context
    return replace(context, waivers=decisions.obligation_waivers(proposals))


def rescore(
    intake: Intake,
    rubric: Rubric,
    previous: ScoredPortfolio | None,
    compliance: ComplianceContext | None = None,
    decisions: DecisionRegister | None = None,
) -> ScoredPortfolio:
    """``score_intake`` for a rebuild under `mkdocs serve`: a proposal that is the very
    object scored last time (the load cache hands back the same object for an unchanged
    file) keeps its card; only the others are scored. Scoring is per proposal (each row of
    the engine's arrays depends on its own answers only), so the result equals a full
    scoring, and the unchanged cards keep what they computed on first use."""
    context = with_waivers(compliance or default_context(rubric), decisions, intake.proposals)
    if (
        previous is None
        or previous.rubric != rubric
        or previous.context != context
        or previous.decisions != decisions
    ):
        return score_intake(intake, rubric, context, decisions)
    before = {card.proposal.id: card for card in previous.cards}
    kept: list[ScoreCard] = []
    changed: list[Proposal] = []
    for proposal in intake.proposals:
        card = before.get(proposal.id)
        if card is not None and card.proposal is proposal:
            kept.append(card)
        else:
            changed.append(proposal)
    if not kept:
        return score_intake(intake, rubric, context, decisions)
    frames = [previous.frame.loc[[card.proposal.id for card in kept]]]
    cards = kept
    if changed:
        fresh = score_intake(Intake(proposals=changed), previous.rubric, context, decisions)
        cards = kept + fresh.cards
        frames.append(fresh.frame)
    return ScoredPortfolio(
        previous.rubric,
        intake,
        sorted(cards, key=lambda c: c.proposal.id),
        pd.concat(frames).sort_index(),
        context,
        decisions,
    )


def placement_sentence(card: ScoreCard) -> str:
    """Why the proposal is where it is, in one sentence with the numbers."""
    rubric = card.rubric
    impact_t = rubric.quadrants.impact_threshold
    risk_t = rubric.quadrants.risk_threshold
    low_p, high_p = rubric.uncertainty.placement_percentiles
    i_low, i_high = card.placement["impact"]
    r_low, r_high = card.placement["delivery_risk"]
    figures = (
        f"impact {card.impact:.0f} (likely {i_low:.0f}–{i_high:.0f}) against the "
        f"threshold of {impact_t:g}, and delivery risk {card.delivery_risk:.0f} "
        f"(likely {r_low:.0f}–{r_high:.0f}) against {risk_t:g}"
    )
    name = rubric.state_name(card.state)
    red = [f.title for f in card.flags if f.severity == "red"]
    if red:
        return (
            f"{name}: a red flag stops it as proposed ({'; '.join(red)}), whatever the "
            f"scores; {figures}."
        )
    straddle = [
        axis
        for axis, (low, high), threshold in (
            ("impact", (i_low, i_high), impact_t),
            ("delivery risk", (r_low, r_high), risk_t),
        )
        if low < threshold <= high
    ]
    which = " and ".join(straddle) or "the placement"
    if card.placed and straddle:
        # Only a low-stakes change gated by an experiment is placed on a straddling range.
        return (
            f"{name}: {figures}. The likely range of {which} spans the threshold, but a "
            "randomised experiment with guardrail metrics gates this minimal-risk change on "
            "a running system, so it goes ahead on its estimate and the experiment settles "
            "the rest."
        )
    if card.placed:
        return f"{name}: {figures}; both ranges lie on one side of their thresholds."
    return (
        f"{name}: {figures}. The likely range of {which} "
        f"(P{low_p:g}–P{high_p:g}) spans the threshold, so the answers so far cannot "
        "place it yet."
    )
