"""Unknown is uncertain, not bad (issue 24, items 1 and 6; issue 26, item 4).

- An answer written down without a stated evidence level keeps every level from 1 to 4
  inside its published range, so stating the level only sharpens the score.
- Flags fire on what a proposal says, never on what it leaves out. A safeguard left out under
  a declared hazard is a question: no flag, a next step, and a risk range that makes room for
  the flag it could raise. Answered as missing, it fires, and the risk lands in that range.
- On an imported register, no flag fires on more than half the rows only because the
  register has no column for what it asks.

Every proposal is written as a file, loaded and scored as a user's is.
"""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring.model.scorecard import ScoreCard, score_intake
from scoring.model.steps import next_steps
from scoring.proposals.loading import load_proposals
from scoring.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric()
ROUNDING = 0.1 + 1e-9  # published figures have one decimal
DEMO = ROOT / "content" / "proposals"

# Every desirability criterion stated, so the only spread of desirability is the one answer
# whose level is left out (beats_baseline, answered by its text).
BASE: dict[str, Any] = {
    "title": "Rank overdue invoices for collections calls",
    "summary": "Collections calls overdue accounts in a fixed order; a ranking would help.",
    "team": "Risk",
    "stage": "proposed",
    "owner": "Dana Okafor",
    "sponsor": "Head of Credit Risk",
    "problem": {
        "decision": "Which overdue accounts are called first each morning",
        "decision_owner": "Collections team leads",
        "user_need": "Team leads asked for a ranked list",
        "non_ml_alternative": "Sorting by amount overdue",
        "automation": "automate",
        "stakeholders": "Credit risk committee agreed the goal",
    },
    "stakes": {
        "area": "none",
        "decides_about_people": True,
        "people_affected": "thousands",
        "reversibility": "costly",
    },
    "evidence": {"decision_named": 3, "user_need": 2, "stakeholder_support": 3, "human_fit": 2},
}


def edited(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy with dotted paths set (None removes the field)."""
    data = copy.deepcopy(base)
    for dotted, value in changes.items():
        *parents, leaf = dotted.split(".")
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return data


def scored(tmp_path: Path, proposals: dict[str, dict[str, Any]]) -> dict[str, ScoreCard]:
    folder = tmp_path / "proposals"
    folder.mkdir()
    for pid, data in proposals.items():
        (folder / f"{pid}.yaml").write_text(json.dumps(data), encoding="utf-8")
    intake = load_proposals([folder], RUBRIC)
    assert not intake.problems, [p.message for p in intake.problems]
    return {card.proposal.id: card for card in score_intake(intake, RUBRIC).cards}


def inside(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] - ROUNDING <= value <= bounds[1] + ROUNDING


def flag_ids(card: ScoreCard) -> set[str]:
    return {flag.id for flag in card.flags}


# ---- item 1: an unstated evidence level ---------------------------------------------------


def test_every_level_from_1_to_4_lies_in_the_range_of_an_answer_without_one(
    tmp_path: Path,
) -> None:
    """Before, the answer counted as 2.5 +- 1.1, whose P10-P90 (1.09-3.91) left out 1 and 4:
    stating either moved desirability outside the range it had without the level."""
    proposals = {"no-level": BASE}
    for level in (1, 2, 3, 4):
        proposals[f"level-{level}"] = edited(BASE, {"evidence.beats_baseline": level})
    cards = scored(tmp_path, proposals)
    unstated = cards["no-level"]
    for level in (1, 2, 3, 4):
        stated = cards[f"level-{level}"]
        assert inside(stated.scores["desirability"], unstated.ranges["desirability"]), (
            level,
            stated.scores["desirability"],
            unstated.ranges["desirability"],
        )
        width = stated.ranges["desirability"][1] - stated.ranges["desirability"][0]
        old = unstated.ranges["desirability"][1] - unstated.ranges["desirability"][0]
        assert width <= old + ROUNDING
    # The breakdown says what it counts as, from the rubric.
    row = next(r for r in unstated.breakdown if r.criterion_id == "beats_baseline")
    assert "2.5 ± 1.17" in row.level_label


# ---- item 2: a safeguard left out under a declared hazard ------------------------------------


def test_a_left_out_safeguard_is_a_question_and_its_flag_fits_the_range(tmp_path: Path) -> None:
    """It decides about people with no person in the loop (the hazard, declared) and says
    nothing of notice, reasons or appeal: before, the left-out safeguards raised the high
    flag automated_decision_without_recourse; now they are asked, and the risk range holds
    what answering them "none" gives, flag and all."""
    missing = {"governance": {"notice": "none", "explanation": "none", "appeal": "none"}}
    cards = scored(
        tmp_path,
        {"left-out": BASE, "said-none": edited(BASE, missing)},
    )
    left_out, said_none = cards["left-out"], cards["said-none"]
    assert "automated_decision_without_recourse" not in flag_ids(left_out)
    assert "automated_decision_without_recourse" in flag_ids(said_none)
    for name in ("risk", "delivery_risk"):
        value = said_none.scores["risk"] if name == "risk" else said_none.delivery_risk
        assert inside(value, left_out.ranges[name]), (name, value, left_out.ranges[name])
    asked = [s for s in next_steps(left_out) if s.kind == "safeguard"]
    # High, or red if the open questions made it the high class (its release is left out).
    assert any(
        "could raise the" in s.why and "automated decisions about people" in s.why for s in asked
    ), asked
    assert {"notice", "explanation", "appeal"} <= {s.id for s in asked}


def test_a_stakes_answer_that_raises_a_flag_lands_in_the_range_left_open(tmp_path: Path) -> None:
    """The churn-retention demo proposal decides about people automatically, here with no
    recourse. With whether it decides about people left out, before, the ranges made no
    room for the flag a "yes" raises, and answering it moved risk outside its range."""
    case = yaml.safe_load((DEMO / "subscriber-churn-retention.yaml").read_text("utf-8"))
    # Its recourse, answered as missing in both versions: only the stakes answer differs.
    case = edited(case, {f"governance.{m}": "none" for m in ("notice", "explanation", "appeal")})
    cards = scored(
        tmp_path,
        {"open": edited(case, {"stakes.decides_about_people": None}), "answered": case},
    )
    before, after = cards["open"], cards["answered"]
    assert after.flags and not set(flag_ids(after)) <= set(flag_ids(before))
    for name in ("risk", "delivery_risk"):
        value = after.scores["risk"] if name == "risk" else after.delivery_risk
        assert inside(value, before.ranges[name]), (name, value, before.ranges[name])


def test_nothing_said_raises_no_flag(tmp_path: Path) -> None:
    """A sparse row past approval, as an imported register gives it: no sponsor column, most
    questions unanswered. Before, "no sponsor" and "thin evidence" fired on it."""
    sparse = {
        "title": "Translate public notices",
        "summary": "Machine translation of public notices into Spanish.",
        "team": "Communications",
        "stage": "production",
    }
    card = scored(tmp_path, {"sparse": sparse})["sparse"]
    assert flag_ids(card) == set()
    assert RUBRIC.flag("thin_evidence") is None


# ---- item 4: an imported register ----------------------------------------------------------


@pytest.mark.inventory
def test_no_flag_fires_on_most_rows_of_the_2024_register(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """benchmarks/flag_prevalence.py on the real register: before, no_sponsor fired on most
    rows and thin_evidence on every one."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    report = importlib.import_module("flag_prevalence")
    if not report.DEFAULT_CSV.is_file():
        pytest.skip(f"{report.DEFAULT_CSV} is not here")
    assert report.main([]) == 0
    out = capsys.readouterr().out
    assert "flags on more than 50% of the rows (target: none): none" in out
    assert "thin_evidence" not in out
