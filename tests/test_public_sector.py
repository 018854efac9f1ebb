"""A rubric for organisations that never estimate money (issue 11): impact comes from
desirability and mission value, and nothing is held below a threshold by construction."""

from __future__ import annotations

from pathlib import Path

import yaml

from scoring.model.scorecard import score_intake
from scoring.proposals.loading import load_proposals
from scoring.rubric import default_rubric_path, load_rubric

AGENCY_CASE = """\
title: Triage benefit appeals by urgency
summary: Rank incoming appeals so that caseworkers see the most urgent hardship cases first.
team: Appeals Office
stage: proposed
sponsor: Director of Appeals
problem:
  decision: Which appeals a caseworker opens first each morning
  decision_owner: Appeals caseworkers
  user_need: Caseworkers asked for it in the 2025 service review
  automation: augment
value:
  scale: {scale}
  scale_basis: Appeals are the office's core service to the public
evidence:
  decision_named: 3
  user_need: 3
  stakeholder_support: 3
  beats_baseline: 2
  human_fit: 3
"""


def public_sector_rubric(tmp_path: Path) -> Path:
    """The default rubric with value scale counted as mission value (desirability) and no
    weight on profitability, as the scoring method page tells such organisations to do."""
    data = yaml.safe_load(default_rubric_path().read_text(encoding="utf-8"))
    for criterion in data["criteria"]:
        if criterion["id"] == "value_scale":
            criterion["dimension"] = "desirability"
    data["aggregation"]["priority_weights"]["profitability"] = 0
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_money_free_mission_value_drives_impact(tmp_path: Path) -> None:
    rubric = load_rubric(public_sector_rubric(tmp_path))
    folder = tmp_path / "proposals"
    folder.mkdir()
    for scale in ("minor", "exceptional"):
        (folder / f"appeals-{scale}.yaml").write_text(
            AGENCY_CASE.format(scale=scale), encoding="utf-8"
        )
    portfolio = score_intake(load_proposals([folder], rubric), rubric)
    cards = {c.proposal.id: c for c in portfolio.cards}
    minor, major = cards["appeals-minor"], cards["appeals-exceptional"]
    # Impact is desirability alone here, and the mission's size moves it.
    assert major.impact == major.scores["desirability"]
    assert major.impact > minor.impact
    # No money figure anywhere, yet the strong case clears the impact threshold.
    assert major.placement["impact"][0] >= rubric.quadrants.impact_threshold
    assert major.proposal.get("value.annual_value") is None


def test_default_rubric_never_holds_a_money_free_proposal_below_the_threshold(
    tmp_path: Path,
) -> None:
    """Without money figures, profitability is a neutral guess, not zero: impact can still
    reach the threshold on desirability and value scale alone."""
    rubric = load_rubric()
    folder = tmp_path / "proposals"
    folder.mkdir()
    (folder / "appeals.yaml").write_text(AGENCY_CASE.format(scale="exceptional"), encoding="utf-8")
    card = score_intake(load_proposals([folder], rubric), rubric).cards[0]
    assert card.roi is None
    assert card.scores["profitability"] > 50
    assert card.impact >= rubric.quadrants.impact_threshold
