"""One scenario's plan: the chosen set, the frontier, how sure each choice is and why each
proposal left out is out. The only entry point the pages, the CLI and diff use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from scoring.model.scorecard import ScoreCard
from scoring.portfolio.selection.frontier import FrontierPoint, frontier
from scoring.portfolio.selection.inputs import (
    CANDIDATE,
    COMMITTED,
    NOT_COSTED,
    NOT_ELIGIBLE,
    Item,
    items_of,
)
from scoring.portfolio.selection.robustness import (
    BORDERLINE,
    CORE,
    OUT,
    classify,
    core_index,
    decisive_information,
)
from scoring.portfolio.selection.scenario import Scenario
from scoring.portfolio.selection.solve import BudgetRow, Problem, build_problem

# What a proposal's line says, by label.
MEANINGS = {
    CORE: "chosen whatever its value turns out to be within its range",
    BORDERLINE: "the choice depends on where the values fall in their ranges",
    OUT: "not chosen whatever its value turns out to be within its range",
    COMMITTED: "already committed: its cost is paid first",
    NOT_COSTED: "not costed: it needs value and costs to be compared",
    NOT_ELIGIBLE: "not a candidate",
}


@dataclass(frozen=True)
class Choice:
    item: Item
    label: str  # CORE, BORDERLINE, OUT, COMMITTED, NOT_COSTED or NOT_ELIGIBLE
    chosen: bool  # in the best set at the expected values (committed: always)
    reason: str = ""  # why left out, or why not a candidate
    core_index: float | None = None  # borderline only, when enumerated in full
    decisive: bool = False  # needs information, and answering it could change the set
    maybe_decisive: bool = False  # the same, not settled (the solver was not asked)

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def meaning(self) -> str:
        return MEANINGS[self.label]


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    currency: str
    choices: tuple[Choice, ...]
    budget_rows: tuple[BudgetRow, ...]
    frontier: tuple[FrontierPoint, ...] = ()
    infeasible: str = ""
    portfolios: int | None = None  # non-dominated portfolios behind the core index
    borderline_count: int = 0
    unsettled: int = 0  # borderline only because the solver was not asked (robustness.py)
    value: float = 0.0  # expected net value of the chosen candidates and the committed
    low: float = 0.0  # every one at its low figure
    high: float = 0.0
    cost: float = 0.0  # of the chosen candidates and the committed, over the horizon
    by_id: Mapping[str, Choice] = field(default_factory=dict, repr=False, compare=False)

    @property
    def chosen(self) -> list[Choice]:
        return [c for c in self.choices if c.chosen and c.label != COMMITTED]

    @property
    def committed(self) -> list[Choice]:
        return [c for c in self.choices if c.label == COMMITTED]

    @property
    def left_out(self) -> list[Choice]:
        return [c for c in self.choices if not c.chosen and c.item.status == CANDIDATE]

    def of(self, proposal_id: str) -> Choice | None:
        return self.by_id.get(proposal_id)

    @property
    def chosen_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.chosen)


def select(
    cards: Sequence[ScoreCard],
    scenario: Scenario,
    currency: str = "EUR",
    rates: Mapping[str, float] | None = None,
    accepted_flags: Iterable[str] = (),
    *,
    with_frontier: bool = True,
) -> Plan:
    """The plan for ``scenario`` over the scored proposals."""
    items = items_of(cards, scenario, currency, rates, accepted_flags)
    return plan_of(items, scenario, currency, with_frontier=with_frontier)


def plan_of(
    items: Sequence[Item], scenario: Scenario, currency: str = "EUR", *, with_frontier: bool = True
) -> Plan:
    problem = build_problem(items, scenario)
    position = {pid: n for n, pid in enumerate(problem.ids)}
    best = None if problem.infeasible else problem.solve()
    infeasible = problem.infeasible or (
        "" if best is not None else "the must-fund proposals and what they require do not fit"
    )
    chosen = best.chosen if best is not None else np.zeros(problem.size, dtype=bool)
    settled = classify(problem) if best is not None else None
    labels = settled.labels if settled is not None else [BORDERLINE] * problem.size
    index = core_index(problem, labels) if best is not None else None
    ask = [position[i.id] for i in items if i.id in position and i.needs_information]
    decisive, maybe = (
        decisive_information(problem, chosen, best.value, ask)
        if best is not None
        else (set(), set())
    )
    chosen_ids = {pid for pid, x in zip(problem.ids, chosen, strict=True) if x}
    committed_ids = {i.id for i in items if i.status == COMMITTED}
    choices = []
    for item in items:
        n = position.get(item.id)
        if n is None:
            choices.append(Choice(item, item.status, item.status == COMMITTED, item.reason))
            continue
        reason = "" if chosen[n] else _why_out(item, n, problem, chosen, chosen_ids | committed_ids)
        choices.append(
            Choice(
                item,
                labels[n],
                bool(chosen[n]),
                reason,
                core_index=index.shares.get(n) if index is not None else None,
                decisive=n in decisive,
                maybe_decisive=n in maybe,
            )
        )
    funded = [c.item for c in choices if c.chosen and c.item.status in (CANDIDATE, COMMITTED)]
    costed = [i for i in funded if i.status == CANDIDATE or i.cost or i.value]
    points = (
        frontier(problem, [i.cost for i in items if i.status == CANDIDATE], best)
        if (with_frontier and best is not None)
        else []
    )
    return Plan(
        scenario=scenario,
        currency=currency,
        choices=tuple(choices),
        budget_rows=tuple(problem.budget_rows),
        frontier=tuple(points),
        infeasible=infeasible,
        portfolios=index.portfolios if index is not None else None,
        borderline_count=labels.count(BORDERLINE),
        unsettled=settled.unsettled if settled is not None else 0,
        value=sum(i.value for i in costed),
        low=sum(i.low for i in costed),
        high=sum(i.high for i in costed),
        cost=sum(i.cost for i in costed),
        by_id={c.id: c for c in choices},
    )


def _why_out(item: Item, n: int, problem: Problem, chosen: np.ndarray, funded: set[str]) -> str:
    if n in problem.fixed_out:
        return problem.fixed_out[n]
    if item.value <= 0:
        return "worth less than it costs over the horizon"
    for other in item.requires:
        if other not in funded:
            return f"requires {other}, which is not funded"
    for other in item.excludes:
        if other in funded:
            return f"an alternative to {other}, which is funded"
    used = problem.rows @ chosen.astype(float) if problem.rows.size else np.zeros(0)
    left = problem.limits - used
    for k, row in enumerate(problem.budget_rows):
        if problem.rows[k, n] > left[k] + 1e-9:
            return f"over budget: it does not fit in what is left {row.label}"
    for k, team in enumerate(problem.capacity_teams, start=len(problem.budget_rows)):
        if problem.rows[k, n] > left[k] + 1e-9:
            return f"over capacity: {team} has not enough people left"
    return "dominated: the money buys more elsewhere"


__all__ = ["MEANINGS", "Choice", "Plan", "plan_of", "select"]
