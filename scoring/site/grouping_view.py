"""View data for the grouping pages: teams, stages and organisation units.

Each grouping has an index page (one row per group with its roll-up) and a page per group
(its roll-up and its proposals). Long lists are paged by pager.py.
"""

from __future__ import annotations

from scoring.model.scorecard import ScoreCard
from scoring.portfolio.orgunits import Rollup, has_gap
from scoring.proposals.proposal import INACTIVE_STAGES
from scoring.rubric import Rubric


def card_order(card: ScoreCard) -> tuple[bool, float, str]:
    """Active proposals first, by priority; retired and rejected ones after them."""
    return (card.proposal.stage in INACTIVE_STAGES, -card.priority, card.proposal.id)


def gaps_first(card: ScoreCard) -> tuple[bool, bool, float, str]:
    """Active proposals first; among them those with a compliance gap, then by priority."""
    inactive, priority, pid = card_order(card)
    return (inactive, not has_gap(card), priority, pid)


def proposal_row(card: ScoreCard, href: str, rubric: Rubric) -> dict[str, object]:
    """One row of a grouping page's proposals table."""
    red = [f for f in card.flags if f.severity == "red"]
    others = len(card.flags) - len(red)
    return {
        "id": card.proposal.id,
        "title": " ".join(card.proposal.title.split()),
        "href": href,
        "state": card.state,
        "state_name": rubric.state_name(card.state),
        "priority": card.priority,
        "impact": card.impact,
        "risk": card.delivery_risk,
        "class_id": card.risk_class,
        "class_label": card.risk_story.label,
        "suggested": card.risk_story.likely,  # outlines the badge in that class's colour
        "red": len(red),
        "other_flags": others,
        "flag_titles": "; ".join(f.title for f in card.flags),
        "stage": card.proposal.stage,
        "team": card.proposal.team,
        "active": card.proposal.stage not in INACTIVE_STAGES,
    }


def group_row(name: str, href: str | None, rollup: Rollup, depth: int = 0) -> dict[str, object]:
    """One row of an index of groups."""
    return {
        "name": name,
        "href": href,
        "r": rollup,
        "states": dict(rollup.by_state),
        "depth": depth,
    }
