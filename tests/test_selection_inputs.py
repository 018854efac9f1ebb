"""What selection reads from real proposal files (issue 31): who is a candidate, committed,
not costed or not eligible, and why; the new `selection` fields are checked by the schema."""

from __future__ import annotations

from pathlib import Path

import yaml

from scoring.model.scorecard import score_intake
from scoring.portfolio.selection import Scenario
from scoring.portfolio.selection.inputs import items_of
from scoring.proposals.loading import load_proposals
from scoring.rubric import load_rubric

MONEY = {
    "currency": "EUR",
    "annual_value": 300_000,
    "one_off_cost": 100_000,
    "annual_running_cost": 20_000,
    "confidence": "high",
}


def write(folder: Path, name: str, **fields: object) -> None:
    data: dict[str, object] = {
        "title": f"Proposal {name}",
        "summary": f"Proposal {name}, written for the selection input tests.",
        "team": "Risk",
        "stage": "proposed",
        "value": MONEY,
    }
    data.update(fields)
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_each_proposal_gets_its_status_and_reason(tmp_path: Path) -> None:
    write(tmp_path, "plain")
    write(tmp_path, "approved", stage="approved")
    write(tmp_path, "marked", selection={"committed": True})
    write(tmp_path, "live", stage="production")
    write(tmp_path, "dropped", selection={"funding": "must_not_fund"})
    write(tmp_path, "dollars", value={**MONEY, "currency": "USD"})
    write(tmp_path, "no-costs", value={"currency": "EUR", "annual_value": 100_000})
    rubric = load_rubric()
    intake = load_proposals([tmp_path], rubric)
    assert not intake.invalid
    cards = score_intake(intake, rubric).cards
    items = {i.id: i for i in items_of(cards, Scenario("T", 3, budget=1e6))}
    assert (items["plain"].status, items["plain"].reason) == ("candidate", "")
    assert (items["approved"].status, items["approved"].reason) == ("committed", "stage approved")
    assert (items["marked"].status, items["marked"].reason) == ("committed", "already committed")
    assert (items["live"].status, items["live"].reason) == ("not eligible", "in production")
    assert items["dropped"].reason == "must not fund"
    assert items["dollars"].status == "not costed"
    assert items["dollars"].reason == "in USD, with no exchange rate to EUR"
    converted = {
        i.id: i for i in items_of(cards, Scenario("T", 3, budget=1e6), "EUR", {"USD": 0.5})
    }
    assert converted["dollars"].status == "candidate"
    assert converted["dollars"].cost < items["plain"].cost  # converted at the rate
    assert (items["no-costs"].status, items["no-costs"].reason) == (
        "not costed",
        "no one off cost, annual running cost",
    )
    capped = {i.id: i for i in items_of(cards, Scenario("T", 3, budget=1e6, max_risk=50))}
    assert capped["plain"].reason == "Risk unknown, and the scenario allows up to 50"


def test_value_over_the_horizon_waits_for_months_to_value(tmp_path: Path) -> None:
    write(tmp_path, "now")
    write(tmp_path, "later", value={**MONEY, "months_to_value": 12})
    rubric = load_rubric()
    cards = score_intake(load_proposals([tmp_path], rubric), rubric).cards
    items = {i.id: i for i in items_of(cards, Scenario("T", 3, budget=1e6))}
    assert items["now"].cost == items["later"].cost
    earned_now = items["now"].value + items["now"].cost
    earned_later = items["later"].value + items["later"].cost
    assert abs(earned_later - earned_now * 2 / 3) < 1e-6 * earned_now
    assert items["now"].low < items["now"].value < items["now"].high


def test_an_accepted_red_flag_no_longer_keeps_a_proposal_out(tmp_path: Path) -> None:
    demo = Path(__file__).resolve().parents[1] / "content" / "proposals"
    data = yaml.safe_load((demo / "warehouse-applicant-screening.yaml").read_text("utf-8"))
    data["stage"] = "proposed"  # the demo's copy is rejected
    data["value"] = MONEY
    (tmp_path / "screening.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    rubric = load_rubric()
    cards = score_intake(load_proposals([tmp_path], rubric), rubric).cards
    red = [f.id for f in cards[0].flags if f.severity == "red"]
    assert red
    (item,) = items_of(cards, Scenario("T", 3, budget=1e6))
    assert item.reason == f"open red flag ({', '.join(red)})"
    (still,) = items_of(cards, Scenario("T", 3, budget=1e6), accepted_flags=red[:1])
    assert still.status == "not eligible"  # every red flag must be accepted
    (accepted,) = items_of(cards, Scenario("T", 3, budget=1e6), accepted_flags=red)
    assert accepted.status == "candidate"


def test_a_bad_selection_field_is_a_located_error(tmp_path: Path) -> None:
    write(tmp_path, "odd", selection={"funding": "maybe", "requires": ["Not An Id"]})
    intake = load_proposals([tmp_path], load_rubric())
    (bad,) = intake.invalid
    fields = {p.field for p in bad.problems}
    assert {"selection.funding", "selection.requires[0]"} <= fields, bad.problems
    assert all(p.line > 0 for p in bad.problems)


def test_a_proposal_that_needs_review_is_no_candidate(tmp_path: Path) -> None:
    """A condition of its approval past due and not met (a decision on record) takes a
    proposal out of the plan until it is reviewed."""
    from datetime import date

    from scoring.model.decisions import read_register

    (tmp_path / "p").mkdir()
    write(tmp_path / "p", "late")
    write(tmp_path / "p", "fine")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "late-approval.yaml").write_text(
        "proposal: late\nkind: approval\nrequested_by: Grace Hopper\ndecided_by: Ada Byron\n"
        'date: "2026-01-10"\nscope: {stage: approved}\n'
        "conditions:\n"
        '  - {id: guidelines, text: Labelling guidelines written, due: "2026-06-30"}\n',
        encoding="utf-8",
    )
    rubric = load_rubric()
    intake = load_proposals([tmp_path / "p"], rubric)
    register = read_register(tmp_path / "d", rubric, intake, date(2026, 12, 7), ["Ada Byron"])
    assert register is not None and not register.problems, register and register.problems
    cards = score_intake(intake, rubric, None, register).cards
    items = {i.id: i for i in items_of(cards, Scenario("T", 3, budget=1e6))}
    assert (items["late"].status, items["late"].reason) == ("not eligible", "needs review")
    assert items["fine"].status == "candidate"
