"""The efficient frontier: the best expected value at each budget level, from nothing
beyond the committed up to past the point where more money buys nothing more."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.portfolio.selection.robustness import EXACT_UP_TO
from scoring.portfolio.selection.solve import Problem, Solution

LEVELS = 14  # points on the curve besides the scenario's own budget


@dataclass(frozen=True)
class FrontierPoint:
    budget: float  # the total budget over the horizon (a yearly budget: times the years)
    value: float  # the best expected net value of the candidates at that budget
    cost: float  # what that best set costs over the horizon
    count: int  # how many candidates it funds
    chosen: bool = False  # the scenario's own budget
    bound: float | None = None  # above EXACT_UP_TO: no set at this budget is worth more


def frontier(
    problem: Problem,
    costs: list[float],
    best: Solution | None = None,
    levels: int = LEVELS,
) -> list[FrontierPoint]:
    """Points from the committed spending to 1.5 times the budget (or to what funding every
    candidate worth something would cost, if that is less), and the scenario's own point."""
    budget = problem.scenario.total_budget
    # The smallest budget that pays for the committed (each budget row scales together).
    shares = [r.committed / (r.limit + r.committed) for r in problem.budget_rows if r.committed]
    committed = budget * max(shares, default=0.0)
    worth = sum(c for c, v in zip(costs, problem.value, strict=True) if v > 0)
    top = max(budget, min(1.5 * budget, committed + worth))
    if budget <= 0 or top <= committed:
        steps = [budget]
    else:
        steps = [committed + (top - committed) * k / levels for k in range(levels + 1)]
        steps = sorted({*steps, budget})
    points = []
    exact = problem.size <= EXACT_UP_TO
    cost_of = np.array(costs, dtype=float)
    for level in steps:
        factor = level / budget if budget > 0 else 0.0
        bound = None
        chosen: np.ndarray | None
        if level == budget and best is not None:
            chosen = best.chosen
        elif exact or level == budget:
            solution = problem.solve(factor=factor)
            chosen = None if solution is None else solution.chosen
        else:
            # Thousands of candidates: the relaxation's set (rounded down, filled up) and its
            # bound, seconds faster per point; the page says how close it is.
            lower, upper = problem.bounds()
            relaxed = problem.relax(problem.value, lower, upper, problem.limits_at(factor))
            chosen = None if relaxed is None else relaxed.rounded
            bound = None if relaxed is None else relaxed.total
        if chosen is None:
            continue
        points.append(
            FrontierPoint(
                budget=level,
                value=float(problem.value[chosen].sum()),
                cost=float(cost_of[chosen].sum()),
                count=int(chosen.sum()),
                chosen=level == budget,
                bound=bound,
            )
        )
    return points


__all__ = ["FrontierPoint", "frontier"]
