"""One scored proposal as plain JSON-ready data, for `sweetspot score` and the site's
portfolio.json alike (so the site never imports from the CLI)."""

from __future__ import annotations

from typing import Any

from scoring.model.scorecard import ScoreCard


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
        "quadrant": card.quadrant,
        "weakest": card.weakest,
        "roi": None if card.roi is None or card.roi == float("inf") else round(card.roi, 2),
        "payback_months": None if card.payback_months is None
        or card.payback_months == float("inf") else round(card.payback_months, 1),
        "caps": [c.id for c in card.caps],
        # Flat dataclasses of plain values: a shallow copy of their fields is enough, and
        # much cheaper than dataclasses.asdict's deep copy on large portfolios.
        "flags": [dict(vars(f)) for f in card.flags],
        "suggestions": [dict(vars(s)) for s in card.suggestions],
        "breakdown": [dict(vars(b)) for b in card.breakdown],
        "risks": [dict(vars(r)) for r in card.risks],
        "checklists": {c.id: {i.id: i.answer for i in c.items} for c in card.checklists},
    }
