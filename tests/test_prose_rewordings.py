"""Facts a terse author states in words, for the flags the second encodings asked about.

Issue 24's second encodings left some flags' facts out altogether (benchmarks/
calibration_styles.py, NOT_STATED); where an author does state such a fact in words ("no
guardrail metrics", "not tested by group"), a rule of scoring/data/prose_answers.yaml reads
it and the flag fires as if the field were answered. Each fact is written three ways, and
every wording settles the field; sentences that do not state it settle nothing, and the
flag then does not fire (it never fires on what a file leaves out).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring.model.prose import as_read, prose_answers
from scoring.model.scorecard import score_intake
from scoring.proposals.loading import load_proposals
from scoring.proposals.proposal import Proposal
from scoring.rubric import load_rubric

RUBRIC = load_rubric()

# A recommender change launched online behind an A/B test: the no_guardrails flag's other
# conditions hold, so only the guardrail fact is open.
ONLINE_TEST: dict[str, Any] = {
    "schema_version": 1,
    "title": "Rank new photos in the feed",
    "summary": "Rank new members' photos higher in the feed.",
    "team": "Recommendations",
    "stage": "proposed",
    "delivery": {"serving": "online", "ab_plan": "A/B test against the current ranking"},
}


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    folder = tmp_path / "proposals"
    folder.mkdir(exist_ok=True)
    (folder / "case.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return folder


def proposal_with(tmp_path: Path, field: str, text: str) -> Proposal:
    data: dict[str, Any] = yaml.safe_load(yaml.safe_dump(ONLINE_TEST))
    *parents, leaf = field.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = text
    intake = load_proposals([write(tmp_path, data)], RUBRIC)
    assert not intake.problems, [p.message for p in intake.problems]
    return intake.proposals[0]


def flags_of(proposal: Proposal) -> set[str]:
    intake = load_proposals([Path(proposal.file).parent], RUBRIC)
    (card,) = score_intake(intake, RUBRIC).cards
    return {flag.id for flag in card.flags}


REWORDINGS: list[tuple[str, str, str, str, tuple[str, ...]]] = [
    (
        "delivery.mvp",
        "checklists.offline_online.guardrails",
        "no",
        "no_guardrails",
        (
            "Ship behind an A/B test; no guardrail metrics are watched.",
            "We run the test without guardrail metrics for session length or churn.",
            "The experiment does not track guardrails, only likes.",
        ),
    ),
    (
        "summary",
        "governance.testing_by_group",
        "none",
        "",
        (
            "Grades are not tested by group of students before results day.",
            "Results are not checked across groups of applicants.",
            "Scores are not tested for each group of people affected.",
        ),
    ),
]


@pytest.mark.parametrize(
    ("text_field", "field", "value", "flag", "wordings"),
    REWORDINGS,
    ids=[f"{field}={value}" for _, field, value, _, _ in REWORDINGS],
)
def test_every_wording_of_the_fact_settles_its_field(
    tmp_path: Path, text_field: str, field: str, value: str, flag: str, wordings: tuple[str, ...]
) -> None:
    for wording in wordings:
        proposal = proposal_with(tmp_path, text_field, wording)
        assert as_read(proposal).get(field) == value, f"{wording!r} did not settle {field}"
        if flag:
            assert flag in flags_of(proposal), f"{wording!r}: {flag} did not fire"


@pytest.mark.parametrize(
    ("text_field", "wording"),
    [
        ("delivery.mvp", "Ship behind an A/B test; guardrail metrics: session length, churn."),
        ("delivery.mvp", "No regressions expected; the A/B test watches sessions."),
        ("summary", "Grades are tested by group of students before results day."),
        ("summary", "The pipeline is not tested yet."),  # tests, but not by group
    ],
)
def test_a_sentence_that_does_not_state_the_fact_settles_nothing(
    tmp_path: Path, text_field: str, wording: str
) -> None:
    proposal = proposal_with(tmp_path, text_field, wording)
    settled = {answer.field for answer in prose_answers(proposal)}
    assert not settled & {"checklists.offline_online.guardrails", "governance.testing_by_group"}
    assert "no_guardrails" not in flags_of(proposal)
