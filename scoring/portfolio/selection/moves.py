"""Whether a change moves the chosen set: the plan of each scenario before and after, for
`sweetspot diff`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scoring.model.scorecard import score_intake
from scoring.portfolio.selection.plan import select
from scoring.portfolio.selection.scenario import Scenario
from scoring.proposals.proposal import Intake
from scoring.rubric import Rubric


def chosen_set_moves(
    before: Intake,
    after: Intake,
    rubric: Rubric,
    scenarios: Sequence[Scenario],
    currency: str = "EUR",
    rates: Mapping[str, float] | None = None,
) -> list[dict[str, Any]]:
    """Per scenario whose chosen set differs: the ids it now funds and no longer funds."""
    if not scenarios:
        return []
    old_cards = score_intake(Intake(proposals=list(before.proposals)), rubric).cards
    new_cards = score_intake(Intake(proposals=list(after.proposals)), rubric).cards
    moves = []
    for scenario in scenarios:
        old = select(old_cards, scenario, currency, rates, with_frontier=False).chosen_ids
        new = select(new_cards, scenario, currency, rates, with_frontier=False).chosen_ids
        if old != new:
            moves.append(
                {
                    "scenario": scenario.name,
                    "now_funds": sorted(new - old),
                    "no_longer_funds": sorted(old - new),
                }
            )
    return moves


__all__ = ["chosen_set_moves"]
