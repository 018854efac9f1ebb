"""The chosen set, the core/out/borderline labels and the core index against brute force:
every subset of 20 proposals, for several budgets and mixes of constraints (issue 31)."""

from __future__ import annotations

import itertools
import random
import zlib

import numpy as np
import pytest

from scoring.portfolio.selection.inputs import CANDIDATE, COMMITTED, Item
from scoring.portfolio.selection.plan import plan_of
from scoring.portfolio.selection.robustness import BORDERLINE, CORE, OUT
from scoring.portfolio.selection.scenario import Scenario

SIZE = 20
ALL = np.array(list(itertools.product((0, 1), repeat=SIZE)), dtype=bool)  # 2^20 subsets


def random_items(seed: int, mix: str) -> list[Item]:
    rng = random.Random(seed)
    items = []
    for n in range(SIZE):
        cost = rng.uniform(50, 400)
        value = rng.uniform(-100, 500)
        spread = rng.uniform(10, 300)
        items.append(
            Item(
                id=f"p{n:02d}",
                title=f"P{n}",
                team="T",
                status=CANDIDATE,
                value=value,
                low=value - spread * rng.uniform(0.3, 1.0),
                high=value + spread * rng.uniform(0.3, 1.0),
                cost=cost,
                first_year_cost=cost,
                people={"Data": rng.choice((0.5, 1.0, 2.0))} if "capacity" in mix else {},
            )
        )
    if "requires" in mix:
        for n in (3, 7, 11):
            items[n] = _with(items[n], requires=(items[n + 1].id,))
        items[15] = _with(items[15], requires=(items[16].id, items[17].id))
    if "excludes" in mix:
        items[1] = _with(items[1], excludes=(items[2].id,))
        items[5] = _with(items[5], excludes=(items[6].id, items[9].id))
    if "must" in mix:
        items[0] = _with(items[0], funding="must_fund")
    return items


def _with(item: Item, **changes: object) -> Item:
    return Item(**{**item.__dict__, **changes})


def feasible(items: list[Item], budget: float, capacity: float | None) -> np.ndarray:
    ok = ALL @ np.array([i.cost for i in items]) <= budget + 1e-9
    if capacity is not None:
        ok &= ALL @ np.array([i.people.get("Data", 0.0) for i in items]) <= capacity + 1e-9
    ids = {item.id: n for n, item in enumerate(items)}
    for n, item in enumerate(items):
        for other in item.requires:
            ok &= ~ALL[:, n] | ALL[:, ids[other]]
        for other in item.excludes:
            ok &= ~(ALL[:, n] & ALL[:, ids[other]])
        if item.funding == "must_fund":
            ok &= ALL[:, n]
    return ok


def brute_labels(items: list[Item], ok: np.ndarray) -> list[str]:
    sets = ALL[ok]
    low = np.array([i.low for i in items])
    high = np.array([i.high for i in items])
    labels = []
    for n in range(SIZE):
        at_low = high.copy()
        at_low[n] = low[n]
        worth = sets @ at_low
        core = worth[sets[:, n]].max(initial=-np.inf) > worth[~sets[:, n]].max(initial=-np.inf)
        at_high = low.copy()
        at_high[n] = high[n]
        worth = sets @ at_high
        out = worth[sets[:, n]].max(initial=-np.inf) < worth[~sets[:, n]].max(initial=-np.inf)
        labels.append(CORE if core else OUT if out else BORDERLINE)
    return labels


def brute_core_index(
    items: list[Item], ok: np.ndarray, labels: list[str]
) -> tuple[dict[str, float], int]:
    """Plain Python: every fitting set with the core in and the out out, and which of them
    no other dominates (worth at least as much for all values in the ranges, more for some)."""
    sets = [
        frozenset(n for n in range(SIZE) if row[n])
        for row in ALL[ok]
        if all(row[n] for n in range(SIZE) if labels[n] == CORE)
        and not any(row[n] for n in range(SIZE) if labels[n] == OUT)
    ]

    def dominates(p: frozenset[int], q: frozenset[int]) -> bool:
        worst = sum(items[n].low for n in p - q) - sum(items[n].high for n in q - p)
        best = sum(items[n].high for n in p - q) - sum(items[n].low for n in q - p)
        return worst >= -1e-9 and best > 1e-9

    kept = [q for q in sets if not any(dominates(p, q) for p in sets if p != q)]
    borderline = [n for n in range(SIZE) if labels[n] == BORDERLINE]
    return {items[n].id: sum(n in q for q in kept) / len(kept) for n in borderline}, len(kept)


MIXES = ["plain", "requires", "excludes", "requires excludes must", "capacity requires excludes"]


@pytest.mark.slow
@pytest.mark.parametrize("mix", MIXES)
@pytest.mark.parametrize("budget", [300.0, 900.0, 1800.0])
def test_the_chosen_set_and_labels_match_brute_force(mix: str, budget: float) -> None:
    items = random_items(zlib.crc32(f"{mix} {budget}".encode()), mix)
    capacity = 4.0 if "capacity" in mix else None
    scenario = Scenario("Test", 3, budget, capacity={"Data": capacity} if capacity else {})
    plan = plan_of(items, scenario, with_frontier=False)
    ok = feasible(items, budget, capacity)
    if not ok.any():
        assert plan.infeasible
        return
    values = np.array([i.value for i in items])
    worth = np.where(ok, ALL @ values, -np.inf)
    best = ALL[int(np.argmax(worth))]
    assert {c.id for c in plan.chosen} == {items[n].id for n in range(SIZE) if best[n]}
    assert plan.value == pytest.approx(float(worth.max()))
    labels = brute_labels(items, ok)
    assert [plan.of(i.id).label for i in items] == labels  # type: ignore[union-attr]
    if labels.count(BORDERLINE) and plan.portfolios is not None:
        shares, count = brute_core_index(items, ok, labels)
        assert plan.portfolios == count
        for pid, share in shares.items():
            assert plan.of(pid).core_index == pytest.approx(share)  # type: ignore[union-attr]


def test_committed_proposals_are_paid_for_first() -> None:
    items = random_items(1, "plain")
    items[0] = _with(items[0], status=COMMITTED, cost=500.0)
    plan = plan_of(items, Scenario("Test", 3, 600.0), with_frontier=False)
    assert plan.of("p00").chosen and plan.of("p00").label == COMMITTED  # type: ignore[union-attr]
    assert sum(c.item.cost for c in plan.chosen) <= 100.0
    over = plan_of(items, Scenario("Test", 3, 400.0), with_frontier=False)
    assert over.infeasible.startswith("the committed proposals alone exceed the budget")
