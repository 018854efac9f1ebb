"""View data for the portfolio page: the four leader questions, table rows, paging and the
compact rows.json that the filter bar reads.

The page itself stays small at any portfolio size: it shows the top ``PAGE_SIZE`` rows and
links to static paged tables (pager.py; every page reachable without JavaScript); the full
data for the filter bar is in ``portfolio/rows.json``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from scoring.model.obligations import worst_state
from scoring.model.scorecard import ScoreCard
from scoring.portfolio.orgunits import unit_path
from scoring.proposals.proposal import INACTIVE_STAGES
from scoring.rubric import DIMENSIONS, NEEDS_INFORMATION, STATES, Rubric

FUND_NEXT = 5  # rows in "what to fund next"
AT_RISK = 5  # rows in "what is at risk"


def is_active(card: ScoreCard) -> bool:
    """Active: every stage but retired and rejected (the one definition the page states)."""
    return card.proposal.stage not in INACTIVE_STAGES


def by_priority(cards: Sequence[ScoreCard]) -> list[ScoreCard]:
    return sorted(cards, key=lambda c: (-c.priority, c.proposal.id))


def red_flags(card: ScoreCard) -> list[Any]:
    return [f for f in card.flags if f.severity == "red"]


def mean_confidence(card: ScoreCard) -> float:
    return sum(card.confidence[d] for d in DIMENSIONS) / len(DIMENSIONS)


def reconsider_by_red_flag(card: ScoreCard) -> bool:
    """Reconsider because of a red flag, not where the scores place it: such a proposal can
    sit in another quadrant on the chart, so every surface says why."""
    return card.state == "reconsider" and card.quadrant != "reconsider" and bool(red_flags(card))


def state_label(card: ScoreCard, rubric: Rubric) -> str:
    """The state's name, with "(red flag)" when a red flag, not the position, set it, and
    the Needs review state beside it when a decision's condition is past due (#29): the
    quadrant stays, since the portfolio's lists and counts are by quadrant."""
    name = rubric.state_name(card.state)
    name = f"{name} (red flag)" if reconsider_by_red_flag(card) else name
    if card.ledger is not None and card.ledger.needs_review:
        return f"{rubric.state_name('needs_review')}: {name}"
    return name


def fund_next(cards: Sequence[ScoreCard]) -> list[ScoreCard]:
    """Placed, active proposals not yet in production, by priority."""
    return [
        c
        for c in by_priority(cards)
        if is_active(c) and c.proposal.stage != "production" and c.state != NEEDS_INFORMATION
    ][:FUND_NEXT]


def high_flags(card: ScoreCard) -> list[Any]:
    return [f for f in card.flags if f.severity == "high"]


def at_risk(cards: Sequence[ScoreCard]) -> list[ScoreCard]:
    """Active proposals with a red or high flag or in the high risk class: most red flags
    first, then most high flags."""
    risky = [
        c
        for c in cards
        if is_active(c) and (red_flags(c) or high_flags(c) or c.risk_class == "high")
    ]
    return sorted(
        risky,
        key=lambda c: (-len(red_flags(c)), -len(high_flags(c)), -c.priority, c.proposal.id),
    )


def risk_reason(card: ScoreCard, rubric: Rubric) -> str:
    reasons = [f.title for f in red_flags(card) + high_flags(card)]
    if card.risk_class == "high":
        classes = rubric.risk_model.classes
        reasons.append(classes["high"].label if "high" in classes else "High risk")
    return "; ".join(reasons)


def table_rows(
    cards: Sequence[ScoreCard], ranks: dict[str, int], rubric: Rubric, url: Callable[[str], str]
) -> list[dict[str, Any]]:
    """Rows of the HTML proposals table; ``url`` maps a proposal id to its link."""
    return [
        {
            "rank": ranks[c.proposal.id],
            "id": c.proposal.id,
            "title": c.proposal.title,
            "url": url(c.proposal.id),
            "state": c.state,
            "state_name": state_label(c, rubric),
            "priority": c.priority,
            "impact": c.impact,
            "risk": c.delivery_risk,
            "impact_range": c.placement["impact"],
            "risk_range": c.placement["delivery_risk"],
            "risk_class": c.risk_class,
            "suggested": c.risk_story.likely,  # outlines the badge in that class's colour
            # "Likely high, not yet assessed" while only the use's words suggest a class.
            "risk_class_name": c.risk_story.label,
            "risk_figure": c.risk,  # Risk, the stakes figure; "risk" above is delivery risk
            "risk_reason": c.risk_story.class_reason,
            "flags": len(c.flags),
            "red": len(red_flags(c)),
            "confidence": mean_confidence(c),
            "team": c.proposal.team,
            "stage": c.proposal.stage,
            "active": is_active(c),
        }
        for c in cards
    ]


def bitmask(indices: set[int], size: int) -> str:
    """Hex digits, four items each, lowest first: digit ``k`` holds items ``4k``–``4k+3``,
    item ``i`` being bit ``i % 4`` of digit ``i // 4``."""
    digits = []
    for start in range(0, size, 4):
        digits.append("0123456789abcdef"[sum(1 << b for b in range(4) if start + b in indices)])
    return "".join(digits).rstrip("0")


def rows_json(
    cards: Sequence[ScoreCard],
    ranks: dict[str, int],
    rubric: Rubric,
    url_template: str,
    row_of: Callable[[ScoreCard], list[Any]] | None = None,
) -> dict[str, Any]:
    """Everything the filter bar needs, compactly: one short list per proposal, in priority
    order, with the field names once in ``fields``. Flags are indices into ``flag_ids``; the
    open pitfall items (``items``, as ``checklist.item``) are a bit mask in hex, see
    ``bitmask``: long ids are written once, and 5,000 rows stay small. ``row_of`` gives a
    card's row (``card_row``; under serve, one kept from the last rebuild)."""
    items = checklist_items(rubric)
    flag_ids = sorted({f.id for c in cards for f in c.flags})
    flag_index = {key: n for n, key in enumerate(flag_ids)}
    classes = rubric.risk_model.classes
    rows = []
    for c in by_priority(cards):
        row = list(row_of(c) if row_of is not None else card_row(c, rubric))
        row[11] = [flag_index[f] for f in row[11]]
        row[12] = [flag_index[f] for f in row[12]]
        row.append(ranks[c.proposal.id])
        row.append(1 if is_active(c) else 0)
        row.append(1 if reconsider_by_red_flag(c) else 0)
        rows.append(row)
    return {
        "fields": [
            "id",
            "title",
            "team",
            "stage",
            "state",
            "impact",
            "delivery_risk",
            "impact_range",
            "delivery_risk_range",
            "priority",
            "risk_class",
            "flags",
            "red_flags",
            "tags",
            "org",
            "open",
            "confidence",
            "risk",
            "risk_reason",
            "suggested_class",
            "likely_class",
            "risk_label",
            "compliance",  # the worst compliance state under the enabled regimes
            "rank",
            "active",
            "by_red_flag",  # 1: Reconsider because of a red flag, wherever the scores place it
        ],
        "url": url_template,  # a proposal's link: replace {id}
        "states": {s: rubric.state_name(s) for s in STATES},
        "classes": {k: v.label for k, v in classes.items()},
        "items": items,
        "flag_ids": flag_ids,
        "rows": rows,
    }


def checklist_items(rubric: Rubric) -> list[str]:
    return [f"{c.id}.{i.id}" for c in rubric.checklists for i in c.items]


def card_row(c: ScoreCard, rubric: Rubric) -> list[Any]:
    """A card's row of rows.json up to its rank: what depends on this card alone (flags
    by id; ``rows_json`` turns them into indices)."""
    items = checklist_items(rubric)
    index = {key: n for n, key in enumerate(items)}
    # Open pitfalls count for active proposals only, as in the heatmap and on the
    # pitfall pages, so a link from there finds the same proposals.
    open_items = (
        {
            index[f"{s.id}.{i.id}"]
            for s in c.checklists
            for i in s.items
            if i.answer not in ("yes", "n/a") and f"{s.id}.{i.id}" in index
        }
        if is_active(c)
        else set()
    )
    return [
        c.proposal.id,
        c.proposal.title,
        c.proposal.team,
        c.proposal.stage,
        c.state,
        round(c.impact, 1),
        round(c.delivery_risk, 1),
        [round(v, 1) for v in c.placement["impact"]],
        [round(v, 1) for v in c.placement["delivery_risk"]],
        round(c.priority, 1),
        c.risk_class,
        [f.id for f in c.flags],
        [f.id for f in red_flags(c)],
        list(c.proposal.tags),
        list(unit_path(c.proposal)),
        bitmask(open_items, len(items)),
        round(mean_confidence(c), 2),
        None if c.risk is None else round(c.risk, 1),  # Risk: the stakes figure
        c.risk_story.class_reason,  # why the class (the table shows no range)
        c.risk_story.suggested,  # "high" for "Likely high, not yet assessed"
        c.risk_story.likely,  # the same, or above a declared class
        c.risk_story.label,  # "Likely high, not yet assessed", "Minimal risk as declared; ..."
        worst_state(c.compliance),
    ]
