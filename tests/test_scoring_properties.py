"""Property tests for the scoring engine, over generated valid proposals.

Strategies build proposals from random subsets of the schema's fields: free-text answers,
evidence levels (plain or with a note), checklist answers including 'unknown' and 'n/a', risk
ratings, roles with vacancies, money figures including zeros. Every generated proposal is
written as YAML and loaded through the normal validator, so the strategies cannot drift away
from the schema unnoticed.

The monotonicity properties score a proposal and its variant side by side with the engine's
vectorised core (``features.extract`` + ``engine.score``); one slower property runs the full
``score_intake`` to check the published cards.
"""

from __future__ import annotations

import copy
import math
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.model.engine import score
from scoring.model.features import extract
from scoring.model.scorecard import score_intake
from scoring.proposals.loading import load_proposals
from scoring.proposals.proposal import Intake, Proposal
from scoring.rubric import load_rubric

RUBRIC = load_rubric()
EVIDENCE_IDS = [c.id for c in RUBRIC.criteria if c.kind == "evidence"]
RATED_FACTORS = [f.id for f in RUBRIC.risk_factors if f.kind == "rated"]
ROLES = ("product_owner", "data_scientist", "data_engineer", "backend_engineer", "qa_engineer",
         "research_engineer", "subject_matter_expert")
SCORES = ("desirability", "profitability", "feasibility", "risk", "priority", "impact",
          "delivery_risk")
CONFIDENCES = ("desirability_confidence", "profitability_confidence",
               "feasibility_confidence", "risk_confidence", "confidence")

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])

# ---- strategies -----------------------------------------------------------------------------

TEXT = st.sampled_from([
    "We think so.",
    "Documented in the discovery notes, with an owner.",
    "Measured on a 2025 sample of 4,000 cases.",
    "Confirmed in a six-week pilot in one region.",
])
LEVEL = st.integers(0, 4)
EVIDENCE_ENTRY = st.one_of(LEVEL, st.fixed_dictionaries({"level": LEVEL},
                                                        optional={"note": TEXT}))
ANSWER = st.sampled_from(["yes", "partial", "no", "unknown", "n/a"])
RATING = st.fixed_dictionaries({"severity": LEVEL, "likelihood": LEVEL}, optional={"note": TEXT})
MONEY = st.one_of(st.just(0), st.integers(1, 5_000_000), st.floats(0, 5e6, allow_nan=False))
NAME = st.sampled_from(["Ana Costa", "Lee Park", "lee park", "Sam Rivera", "Ola Berg",
                        "vacant", "TBD", "?"])

PROBLEM = st.fixed_dictionaries({}, optional={
    "decision": TEXT, "decision_owner": TEXT, "user_need": TEXT, "non_ml_alternative": TEXT,
    "automation": st.sampled_from(["automate", "augment"]), "stakeholders": TEXT,
    "business_metric": st.fixed_dictionaries({"name": TEXT}, optional={
        "baseline": st.integers(0, 100), "target": st.integers(0, 100),
        "direction": st.sampled_from(["increase", "decrease"])}),
})
VALUE = st.fixed_dictionaries({}, optional={
    "currency": st.just("EUR"), "annual_value": MONEY, "one_off_cost": MONEY,
    "annual_running_cost": MONEY, "confidence": st.sampled_from(["low", "medium", "high"]),
    "months_to_value": st.integers(0, 36), "basis": TEXT,
})
SOURCE = st.fixed_dictionaries({"name": TEXT}, optional={
    "owner": TEXT, "access": st.sampled_from(["granted", "requested", "refused", "unknown"])})
DATA = st.fixed_dictionaries({}, optional={
    "sources": st.lists(SOURCE, max_size=3),
    "labels": st.sampled_from(["available", "partial", "planned", "none"]),
    "labelling_plan": TEXT, "golden_set": TEXT, "representativeness": TEXT,
    "leakage_exposure": st.lists(st.sampled_from(["temporal", "repeated_entities",
                                                  "proxy_features", "duplicates"]),
                                 unique=True, max_size=3),
    "split_plan": TEXT,
})
DELIVERY = st.fixed_dictionaries({}, optional={
    "mvp": TEXT, "serving": st.sampled_from(["batch", "online", "report"]),
    "uses_llm": st.booleans(), "technical_evidence": TEXT,
    "online_metrics": st.lists(TEXT, max_size=2), "ab_plan": TEXT,
})
RISKS = st.fixed_dictionaries({}, optional={
    "human_oversight": st.sampled_from(["none", "spot-checks", "review-before-action",
                                        "human-decides"]),
    "personal_data": st.booleans(),
    "privacy_review": st.sampled_from(["not-needed", "planned", "done", "none"]),
    "affected_groups": st.lists(TEXT, max_size=2),
    "regulation": TEXT,
    "factors": st.fixed_dictionaries({}, optional={f: RATING for f in RATED_FACTORS}),
})
CHECKLISTS = st.fixed_dictionaries({}, optional={
    cl.id: st.fixed_dictionaries({}, optional={item.id: ANSWER for item in cl.items})
    for cl in RUBRIC.checklists
})


@st.composite
def proposals(draw: st.DrawFn) -> dict[str, Any]:
    proposal: dict[str, Any] = {
        "title": "Generated proposal",
        "summary": "A proposal generated for property-based tests.",
        "team": draw(st.sampled_from(["Risk", "Logistics", "Finance"])),
        "stage": draw(st.sampled_from(["idea", "proposed", "pilot", "production"])),
    }
    optional = {
        "sponsor": TEXT, "owner": TEXT, "problem": PROBLEM, "value": VALUE, "data": DATA,
        "roles": st.fixed_dictionaries({}, optional=dict.fromkeys(ROLES, NAME)),
        "delivery": DELIVERY, "risks": RISKS,
        "evidence": st.dictionaries(st.sampled_from(EVIDENCE_IDS), EVIDENCE_ENTRY),
        "checklists": CHECKLISTS,
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            proposal[key] = draw(strategy)
    return proposal


# ---- helpers ----------------------------------------------------------------------------------

def load(folder: Path, proposals_by_id: dict[str, dict[str, Any]]) -> list[Proposal]:
    for pid, proposal in proposals_by_id.items():
        text = yaml.safe_dump(proposal, sort_keys=False)  # quotes 'yes' / 'no'
        (folder / f"{pid}.yaml").write_text(text, encoding="utf-8")
    intake = load_proposals([folder], RUBRIC)
    assert not intake.invalid, [p.as_text() for p in intake.problems]
    return intake.proposals


def engine_scores(proposals_by_id: dict[str, dict[str, Any]]) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load(Path(tmp), proposals_by_id)
    return score(extract(loaded, RUBRIC), RUBRIC)


def with_level(proposal: dict[str, Any], criterion: str, level: int,
               note: str | None) -> dict[str, Any]:
    changed = copy.deepcopy(proposal)
    entry: Any = level if note is None else {"level": level, "note": note}
    changed.setdefault("evidence", {})[criterion] = entry
    return changed


def with_rating(proposal: dict[str, Any], factor: str, severity: int,
                likelihood: int) -> dict[str, Any]:
    changed = copy.deepcopy(proposal)
    factors = changed.setdefault("risks", {}).setdefault("factors", {})
    factors[factor] = {"severity": severity, "likelihood": likelihood}
    return changed


# ---- properties -------------------------------------------------------------------------------

@PROPERTY_SETTINGS
@given(proposal=proposals(), criterion=st.sampled_from(EVIDENCE_IDS), level=st.integers(0, 3),
       step=st.integers(1, 4), note=st.one_of(st.none(), TEXT))
def test_raising_an_evidence_level_never_lowers_its_dimension(
        proposal: dict[str, Any], criterion: str, level: int, step: int,
        note: str | None) -> None:
    low = with_level(proposal, criterion, level, note)
    high = with_level(proposal, criterion, min(4, level + step), note)
    scores = engine_scores({"low": low, "high": high})
    dimension = RUBRIC.criterion(criterion).dimension  # type: ignore[union-attr]
    assert scores.loc["high", dimension] >= scores.loc["low", dimension] - 1e-9
    # The other dimensions do not move at all.
    for other in ("desirability", "profitability", "feasibility", "risk"):
        if other != dimension:
            assert scores.loc["high", other] == scores.loc["low", other]


@PROPERTY_SETTINGS
@given(proposal=proposals(), factor=st.sampled_from(RATED_FACTORS), value=st.integers(0, 3),
       other=st.integers(0, 4), raise_severity=st.booleans(), step=st.integers(1, 4))
def test_raising_a_risk_rating_never_raises_priority(
        proposal: dict[str, Any], factor: str, value: int, other: int,
        raise_severity: bool, step: int) -> None:
    raised = min(4, value + step)
    if raise_severity:
        low = with_rating(proposal, factor, value, other)
        high = with_rating(proposal, factor, raised, other)
    else:
        low = with_rating(proposal, factor, other, value)
        high = with_rating(proposal, factor, other, raised)
    scores = engine_scores({"low": low, "high": high})
    assert scores.loc["high", "risk"] >= scores.loc["low", "risk"] - 1e-9
    assert scores.loc["high", "priority"] <= scores.loc["low", "priority"] + 1e-9


@PROPERTY_SETTINGS
@given(batch=st.lists(proposals(), min_size=1, max_size=4))
def test_scores_and_confidences_stay_in_range(batch: list[dict[str, Any]]) -> None:
    scores = engine_scores({f"p-{n}": p for n, p in enumerate(batch)})
    for column in SCORES:
        values = scores[column]
        assert values.notna().all(), column
        assert ((values >= 0) & (values <= 100)).all(), (column, values.tolist())
    for column in CONFIDENCES:
        values = scores[column]
        assert ((values >= 0) & (values <= 1)).all(), (column, values.tolist())
    assert set(scores["quadrant"]) <= {"quick_win", "strategic_bet", "incremental",
                                       "reconsider"}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(proposals(), min_size=1, max_size=6))
def test_published_cards_stay_in_range(batch: list[dict[str, Any]]) -> None:
    """The full pipeline (rounded scores, breakdown, risks, suggestions) on generated input."""
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load(Path(tmp), {f"p-{n}": p for n, p in enumerate(batch)})
    portfolio = score_intake(Intake(proposals=loaded), RUBRIC)
    assert len(portfolio.cards) == len(batch)
    for card in portfolio.cards:
        numbers = [*card.scores.values(), card.priority, card.impact, card.delivery_risk]
        assert all(0 <= x <= 100 for x in numbers), numbers
        assert all(0 <= c <= 1 for c in card.confidence.values()), card.confidence
        for row in card.breakdown:
            assert row.level is None or 0 <= row.level <= 4, row
            assert 0 <= row.contribution <= 100, row
        for risk in card.risks:
            assert 0 <= risk.value <= 16, risk
        gains = [s.gain for s in card.suggestions]
        assert len(gains) <= 5 and all(0 < g <= 100 for g in gains)
        assert gains == sorted(gains, reverse=True)
        assert card.roi is None or not math.isnan(card.roi)
