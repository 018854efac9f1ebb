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
from functools import cached_property

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array, csr_array, vstack

from scoring.portfolio.selection.inputs import CANDIDATE, COMMITTED, Item
from scoring.portfolio.selection.scenario import Scenario

OPTIONS = {"mip_rel_gap": 0.0, "presolve": True}
FILL_TRIES = 25  # proposals tried when filling up a rounded set


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
    requires: list[tuple[int, int]] = field(default_factory=list)  # (i, j): i needs j
    excludes: list[tuple[int, int]] = field(default_factory=list)
    infeasible: str = ""  # why no set at all fits (the must-fund alone exceed the budget)

    @property
    def size(self) -> int:
        return len(self.ids)

    def constraint(self, factor: float = 1.0) -> list[LinearConstraint]:
        """The rows, with the budget scaled by ``factor`` (the frontier's budget levels)."""
        limits = self._limits(factor)
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
        floor: float | None = None,
    ) -> Solution | None:
        """The optimum for ``values`` (default: the expected values), with the proposals in
        ``force`` fixed in or out and the budget scaled by ``factor``; None when no set fits.
        With ``floor``, only an optimum worth at least ``floor`` is exact: below it, what is
        returned (a set, or None) is only known to be worth less than ``floor``.

        The linear relaxation first gives a set (its solution rounded down, which still fits:
        every row has costs of at least 0, and requires/excludes rows survive rounding down)
        and, from its dual prices, a bound for each proposal. A proposal whose bound with it is
        below the value to reach is in no set worth reaching, and one whose bound without it is
        below is in every one: both are fixed before HiGHS branches, which leaves it only the
        proposals near the margin."""
        values = self.value if values is None else values
        if self.size == 0:
            return Solution(np.zeros(0, dtype=bool), 0.0)
        limits = self._limits(factor)
        if np.any(limits[: len(self.budget_rows)] < -1e-9):
            return None
        lower, upper = self.bounds(force)
        if np.any(lower > upper):
            return None
        relaxed = self.relax(values, lower, upper, limits)
        if relaxed is None:
            return None
        rounded = relaxed.rounded
        reach = max(relaxed.rounded_value, -np.inf if floor is None else floor)
        reach -= _tolerance(values)
        lower = np.where((relaxed.without < reach) & (upper == 1), 1.0, lower)
        upper = np.where((relaxed.with_it < reach) & (lower == 0), 0.0, upper)
        fallback = None if rounded is None else Solution(rounded, relaxed.rounded_value)
        if np.any(lower > upper):
            return fallback
        scale = max(1.0, float(np.abs(values).max()))
        result = milp(
            -values / scale,
            integrality=np.ones(self.size),
            bounds=Bounds(lower, upper),
            constraints=self.constraint(factor),
            options=OPTIONS,
        )
        if result.x is None:
            return fallback
        chosen = np.round(result.x).astype(bool)
        return Solution(chosen, float(values[chosen].sum()))

    def reaches(
        self, values: np.ndarray, force: Mapping[int, bool], floor: float, factor: float = 1.0
    ) -> bool:
        """Whether some set (with ``force``) is worth at least ``floor`` at ``values``. Most
        answers need no branching: the relaxation's rounded set may already reach it, or its
        bound may fall short of it."""
        limits = self._limits(factor)
        lower, upper = self.bounds(force)
        if np.any(limits[: len(self.budget_rows)] < -1e-9) or np.any(lower > upper):
            return False
        relaxed = self.relax(values, lower, upper, limits)
        if relaxed is None or relaxed.total < floor:
            return False
        if relaxed.rounded_value >= floor:
            return True
        # A question of feasibility: is there a set worth at least ``floor``? Asked so, with
        # no objective, HiGHS stops at the first such set instead of proving an optimum.
        reach = floor - _tolerance(values)
        lower = np.where((relaxed.without < reach) & (upper == 1), 1.0, lower)
        upper = np.where((relaxed.with_it < reach) & (lower == 0), 0.0, upper)
        if np.any(lower > upper):
            return False
        scale = max(1.0, float(np.abs(values).max()))
        worth = LinearConstraint(values[None, :] / scale, floor / scale, np.inf)
        result = milp(
            np.zeros(self.size),
            integrality=np.ones(self.size),
            bounds=Bounds(lower, upper),
            constraints=[*self.constraint(factor), worth],
            options=OPTIONS,
        )
        if result.x is None:
            return False
        chosen = np.round(result.x).astype(bool)
        return self.fits(chosen, limits) and float(values[chosen].sum()) >= floor - _tolerance(
            values
        )

    def limits_at(self, factor: float) -> np.ndarray:
        return self._limits(factor)

    def _limits(self, factor: float) -> np.ndarray:
        scaled = self.limits.copy()
        for n, row in enumerate(self.budget_rows):
            scaled[n] = (row.limit + row.committed) * factor - row.committed
        return scaled

    def fits(self, chosen: np.ndarray, limits: np.ndarray | None = None) -> bool:
        """Whether ``chosen`` keeps within every row (``limits``: the budget rows' limits)."""
        x = chosen.astype(float)
        limits = self._limits(1.0) if limits is None else limits
        if self.rows.size and np.any(self.rows @ x > limits + 1e-9 * (1 + np.abs(limits))):
            return False
        return not (self.pairs.shape[0] and np.any(self.pairs @ x > self.pair_limits + 1e-9))

    def relax(
        self, values: np.ndarray, lower: np.ndarray, upper: np.ndarray, limits: np.ndarray
    ) -> Relaxation | None:
        """The linear relaxation's bounds, and its solution rounded down; None when even the
        relaxation has no solution (then no set fits), or there are no candidates."""
        if self.size == 0:
            return None
        matrix = vstack([csr_array(self.rows), self.pairs]) if self.rows.size else self.pairs
        all_limits = np.concatenate([limits, self.pair_limits])
        result = linprog(
            -values,
            A_ub=matrix if matrix.shape[0] else None,
            b_ub=all_limits if matrix.shape[0] else None,
            bounds=np.column_stack([lower, upper]),
            method="highs",
        )
        if result.status != 0:
            return None
        if matrix.shape[0]:
            prices = np.maximum(0.0, -np.asarray(result.ineqlin.marginals))
            reduced = values - matrix.T @ prices
            base = float(prices @ all_limits)
        else:
            reduced, base = values.copy(), 0.0
        # For any dual prices y >= 0, value(x) <= y.b + the sum of the reduced costs that x can
        # take (weak duality), so these bound every set, not only the relaxed one.
        contribution = np.where(
            upper == 0, 0.0, np.where(lower == 1, reduced, np.maximum(reduced, 0.0))
        )
        total = base + float(contribution.sum()) + _tolerance(values)
        without = total - contribution
        with_it = np.where(upper == 0, -np.inf, without + reduced)
        x = np.asarray(result.x)
        near = np.abs(x - np.round(x)) < 1e-6
        rounded = np.where(near, np.round(x), np.floor(x)).astype(bool)
        feasible = self.fits(rounded, limits)
        if feasible:
            rounded = self._fill(rounded, values, upper, limits)
        return Relaxation(
            total=total,
            with_it=with_it,
            without=without,
            rounded=rounded if feasible else None,
            rounded_value=float(values[rounded].sum()) if feasible else -np.inf,
        )

    def _fill(
        self, chosen: np.ndarray, values: np.ndarray, upper: np.ndarray, limits: np.ndarray
    ) -> np.ndarray:
        """``chosen`` with the best-paying proposals that still fit added, one by one (a
        better set to start from; it only has to fit)."""
        chosen = chosen.copy()
        used = self.rows @ chosen if self.rows.size else np.zeros(0)
        paired = self.pairs @ chosen.astype(float) if self.pairs.shape[0] else np.zeros(0)
        columns = self._pair_columns
        room = limits + 1e-9 * (1 + np.abs(limits))
        open_ = np.flatnonzero(~chosen & (upper == 1) & (values > 0))
        price = (
            values[open_] / np.maximum(self.rows[:, open_].sum(axis=0), 1e-12)
            if self.rows.size
            else values[open_]
        )
        for j in open_[np.argsort(-price)][:FILL_TRIES]:
            more = used + self.rows[:, j] if self.rows.size else used
            if np.any(more > room):
                continue
            entries = columns.get(int(j), ())
            if any(paired[r] + c > self.pair_limits[r] + 1e-9 for r, c in entries):
                continue
            for r, c in entries:
                paired[r] += c
            chosen[j] = True
            used = more
        return chosen

    def without_one(self, chosen: np.ndarray, values: np.ndarray, n: int) -> float:
        """The value of a set without ``n`` made from ``chosen``: ``n`` and whatever requires
        it dropped, then filled up; -inf when that breaks a must-fund."""
        drop = self._closure({n}, self._needed_by)
        keep = chosen.copy()
        keep[list(drop)] = False
        lower, upper = self.bounds({n: False})
        if np.any(keep < (lower == 1)):
            return -np.inf
        filled = self._fill(keep, values, upper, self._limits(1.0))
        return float(values[filled].sum()) if self.fits(filled) else -np.inf

    def with_one(self, chosen: np.ndarray, values: np.ndarray, n: int) -> float:
        """The value of a set with ``n`` made from ``chosen``: ``n`` and what it requires
        added, their alternatives and what requires those dropped, then the worst-paying of
        the rest dropped until it fits, then filled up; -inf when no such set is found."""
        add = self._closure({n}, self._needs)
        lower, upper = self.bounds({n: True})
        if any(upper[j] == 0 for j in add):
            return -np.inf
        x = chosen.copy()
        x[list(add)] = True
        rivals = {b for a, b in self.excludes if a in add} | {
            a for a, b in self.excludes if b in add
        }
        if rivals & add:
            return -np.inf
        x[list(self._closure(rivals, self._needed_by))] = False
        limits = self._limits(1.0)
        used = self.rows @ x if self.rows.size else np.zeros(0)
        over = used - limits
        if np.any(over > 0):
            removable = np.flatnonzero(x & (lower == 0))
            removable = np.array([j for j in removable if j not in add], dtype=int)
            if removable.size == 0:
                return -np.inf
            weight = self.rows[:, removable].sum(axis=0)
            order = removable[np.argsort(values[removable] / np.maximum(weight, 1e-12))]
            freed = np.cumsum(self.rows[:, order], axis=1)
            enough = np.all(freed >= over[:, None], axis=0)
            if not enough.any():
                return -np.inf
            cut = order[: int(np.argmax(enough)) + 1]
            x[list(self._closure(set(cut.tolist()), self._needed_by))] = False
            if not x[list(add)].all():
                return -np.inf
        filled = self._fill(x, values, upper, limits)
        return float(values[filled].sum()) if self.fits(filled) else -np.inf

    def quick_sets(self, start: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For every candidate at once, the value of a set that fits with it and of one
        without it, made from ``start`` (a set that fits): without a chosen one, drop it;
        with one not chosen, add it and drop the worst-paying chosen ones, in order, until it
        fits. -inf where that does not give a set that fits (a dependency or alternative is
        involved, or a must-fund would go): the per-proposal ``with_one``/``without_one``
        then try."""
        base = float(values[start].sum())
        linked = np.zeros(self.size, dtype=bool)
        for i, j in (*self.requires, *self.excludes):
            linked[i] = linked[j] = True
        forced = self.fixed_in
        without = np.where(start & ~linked & ~forced, base - values, -np.inf)
        without = np.where(~start, base, without)
        with_it = np.where(start, base, -np.inf)
        limits = self._limits(1.0)
        used = self.rows @ start if self.rows.size else np.zeros(0)
        removable = np.flatnonzero(start & ~linked & ~forced)
        weight = self.rows[:, removable].sum(axis=0) if self.rows.size else np.ones(0)
        order = removable[np.argsort(values[removable] / np.maximum(weight, 1e-12))]
        freed = np.concatenate(
            [np.zeros((self.rows.shape[0], 1)), np.cumsum(self.rows[:, order], axis=1)], axis=1
        )
        lost = np.concatenate([[0.0], np.cumsum(values[order])])
        room = limits - used + 1e-9 * (1 + np.abs(limits))
        lower, upper = self.bounds()
        adding = np.flatnonzero(~start & ~linked & (upper == 1))
        if adding.size and self.rows.shape[0]:
            need = self.rows[:, adding] - room[:, None]  # what must be freed, row by row
            steps = np.zeros(adding.size, dtype=int)
            possible = np.ones(adding.size, dtype=bool)
            for r in range(self.rows.shape[0]):
                at = np.searchsorted(freed[r], need[r] - 1e-9, side="left")
                possible &= at < freed.shape[1]
                steps = np.maximum(steps, np.minimum(at, freed.shape[1] - 1))
            with_it[adding] = np.where(possible, base + values[adding] - lost[steps], -np.inf)
        elif adding.size:
            with_it[adding] = base + values[adding]
        del lower
        return with_it, without

    @cached_property
    def _pair_columns(self) -> dict[int, list[tuple[int, float]]]:
        """Each candidate's entries in the requires/excludes rows: (row, coefficient)."""
        found: dict[int, list[tuple[int, float]]] = {}
        coo = self.pairs.tocoo()
        for r, j, c in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True):
            found.setdefault(j, []).append((r, c))
        return found

    @cached_property
    def _needs(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for i, j in self.requires:
            found.setdefault(i, []).append(j)
        return found

    @cached_property
    def _needed_by(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for i, j in self.requires:
            found.setdefault(j, []).append(i)
        return found

    @staticmethod
    def _closure(start: set[int], links: dict[int, list[int]]) -> set[int]:
        found, todo = set(start), list(start)
        while todo:
            for other in links.get(todo.pop(), ()):
                if other not in found:
                    found.add(other)
                    todo.append(other)
        return found

    def bound(self, values: np.ndarray) -> Relaxation | None:
        lower, upper = self.bounds()
        return self.relax(values, lower, upper, self._limits(1.0))


def _tolerance(values: np.ndarray) -> float:
    return 1e-7 * max(1.0, float(np.abs(values).sum()))


@dataclass(frozen=True)
class Solution:
    chosen: np.ndarray  # bool per candidate
    value: float  # the sum of the values it was solved for


@dataclass(frozen=True)
class Relaxation:
    total: float  # no set is worth more
    with_it: np.ndarray  # per candidate: no set containing it is worth more
    without: np.ndarray  # per candidate: no set without it is worth more
    rounded: np.ndarray | None  # the relaxed solution rounded down (None if it does not fit)
    rounded_value: float


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
        requires=[(i, j) for i, j, sign in pair_rows if sign < 0],
        excludes=[(i, j) for i, j, sign in pair_rows if sign > 0],
    )
    over = [r.label for r in budget_rows if r.limit < 0]
    over += [
        f"{team}'s people" for team, (_, left) in zip(teams, capacity, strict=True) if left < 0
    ]
    if over:
        problem.infeasible = f"the committed proposals alone exceed the budget ({', '.join(over)})"
    return problem


__all__ = ["BudgetRow", "Problem", "Relaxation", "Solution", "build_problem"]
