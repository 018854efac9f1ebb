"""`sweetspot score` output: a terminal table, CSV or JSON of the scored portfolio."""

from __future__ import annotations

import json
from typing import IO, Any

from .portfolio import summarise, summary_json
from .proposals import Intake
from .rubric import Rubric
from .scorecard import ScoreCard, score_intake


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


def write_scores(intake: Intake, rubric: Rubric, fmt: str, out: IO[str]) -> None:
    portfolio = score_intake(intake, rubric)
    summary = summarise(portfolio)
    if fmt == "json":
        payload = {
            "rubric": rubric.name,
            "portfolio": summary_json(summary),
            "proposals": [card_json(card) for card in portfolio.cards],
            "invalid": [{"file": bad.file, "problems": [p.as_dict() for p in bad.problems]}
                        for bad in intake.invalid],
        }
        out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    frame = portfolio.frame.reset_index()
    if fmt == "csv":
        frame.to_csv(out, index=False, lineterminator="\n")
        return
    names = rubric.quadrants.names
    rows = [[str(row["id"]), names.get(row["quadrant"], row["quadrant"]),
             f"{row['priority']:.1f}", f"{row['desirability']:.0f}",
             f"{row['profitability']:.0f}", f"{row['feasibility']:.0f}",
             f"{row['risk']:.0f}", f"{row['confidence']:.0%}",
             str(len(str(row["flags"]).split()))]
            for _, row in frame.sort_values(["priority", "id"],
                                            ascending=[False, True]).iterrows()]
    headers = ["id", "quadrant", "priority", "D", "P", "F", "R", "conf", "flags"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    numeric = set(range(2, len(headers)))

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out.write(line(headers) + "\n")
    out.write(line(["-" * w for w in widths]) + "\n")
    for row in rows:
        out.write(line(row) + "\n")
    out.write(f"\n{len(rows)} proposal(s). D desirability, P profitability, F feasibility, "
              "R risk (higher is riskier), all 0-100.\n")
    mix = ", ".join(f"{names[b.quadrant]} {b.share:.0%} (target {b.target:.0%})"
                    for b in summary.balance)
    verdict = "in balance" if summary.in_balance else "OUT OF BALANCE"
    out.write(f"Active proposals: {summary.active}; portfolio {verdict}: {mix}.\n")
