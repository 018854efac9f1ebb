"""Class suggestions that name a person's stakes only where the use is about a person
(issue 26, precision of "likely high").

Each "thing" case is a use a register files as neither rights- nor safety-impacting, whose
words once matched a high rule although its subject is a thing, a process, a market or
the agency's own paperwork: software whose boilerplate mentions "rules of evidence", flights
of a transport system named after prisoners, a rover's path, checkpoint queue times,
survey topics, cargo x-rays. Each "person" case keeps the rule's words with a person as the
subject, and must stay high: the unless terms narrow a rule, they do not switch it off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sitekit import scored_json_texts, use_case

from scoring.model.suggestion import suggest_class
from scoring.rubric import load_rubric

RUBRIC = load_rubric()
BASE: dict[str, Any] = {"schema_version": 1, "team": "Operations", "stage": "production"}
LAW = {"tags": ["law-justice"]}

# id: (title, summary, extra fields)
THINGS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "stats-package": (
        "Statistics package (forecasting, predictive analytics)",
        "A general-purpose tool for modelling market conditions. When the tool is used to "
        "develop evidence offered in litigation, ordinary rules of evidence apply.",
        LAW,
    ),
    "flight-planner": (
        "Route optimizer",
        "The prisoner transportation system uses the optimizer to evaluate over 2000 possible "
        "flight options and select the best flights.",
        {},
    ),
    "rover-paths": (
        "Machine learning navigation",
        "Speeds up path planning of rovers and other vehicles while guaranteeing safety "
        "through model-based collision checking.",
        {},
    ),
    "queue-times": (
        "Automated field data collection",
        "Analyzes camera footage to extract passenger processing times of the steps within "
        "the screening process.",
        {},
    ),
    "survey-topics": (
        "Classifying survey comments",
        "Tags qualitative data with our topics (passports, tax refunds) so that survey "
        "comments can be counted by subject.",
        {},
    ),
    "wood-species": (
        "Wood identification system",
        "Identifies types of wood from their cross-section. These tools help industries "
        "follow laws and support law enforcement in meeting national regulations.",
        {},
    ),
    "cargo-xray": (
        "Anomaly detection in cargo structure",
        "Supports image analysts during NII x-ray image adjudication, reducing review time.",
        {},
    ),
    "biometric-format": (
        "File converter",
        "Receives biometric data and reformats it for sharing between systems.",
        {},
    ),
    "loan-research": (
        "Neural networks for a modelling platform",
        "Identifies nonlinearities and anomalies in loan-level mortgage data to improve forecasts.",
        {"risks": {"personal_data": False}},
    ),
    "grant-audits": (
        "Grant risk assessment model",
        "Expected benefits: gives auditors a resource for risk assessments in the audit "
        "selection process.",
        {},
    ),
    "device-catalogue": (
        "Device data validation",
        "Detects anomalies in medical device metrics, such as inconsistent units, so that "
        "manufacturers publish accurate device information.",
        {},
    ),
}

PEOPLE: dict[str, tuple[str, str, dict[str, Any]]] = {
    "prisoner-risk": (
        "Prisoner risk scoring",
        "Scores each prisoner's risk of violence to decide the unit they are housed in.",
        {},
    ),
    "defendant-evidence": (
        "Evidence summaries",
        "Summarises the evidence against each defendant for the prosecutor.",
        LAW,
    ),
    "passenger-screening": (
        "Passenger screening",
        "Screens each passenger against a watchlist before boarding.",
        {},
    ),
    "delivery-robot": (
        "Delivery robot control",
        "Stops the delivery robot before a collision with pedestrians, for their safety.",
        {},
    ),
    "fingerprint-search": (
        "Fingerprint search",
        "Compares latent fingerprints from a scene with the biometric records of people.",
        {},
    ),
    "benefit-fraud": (
        "Benefit fraud flags",
        "Flags claimants whose benefit claims look like fraud for investigation.",
        {},
    ),
}


proposal = use_case  # sitekit: a use case in memory


@pytest.mark.parametrize("pid", sorted(THINGS))
def test_a_use_about_a_thing_is_not_suggested_high(pid: str) -> None:
    title, summary, extra = THINGS[pid]
    suggestion = suggest_class(proposal(pid, title, summary, extra), RUBRIC)
    assert suggestion.risk_class != "high", suggestion.reason


@pytest.mark.parametrize("pid", sorted(PEOPLE))
def test_the_same_words_about_a_person_stay_high(pid: str) -> None:
    title, summary, extra = PEOPLE[pid]
    suggestion = suggest_class(proposal(pid, title, summary, extra), RUBRIC)
    assert suggestion.risk_class == "high", pid


def test_the_score_command_shows_no_likely_high_for_a_thing(tmp_path: Path) -> None:
    """As a user sees it: `sweetspot score --format json` on files, the thing without a
    suggested class, the person beside it still likely high."""
    cases = {"rover-paths": THINGS["rover-paths"], "delivery-robot": PEOPLE["delivery-robot"]}
    text = scored_json_texts(tmp_path, cases)
    assert "likely high" not in text["rover-paths"]
    assert "likely high" in text["delivery-robot"]
