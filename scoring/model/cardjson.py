"""One scored proposal as plain JSON-ready data, for `sweetspot score` and the site's
portfolio.json alike (so the site never imports from the CLI)."""

from __future__ import annotations

from typing import Any

from scoring.model.scorecard import ScoreCard

# The explanation tables a ScoreCard builds on first use (functools.cached_property).
_CACHED = ("levels", "risk_values", "placement_sentence", "breakdown", "risks", "checklists")


def release(card: ScoreCard) -> None:
    """Drop a card's explanation tables once written out; they are rebuilt if used again."""
    for name in _CACHED:
        card.__dict__.pop(name, None)


def card_json(card: ScoreCard) -> dict[str, Any]:
    """Everything a tool needs about one scored proposal, JSON-ready."""
    p = card.proposal
    return {
        "id": p.id,
        "file": p.file,
        "title": p.title,
        "team": p.team,
        "stage": p.stage,
        "owner": p.owner,
        "sponsor": p.sponsor,
        "tags": list(p.tags),
        "scores": card.scores,
        "confidence": card.confidence,
        "priority": card.priority,
        "impact": card.impact,
        "delivery_risk": card.delivery_risk,
        "state": card.state,
        "placement_sentence": card.placement_sentence,
        "quadrant": card.quadrant,
        "ranges": {name: list(bounds) for name, bounds in card.ranges.items()},
        "placement_range": {name: list(bounds) for name, bounds in card.placement.items()},
        "risk_class": card.risk_class,
        "inherent_risk": card.stakes.inherent,
        "stakes": {"reasons": list(card.stakes.reasons),
                   "safeguards_done": list(card.stakes.safeguards_done),
                   "safeguards_missing": list(card.stakes.safeguards_missing),
                   "safeguards_unknown": list(card.stakes.safeguards_unknown)},
        "answered_share": card.answered_share,
        "weakest": card.weakest,
        "roi": None if card.roi is None or card.roi == float("inf") else round(card.roi, 2),
        "payback_months": None if card.payback_months is None
        or card.payback_months == float("inf") else round(card.payback_months, 1),
        "shortfall_probability": None if card.money is None
        else round(card.money.shortfall, 2),
        "caps": [c.id for c in card.caps],
        # Flat dataclasses of plain values: a shallow copy of their fields is enough, and
        # much cheaper than dataclasses.asdict's deep copy on large portfolios.
        "flags": [dict(vars(f)) for f in card.flags],
        "suggestions": [dict(vars(s)) for s in card.suggestions],
        "questions": [dict(vars(q)) for q in card.questions],
        "breakdown": [dict(vars(b)) for b in card.breakdown],
        "risks": [dict(vars(r)) for r in card.risks],
        "checklists": {c.id: {i.id: i.answer for i in c.items} for c in card.checklists},
    }
