"""The rubric as typed data: criteria, risk factors, caps, flags, checklists, priors, classes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

DIMENSIONS = ("desirability", "profitability", "feasibility", "risk")
QUADRANTS = ("quick_win", "strategic_bet", "incremental", "reconsider")
NEEDS_INFORMATION = "needs_information"
NEEDS_REVIEW = "needs_review"
STATES = (*QUADRANTS, NEEDS_INFORMATION)
RISK_CLASSES = ("high", "limited", "minimal", "unassessed")


def slugify(identifier: str) -> str:
    return identifier.replace("_", "-")


@dataclass(frozen=True)
class Level:
    level: int
    label: str
    meaning: str


@dataclass(frozen=True)
class Criterion:
    id: str
    dimension: str
    kind: str
    weight: float
    question: str
    answer: str
    playbook: str
    scale: tuple[str, ...]
    bands: tuple[float, ...] = ()
    checklists: tuple[str, ...] = ()
    answer_levels: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def slug(self) -> str:
        return slugify(self.id)


@dataclass(frozen=True)
class RiskFactor:
    id: str
    kind: str
    weight: float
    question: str
    answer: str
    playbook: str
    checklists: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return slugify(self.id)


@dataclass(frozen=True)
class Cap:
    id: str
    applies_to: str
    max: float
    title: str
    message: str
    playbook: str


@dataclass(frozen=True)
class FlagRule:
    id: str
    severity: str
    title: str
    message: str
    playbook: str
    when: dict[str, Any] = dataclasses.field(default_factory=dict)
    escalate: dict[str, Any] | None = None

    @property
    def slug(self) -> str:
        return slugify(self.id)


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    text: str
    playbook: str


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    summary: str
    playbook: str
    items: tuple[ChecklistItem, ...]

    @property
    def slug(self) -> str:
        return slugify(self.id)


@dataclass(frozen=True)
class Quadrants:
    impact_threshold: float
    risk_threshold: float
    names: dict[str, str]
    descriptions: dict[str, str]


@dataclass(frozen=True)
class BalanceJudgement:
    """When the portfolio's balance can be judged: at least ``placed`` active proposals are
    placed, and they are at least ``share`` of the active ones. Fewer say nothing about a mix."""

    placed: int = 10
    share: float = 0.5


@dataclass(frozen=True)
class Prior:
    """What an unanswered criterion counts as: a level with a mean and a spread."""

    mean: float
    sd: float
    basis: str


@dataclass(frozen=True)
class Uncertainty:
    prior: Prior
    asserted: Prior  # an answer without a stated evidence level
    correlation: float
    placement_percentiles: tuple[float, float]
    range_percentiles: tuple[float, float]
    priority_percentile: float
    risk_prior_mean: float
    risk_prior_sd: float
    money_spread: dict[str, float]


@dataclass(frozen=True)
class RiskClass:
    id: str
    label: str
    band: tuple[float, float]
    description: str
    obligations: tuple[str, ...]


@dataclass(frozen=True)
class RiskModel:
    others_share: float
    classes: dict[str, RiskClass]
    high_stakes_areas: dict[str, str]
    position: dict[str, dict[str, float]]
    governance_credit: dict[str, float]
    max_reduction: float
    measures: dict[str, str]


@dataclass(frozen=True, kw_only=True)
class WordRule:
    """A rule that reads a use case's own words (scoring/model/suggestion.py matches both
    kinds): a class suggestion here, or a prose answer (scoring/model/prose.py).

    It matches when a term of ``words`` occurs in one of the texts it reads (all of them
    when ``texts`` is empty), a term of ``with_words`` (if any) occurs in the same
    sentence, no term of ``unless`` does, a term of ``context_words`` (if any) occurs in one
    of ``context_texts``, and the structured fields satisfy ``when``."""

    id: str
    reason: str  # what the use does, in words a reader can follow
    source: str  # the text that grounds it
    words: tuple[str, ...]
    with_words: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    when: dict[str, Any] = dataclasses.field(default_factory=dict)
    # And a term of these anywhere in the context texts (a register's topic column names the
    # area a use is in: "law and justice" makes "people" mean suspects and inmates).
    context_words: tuple[str, ...] = ()
    context_texts: tuple[str, ...] = ()
    # The terms of the exclusions that name this rule: one in any sentence of its texts
    # and it does not apply (filled in from ``ClassSuggestions.exclusions``).
    unless_anywhere: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SuggestionRule(WordRule):
    """One rule of ``class_suggestions``: the class a use case's own words suggest."""

    suggests: str  # high or limited


@dataclass(frozen=True)
class SuggestionExclusion:
    """A statement about the whole use ("the output is not a principal basis for a
    decision", "searches databases of state laws") that keeps the named rules from applying
    wherever it occurs in the texts they read, with its reason and source."""

    id: str
    reason: str
    source: str
    words: tuple[str, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class ClassSuggestions:
    """The rules that suggest a class, the exclusions that keep them from applying, and
    which proposal fields make up each text."""

    texts: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    rules: tuple[SuggestionRule, ...] = ()
    exclusions: tuple[SuggestionExclusion, ...] = ()


@dataclass(frozen=True)
class CustomField:
    """A declared ``custom.<id>`` proposal field: checked, labelled on pages, exported."""

    id: str
    label: str
    type: str  # text, number, integer, boolean or list
    description: str = ""
    values: tuple[str, ...] = ()  # the allowed texts, when the field is a choice


@dataclass(frozen=True)
class Rubric:
    name: str
    source: str
    levels: tuple[Level, ...]
    dimensions: dict[str, dict[str, str]]
    priority_weights: dict[str, float]
    risk_discount: float
    unknown_severity: int
    unknown_likelihood: int
    roi_horizon_years: float
    low_confidence_penalty: int
    quadrants: Quadrants
    target_mix: dict[str, float]
    tolerance: float
    criteria: tuple[Criterion, ...]
    risk_factors: tuple[RiskFactor, ...]
    caps: tuple[Cap, ...]
    flags: tuple[FlagRule, ...]
    checklists: tuple[Checklist, ...]
    severity_scale: tuple[str, ...]
    likelihood_scale: tuple[str, ...]
    uncertainty: Uncertainty
    risk_model: RiskModel
    needs_information_name: str
    needs_information_description: str
    custom_fields: tuple[CustomField, ...] = ()  # an organisation's own fields, declared
    judge_from: BalanceJudgement = BalanceJudgement()  # portfolio.judge_from
    class_suggestions: ClassSuggestions = ClassSuggestions()
    # Needs review (#29): an approval's condition missed; shown beside the placement.
    needs_review_name: str = "Needs review"
    needs_review_description: str = ""

    def state_name(self, state: str) -> str:
        if state == NEEDS_INFORMATION:
            return self.needs_information_name
        if state == NEEDS_REVIEW:
            return self.needs_review_name
        return self.quadrants.names.get(state, state)

    def state_description(self, state: str) -> str:
        if state == NEEDS_INFORMATION:
            return self.needs_information_description
        if state == NEEDS_REVIEW:
            return self.needs_review_description
        return self.quadrants.descriptions.get(state, "")

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def checklist(self, checklist_id: str) -> Checklist | None:
        return next((c for c in self.checklists if c.id == checklist_id), None)

    def flag(self, flag_id: str) -> FlagRule | None:
        return next((f for f in self.flags if f.id == flag_id), None)

    def cap(self, cap_id: str) -> Cap | None:
        return next((c for c in self.caps if c.id == cap_id), None)

    def criteria_for(self, dimension: str) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.dimension == dimension)

    def with_quadrants(
        self,
        impact_threshold: float | None = None,
        risk_threshold: float | None = None,
        target_mix: dict[str, float] | None = None,
        tolerance: float | None = None,
    ) -> Rubric:
        """A copy with site-level overrides (from the plugin config) applied."""
        quadrants = dataclasses.replace(
            self.quadrants,
            impact_threshold=self.quadrants.impact_threshold
            if impact_threshold is None
            else impact_threshold,
            risk_threshold=self.quadrants.risk_threshold
            if risk_threshold is None
            else risk_threshold,
        )
        return dataclasses.replace(
            self,
            quadrants=quadrants,
            target_mix=self.target_mix if target_mix is None else dict(target_mix),
            tolerance=self.tolerance if tolerance is None else tolerance,
        )
