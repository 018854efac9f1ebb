"""Scoring engine tests: hand-computed numbers for the documented formulas.

Every expected number below is worked out by hand from the rubric (data/rubric.yaml) and the
formulas in the engine's docstrings; the arithmetic is written out in a comment or in the
expression itself, never taken from the engine's helpers.

Formulas (default rubric):
    dimension   = sum(w * level) / (4 * sum(w)) * 100          unanswered level counts as 0
    confidence  = sum(w * answered) / sum(w)
    risk        = sum(w * severity * likelihood) / (16 * sum(w)) * 100, unrated factor = 3 x 3
    priority    = (0.30 D + 0.35 P + 0.35 F) * (1 - 0.5 * risk / 100), then priority caps
    impact      = (0.30 D + 0.35 P) / 0.65
    delivery    = (risk + 100 - F) / 2;  quadrant: impact >= 50 and delivery >= 50 are "high"

Weights: desirability 3,2,2,2,1 (sum 10); profitability 3,3,2,2,2 (sum 12); feasibility
3,2,2,2,2,2,2,2,3 (sum 20); risk factors 3,2,2,2,1,1,1,2 rated + open_pitfalls 2 (sum 16).

Most scenarios are scored together in one module-scoped portfolio (scoring is absolute, which
``test_absoluteness`` checks, so batching them cannot change any number).
"""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from scoring.cli.main import main as cli_main
from scoring.model.cardjson import card_json
from scoring.model.scorecard import ScoreCard, score_intake
from scoring.proposals.loading import load_proposals
from scoring.rubric import default_rubric_path, load_rubric

RUBRIC = load_rubric()
EVIDENCE_IDS = [c.id for c in RUBRIC.criteria if c.kind == "evidence"]
RATED_FACTORS = [f.id for f in RUBRIC.risk_factors if f.kind == "rated"]
ALL_ROLES = ("product_owner", "data_scientist", "data_engineer", "backend_engineer",
             "qa_engineer", "research_engineer", "subject_matter_expert")
QUICK_WIN, STRATEGIC_BET, INCREMENTAL, RECONSIDER = (
    "quick_win", "strategic_bet", "incremental", "reconsider")


# ---- helpers --------------------------------------------------------------------------------

def dump(proposal: dict[str, Any]) -> str:
    # safe_dump quotes 'yes' and 'no', so checklist answers stay text.
    return yaml.safe_dump(proposal, sort_keys=False, allow_unicode=True)


def write_folder(folder: Path, texts: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for pid, text in texts.items():
        (folder / f"{pid}.yaml").write_text(text, encoding="utf-8")
    return folder


def score_folder(folder: Path, rubric: Any = RUBRIC) -> dict[str, ScoreCard]:
    intake = load_proposals([folder], rubric)
    problems = [p.as_text() for p in intake.problems]
    assert not intake.invalid, "\n".join(problems)
    portfolio = score_intake(intake, rubric)
    return {card.proposal.id: card for card in portfolio.cards}


def score_texts(folder: Path, texts: dict[str, str], rubric: Any = RUBRIC) -> dict[str, ScoreCard]:
    return score_folder(write_folder(folder, texts), rubric)


def edit(base: dict[str, Any], set_: dict[str, Any] | None = None,
         drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """A deep copy of ``base`` with dotted paths set or dropped."""
    result = copy.deepcopy(base)
    for dotted, value in (set_ or {}).items():
        node = result
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    for dotted in drop:
        node = result
        *parents, last = dotted.split(".")
        for part in parents:
            node = node[part]
        del node[last]
    return result


def row(card: ScoreCard, criterion_id: str) -> Any:
    return next(b for b in card.breakdown if b.criterion_id == criterion_id)


def flag_ids(card: ScoreCard) -> set[str]:
    return {f.id for f in card.flags}


def cap_ids(card: ScoreCard) -> set[str]:
    return {c.id for c in card.caps}


def r1(value: float) -> float:
    """Round like the published scores (one decimal)."""
    return round(value, 1)


def all_items(answer: str, checklists: tuple[str, ...] | None = None) -> dict[str, Any]:
    return {cl.id: {item.id: answer for item in cl.items} for cl in RUBRIC.checklists
            if checklists is None or cl.id in checklists}


SCENARIOS: dict[str, str] = {}


def scenario(pid: str, proposal: dict[str, Any] | str) -> str:
    """Register a proposal for the shared portfolio; returns its id."""
    assert pid not in SCENARIOS, pid
    SCENARIOS[pid] = proposal if isinstance(proposal, str) else dump(proposal)
    return pid


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ScoreCard]:
    return score_texts(tmp_path_factory.mktemp("scenarios"), SCENARIOS)


# ---- a worked example with every kind of input -------------------------------------------

EXAMPLE_YAML = """\
title: Forecast daily pick volumes
summary: Shift planning copies last year's volumes; a forecast would staff the warehouse better.
team: Logistics
stage: proposed
sponsor: Head of Operations
problem:
  decision: How many pickers are scheduled for each shift
  non_ml_alternative: Same weekday last year plus five percent
  business_metric:
    name: Picks per labour hour
value:
  annual_value: 300000
  one_off_cost: 100000
  annual_running_cost: 50000
  confidence: medium
  basis: Overtime hours saved times the hourly rate
data:
  sources:
    - name: WMS pick log
      access: granted
  split_plan: Train on 2023-2024, test on 2025
roles:
  product_owner: Ana Costa
  data_scientist: Lee Park
  data_engineer: Sam Rivera
  backend_engineer: vacant
delivery:
  serving: batch
risks:
  factors:
    harm_if_wrong: {severity: 2, likelihood: 3}
    personal_data: {severity: 1, likelihood: 1}
evidence:
  decision_named: 4
  user_need: 2
  human_fit: {level: 3, note: Shadow run with two shift leads}
  business_metric: 3
  data_access: 3
  leak_free_split: 2
checklists:
  data:
    sources_and_owners: 'yes'
    representative: partial
    split_mirrors_use: 'no'
    features_available_at_prediction: n/a
  model_to_product:
    serving_mode_and_latency: n/a
    shared_feature_code: n/a
    reproducible_training: n/a
    rollback: n/a
    monitoring: n/a
    end_to_end_first: n/a
    llm_production_concerns: n/a
  team:
    product_owner: 'yes'
  wrong_problem:
    decision_and_owner: 'yes'
    metric_with_target: partial
  offline_online:
    offline_to_business_link: n/a
    ab_test_planned: n/a
    guardrails: n/a
    evaluated_after_training_period: n/a
    interacting_models: n/a
    feedback_captured: n/a
"""
EXAMPLE = scenario("example", EXAMPLE_YAML)

# Desirability: decision_named 4 (w3), user_need 2 (w2), beats_baseline asserted by text = 1
# (w2), stakeholder_support unanswered (w2), human_fit 3 (w1):
#   (3*4 + 2*2 + 2*1 + 2*0 + 1*3) / (4*10) * 100 = 21/40*100 = 52.5; confidence 8/10.
EX_D = (3 * 4 + 2 * 2 + 2 * 1 + 2 * 0 + 1 * 3) / (4 * 10) * 100
# Profitability: cost over 3 years = 100000 + 3*50000 = 250000;
#   ROI = (3*300000 - 250000) / 250000 = 2.6 -> level 4 (>= 2);
#   payback = 100000 / ((300000 - 50000) / 12) = 4.8 months -> level 4 (<= 6).
#   business_metric 3 (w3), roi 4 (w3), payback 4 (w2), cost_estimate asserted by basis 1 (w2),
#   online_measurement unanswered (w2): (9 + 12 + 8 + 2 + 0) / 48 * 100 = 64.58; conf 10/12.
EX_P = (3 * 3 + 3 * 4 + 2 * 4 + 2 * 1 + 2 * 0) / (4 * 12) * 100
# Feasibility: data_access 3 (w3); leak_free_split 2 (w2); team_coverage: 3 of 7 roles filled by
# 3 people -> 4*3/7 (w2); serving_path asserted by "batch" 1 (w2); checklist_completion (w3)
# over data + model_to_product + team: data has yes, partial, no, 1 n/a, 3 unknown (6
# applicable, 1.5 done); model_to_product all n/a; team has 1 yes and 6 unknown (7
# applicable, 1 done) -> 2.5 / 13 done -> level 4 * 2.5/13 = 10/13, answered 4/13.
#   (3*3 + 2*2 + 2*(12/7) + 2*1 + 3*(10/13)) / 80 * 100 = 25.92
EX_F = (3 * 3 + 2 * 2 + 2 * (12 / 7) + 2 * 1 + 3 * (10 / 13)) / (4 * 20) * 100
EX_F_CONF = (3 + 2 + 2 + 2 + 3 * 4 / 13) / 20
# Risk: harm 2*3 = 6 (w3); personal_data 1*1 = 1 (w2); the other six rated factors are
# unrated -> 3*3 = 9 (weights 2,2,1,1,1,2 = 9); open_pitfalls (w2) over wrong_problem +
# offline_online + non_technical + responsible_ai: 6 + 0 (all n/a) + 6 + 7 = 19 applicable,
# 1.5 done -> open share 17.5/19 -> 16 * 17.5/19.
#   (3*6 + 2*1 + 9*9 + 2*16*17.5/19) / (16*16) * 100 = 50.97; confidence (3 + 2 + 2*2/19)/16
EX_R = (3 * 6 + 2 * 1 + 9 * 9 + 2 * 16 * 17.5 / 19) / (16 * 16) * 100
EX_R_CONF = (3 + 2 + 2 * 2 / 19) / 16
EX_PRIORITY = (0.30 * EX_D + 0.35 * EX_P + 0.35 * EX_F) * (1 - 0.5 * EX_R / 100)  # 35.34


def test_example_dimension_scores(cards: dict[str, ScoreCard]) -> None:
    card = cards[EXAMPLE]
    assert card.scores == {"desirability": 52.5, "profitability": r1(EX_P),
                           "feasibility": r1(EX_F), "risk": r1(EX_R)}
    assert (r1(EX_P), r1(EX_F), r1(EX_R)) == (64.6, 25.9, 51.0)


def test_example_confidence(cards: dict[str, ScoreCard]) -> None:
    card = cards[EXAMPLE]
    assert card.confidence["desirability"] == 0.8
    assert card.confidence["profitability"] == round(10 / 12, 2) == 0.83
    assert card.confidence["feasibility"] == round(EX_F_CONF, 2) == 0.5  # 9.92/20 = 0.496
    assert card.confidence["risk"] == round(EX_R_CONF, 2) == 0.33


def test_example_priority_impact_quadrant(cards: dict[str, ScoreCard]) -> None:
    card = cards[EXAMPLE]
    assert card.priority == r1(EX_PRIORITY) == 35.3
    # impact = (0.30*52.5 + 0.35*64.58) / 0.65 = 59.01; delivery = (50.97 + 100 - 25.92)/2
    assert card.impact == r1((0.30 * EX_D + 0.35 * EX_P) / 0.65) == 59.0
    assert card.delivery_risk == r1((EX_R + 100 - EX_F) / 2) == 62.5
    assert card.quadrant == STRATEGIC_BET  # both >= 50
    assert card.weakest == "feasibility"  # 25.9 < 52.5, 64.6, 100 - 51.0
    assert card.caps == ()
    assert flag_ids(card) == {"no_online_plan", "no_domain_expert"}


def test_example_breakdown(cards: dict[str, ScoreCard]) -> None:
    card = cards[EXAMPLE]
    decision = row(card, "decision_named")
    assert (decision.level, decision.basis, decision.contribution) == (4.0, "evidence", 30.0)
    beats = row(card, "beats_baseline")
    assert (beats.level, beats.basis) == (1.0, "asserted")  # text without a level
    stakeholders = row(card, "stakeholder_support")
    assert (stakeholders.level, stakeholders.basis, stakeholders.contribution) == (
        None, "unanswered", 0.0)
    human = row(card, "human_fit")
    assert (human.level, human.note) == (3.0, "Shadow run with two shift leads")
    assert (row(card, "roi").level, row(card, "roi").basis) == (4.0, "computed")
    assert row(card, "team_coverage").level == r1(12 / 7) == 1.7
    assert row(card, "checklist_completion").level == r1(4 * 2.5 / 13) == 0.8
    assert card.roi == pytest.approx(2.6)
    assert card.payback_months == pytest.approx(4.8)


# ---- the emptiest valid proposal ------------------------------------------------------------

MINIMAL = scenario("minimal", """\
title: Something with ML
summary: We would like to try machine learning on this.
team: Finance
stage: idea
""")


def test_minimal_proposal(cards: dict[str, ScoreCard]) -> None:
    card = cards[MINIMAL]
    # Nothing answered: D = P = F = 0. Every rated factor assumed 3*3 = 9 (weights sum 14),
    # open_pitfalls: all 25 items unknown -> open share 1 -> 16 (w2):
    #   (14*9 + 2*16) / 256 * 100 = 158/256*100 = 61.72
    assert card.scores == {"desirability": 0.0, "profitability": 0.0, "feasibility": 0.0,
                           "risk": r1(158 / 256 * 100)}
    assert card.confidence == {"desirability": 0.0, "profitability": 0.0, "feasibility": 0.0,
                               "risk": 0.0}
    assert card.priority == 0.0
    assert card.delivery_risk == r1((158 / 256 * 100 + 100) / 2) == 80.9
    assert card.quadrant == RECONSIDER
    assert cap_ids(card) == {"no_decision_or_metric", "no_data_access"}
    assert flag_ids(card) == {"no_decision_or_metric", "no_data_access", "no_baseline",
                              "no_online_plan", "no_sponsor", "weakest_link", "thin_evidence"}
    assert all(r.assumed for r in card.risks if r.factor_id != "open_pitfalls")
    assert card.roi is None and card.payback_months is None


# ---- a strong proposal that most variants start from ------------------------------------

STRONG: dict[str, Any] = {
    "title": "Rank overdue invoices for collections calls",
    "summary": "Collections calls overdue accounts in a fixed order; a ranking would help.",
    "team": "Risk",
    "stage": "pilot",
    "owner": "Dana Okafor",
    "sponsor": "Head of Credit Risk",
    "problem": {
        "decision": "Which overdue accounts are called first each morning",
        "decision_owner": "Collections team leads",
        "user_need": "Team leads asked for a ranked list",
        "non_ml_alternative": "Sorting by amount overdue",
        "automation": "augment",
        "stakeholders": "Credit risk committee agreed the goal",
        "business_metric": {"name": "Late invoices recovered in 30 days", "unit": "%",
                            "baseline": 61, "target": 70, "direction": "increase"},
    },
    # ROI = (3*240000 - 120000) / 120000 = 5 -> 4; payback = 120000 / 20000 = 6 months -> 4
    "value": {"currency": "EUR", "annual_value": 240000, "one_off_cost": 120000,
              "annual_running_cost": 0, "confidence": "high",
              "basis": "Volumes times recovered amount; build, serving and upkeep costed"},
    "data": {
        "sources": [{"name": "Invoice ledger", "owner": "Finance systems", "access": "granted"}],
        "labels": "available",
        "labelling_plan": "Outcomes come from the ledger",
        "golden_set": "400 invoices from Q1, never trained on",
        "representativeness": "All regions since 2021",
        "leakage_exposure": ["temporal"],
        "split_plan": "Train before 2025-07, test after",
    },
    "roles": {role: f"Person {n}" for n, role in enumerate(ALL_ROLES)},
    "delivery": {
        "mvp": "Ranked list for one region; stop after 8 weeks without gain",
        "serving": "batch",
        "uses_llm": False,
        "technical_evidence": "Prototype beat the amount rule on 2025 data",
        "online_metrics": ["Recovery within 30 days"],
        "ab_plan": "Half the team works from the list for six weeks",
    },
    "risks": {
        "human_oversight": "review-before-action",
        "personal_data": False,
        "factors": {f: {"severity": 1, "likelihood": 1} for f in RATED_FACTORS},
    },
    "evidence": dict.fromkeys(EVIDENCE_IDS, 4),
    "checklists": all_items("yes"),
}
STRONG_ID = scenario("strong", STRONG)
# D = P = F = 100. Risk: every rated factor 1*1 (weights sum 14), open_pitfalls all done -> 0:
#   14 / 256 * 100 = 5.47; priority = 100 * (1 - 0.5 * 0.0547) = 97.27
STRONG_RISK = 14 / 256 * 100
STRONG_DISCOUNT = 1 - 0.5 * STRONG_RISK / 100


def test_strong_proposal(cards: dict[str, ScoreCard]) -> None:
    card = cards[STRONG_ID]
    assert card.scores == {"desirability": 100.0, "profitability": 100.0,
                           "feasibility": 100.0, "risk": r1(STRONG_RISK)}
    assert card.priority == r1(100 * STRONG_DISCOUNT) == 97.3
    assert card.delivery_risk == r1(STRONG_RISK / 2) == 2.7
    assert card.quadrant == QUICK_WIN
    assert set(card.confidence.values()) == {1.0}
    assert card.caps == () and card.flags == () and card.suggestions == ()


# ---- ROI and payback levels -----------------------------------------------------------------
# (annual_value, one_off_cost, annual_running_cost, confidence,
#  ROI by hand, payback months by hand, ROI level, payback level)
MONEY_CASES = {
    # cost 250000; ROI (900000-250000)/250000 = 2.6; payback 100000/(250000/12) = 4.8
    "money-high": (300000, 100000, 50000, "high", 2.6, 4.8, 4, 4),
    # cost 150000+60000 = 210000; ROI (300000-210000)/210000 = 0.43; payback 150000/(80000/12)
    "money-modest": (100000, 150000, 20000, None, 90 / 210, 22.5, 1, 2),
    # band edges: ROI exactly 0 -> 1; payback exactly 36 -> 1 (144000 / 4000)
    "money-edge-0-36": (48000, 144000, 0, None, 0.0, 36.0, 1, 1),
    # ROI (180000-120000)/120000 = 0.5 -> 2; payback 120000/5000 = 24 -> 2
    "money-edge-05-24": (60000, 120000, 0, None, 0.5, 24.0, 2, 2),
    # ROI (360000-180000)/180000 = 1 -> 3; payback 180000/10000 = 18 -> 2
    "money-edge-1": (120000, 180000, 0, None, 1.0, 18.0, 3, 2),
    # ROI (360000-120000)/120000 = 2 -> 4; payback 120000/10000 = 12 -> 3
    "money-edge-2-12": (120000, 120000, 0, None, 2.0, 12.0, 4, 3),
    # just past the payback edge: 148000/4000 = 37 months -> 0; ROI (144000-148000)/148000 < 0
    "money-37-months": (48000, 148000, 0, None, -4000 / 148000, 37.0, 0, 0),
    # running cost above the value: never pays back; ROI (150000-190000)/190000
    "money-never": (50000, 10000, 60000, None, -40000 / 190000, float("inf"), 0, 0),
    # low confidence loses one level on both, never below 0
    "money-high-low-conf": (300000, 100000, 50000, "low", 2.6, 4.8, 3, 3),
    "money-modest-low-conf": (100000, 150000, 20000, "low", 90 / 210, 22.5, 0, 1),
    "money-never-low-conf": (50000, 10000, 60000, "low", -40000 / 190000, float("inf"), 0, 0),
    "money-medium-conf": (300000, 100000, 50000, "medium", 2.6, 4.8, 4, 4),
}
for _pid, (_annual, _one_off, _running, _confidence, *_rest) in MONEY_CASES.items():
    _value = {"annual_value": _annual, "one_off_cost": _one_off,
              "annual_running_cost": _running}
    if _confidence:
        _value["confidence"] = _confidence
    scenario(_pid, edit(STRONG, {"value": _value}))


@pytest.mark.parametrize("pid", sorted(MONEY_CASES))
def test_roi_and_payback_levels(cards: dict[str, ScoreCard], pid: str) -> None:
    _, _, _, _, roi, payback, roi_level, payback_level = MONEY_CASES[pid]
    card = cards[pid]
    assert card.roi == pytest.approx(roi)
    assert card.payback_months == pytest.approx(payback)
    assert row(card, "roi").level == roi_level
    assert row(card, "payback").level == payback_level
    # Every other profitability criterion is at 4 (weights 3, 2, 2 -> 28 of 48):
    expected_p = (3 * 4 + 3 * roi_level + 2 * payback_level + 2 * 4 + 2 * 4) / 48 * 100
    assert card.scores["profitability"] == r1(expected_p)


MONEY_VALUE_ONLY = scenario("money-value-only", edit(STRONG, {"value": {"annual_value": 1000}}))


def test_roi_unanswered_without_costs(cards: dict[str, ScoreCard]) -> None:
    card = cards[MONEY_VALUE_ONLY]
    assert card.roi is None and card.payback_months is None
    assert row(card, "roi").basis == "unanswered"
    assert row(card, "payback").level is None
    # P = (12 + 0 + 0 + 8 + 8) / 48 = 58.33; confidence (12 - 5) / 12
    assert card.scores["profitability"] == r1(28 / 48 * 100)
    assert card.confidence["profitability"] == round(7 / 12, 2)


MONEY_NO_ONE_OFF = scenario("money-no-one-off", edit(
    STRONG, {"value": {"annual_value": 120000, "annual_running_cost": 20000}}))


def test_payback_unanswered_without_one_off_cost(cards: dict[str, ScoreCard]) -> None:
    assert row(cards[MONEY_NO_ONE_OFF], "payback").level is None


MONEY_ZERO = scenario("money-all-zero", edit(
    STRONG, {"value": {"annual_value": 0, "one_off_cost": 0, "annual_running_cost": 0}}))


def test_zero_value_zero_cost_is_not_top_roi(cards: dict[str, ScoreCard]) -> None:
    assert row(cards[MONEY_ZERO], "roi").level in (None, 0.0)


# ---- team coverage ---------------------------------------------------------------------------

def _roles(*names: str) -> dict[str, str]:
    return dict(zip(ALL_ROLES, names, strict=True))


TEAM_CASES = {
    # roles given -> (team_coverage level, one_person_team flag)
    "team-seven-people": (_roles(*(f"P{n}" for n in range(7))), 4.0, False),
    # one person in every role: 4*7/7 = 4, capped at 1
    "team-one-person": (_roles(*["Sam Rivera"] * 7), 1.0, True),
    # names compare case- and space-insensitively: still one person
    "team-one-person-spelling": (_roles("Sam Rivera", "sam rivera", "SAM RIVERA ", "Sam Rivera",
                                        "sam Rivera", "Sam rivera", "Sam Rivera"), 1.0, True),
    # two people across all seven roles: 4*7/7 = 4, not capped
    "team-two-people": (_roles(*["Sam Rivera"] * 6, "Ola Berg"), 4.0, False),
    # three roles filled (vacant / TBD / ? / none / empty count as empty): 4*3/7 = 1.71
    "team-three-of-seven": (_roles("Ana", "Lee", "Sam", "vacant", "TBD", "?", "none"),
                            round(12 / 7, 1), False),
}
for _pid, (_roles_given, *_x) in TEAM_CASES.items():
    scenario(_pid, edit(STRONG, {"roles": _roles_given}))


@pytest.mark.parametrize("pid", sorted(TEAM_CASES))
def test_team_coverage(cards: dict[str, ScoreCard], pid: str) -> None:
    _, level, one_person = TEAM_CASES[pid]
    card = cards[pid]
    assert row(card, "team_coverage").level == level
    assert ("one_person_team" in flag_ids(card)) is one_person


def test_team_coverage_feasibility_by_hand(cards: dict[str, ScoreCard]) -> None:
    # Every other feasibility criterion is at 4: (20 - 2) * 4 = 72 of 80.
    assert cards["team-one-person"].scores["feasibility"] == r1((72 + 2 * 1) / 80 * 100)  # 92.5
    assert cards["team-three-of-seven"].scores["feasibility"] == r1(
        (72 + 2 * 12 / 7) / 80 * 100)  # 94.29
    assert cards["team-two-people"].scores["feasibility"] == 100.0


TEAM_NOBODY = scenario("team-nobody", edit(STRONG, {"roles": _roles(*["vacant"] * 7)}))


def test_team_all_vacant_scores_zero(cards: dict[str, ScoreCard]) -> None:
    card = cards[TEAM_NOBODY]
    assert row(card, "team_coverage").level == 0.0
    assert card.scores["feasibility"] == r1(72 / 80 * 100)  # answered, level 0: 90.0
    assert card.confidence["feasibility"] == 1.0


def test_all_vacant_team_is_not_a_one_person_team(cards: dict[str, ScoreCard]) -> None:
    assert "one_person_team" not in flag_ids(cards[TEAM_NOBODY])


TEAM_ONE_ROLE = scenario("team-one-role", edit(STRONG, {"roles": {"data_scientist": "Lee Park"}}))


def test_computed_level_labels_do_not_say_none_for_a_nonzero_level(
        cards: dict[str, ScoreCard]) -> None:
    team = row(cards[TEAM_ONE_ROLE], "team_coverage")
    assert team.level == r1(4 / 7)
    checklist = row(cards[EXAMPLE], "checklist_completion")
    assert checklist.level == r1(4 * 2.5 / 13)
    assert team.level_label != RUBRIC.criterion("team_coverage").scale[0]  # type: ignore[union-attr]
    assert checklist.level_label != RUBRIC.criterion(  # type: ignore[union-attr]
        "checklist_completion").scale[0]


# ---- checklist completion ------------------------------------------------------------------

_MIXED_DATA = {"sources_and_owners": "yes", "representative": "partial",
               "split_mirrors_use": "no", "features_available_at_prediction": "n/a",
               "labels_with_guidelines": "n/a", "golden_set": "n/a", "explored_by_hand": "n/a"}
CHECKLIST_MIXED = scenario("checklist-mixed", edit(STRONG, {
    "checklists.data": _MIXED_DATA,
    **{f"checklists.{c}": all_items("n/a", (c,))[c] for c in ("model_to_product", "team")},
}))
CHECKLIST_ALL_NA = scenario("checklist-all-na", edit(STRONG, {
    f"checklists.{c}": all_items("n/a", (c,))[c] for c in ("data", "model_to_product", "team")}))
CHECKLIST_ALL_NO = scenario("checklist-all-no", edit(STRONG, {
    f"checklists.{c}": all_items("no", (c,))[c] for c in ("data", "model_to_product", "team")}))
CHECKLIST_ONE_DONE = scenario("checklist-one-done", edit(
    STRONG, drop=("checklists.model_to_product", "checklists.team")))
PITFALLS_ALL_NA = scenario("pitfalls-all-na", edit(STRONG, {
    f"checklists.{c}": all_items("n/a", (c,))[c]
    for c in ("wrong_problem", "offline_online", "non_technical", "responsible_ai")}))


def test_checklist_yes_partial_no_na(cards: dict[str, ScoreCard]) -> None:
    card = cards[CHECKLIST_MIXED]
    # applicable: yes, partial, no (3); done 1 + 0.5 + 0 = 1.5 -> level 4 * 1.5/3 = 2
    assert row(card, "checklist_completion").level == 2.0
    # other feasibility criteria: 17 * 4 = 68 of 80; (68 + 3*2) / 80 = 92.5
    assert card.scores["feasibility"] == r1((68 + 3 * 2) / 80 * 100)
    assert card.confidence["feasibility"] == 1.0
    data = next(c for c in card.checklists if c.id == "data")
    assert (data.done, data.applicable, data.completion) == (1.5, 3, 0.5)


def test_checklist_all_na_is_unanswered(cards: dict[str, ScoreCard]) -> None:
    card = cards[CHECKLIST_ALL_NA]
    completion = row(card, "checklist_completion")
    assert (completion.level, completion.basis) == (None, "unanswered")
    assert card.scores["feasibility"] == r1(68 / 80 * 100)  # 85.0
    assert card.confidence["feasibility"] == round(17 / 20, 2) == 0.85
    assert all(c.completion is None for c in card.checklists
               if c.id in ("data", "model_to_product", "team"))


def test_checklist_all_no_is_answered_zero(cards: dict[str, ScoreCard]) -> None:
    card = cards[CHECKLIST_ALL_NO]
    assert row(card, "checklist_completion").level == 0.0
    assert card.scores["feasibility"] == 85.0  # same score as all n/a ...
    assert card.confidence["feasibility"] == 1.0  # ... but fully answered


def test_checklist_unknown_items_count_as_open(cards: dict[str, ScoreCard]) -> None:
    card = cards[CHECKLIST_ONE_DONE]
    # data all yes (7), model_to_product and team unknown (14): done 7/21 -> level 4/3
    assert row(card, "checklist_completion").level == r1(4 / 3)
    assert card.scores["feasibility"] == r1((68 + 3 * 4 / 3) / 80 * 100)  # 90.0
    assert card.confidence["feasibility"] == round((17 + 3 * 7 / 21) / 20, 2) == 0.9


def test_open_pitfalls_all_na_is_assumed(cards: dict[str, ScoreCard]) -> None:
    card = cards[PITFALLS_ALL_NA]
    # Nothing applicable -> assumed 3*3 = 9 like an unrated factor: (14 + 2*9) / 256 = 12.5
    assert card.scores["risk"] == r1((14 + 2 * 9) / 256 * 100) == 12.5
    assert card.confidence["risk"] == pytest.approx(14 / 16, abs=0.01)


# ---- caps -------------------------------------------------------------------------------------

CAP_NO_METRIC = scenario("cap-no-metric", edit(
    STRONG, drop=("problem.business_metric", "evidence.business_metric")))
CAP_DECISION_ZERO = scenario("cap-decision-level-0", edit(STRONG, {"evidence.decision_named": 0}))
CAP_NO_ACCESS = scenario("cap-no-access", edit(STRONG, {"data.sources": [
    {"name": "Invoice ledger", "access": "requested"}, {"name": "CRM", "access": "refused"}]}))
CAP_NO_SOURCES = scenario("cap-no-sources", edit(STRONG, drop=("data.sources",)))
NOCAP_ONE_GRANTED = scenario("nocap-one-granted", edit(STRONG, {"data.sources": [
    {"name": "Invoice ledger", "access": "refused"}, {"name": "CRM", "access": "granted"}]}))
CAP_HARM = scenario("cap-harm-no-oversight", edit(STRONG, {
    "risks.factors.harm_if_wrong": {"severity": 3, "likelihood": 4},
    "risks.human_oversight": "none"}))
CAP_HARM_UNKNOWN = scenario("cap-harm-oversight-unknown", edit(STRONG, {
    "risks.factors.harm_if_wrong": {"severity": 4, "likelihood": 3}},
    drop=("risks.human_oversight",)))
NOCAP_HARM_REVIEWED = scenario("nocap-harm-spot-checks", edit(STRONG, {
    "risks.factors.harm_if_wrong": {"severity": 3, "likelihood": 4},
    "risks.human_oversight": "spot-checks"}))
NOCAP_HARM_9 = scenario("nocap-harm-9", edit(STRONG, {
    "risks.factors.harm_if_wrong": {"severity": 3, "likelihood": 3},
    "risks.human_oversight": "none"}))
CAP_LEAKAGE = scenario("cap-leakage-no-split", edit(STRONG, drop=("data.split_plan",)))
NOCAP_NO_LEAKAGE = scenario("nocap-no-leakage", edit(
    STRONG, {"data.leakage_exposure": []}, drop=("data.split_plan",)))


def assert_capped(card: ScoreCard, cap_id: str) -> None:
    assert cap_ids(card) == {cap_id}
    red = [f for f in card.flags if f.severity == "red"]
    assert [f.id for f in red] == [cap_id]
    assert card.flags[0].id == cap_id  # red flags come first


def test_cap_no_decision_or_metric(cards: dict[str, ScoreCard]) -> None:
    card = cards[CAP_NO_METRIC]
    # P = (48 - 3*4) / 48 = 75; uncapped priority (30 + 0.35*75 + 35) * 0.9727 = 88.75 -> 25
    assert card.scores["profitability"] == 75.0
    assert (30 + 0.35 * 75 + 35) * STRONG_DISCOUNT > 25
    assert card.priority == 25.0
    assert_capped(card, "no_decision_or_metric")
    # An explicit level 0 counts as missing too.
    decision_zero = cards[CAP_DECISION_ZERO]
    assert decision_zero.priority == 25.0
    assert_capped(decision_zero, "no_decision_or_metric")


def test_cap_no_data_access(cards: dict[str, ScoreCard]) -> None:
    for pid in (CAP_NO_ACCESS, CAP_NO_SOURCES):
        card = cards[pid]
        assert card.scores["feasibility"] == 25.0  # 100 capped at 25
        # priority = (30 + 35 + 0.35*25) * (1 - 0.5*0.0547) = 73.75 * 0.97266 = 71.73
        assert card.priority == r1((30 + 35 + 0.35 * 25) * STRONG_DISCOUNT) == 71.7
        # delivery risk uses the capped feasibility: (5.47 + 75) / 2
        assert card.delivery_risk == r1((STRONG_RISK + 75) / 2)
        assert_capped(card, "no_data_access")
    assert cards[NOCAP_ONE_GRANTED].caps == ()
    assert cards[NOCAP_ONE_GRANTED].scores["feasibility"] == 100.0


def test_cap_harm_without_oversight(cards: dict[str, ScoreCard]) -> None:
    # harm 3*4 = 12 replaces 1 (w3): risk = (14 - 3 + 3*12) / 256 = 47/256 = 18.36
    risk = (14 - 3 + 3 * 12) / 256 * 100
    uncapped = 100 * (1 - 0.5 * risk / 100)  # 90.82
    for pid in (CAP_HARM, CAP_HARM_UNKNOWN):
        card = cards[pid]
        assert card.scores["risk"] == r1(risk)
        assert card.priority == 10.0
        assert_capped(card, "harm_without_oversight")
    reviewed = cards[NOCAP_HARM_REVIEWED]
    assert reviewed.caps == () and reviewed.priority == r1(uncapped) == 90.8
    # 3*3 = 9 is below the cap's 12, even with no oversight: (14 - 3 + 27) / 256
    below = cards[NOCAP_HARM_9]
    assert below.caps == ()
    assert below.priority == r1(100 * (1 - 0.5 * (38 / 256)))


def test_a_capped_proposal_is_told_to_resolve_the_red_flag_first(
        cards: dict[str, ScoreCard]) -> None:
    """Under a priority cap no answer moves the number, so the top suggestion is the cap:
    its gain is the uncapped priority (90.82, as above) minus the cap of 10."""
    card = cards[CAP_HARM]
    top = card.suggestions[0]
    assert (top.kind, top.id, top.current, top.target) == (
        "cap", "harm_without_oversight", "red flag", "resolved")
    risk = (14 - 3 + 3 * 12) / 256 * 100
    assert top.gain == r1(100 * (1 - 0.5 * risk / 100) - 10)
    assert cards[NOCAP_HARM_REVIEWED].suggestions == () or all(
        s.kind != "cap" for s in cards[NOCAP_HARM_REVIEWED].suggestions)


def test_cap_leakage_without_split(cards: dict[str, ScoreCard]) -> None:
    card = cards[CAP_LEAKAGE]
    # leak_free_split evidence stays 4, so uncapped F = 100; capped at 40.
    assert card.scores["feasibility"] == 40.0
    assert card.priority == r1((30 + 35 + 0.35 * 40) * STRONG_DISCOUNT) == 76.8
    assert_capped(card, "leakage_without_split")
    # An empty list means "checked, none found": no cap without a split plan.
    assert cards[NOCAP_NO_LEAKAGE].caps == ()
    assert cards[NOCAP_NO_LEAKAGE].scores["feasibility"] == 100.0


def test_every_cap_is_tested() -> None:
    tested = {"no_decision_or_metric", "no_data_access", "harm_without_oversight",
              "leakage_without_split"}
    assert {c.id for c in RUBRIC.caps} == tested


# ---- flags: each one triggered, and a close variant that is not ------------------------------

FLAG_CASES: dict[str, tuple[list[str], list[str]]] = {}


def flag_case(flag_id: str, fire: dict[str, dict[str, Any]],
              quiet: dict[str, dict[str, Any]]) -> None:
    FLAG_CASES[flag_id] = ([scenario(p, d) for p, d in fire.items()],
                           [scenario(p, d) for p, d in quiet.items()])


flag_case("one_person_team",
          {"flag-one-person": edit(STRONG, {"roles": _roles(*["Sam Rivera"] * 7)})},
          {"flag-one-person-plus-sme": edit(STRONG, {"roles": _roles(*["Sam Rivera"] * 6,
                                                                     "Ola Berg")})})
flag_case("no_baseline",
          {"flag-no-baseline": edit(STRONG, drop=("problem.non_ml_alternative",
                                                  "evidence.beats_baseline")),
           "flag-baseline-level-0": edit(STRONG, {"evidence.beats_baseline": 0})},
          {"flag-baseline-asserted": edit(STRONG, drop=("evidence.beats_baseline",))})
flag_case("no_online_plan",
          {"flag-no-online": edit(STRONG, drop=("delivery.online_metrics", "delivery.ab_plan"))},
          {"flag-online-metrics-only": edit(STRONG, drop=("delivery.ab_plan",)),
           "flag-ab-plan-only": edit(STRONG, drop=("delivery.online_metrics",))})
flag_case("personal_data_without_review",
          {"flag-pd-review-none": edit(STRONG, {"risks.personal_data": True,
                                                "risks.privacy_review": "none"}),
           "flag-pd-review-missing": edit(STRONG, {"risks.personal_data": True})},
          {"flag-pd-review-planned": edit(STRONG, {"risks.personal_data": True,
                                                   "risks.privacy_review": "planned"}),
           "flag-pd-not-needed": edit(STRONG, {"risks.personal_data": True,
                                               "risks.privacy_review": "not-needed"}),
           "flag-no-pd-review-none": edit(STRONG, {"risks.privacy_review": "none"})})
flag_case("no_labels_no_plan",
          {"flag-no-labels": edit(STRONG, {"data.labels": "none"}, drop=("data.labelling_plan",))},
          {"flag-no-labels-with-plan": edit(STRONG, {"data.labels": "none"}),
           "flag-labels-planned": edit(STRONG, {"data.labels": "planned"},
                                       drop=("data.labelling_plan",))})
flag_case("llm_without_evaluation_set",
          {"flag-llm-no-golden": edit(STRONG, {"delivery.uses_llm": True},
                                      drop=("data.golden_set",))},
          {"flag-llm-golden": edit(STRONG, {"delivery.uses_llm": True}),
           "flag-no-llm-no-golden": edit(STRONG, drop=("data.golden_set",))})
flag_case("no_sponsor",
          {"flag-no-sponsor": edit(STRONG, drop=("sponsor",)),
           "flag-blank-sponsor": edit(STRONG, {"sponsor": "  "})},
          {"flag-sponsor": edit(STRONG, {"sponsor": "CFO"})})
flag_case("no_domain_expert",
          {"flag-sme-vacant": edit(STRONG, {"roles.subject_matter_expert": "vacant"}),
           "flag-sme-missing": edit(STRONG, drop=("roles.subject_matter_expert",))},
          {"flag-sme-named": edit(STRONG, {"roles.subject_matter_expert": "Senior agent"}),
           "flag-no-roles-at-all": edit(STRONG, drop=("roles",))})
flag_case("affected_groups_not_evaluated",
          {"flag-groups-partial": edit(STRONG, {
              "risks.affected_groups": ["Small businesses"],
              "checklists.responsible_ai.results_by_group": "partial"}),
           "flag-groups-unknown": edit(STRONG, {"risks.affected_groups": ["Small businesses"]},
                                       drop=("checklists.responsible_ai.results_by_group",))},
          {"flag-groups-evaluated": edit(STRONG, {"risks.affected_groups": ["Small businesses"]}),
           "flag-no-groups": edit(STRONG, {
               "checklists.responsible_ai.results_by_group": "no"})})
# weakest_link: desirability 22.5 (decision_named 3 -> 9/40) fires, 25.0 (3*2 + 2*2 = 10/40)
# does not; the threshold is "below 25".
_LOW_D = dict.fromkeys(["user_need", "beats_baseline", "stakeholder_support", "human_fit"], 0)
flag_case("weakest_link",
          {"flag-weak-d-22-5": edit(STRONG, {"evidence": {**STRONG["evidence"], **_LOW_D,
                                                          "decision_named": 3}})},
          {"flag-weak-d-25": edit(STRONG, {"evidence": {**STRONG["evidence"], **_LOW_D,
                                                        "decision_named": 2, "user_need": 2}})})
# thin_evidence: confidence = mean of the four dimension confidences. Desirability and
# profitability fully answered (1, 1), feasibility and risk not at all (0, 0): mean 0.5, not
# thin. Without value.basis profitability drops to 10/12: mean 0.458 < 0.5, thin.
_HALF = {
    "title": "Half-answered proposal",
    "summary": "Only the business side of this proposal is filled in so far.",
    "team": "Finance",
    "stage": "idea",
    "sponsor": "CFO",
    "problem": STRONG["problem"],
    # All three amounts: a missing one is unknown, so return and payback stay unanswered.
    "value": {"annual_value": 240000, "one_off_cost": 120000, "annual_running_cost": 0,
              "basis": "A rough guess"},
    "delivery": {"ab_plan": "Staged rollout by region"},
}
flag_case("thin_evidence",
          {"flag-thin": edit(_HALF, drop=("value.basis",))},
          {"flag-half": _HALF})


@pytest.mark.parametrize("flag_id", sorted(FLAG_CASES))
def test_flag_fires_and_close_variant_does_not(cards: dict[str, ScoreCard],
                                               flag_id: str) -> None:
    fire, quiet = FLAG_CASES[flag_id]
    severity = RUBRIC.flag(flag_id).severity  # type: ignore[union-attr]
    for pid in fire:
        matching = [f for f in cards[pid].flags if f.id == flag_id]
        assert len(matching) == 1, pid
        assert matching[0].severity == severity
    for pid in quiet:
        assert flag_id not in flag_ids(cards[pid]), pid


def test_every_flag_is_tested() -> None:
    assert set(FLAG_CASES) == {f.id for f in RUBRIC.flags}


def test_flag_scenarios_by_hand(cards: dict[str, ScoreCard]) -> None:
    assert cards["flag-weak-d-22-5"].scores["desirability"] == 22.5
    assert cards["flag-weak-d-25"].scores["desirability"] == 25.0
    assert cards["flag-half"].confidence == {"desirability": 1.0, "profitability": 1.0,
                                             "feasibility": 0.0, "risk": 0.0}
    assert cards["flag-thin"].confidence["profitability"] == round(10 / 12, 2)


def test_flags_sorted_red_then_severity(cards: dict[str, ScoreCard]) -> None:
    order = {"red": 0, "high": 1, "medium": 2, "low": 3}
    for card in cards.values():
        keys = [(order[f.severity], f.id) for f in card.flags]
        assert keys == sorted(keys), card.proposal.id


# ---- quadrants at and around the thresholds ------------------------------------------------
# Base: every desirability and profitability level 2 -> D = P = 50, impact = 50 exactly.
# ROI (180000 - 120000)/120000 = 0.5 -> 2; payback 120000/5000 = 24 -> 2.
# Feasibility 0 (nothing answered); risk 0 (every factor 0*0, every pitfall item done):
# delivery risk = (0 + 100 - 0) / 2 = 50 exactly.
_QUADRANT = {
    "title": "Threshold probe",
    "summary": "A proposal tuned to sit exactly on both quadrant thresholds.",
    "team": "Finance",
    "stage": "idea",
    "problem": {"decision": "Which invoices to chase", "business_metric": {"name": "Recovery"}},
    "value": {"annual_value": 60000, "one_off_cost": 120000, "annual_running_cost": 0},
    "risks": {"factors": {f: {"severity": 0, "likelihood": 0} for f in RATED_FACTORS}},
    "evidence": dict.fromkeys(["decision_named", "user_need", "beats_baseline",
                               "stakeholder_support", "human_fit", "business_metric",
                               "cost_estimate", "online_measurement"], 2),
    "checklists": all_items("yes", ("wrong_problem", "offline_online", "non_technical",
                                    "responsible_ai")),
}
QUADRANT_CASES = {
    # pid: (changes, desirability, feasibility, quadrant)
    "q-on-both": ({}, 50.0, 0.0, STRATEGIC_BET),
    # human_fit 1: D = 19/40 = 47.5 -> impact (14.25 + 17.5)/0.65 = 48.8 < 50
    "q-impact-below": ({"evidence.human_fit": 1}, 47.5, 0.0, RECONSIDER),
    # human_fit 3: D = 21/40 = 52.5 -> impact 51.2
    "q-impact-above": ({"evidence.human_fit": 3}, 52.5, 0.0, STRATEGIC_BET),
    # serving "batch" asserts serving_path 1: F = 2/80 = 2.5 -> delivery (100 - 2.5)/2 = 48.75
    "q-risk-below": ({"delivery": {"serving": "batch"}}, 50.0, 2.5, QUICK_WIN),
    "q-both-below": ({"evidence.human_fit": 1, "delivery": {"serving": "batch"}}, 47.5, 2.5,
                     INCREMENTAL),
}
for _pid, (_changes, *_x) in QUADRANT_CASES.items():
    scenario(_pid, edit(_QUADRANT, _changes))


@pytest.mark.parametrize("pid", sorted(QUADRANT_CASES))
def test_quadrant_thresholds(cards: dict[str, ScoreCard], pid: str) -> None:
    _, desirability, feasibility, quadrant = QUADRANT_CASES[pid]
    card = cards[pid]
    assert card.scores == {"desirability": desirability, "profitability": 50.0,
                           "feasibility": feasibility, "risk": 0.0}
    assert card.impact == r1((0.30 * desirability + 0.35 * 50) / 0.65)
    assert card.delivery_risk == r1((0 + 100 - feasibility) / 2)
    assert card.quadrant == quadrant


# D = 19/40 = 47.5 and P = 25/48 = 52.08 (business_metric 3, online_measurement 1):
# impact = (14.25 + 18.229) / 0.65 = 49.968, published as 50.0.
Q_ROUNDING = scenario("q-impact-rounds-to-50", edit(_QUADRANT, {
    "evidence.human_fit": 1, "evidence.business_metric": 3, "evidence.online_measurement": 1}))


def test_quadrant_agrees_with_published_impact(cards: dict[str, ScoreCard]) -> None:
    card = cards[Q_ROUNDING]
    assert card.impact == 50.0
    assert card.quadrant in (QUICK_WIN, STRATEGIC_BET)


# ---- suggestions --------------------------------------------------------------------------------

SUGGEST = scenario("suggest-three", edit(STRONG, {
    "evidence.human_fit": 3, "evidence.cost_estimate": 2,
    "checklists.team.domain_expert": "no"}))


def test_suggestions_by_hand(cards: dict[str, ScoreCard]) -> None:
    card = cards[SUGGEST]
    # cost_estimate 2 -> 3: P + 2/48*100 = +4.17 -> priority + 0.35 * 4.17 * 0.9727 = 1.42
    # human_fit 3 -> 4:    D + 1/40*100 = +2.5  -> priority + 0.30 * 2.5 * 0.9727 = 0.73
    # team.domain_expert no -> yes: checklist 20/21 -> 21/21, F + 3*(4/21)/80*100 = +0.71
    #                               -> priority + 0.35 * 0.714 * 0.9727 = 0.24
    got = [(s.id, s.current, s.target, s.gain) for s in card.suggestions]
    assert got == [
        ("cost_estimate", "level 2", "level 3", r1(0.35 * 2 / 48 * 100 * STRONG_DISCOUNT)),
        ("human_fit", "level 3", "level 4", r1(0.30 * 1 / 40 * 100 * STRONG_DISCOUNT)),
        ("team.domain_expert", "no", "yes", r1(0.35 * 3 * (4 / 21) / 80 * 100 * STRONG_DISCOUNT)),
    ]
    assert [s.gain for s in card.suggestions] == [1.4, 0.7, 0.2]


def test_suggestions_sorted_positive_at_most_five(cards: dict[str, ScoreCard]) -> None:
    assert len(cards[MINIMAL].suggestions) == 5
    for card in cards.values():
        gains = [s.gain for s in card.suggestions]
        assert len(gains) <= 5
        assert all(g > 0 for g in gains), card.proposal.id
        assert gains == sorted(gains, reverse=True), card.proposal.id


def test_applying_top_suggestion_raises_priority_by_its_gain(tmp_path: Path,
                                                             cards: dict[str, ScoreCard]) -> None:
    before = cards[EXAMPLE]
    top = before.suggestions[0]
    proposal = yaml.safe_load(EXAMPLE_YAML)
    assert top.kind != "cap"  # the example has no red flag
    if top.kind == "criterion":
        proposal.setdefault("evidence", {})[top.id] = int(top.target.split()[-1])
    else:
        checklist, item = top.id.split(".")
        proposal.setdefault("checklists", {}).setdefault(checklist, {})[item] = "yes"
    after = score_texts(tmp_path, {EXAMPLE: dump(proposal)})[EXAMPLE]
    # Both priorities are rounded to 0.1, and so is the gain.
    assert after.priority - before.priority == pytest.approx(top.gain, abs=0.11)


# ---- absoluteness and determinism -------------------------------------------------------------

def _comparable(card: ScoreCard) -> dict[str, Any]:
    data = card_json(card)
    data.pop("file")
    return data


def test_absoluteness(tmp_path: Path) -> None:
    """Adding, removing or changing other proposals never changes a proposal's card."""
    strong = dump(STRONG)
    weaker = dump(edit(STRONG, {"evidence": dict.fromkeys(EVIDENCE_IDS, 1),
                                "checklists": all_items("no")}))
    portfolios = {
        "alone": {EXAMPLE: EXAMPLE_YAML},
        "with-others": {EXAMPLE: EXAMPLE_YAML, "a-strong": strong, "z-minimal": SCENARIOS[MINIMAL]},
        "other-changed": {EXAMPLE: EXAMPLE_YAML, "a-strong": weaker,
                          "z-minimal": SCENARIOS[MINIMAL]},
        "other-removed": {EXAMPLE: EXAMPLE_YAML, "a-strong": weaker},
        "many-others": {EXAMPLE: EXAMPLE_YAML,
                        **{f"copy-{n}": t for n, t in enumerate(list(SCENARIOS.values())[:20])}},
    }
    seen = {name: _comparable(score_texts(tmp_path / name, texts)[EXAMPLE])
            for name, texts in portfolios.items()}
    reference = seen.pop("alone")
    for name, card in seen.items():
        assert card == reference, name


@pytest.fixture(scope="module")
def cli_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ids = [EXAMPLE, MINIMAL, STRONG_ID, CAP_NO_METRIC, CAP_NO_ACCESS, CAP_HARM, CAP_LEAKAGE,
           "flag-one-person", "q-on-both", "money-never"]
    return write_folder(tmp_path_factory.mktemp("cli"), {p: SCENARIOS[p] for p in ids})


def _sweetspot(*args: str, seed: str = "0") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    exe = shutil.which("sweetspot")
    command = [exe] if exe else [sys.executable, "-m", "scoring.cli.main"]
    return subprocess.run([*command, *args], capture_output=True, env=env, check=False)


def test_json_output_is_deterministic(cli_folder: Path) -> None:
    first = _sweetspot("score", str(cli_folder), "--format", "json", seed="1")
    second = _sweetspot("score", str(cli_folder), "--format", "json", seed="2")
    assert first.returncode == second.returncode == 0, first.stderr.decode()
    assert first.stdout == second.stdout
    assert len(json.loads(first.stdout)["proposals"]) == 10


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert cli_main(list(args)) == 0
    return capsys.readouterr().out


def test_cli_formats_contain_every_proposal(cli_folder: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    ids = sorted(p.stem for p in cli_folder.glob("*.yaml"))
    table = _cli(capsys, "score", str(cli_folder), "--format", "table")
    lines = table.splitlines()
    listed = [line.split()[0] for line in lines[2:2 + len(ids)]]
    assert sorted(listed) == ids
    assert f"{len(ids)} proposals." in table

    csv = _cli(capsys, "score", str(cli_folder), "--format", "csv")
    frame = pd.read_csv(io.StringIO(csv))
    assert sorted(frame["id"]) == ids
    assert len(frame) == len(ids)
    for column in ("desirability", "profitability", "feasibility", "risk", "priority",
                   "quadrant", "caps", "flags"):
        assert column in frame.columns
    example = frame.set_index("id").loc[EXAMPLE]
    assert example["priority"] == r1(EX_PRIORITY)
    assert example["desirability"] == 52.5

    payload = json.loads(_cli(capsys, "score", str(cli_folder), "--format", "json"))
    assert sorted(p["id"] for p in payload["proposals"]) == ids
    assert payload["invalid"] == []
    by_id = {p["id"]: p for p in payload["proposals"]}
    assert by_id[CAP_HARM]["caps"] == ["harm_without_oversight"]
    assert by_id["money-never"]["payback_months"] is None  # infinite -> null, valid JSON


# ---- a custom rubric --------------------------------------------------------------------------

def test_custom_rubric_weight_changes_scores_as_predicted(tmp_path: Path,
                                                          cli_folder: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          ) -> None:
    text = default_rubric_path().read_text(encoding="utf-8")
    old = "  - id: decision_named\n    dimension: desirability\n    weight: 3\n"
    assert text.count(old) == 1
    custom = tmp_path / "rubric.yaml"
    custom.write_text(text.replace(old, old.replace("weight: 3", "weight: 5")), encoding="utf-8")

    payload = json.loads(_cli(capsys, "score", str(cli_folder), "--format", "json",
                              "--rubric", str(custom)))
    card = next(p for p in payload["proposals"] if p["id"] == EXAMPLE)
    # decision_named 4 now weighs 5 (sum 12): (5*4 + 4 + 2 + 0 + 3) / 48 * 100 = 60.42
    desirability = (5 * 4 + 2 * 2 + 2 * 1 + 2 * 0 + 1 * 3) / (4 * 12) * 100
    assert card["scores"] == {"desirability": r1(desirability), "profitability": r1(EX_P),
                              "feasibility": r1(EX_F), "risk": r1(EX_R)}
    assert card["confidence"]["desirability"] == round(10 / 12, 2)  # (5 + 2 + 2 + 1) / 12
    priority = (0.30 * desirability + 0.35 * EX_P + 0.35 * EX_F) * (1 - 0.5 * EX_R / 100)
    assert card["priority"] == r1(priority) == 37.1
    # The strong proposal has every level at 4, so any weight leaves it at 100.
    strong = next(p for p in payload["proposals"] if p["id"] == STRONG_ID)
    assert strong["scores"]["desirability"] == 100.0
