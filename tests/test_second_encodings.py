"""The second encodings of the calibration cases (issue 24, item 1), and what makes them hold.

tests/calibration/second/ holds every case written again, blind, from the same facts in a
terser style: facts in prose where the first encoding used structured fields. The verdict
should follow the facts, not the writing. These tests pin down how the model reads them:

- answers in prose (scoring/data/prose_answers.yaml) settle the field they state, only where
  the field is left out, and rewording the sentence keeps the answer;
- a low-stakes change gated by a randomised experiment with guardrails goes ahead on its
  estimate (item 6), and only then;
- the count of second encodings that hold, so a model change that loses one fails here.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring.model.prose import as_read, prose_answers, prose_rules
from scoring.model.scorecard import ScoreCard, score_intake
from scoring.proposals.loading import load_proposals
from scoring.proposals.proposal import Proposal
from scoring.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION = ROOT / "tests" / "calibration"
SECOND = CALIBRATION / "second"
RUBRIC = load_rubric()
# Second encodings that hold their case's expectation today; the others are named in the
# report of benchmarks/calibration_styles.py with what they miss.
HOLDING = {
    "amazon-recruiting-screener",
    "booking-filter-suggestions",
    "dutch-childcare-benefits-risk-model",
    "engine-failure-one-person",
    "epic-sepsis-model",
    "google-flu-trends",
    "netflix-prize-blend",
    "robodebt-income-averaging",
    "sparse-draft",
    "strava-global-heatmap",
    "ups-orion-routing",
    "zillow-offers-pricing",
}


def read(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def score(tmp_path: Path, proposals: dict[str, dict[str, Any]]) -> dict[str, ScoreCard]:
    folder = tmp_path / "proposals"
    folder.mkdir(exist_ok=True)
    for name, data in proposals.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    intake = load_proposals([folder], RUBRIC)
    assert not intake.problems, [p.message for p in intake.problems]
    portfolio = score_intake(intake, RUBRIC)
    return {card.proposal.id: card for card in portfolio.cards}


def proposal_with(tmp_path: Path, **fields: Any) -> Proposal:
    """A minimal valid proposal with some fields set (dotted paths)."""
    data: dict[str, Any] = {
        "schema_version": 1,
        "title": "A use case",
        "summary": "A use case.",
        "team": "A team",
        "stage": "proposed",
    }
    for dotted, value in fields.items():
        *parents, leaf = dotted.split(".")
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    folder = tmp_path / "one"
    folder.mkdir(exist_ok=True)
    (folder / "case.yaml").write_text(yaml.safe_dump(data), "utf-8")
    intake = load_proposals([folder], RUBRIC)
    assert not intake.problems, [p.message for p in intake.problems]
    return intake.proposals[0]


@cache
def expected() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((CALIBRATION / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def holds(card: ScoreCard, expectation: dict[str, Any]) -> bool:
    flags = {flag.id for flag in card.flags}
    return (
        card.state == expectation["state"]
        and card.risk_class == expectation["risk_class"]
        and set(expectation.get("flags_present") or []) <= flags
        and not set(expectation.get("flags_absent") or []) & flags
    )


def test_the_second_encodings_that_hold_keep_holding() -> None:
    portfolio = score_intake(load_proposals([SECOND], RUBRIC), RUBRIC)
    holding = {
        card.proposal.id for card in portfolio.cards if holds(card, expected()[card.proposal.id])
    }
    assert holding >= HOLDING, f"no longer hold: {sorted(HOLDING - holding)}"
    assert len(holding) >= 12


# ---- answers in prose ---------------------------------------------------------------------

# Each fact as a terse author might write it, three ways; every wording settles the field.
REWORDINGS: list[tuple[str, str, Any, tuple[str, ...]]] = [
    (
        "risks.regulation",
        "governance.notice",
        "none",
        (
            "Applicants are not told a model rates them.",
            "Candidates are never told that an algorithm scored their application.",
            "People are not informed that the system selects them.",
        ),
    ),
    (
        "risks.regulation",
        "governance.appeal",
        "none",
        (
            "There is no route to contest a rating.",
            "Applicants cannot appeal the outcome.",
            "No appeal is possible once the score is set.",
        ),
    ),
    (
        "summary",
        "risks.human_oversight",
        "none",
        (
            "No one reviews individual grades before they are issued.",
            "The debt is raised without an officer looking at the case.",
            "Letters go out without any human review.",
        ),
    ),
    (
        "summary",
        "stakes.decides_about_people",
        False,
        (
            "Only changes which chips are shown; nothing is decided about anyone.",
            "It decides nothing about any person.",
            "The output is not used to decide about individual customers.",
        ),
    ),
    (
        "summary",
        "stakes.decides_about_people",
        False,
        (
            "It improves the comparability of offense charges across jurisdictions.",
            "The model is used for statistical purposes only.",
            "The output is not used to make decisions about anyone.",
        ),
    ),
    (
        "summary",
        "stakes.decides_about_people",
        False,
        (
            "A chatbot that answers questions about the program guidance.",
            "It helps staff retrieve information from technical manuals.",
            "Answers staff questions on the service manual.",
        ),
    ),
    (
        "summary",
        "stakes.people_affected",
        "millions",
        (
            "Re-render the map from every public activity (~1 billion activities).",
            "It scores the records of tens of millions of customers.",
            "Built from millions of members' GPS traces.",
        ),
    ),
    (
        "summary",
        "stakes.reversibility",
        "irreversible",
        (
            "Publish the new map worldwide.",
            "The tiles are published globally on launch day.",
            "We publish it to the world as open tiles.",
        ),
    ),
    (
        "summary",
        "problem.signal_basis",
        "correlational",
        (
            "Early likes correlate strongly with retention.",
            "We found a strong correlation between search volume and flu visits.",
            "Queries were picked by how well they matched the official series.",
        ),
    ),
]


@pytest.mark.parametrize(
    ("text_field", "field", "value", "wordings"),
    REWORDINGS,
    ids=[f"{field}={value}" for _, field, value, _ in REWORDINGS],
)
def test_rewording_a_stated_fact_keeps_its_answer(
    tmp_path: Path, text_field: str, field: str, value: Any, wordings: tuple[str, ...]
) -> None:
    for wording in wordings:
        proposal = proposal_with(tmp_path, **{text_field: wording})
        assert as_read(proposal).get(field) == value, f"{wording!r} did not settle {field}"


@pytest.mark.parametrize(
    "wording",
    [
        "We told applicants about the new portal.",  # told, but not "not told"
        "Guests pick filters; we tested the page on mobile.",
        "The team decided about the vendor last week.",
    ],
)
def test_a_sentence_that_states_no_such_fact_settles_nothing(tmp_path: Path, wording: str) -> None:
    proposal = proposal_with(tmp_path, summary=wording, **{"risks.regulation": wording})
    assert prose_answers(proposal) == ()


def test_a_structured_answer_always_wins(tmp_path: Path) -> None:
    proposal = proposal_with(
        tmp_path,
        summary="Applicants are not told a model rates them.",
        **{"governance.notice": "done"},
    )
    assert as_read(proposal).get("governance.notice") == "done"
    assert all(answer.field != "governance.notice" for answer in prose_answers(proposal))


def test_every_rule_cites_a_source_and_settles_a_known_field() -> None:
    _, rules = prose_rules()
    assert rules
    for rule in rules:
        assert rule.source.strip() and rule.reason.strip(), rule.id
        assert rule.words, rule.id


def test_a_wrapped_line_does_not_end_a_sentence(tmp_path: Path) -> None:
    """Authors wrap a block of text anywhere; the words of one sentence stay together."""
    proposal = proposal_with(
        tmp_path,
        summary="Where they differ, a debt is raised. This replaces\nofficers collecting payslips.",
    )
    assert as_read(proposal).get("problem.replaces_measurement") is True


# ---- low stakes stay low (item 6) ---------------------------------------------------------


def test_an_experiment_with_guardrails_lets_a_low_stakes_change_go_ahead(
    tmp_path: Path,
) -> None:
    gated = read(SECOND / "booking-filter-suggestions.yaml")
    no_guardrails = copy.deepcopy(gated)
    del no_guardrails["delivery"]["guardrails"]
    new_system = copy.deepcopy(gated)
    new_system["delivery"]["builds_on"] = "new_system"
    hard_to_undo = copy.deepcopy(gated)
    hard_to_undo["stakes"] = {"reversibility": "costly"}
    with_pitfall = copy.deepcopy(gated)
    with_pitfall["problem"]["target_is_proxy"] = True
    cards = score(
        tmp_path,
        {
            "gated": gated,
            "no-guardrails": no_guardrails,
            "new-system": new_system,
            "hard-to-undo": hard_to_undo,
            "with-pitfall": with_pitfall,
        },
    )
    assert cards["gated"].state == "quick_win"
    assert "randomised experiment" in cards["gated"].placement_sentence
    for name in ("no-guardrails", "new-system", "hard-to-undo", "with-pitfall"):
        assert cards[name].state == "needs_information", name
