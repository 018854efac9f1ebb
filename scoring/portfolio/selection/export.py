"""A plan as rows (CSV) and as JSON: the same fields for `sweetspot select` and the site's
downloads."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from scoring.portfolio.csvfile import write_csv
from scoring.portfolio.selection.plan import Plan

COLUMNS = (
    "scenario",
    "id",
    "title",
    "team",
    "label",
    "chosen",
    "reason",
    "cost",
    "value",
    "value_low",
    "value_high",
    "core_index",
    "answer_changes_plan",
)


def _round(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None


def plan_rows(plan: Plan) -> list[dict[str, Any]]:
    rows = []
    for choice in plan.choices:
        item = choice.item
        costed = item.status in ("candidate", "committed") and not (
            item.status == "committed" and item.reason.startswith(("no ", "in "))
        )
        rows.append(
            {
                "scenario": plan.scenario.name,
                "id": item.id,
                "title": item.title,
                "team": item.team,
                "label": choice.label,
                "chosen": choice.chosen,
                "reason": choice.reason,
                "cost": _round(item.cost) if costed else None,
                "value": _round(item.value) if costed else None,
                "value_low": _round(item.low) if costed else None,
                "value_high": _round(item.high) if costed else None,
                "core_index": None if choice.core_index is None else round(choice.core_index, 4),
                "answer_changes_plan": (
                    "yes" if choice.decisive else "maybe" if choice.maybe_decisive else ""
                )
                if item.needs_information
                else "",
            }
        )
    return rows


def plan_json(plan: Plan) -> dict[str, Any]:
    scenario = plan.scenario
    return {
        "scenario": {
            "name": scenario.name,
            "budget": scenario.budget,
            "budget_per_year": scenario.budget_per_year,
            "horizon_years": scenario.horizon_years,
            "capacity": dict(scenario.capacity),
            "max_risk": scenario.max_risk,
        },
        "currency": plan.currency,
        "feasible": not plan.infeasible,
        "infeasible": plan.infeasible or None,
        "value": _round(plan.value),
        "value_low": _round(plan.low),
        "value_high": _round(plan.high),
        "cost": _round(plan.cost),
        "chosen": sorted(c.id for c in plan.chosen),
        "committed": sorted(c.id for c in plan.committed),
        "borderline": plan.borderline_count,
        "unsettled": plan.unsettled,
        "core_index_portfolios": plan.portfolios,
        "frontier": [
            {
                "budget": _round(p.budget),
                "value": _round(p.value),
                "cost": _round(p.cost),
                "proposals": p.count,
                "chosen": p.chosen,
                "bound": None if p.bound is None else _round(p.bound),
            }
            for p in plan.frontier
        ],
        "proposals": plan_rows(plan),
    }


def plans_csv(plans: Sequence[Plan]) -> str:
    out = io.StringIO()
    rows = [row for plan in plans for row in plan_rows(plan)]
    write_csv(pd.DataFrame(rows, columns=list(COLUMNS)), out)
    return out.getvalue()


def plans_json(plans: Sequence[Plan]) -> str:
    return json.dumps({"scenarios": [plan_json(p) for p in plans]}, indent=2, ensure_ascii=False)


__all__ = ["COLUMNS", "plan_json", "plan_rows", "plans_csv", "plans_json"]
