"""The best set of proposals within a budget: a 0-1 knapsack with several budget rows,
team capacities, dependencies (`requires`) and alternatives (`excludes`), solved exactly.

The solver is HiGHS, through `scipy.optimize.milp`: an exact branch-and-cut solver that is
maintained, tested and fast on thousands of variables. Hand-written branch and bound
would have to be as careful about bounds, cuts and floating point, and would be slower on
5,000 proposals. The relative gap is set to 0, so what it returns is the optimum, not a
good set. Bounds from the linear relaxation (its dual prices) settle most questions about
single proposals without solving again: `Problem.bound`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array, csr_array, vstack

from scoring.portfolio.selection.inputs import CANDIDATE, COMMITTED, Item
from scoring.portfolio.selection.scenario import Scenario

OPTIONS = {"mip_rel_gap": 0.0, "presolve": True}


@dataclass(frozen=True)
class BudgetRow:
    label: str  # "over the horizon", "in the first year", "in a later year"
    limit: float  # what is left for the candidates once the committed are paid for
    committed: float  # what the committed proposals take of it


@dataclass
class Problem:
    """The candidates of one scenario as a 0-1 program."""

    scenario: Scenario
    ids: list[str]  # the candidates, in order
    value: np.ndarray  # expected net value over the horizon
    low: np.ndarray
    high: np.ndarray
    rows: np.ndarray  # budget and capacity rows (dense: a few per scenario)
    limits: np.ndarray
    budget_rows: list[BudgetRow]
    capacity_teams: list[str]
    pairs: csr_array  # requires (x_i - x_j <= 0) and excludes (x_i + x_j <= 1) rows
    pair_limits: np.ndarray
    fixed_in: np.ndarray  # bool: must fund
    fixed_out: dict[int, str] = field(default_factory=dict)  # position -> why it cannot be
    infeasible: str = ""  # why no set at all fits (the must-fund alone exceed the budget)

    @property
    def size(self) -> int:
        return len(self.ids)

    def constraint(self, factor: float = 1.0) -> list[LinearConstraint]:
        """The rows, with the budget scaled by ``factor`` (the frontier's budget levels)."""
        limits = np.array(self._limits(factor))
        found = []
        if len(limits):
            found.append(LinearConstraint(self.rows, -np.inf, limits))
        if self.pairs.shape[0]:
            found.append(LinearConstraint(self.pairs, -np.inf, self.pair_limits))
        return found

    def bounds(self, force: Mapping[int, bool] | None = None) -> tuple[np.ndarray, np.ndarray]:
        lower = self.fixed_in.astype(float)
        upper = np.ones(self.size)
        for n in self.fixed_out:
            upper[n] = 0.0
        for n, chosen in (force or {}).items():
            lower[n] = upper[n] = 1.0 if chosen else 0.0
        return lower, upper

    def solve(
        self,
        values: np.ndarray | None = None,
        force: Mapping[int, bool] | None = None,
        factor: float = 1.0,
    ) -> Solution | None:
        """The optimum for ``values`` (default: the expected values), with the proposals in
        ``force`` fixed in or out; None when no set fits."""
        values = self.value if values is None else values
        if self.size == 0:
            return Solution(np.zeros(0, dtype=bool), 0.0)
        if any(limit < -1e-9 for limit in self._limits(factor)):
            return None
        lower, upper = self.bounds(force)
        if np.any(lower > upper):
            return None
        scale = max(1.0, float(np.abs(values).max()))
        result = milp(
            -values / scale,
            integrality=np.ones(self.size),
            bounds=Bounds(lower, upper),
            constraints=self.constraint(factor),
            options=OPTIONS,
        )
        if result.x is None:
            return None
        chosen = np.round(result.x).astype(bool)
        return Solution(chosen, float(values[chosen].sum()))

    def _limits(self, factor: float) -> list[float]:
        return [(r.limit + r.committed) * factor - r.committed for r in self.budget_rows] + [
            float(x) for x in self.limits[len(self.budget_rows) :]
        ]

    def bound(self, values: np.ndarray) -> Bound | None:
        """Upper bounds on the best value with each proposal forced in or out, from one
        linear relaxation: for any dual prices y >= 0, value(x) <= y.b + sum of the positive
        reduced costs (weak duality), so these hold for every set, not only the relaxed one."""
        if self.size == 0:
            return None
        lower, upper = self.bounds()
        matrix = vstack([csr_array(self.rows), self.pairs]) if self.rows.size else self.pairs
        limits = np.concatenate([self.limits, self.pair_limits])
        if matrix.shape[0] == 0:
            prices = np.zeros(0)
        else:
            result = linprog(
                -values,
                A_ub=matrix,
                b_ub=limits,
                bounds=list(zip(lower, upper, strict=True)),
                method="highs",
            )
            if result.status != 0:
                return None
            prices = np.maximum(0.0, -np.asarray(result.ineqlin.marginals))
        reduced = values - (matrix.T @ prices if prices.size else 0.0)
        contribution = np.where(
            upper == 0, 0.0, np.where(lower == 1, reduced, np.maximum(reduced, 0))
        )
        base = float(prices @ limits) + float(contribution.sum())
        slack = 1e-7 * max(1.0, float(np.abs(values).sum()))
        without = base - contribution + slack  # best with the proposal left out
        with_it = without + np.where(upper == 0, -np.inf, reduced)
        return Bound(with_it=with_it, without=without)


@dataclass(frozen=True)
class Solution:
    chosen: np.ndarray  # bool per candidate
    value: float  # the sum of the values it was solved for


@dataclass(frozen=True)
class Bound:
    with_it: np.ndarray  # per candidate: no set containing it is worth more
    without: np.ndarray  # per candidate: no set without it is worth more


def build_problem(items: Sequence[Item], scenario: Scenario) -> Problem:
    """The program over the candidates of ``items``; the committed take their share of each
    budget row and team first."""
    candidates = [item for item in items if item.status == CANDIDATE]
    committed = [item for item in items if item.status == COMMITTED]
    position = {item.id: n for n, item in enumerate(candidates)}
    status = {item.id: item for item in items}
    size = len(candidates)
    cost_rows: list[tuple[str, np.ndarray, float, float]] = []
    if scenario.budget_per_year is None:
        spent = sum(c.cost for c in committed)
        cost_rows.append(
            (
                "over the horizon",
                np.array([c.cost for c in candidates]),
                scenario.total_budget,
                spent,
            )
        )
    else:
        per_year = scenario.budget_per_year
        cost_rows.append(
            (
                "in the first year",
                np.array([c.first_year_cost for c in candidates]),
                per_year,
                sum(c.first_year_cost for c in committed),
            )
        )
        if scenario.horizon_years > 1:
            cost_rows.append(
                (
                    "in each later year",
                    np.array([c.running_cost for c in candidates]),
                    per_year,
                    sum(c.running_cost for c in committed),
                )
            )
    budget_rows = [BudgetRow(label, total - spent, spent) for label, _, total, spent in cost_rows]
    teams = sorted(scenario.capacity)
    capacity = [
        (
            np.array([c.people.get(team, 0.0) for c in candidates]),
            scenario.capacity[team] - sum(c.people.get(team, 0.0) for c in committed),
        )
        for team in teams
    ]
    rows = [costs for _, costs, _, _ in cost_rows] + [people for people, _ in capacity]
    limits = [row.limit for row in budget_rows] + [left for _, left in capacity]
    fixed_out: dict[int, str] = {}
    pair_rows: list[tuple[int, int, float]] = []  # (i, j, sign of x_j); limit 0 or 1
    for n, item in enumerate(candidates):
        for other in item.requires:
            if other in position:
                pair_rows.append((n, position[other], -1.0))
            elif status.get(other) is None or status[other].status != COMMITTED:
                why = status[other].reason if other in status else "no such proposal"
                fixed_out[n] = f"requires {other}, which cannot be funded ({why})"
        for other in item.excludes:
            if other in position:
                pair_rows.append((min(n, position[other]), max(n, position[other]), 1.0))
            elif other in status and status[other].status == COMMITTED:
                fixed_out[n] = f"an alternative to {other}, which is committed"
    # Committed proposals that exclude a candidate rule it out too.
    for item in committed:
        for other in item.excludes:
            if other in position:
                fixed_out[position[other]] = f"an alternative to {item.id}, which is committed"
    pair_rows = list(dict.fromkeys(pair_rows))
    data, row_index, col_index, pair_limits = [], [], [], []
    for r, (i, j, sign) in enumerate(pair_rows):
        data += [1.0, sign]
        row_index += [r, r]
        col_index += [i, j]
        pair_limits.append(0.0 if sign < 0 else 1.0)
    pairs = csr_array(
        coo_array((data, (row_index, col_index)), shape=(len(pair_rows), size)).tocsr()
    )
    fixed_in = np.array([item.funding == "must_fund" for item in candidates], dtype=bool)
    for n in fixed_out:
        fixed_in[n] = False
    problem = Problem(
        scenario=scenario,
        ids=[c.id for c in candidates],
        value=np.array([c.value for c in candidates], dtype=float),
        low=np.array([c.low for c in candidates], dtype=float),
        high=np.array([c.high for c in candidates], dtype=float),
        rows=np.array(rows, dtype=float).reshape(len(rows), size),
        limits=np.array(limits, dtype=float),
        budget_rows=budget_rows,
        capacity_teams=teams,
        pairs=pairs,
        pair_limits=np.array(pair_limits, dtype=float),
        fixed_in=fixed_in,
        fixed_out=fixed_out,
    )
    over = [r.label for r in budget_rows if r.limit < 0]
    over += [
        f"{team}'s people" for team, (_, left) in zip(teams, capacity, strict=True) if left < 0
    ]
    if over:
        problem.infeasible = f"the committed proposals alone exceed the budget ({', '.join(over)})"
    return problem


__all__ = ["Bound", "BudgetRow", "Problem", "Solution", "build_problem"]
