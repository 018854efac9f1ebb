"""Exclusions that read the whole use, not one sentence (issue 26, the 30-row check).

A register's "neither" uses were suggested high where one sentence names a person's stakes
while the use as a whole says otherwise: its output "does not serve as a principal basis for
a decision", it checks whether care followed a guideline, fills a registry, searches
databases of state laws, settles disputes between providers and payers, codes accident
reports, renames files, simulates a process, unlocks a staff phone or says it is "not used
for identification". Each exclusion in the rubric's ``class_suggestions.exclusions`` has a
made-up text here that it keeps from high, and a close variant about people, without the
statement, that stays high: an exclusion narrows the rules it names, it does not switch
them off. The loan case is a narrower term instead: a loan application counts where
something is decided about it, not where a chatbot hands out the form.
"""

from __future__ import annotations

import contextlib
import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml
from sitekit import scored_json_texts, use_case

from scoring.cli.main import main as cli
from scoring.model.suggestion import suggest_class
from scoring.rubric import default_rubric_path, load_rubric

RUBRIC = load_rubric()
BASE: dict[str, Any] = {"schema_version": 1, "team": "Operations", "stage": "production"}
HEALTH = {"tags": ["health-medical"]}
LAW = {"tags": ["law-justice"]}
BENEFITS = {"tags": ["benefits"]}

# exclusion (or rule) id: ((title, summary, extra) kept from high, (...) about people, high)
PAIRS: dict[str, tuple[tuple[str, str, dict[str, Any]], tuple[str, str, dict[str, Any]]]] = {
    "not_a_basis_for_decisions": (
        (
            "Highlighting diagnoses in clinical notes",
            "Highlights each patient's diagnosis in clinical notes for nurse coordinators. "
            "The output does not serve as a principal basis for a decision.",
            HEALTH,
        ),
        (
            "Highlighting diagnoses in clinical notes",
            "Highlights each patient's diagnosis in clinical notes for nurse coordinators, "
            "who decide each patient's treatment from it.",
            HEALTH,
        ),
    ),
    "guideline_adherence_or_registry": (
        (
            "Guideline adherence review",
            "Reads the treatment records of patients. It measures guideline adherence "
            "across clinics.",
            HEALTH,
        ),
        (
            "Treatment recommendations",
            "Reads the treatment records of patients. It recommends each patient's next treatment.",
            HEALTH,
        ),
    ),
    "legal_research": (
        (
            "Criminal background check support",
            "Searches databases of state laws relevant to a background check for analysts.",
            LAW,
        ),
        (
            "Criminal background check support",
            "Runs background checks on job applicants for analysts.",
            LAW,
        ),
    ),
    "disputes_between_organisations": (
        (
            "Eligibility rules engine",
            "Automates the eligibility review of cases. Cases are payment disputes between "
            "providers and payers.",
            {},
        ),
        (
            "Eligibility rules engine",
            "Automates the eligibility review of cases. Cases are applications of families "
            "for housing assistance.",
            {},
        ),
    ),
    "reports_after_the_fact": (
        (
            "Surface event coding",
            "Reads accident reports. It labels each aircraft collision by type.",
            {},
        ),
        (
            "Surface event warning",
            "Reads radar tracks. It warns pilots of an aircraft collision before it happens.",
            {},
        ),
    ),
    "clerical_document_handling": (
        (
            "Claims file sorting",
            "Renames files of benefit claims and stores them by date.",
            BENEFITS,
        ),
        (
            "Claims triage",
            "Ranks the benefit claims of applicants for approval.",
            BENEFITS,
        ),
    ),
    "planning_simulation": (
        (
            "Asylum workload model",
            "Models how asylum cases move through the office. It is a digital twin that runs "
            "what if scenarios for staffing.",
            {},
        ),
        (
            "Asylum case triage",
            "Ranks asylum cases of applicants for review by officers.",
            {},
        ),
    ),
    "own_device_unlock": (
        (
            "Staff phone access",
            "Saves staff time on their agency issued phones. It uses facial recognition.",
            {},
        ),
        (
            "Visitor access",
            "Saves officers time at the entrance. It uses facial recognition to identify visitors.",
            {},
        ),
    ),
    "not_used_to_identify": (
        (
            "Fingerprint record transfer",
            "Sends fingerprint records between systems. This tool is not used for identification.",
            {},
        ),
        (
            "Fingerprint search",
            "Searches fingerprint records to find out who a person is.",
            {},
        ),
    ),
    "credit_and_insurance": (
        (
            "Business coach chatbot",
            "Through the chatbot, entrepreneurs can open training modules, financial tools "
            "and loan applications.",
            {},
        ),
        (
            "Loan screening",
            "The model scores loan applications of entrepreneurs to decide who gets credit.",
            {},
        ),
    ),
}


proposal = use_case  # sitekit: a use case in memory


@pytest.mark.parametrize("case", sorted(PAIRS))
def test_a_use_the_exclusion_describes_is_not_suggested_high(case: str) -> None:
    title, summary, extra = PAIRS[case][0]
    suggestion = suggest_class(proposal("excluded", title, summary, extra), RUBRIC)
    assert suggestion.risk_class != "high", suggestion.reason


@pytest.mark.parametrize("case", sorted(PAIRS))
def test_the_close_variant_about_people_stays_high(case: str) -> None:
    title, summary, extra = PAIRS[case][1]
    suggestion = suggest_class(proposal("people", title, summary, extra), RUBRIC)
    assert suggestion.risk_class == "high", case


def test_every_exclusion_has_a_pair_cites_its_source_and_names_known_rules() -> None:
    section = RUBRIC.class_suggestions
    rule_ids = {rule.id for rule in section.rules}
    assert {e.id for e in section.exclusions} <= set(PAIRS)
    for exclusion in section.exclusions:
        assert exclusion.reason and exclusion.words and exclusion.rules
        assert "EU AI Act" in exclusion.source or "M-25-21" in exclusion.source
        assert set(exclusion.rules) <= rule_ids
        for rule in section.rules:
            named = rule.id in exclusion.rules
            assert set(exclusion.words) <= set(rule.unless_anywhere) or not named


def test_an_exclusion_naming_an_unknown_rule_is_refused_with_the_field(tmp_path: Path) -> None:
    data = yaml.safe_load(default_rubric_path().read_text("utf-8"))
    data["class_suggestions"]["exclusions"][0]["rules"] = ["no_such_rule"]
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    folder = tmp_path / "proposals"
    folder.mkdir()
    title, summary, extra = PAIRS["legal_research"][0]
    data = {**BASE, "title": title, "summary": summary, **extra}
    (folder / "one.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(tmp_path), redirect_stdout(out), redirect_stderr(err):
        code = cli(["score", str(folder), "--rubric", str(path)])
    assert code == 2
    assert "Traceback" not in err.getvalue()
    line = next(ln for ln in err.getvalue().splitlines() if "exclusions[0].rules[0]" in ln)
    assert line.startswith("rubric.yaml:"), line
    assert "no_such_rule" in line


def test_the_score_command_shows_no_likely_high_for_an_excluded_use(tmp_path: Path) -> None:
    """As a user sees it: `sweetspot score --format json` on files."""
    cases = {"law-search": PAIRS["legal_research"][0], "checks": PAIRS["legal_research"][1]}
    text = scored_json_texts(tmp_path, cases)
    assert "likely high" not in text["law-search"]
    assert "likely high" in text["checks"]
