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

from dataclasses import dataclass

import numpy as np

from scoring.portfolio.selection.solve import Problem

CORE, OUT, BORDERLINE = "core", "out", "borderline"
MAX_ENUMERATED = 25  # borderline proposals whose subsets are enumerated for the core index
MAX_FEASIBLE = 200_000  # sets visited while enumerating
MAX_COMPARED = 4_000  # maximal sets compared for dominance (all pairs)


def _tolerance(values: np.ndarray) -> float:
    return 1e-7 * max(1.0, float(np.abs(values).sum()))


def classify(problem: Problem) -> list[str]:
    """CORE, OUT or BORDERLINE for each candidate (forced ones: CORE if must-fund, OUT if
    ruled out)."""
    width = problem.high - problem.low
    tol = _tolerance(problem.high)
    labels = [BORDERLINE] * problem.size
    for n in problem.fixed_out:
        labels[n] = OUT
    for forced in np.flatnonzero(problem.fixed_in):
        labels[int(forced)] = CORE
    top = problem.solve(problem.high)
    bottom = problem.solve(problem.low)
    if top is None or bottom is None:
        return labels
    high_bound, low_bound = problem.bound(problem.high), problem.bound(problem.low)
    for n in range(problem.size):
        if labels[n] != BORDERLINE:
            continue
        if top.chosen[n]:
            # Core when, at its low, the best set without it is worth less than top minus
            # what it loses: top.value - width.
            target = top.value - width[n]
            if high_bound is not None and high_bound.without[n] < target - tol:
                labels[n] = CORE
                continue
            without = problem.solve(problem.high, {n: False})
            if without is None or without.value < target - tol:
                labels[n] = CORE
                continue
        if not bottom.chosen[n]:
            # Out when, at its high, the best set with it is worth less than bottom.
            if low_bound is not None and low_bound.with_it[n] + width[n] < bottom.value - tol:
                labels[n] = OUT
                continue
            with_it = problem.solve(problem.low, {n: True})
            if with_it is None or with_it.value + width[n] < bottom.value - tol:
                labels[n] = OUT
    return labels


def decisive_information(
    problem: Problem, chosen: np.ndarray, best: float, ask: list[int]
) -> set[int]:
    """Of the candidates ``ask`` (needs information), those whose value, anywhere in its
    own range with every other at its expected value, would change the chosen set."""
    tol = _tolerance(problem.value)
    bound = problem.bound(problem.value)
    found = set()
    for n in ask:
        if n in problem.fixed_out or problem.fixed_in[n]:
            continue
        if chosen[n]:
            # At its low, is the best set without it worth more?
            at_low = best - (problem.value[n] - problem.low[n])
            if bound is not None and bound.without[n] <= at_low + tol:
                continue
            without = problem.solve(force={n: False})
            if without is not None and without.value > at_low + tol:
                found.add(n)
        else:
            gain = problem.high[n] - problem.value[n]
            if bound is not None and bound.with_it[n] + gain <= best + tol:
                continue
            with_it = problem.solve(force={n: True})
            if with_it is not None and with_it.value + gain > best + tol:
                found.add(n)
    return found


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
    "classify",
    "core_index",
    "decisive_information",
]
