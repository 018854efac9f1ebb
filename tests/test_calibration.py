"""The calibration suite: public case studies written as proposals, each with an expected
state, risk class and flags written down before scoring (tests/calibration/README.md).

Every case is its own test, so a rubric or model change that moves one case fails CI with
the case's name, what was expected and what the model said.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring.model.scorecard import ScoredPortfolio, score_intake
from scoring.proposals.loading import load_proposals
from scoring.rubric import load_rubric

CALIBRATION = Path(__file__).parent / "calibration"
CASES_DIR = CALIBRATION / "cases"
EXPECTED_FILE = CALIBRATION / "expected.yaml"

STATES = {"quick_win", "strategic_bet", "incremental", "reconsider", "needs_information"}
RISK_CLASSES = {"minimal", "limited", "high", "unassessed"}
MISSING = "<not computed>"


def case_ids() -> list[str]:
    return sorted(path.stem for path in CASES_DIR.glob("*.yaml"))


@cache
def expectations() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(EXPECTED_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{EXPECTED_FILE} must map case ids to expectations"
    return data


@cache
def scored() -> ScoredPortfolio:
    rubric = load_rubric()
    return score_intake(load_proposals([CASES_DIR], rubric), rubric)


def test_every_case_file_is_valid() -> None:
    intake = scored().intake
    problems = [f"{p.file}:{p.line}: {p.field}: {p.message}" for p in intake.problems]
    assert not problems, "invalid calibration cases:\n" + "\n".join(problems)
    assert sorted(p.id for p in intake.proposals) == case_ids()


def test_expectations_and_cases_list_the_same_ids() -> None:
    expected, cases = set(expectations()), set(case_ids())
    assert not cases - expected, f"cases without an expectation: {sorted(cases - expected)}"
    assert not expected - cases, f"expectations without a case file: {sorted(expected - cases)}"


@pytest.mark.parametrize("case_id", sorted(expectations()))
def test_expectation_is_complete(case_id: str) -> None:
    entry = expectations()[case_id]
    assert entry.get("state") in STATES, f"{case_id}: state must be one of {sorted(STATES)}"
    assert entry.get("risk_class") in RISK_CLASSES, (
        f"{case_id}: risk_class must be one of {sorted(RISK_CLASSES)}"
    )
    for key in ("source", "justification"):
        assert str(entry.get(key) or "").strip(), f"{case_id}: '{key}' is missing"
    present = set(entry.get("flags_present") or [])
    absent = set(entry.get("flags_absent") or [])
    assert not present & absent, f"{case_id}: flags both present and absent: {present & absent}"


@pytest.mark.parametrize("case_id", sorted(expectations()))
def test_expected_flags_exist_in_the_rubric(case_id: str) -> None:
    rubric = load_rubric()
    known = {f.id for f in rubric.flags} | {c.id for c in rubric.caps}
    entry = expectations()[case_id]
    named = set(entry.get("flags_present") or []) | set(entry.get("flags_absent") or [])
    unknown = sorted(named - known)
    assert not unknown, f"{case_id}: flags the rubric does not define: {unknown}"


@pytest.mark.parametrize("case_id", case_ids())
def test_case_lands_where_its_sources_say(case_id: str) -> None:
    expected = expectations().get(case_id)
    assert expected is not None, f"{case_id}: no entry in {EXPECTED_FILE.name}"
    card = scored().card(case_id)
    assert card is not None, f"{case_id}: the case did not load (see the validity test)"
    state = getattr(card, "state", MISSING)
    risk_class = getattr(card, "risk_class", MISSING)
    flags = {f.id for f in card.flags}
    report = (
        f"{case_id}: expected state {expected['state']}, got {state}; "
        f"expected risk class {expected['risk_class']}, got {risk_class}; "
        f"impact {card.impact}, delivery risk {card.delivery_risk}; "
        f"flags {sorted(flags)}"
    )
    assert state == expected["state"], report
    assert risk_class == expected["risk_class"], report
    missing = set(expected.get("flags_present") or []) - flags
    assert not missing, f"{report}; missing flags {sorted(missing)}"
    unwanted = set(expected.get("flags_absent") or []) & flags
    assert not unwanted, f"{report}; unwanted flags {sorted(unwanted)}"
