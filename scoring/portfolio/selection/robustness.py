"""How sure each choice is under the value ranges.

- **core**: chosen even at its low value with every other candidate at its high value;
- **out**: not chosen even at its high value with every other at its low value;
- **borderline**: neither.

Both tests are "strictly better with it than without it" at one corner of the ranges, so
each needs the best set with the proposal forced in and forced out. The best set at that
corner answers one side for free (a proposal not in the all-high optimum cannot be core,
one in the all-low optimum cannot be out); the linear relaxation's bound settles most of the
rest; only what neither settles is solved exactly.

Robust Portfolio Modeling's core index (Liesiö, Mild and Salo 2007): among the portfolios
that keep every core proposal in, every out proposal out and are not dominated under the
ranges, the share that holds each borderline proposal. Portfolio p dominates q when p is
worth at least as much as q for every value in the ranges, and more for some. It is given
only when every such portfolio was enumerated; otherwise None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from scoring.portfolio.selection.solve import Problem, Relaxation, _tolerance

CORE, OUT, BORDERLINE = "core", "out", "borderline"
MAX_ENUMERATED = 25  # borderline proposals whose subsets are enumerated for the core index
MAX_FEASIBLE = 200_000  # sets visited while enumerating
MAX_COMPARED = 4_000  # maximal sets compared for dominance (all pairs)
# Questions a bound and a quick set cannot settle need the solver; past this many per
# scenario they are left open, and the proposal counts as borderline (never as core or
# out without proof). A count, not a time, so the same input always gives the same page.
MAX_EXACT = 60
EXACT_UP_TO = 500  # candidates; above, each question takes the solver seconds: none are asked


@dataclass(frozen=True)
class Labels:
    labels: list[str]
    unsettled: int  # borderline because the solver was not asked (MAX_EXACT), not proven


def classify(problem: Problem, max_exact: int = MAX_EXACT) -> Labels:
    """CORE, OUT or BORDERLINE for each candidate (forced ones: CORE if must-fund, OUT if
    ruled out).

    Core means OPT_high(with it) - width > OPT_high(without it), out means
    OPT_low(with it) + width < OPT_low(without it). Each side is bounded from above by the
    relaxation and from below by a set that fits (the relaxation's, rounded down and filled
    up, with the proposal added or dropped): most proposals are settled by comparing those.
    The rest are asked of the solver, up to ``max_exact`` questions."""
    width = problem.high - problem.low
    labels = [BORDERLINE] * problem.size
    for n in problem.fixed_out:
        labels[n] = OUT
    for forced in np.flatnonzero(problem.fixed_in):
        labels[int(forced)] = CORE
    if problem.size == 0:
        return Labels(labels, 0)
    budget = _Budget(max_exact if problem.size <= EXACT_UP_TO else 0)
    for values, sign, label in ((problem.high, -1.0, CORE), (problem.low, 1.0, OUT)):
        relaxed = problem.bound(values)
        if relaxed is None or relaxed.rounded is None:
            return Labels(labels, 0)
        tol = _tolerance(values)
        quick = problem.quick_sets(relaxed.rounded, values)
        for n in range(problem.size):
            if labels[n] == BORDERLINE and _proven(
                problem, relaxed, quick, values, label, n, sign * width[n], tol, budget
            ):
                labels[n] = label
    return Labels(labels, budget.skipped)


def _proven(
    problem: Problem,
    relaxed: Relaxation,
    quick: tuple[np.ndarray, np.ndarray],
    values: np.ndarray,
    label: str,
    n: int,
    shift: float,
    tol: float,
    budget: _Budget,
) -> bool:
    """Whether ``n`` is proven CORE (with it at its low beats without) or OUT (with it at its
    high loses to without). The relaxation bounds each side from above for free; a set that
    fits bounds it from below and is made only when the free comparison does not settle."""
    start = relaxed.rounded
    assert start is not None
    with_high, without_high = relaxed.with_it[n], relaxed.without[n]

    def with_low() -> float:
        found = float(quick[0][n])
        return found if found > -np.inf else problem.with_one(start, values, n)

    def without_low() -> float:
        found = float(quick[1][n])
        return found if found > -np.inf else problem.without_one(start, values, n)

    if label == CORE:
        if with_low() + shift > without_high + tol:
            return True
        if with_high + shift <= without_low() + tol:
            return False
        return budget.spend() and _strictly_better_with(problem, values, n, shift, tol)
    if with_high + shift < without_low() - tol:
        return True
    if with_low() + shift >= without_high - tol:
        return False
    return budget.spend() and _strictly_better_without(problem, values, n, shift, tol)


def _first(quick: float, slow: Callable[[], float]) -> float:
    return float(quick) if quick > -np.inf else slow()


class _Budget:
    """How many questions may still go to the solver; counts those that could not."""

    def __init__(self, limit: int) -> None:
        self.left, self.skipped = limit, 0

    def spend(self) -> bool:
        if self.left <= 0:
            self.skipped += 1
            return False
        self.left -= 1
        return True


def _strictly_better_with(
    problem: Problem, values: np.ndarray, n: int, shift: float, tol: float
) -> bool:
    """Whether OPT(with n) + shift > OPT(without n), both exact."""
    without = problem.solve(values, {n: False})
    if without is None:
        return problem.solve(values, {n: True}) is not None
    return problem.reaches(values, {n: True}, without.value - shift + 2 * tol)


def _strictly_better_without(
    problem: Problem, values: np.ndarray, n: int, shift: float, tol: float
) -> bool:
    """Whether OPT(with n) + shift < OPT(without n), both exact."""
    without = problem.solve(values, {n: False})
    if without is None:
        return False
    return not problem.reaches(values, {n: True}, without.value - shift - tol)


def decisive_information(
    problem: Problem, chosen: np.ndarray, best: float, ask: list[int], max_exact: int = MAX_EXACT
) -> tuple[set[int], set[int]]:
    """Of the candidates ``ask`` (needs information), those whose value, anywhere in its own
    range with every other at its expected value, would change the chosen set; and those
    the solver was not asked about (past ``max_exact``), which may."""
    if problem.size == 0 or not ask:
        return set(), set()
    tol = _tolerance(problem.value)
    bound = problem.bound(problem.value)
    found, unsettled = set(), set()
    budget = _Budget(max_exact if problem.size <= EXACT_UP_TO else 0)
    quick_with, quick_without = problem.quick_sets(chosen, problem.value)
    for n in ask:
        if n in problem.fixed_out or problem.fixed_in[n] or bound is None:
            continue
        if chosen[n]:
            # At its low, is a set without it worth more than the chosen one is then?
            at_low = best - (problem.value[n] - problem.low[n])
            if bound.without[n] <= at_low + tol:
                continue
            if _first(quick_without[n], partial(problem.without_one, chosen, problem.value, n)) > (
                at_low + tol
            ):
                found.add(n)
            elif not budget.spend():
                unsettled.add(n)
            elif problem.reaches(problem.value, {n: False}, at_low + 2 * tol):
                found.add(n)
        else:
            gain = problem.high[n] - problem.value[n]
            if bound.with_it[n] + gain <= best + tol:
                continue
            if _first(quick_with[n], partial(problem.with_one, chosen, problem.value, n)) + gain > (
                best + tol
            ):
                found.add(n)
            elif not budget.spend():
                unsettled.add(n)
            elif problem.reaches(problem.value, {n: True}, best + 2 * tol - gain):
                found.add(n)
    return found, unsettled


@dataclass(frozen=True)
class CoreIndex:
    shares: dict[int, float]  # borderline candidate -> share of non-dominated portfolios
    portfolios: int  # how many non-dominated portfolios there are


def core_index(problem: Problem, labels: list[str]) -> CoreIndex | None:
    """The core index of every borderline candidate, or None when they are more than
    MAX_ENUMERATED or their portfolios too many to enumerate in full."""
    open_ = [n for n, label in enumerate(labels) if label == BORDERLINE]
    if not open_ or len(open_) > MAX_ENUMERATED:
        return None
    base = np.array([label == CORE for label in labels], dtype=float)
    fits = _Fits(problem, base, open_)
    sets = fits.subsets()
    if sets is None:
        return None
    low, high = problem.low[open_], problem.high[open_]
    # A set that could take one more proposal worth at least 0 even at its low is dominated
    # by the set with it: only sets that cannot grow that way are compared.
    grows = np.zeros(sets.shape[0], dtype=bool)
    for k in np.flatnonzero((low >= 0) & (high > 0)):
        grown = sets.copy()
        grown[:, k] = True
        grows |= ~sets[:, k] & fits.check(grown)
    kept = sets[~grows].astype(float)
    if kept.shape[0] > MAX_COMPARED:
        return None
    chosen = kept[_non_dominated(kept, low, high)]
    if chosen.shape[0] == 0:
        return None
    shares = chosen.mean(axis=0)
    return CoreIndex({n: float(shares[k]) for k, n in enumerate(open_)}, chosen.shape[0])


class _Fits:
    """Which subsets of the open candidates fit beside the fixed ones (``base``)."""

    def __init__(self, problem: Problem, base: np.ndarray, open_: list[int]) -> None:
        self.rows = problem.rows[:, open_]
        self.room = problem.limits - problem.rows @ base
        self.room = self.room + 1e-9 * (1 + np.abs(problem.limits))
        pairs = problem.pairs
        self.pairs = pairs[:, open_].toarray() if pairs.shape[0] else np.zeros((0, len(open_)))
        self.pair_room = (
            problem.pair_limits - pairs @ base + 1e-9 if pairs.shape[0] else np.zeros(0)
        )

    def check(self, sets: np.ndarray) -> np.ndarray:
        x = sets.astype(float)
        ok = np.all(x @ self.rows.T <= self.room, axis=1)
        if self.pairs.shape[0]:
            ok &= np.all(x @ self.pairs.T <= self.pair_room, axis=1)
        return ok

    def subsets(self) -> np.ndarray | None:
        """Every fitting subset, built one candidate at a time (a set over the budget or a
        team's people stays over when more is added, so it is dropped at once), or None
        past MAX_FEASIBLE."""
        count = self.rows.shape[1]
        sets = np.zeros((1, count), dtype=bool)
        used = np.zeros((1, self.rows.shape[0]))
        for k in range(count):
            more = used + self.rows[:, k]
            fit = np.all(more <= self.room, axis=1)
            grown = sets[fit].copy()
            grown[:, k] = True
            sets = np.concatenate([sets, grown])
            used = np.concatenate([used, more[fit]])
            if sets.shape[0] > MAX_FEASIBLE:
                return None
        return sets[self.check(sets)]


def _non_dominated(sets: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Which rows of ``sets`` no other row dominates. For p against q the worst case of
    V(p) - V(q) is low(p \\ q) - high(q \\ p) and the best case high(p \\ q) - low(q \\ p)."""
    if sets.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    width = high - low
    overlap = (sets * width) @ sets.T  # [p, q]: the width of what p and q share
    set_low, set_high = sets @ low, sets @ high
    tol = 1e-9 * max(1.0, float(np.abs(high).sum() + np.abs(low).sum()))
    worst = set_low[:, None] - set_high[None, :] + overlap
    best = set_high[:, None] - set_low[None, :] - overlap
    dominates = (worst >= -tol) & (best > tol)
    np.fill_diagonal(dominates, False)
    return ~dominates.any(axis=0)


__all__ = [
    "BORDERLINE",
    "CORE",
    "MAX_ENUMERATED",
    "OUT",
    "CoreIndex",
    "Labels",
    "classify",
    "core_index",
    "decisive_information",
]
