"""Portfolio analytics with pandas: totals by group, balance against the target mix, heatmap."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scoring.model.features import checklist_answer
from scoring.model.scorecard import ScoredPortfolio
from scoring.proposals.proposal import INACTIVE_STAGES, STAGES
from scoring.rubric import NEEDS_INFORMATION, QUADRANTS, STATES, Rubric
from scoring.rubric.definitions import BalanceJudgement


@dataclass(frozen=True)
class GroupTotal:
    key: str
    count: int
    # None when no proposal of the group gives the figure: unknown, not 0.
    annual_value: float | None
    one_off_cost: float | None
    annual_running_cost: float | None
    mean_priority: float


@dataclass(frozen=True)
class BalanceRow:
    quadrant: str
    count: int
    share: float
    target: float
    gap: float
    status: str  # "ok", "over" or "under"


@dataclass(frozen=True)
class HeatmapRow:
    checklist_id: str
    item_id: str
    text: str
    playbook: str
    open_count: int
    applicable: int
    open_ids: tuple[str, ...]

    @property
    def open_share(self) -> float:
        return 0.0 if self.applicable == 0 else self.open_count / self.applicable


@dataclass(frozen=True)
class PortfolioSummary:
    total: int
    active: int
    currency: str
    other_currencies: tuple[str, ...]
    annual_value: float | None  # None when no active proposal gives one: unknown, not 0
    one_off_cost: float | None  # None when no active proposal gives one, as the value
    annual_running_cost: float | None
    by_stage: tuple[GroupTotal, ...]
    by_team: tuple[GroupTotal, ...]
    by_quadrant: tuple[GroupTotal, ...]  # by state: the four quadrants and needs information
    # The same, counting active proposals only: what the portfolio page shows next to the
    # balance, so the two tables count the same proposals.
    active_by_state: tuple[GroupTotal, ...]
    placed: int  # active proposals placed in a quadrant
    needs_information: int  # active proposals the answers cannot place yet
    balance: tuple[BalanceRow, ...]
    in_balance: bool  # every quadrant within tolerance; a verdict only when ``judged``
    # Enough placed proposals to judge the mix at all (the rubric's portfolio.judge_from):
    # 12 placed of 1,992 active say nothing about the portfolio's balance.
    judged: bool
    judge_from: BalanceJudgement
    heatmap: tuple[HeatmapRow, ...]
    # The site's rates: what one unit of another currency is worth in ``currency``; amounts
    # in those currencies are converted into the totals, others are left out of them.
    exchange_rates: Mapping[str, float] = field(default_factory=dict)
    # Active proposals' annual values in currencies no rate converts, summed per currency.
    other_values: tuple[tuple[str, float], ...] = ()


def _main_currency(frame: pd.DataFrame) -> str:
    counts = frame.loc[frame["currency"] != "", "currency"].value_counts()
    if counts.empty:
        return ""
    # Most common first; ties broken alphabetically so the result is stable.
    best = counts.max()
    return str(sorted(counts[counts == best].index)[0])


def _sum_or_none(column: pd.Series) -> float | None:
    return float(column.sum()) if column.notna().any() else None


def _known(record: dict[Any, Any], name: str) -> float | None:
    """A group's sum of one money figure, or None when none of its proposals gives it."""
    return float(record[name]) if record[f"{name}_given"] else None


def _totals(frame: pd.DataFrame, by: str, order: list[str]) -> tuple[GroupTotal, ...]:
    if frame.empty:
        return ()
    grouped = frame.groupby(by, sort=False).agg(
        count=("title", "size"),
        annual_value=("annual_value_main", "sum"),
        one_off_cost=("one_off_cost_main", "sum"),
        annual_running_cost=("annual_running_cost_main", "sum"),
        mean_priority=("priority", "mean"),
        annual_value_given=("annual_value_main", "count"),
        one_off_cost_given=("one_off_cost_main", "count"),
        annual_running_cost_given=("annual_running_cost_main", "count"),
    )
    keys = [k for k in order if k in grouped.index] + sorted(
        k for k in grouped.index if k not in order
    )
    records: dict[Any, dict[Any, Any]] = grouped.to_dict("index")
    return tuple(
        GroupTotal(
            str(k),
            int(records[k]["count"]),
            _known(records[k], "annual_value"),
            _known(records[k], "one_off_cost"),
            _known(records[k], "annual_running_cost"),
            round(float(records[k]["mean_priority"]), 1),
        )
        for k in keys
    )


def balance(frame: pd.DataFrame, rubric: Rubric) -> tuple[tuple[BalanceRow, ...], bool]:
    """Shares of active, placed proposals per quadrant against the target mix. A proposal
    that needs information is not counted: it is not yet a quick win or a bet."""
    active = frame[~frame["stage"].isin(INACTIVE_STAGES)]
    placed = active[active["state"] != NEEDS_INFORMATION]
    counts = placed["state"].value_counts()
    total = len(placed)
    rows = []
    for quadrant in QUADRANTS:
        count = int(counts.get(quadrant, 0))
        share = count / total if total else 0.0
        target = rubric.target_mix.get(quadrant, 0.0)
        gap = share - target
        status = "ok" if abs(gap) <= rubric.tolerance else ("over" if gap > 0 else "under")
        rows.append(BalanceRow(quadrant, count, round(share, 3), target, round(gap, 3), status))
    return tuple(rows), total == 0 or all(r.status == "ok" for r in rows)


def can_judge(placed: int, active: int, rule: BalanceJudgement) -> bool:
    """Enough placed active proposals, and a large enough share of the active ones."""
    return placed >= rule.placed and placed >= rule.share * active


def heatmap(portfolio: ScoredPortfolio) -> tuple[HeatmapRow, ...]:
    """Which checklist items are open (no, partial or unknown) across active proposals."""
    # Each answer as scoring and the proposal card read it (checklist_answer: a missing
    # answer is unknown, a rules-based system's training items n/a); the cards' own tables
    # are built only for pages that show them.
    active = [c.proposal for c in portfolio.cards if c.proposal.stage not in INACTIVE_STAGES]
    rows = []
    for checklist in portfolio.rubric.checklists:
        for item in checklist.items:
            open_ids = []
            applicable = 0
            for proposal in active:
                pid = proposal.id
                answer = checklist_answer(proposal, checklist.id, item.id)
                if answer == "n/a":
                    continue
                applicable += 1
                if answer != "yes":
                    open_ids.append(pid)
            rows.append(
                HeatmapRow(
                    checklist.id,
                    item.id,
                    item.text,
                    item.playbook,
                    len(open_ids),
                    applicable,
                    tuple(open_ids),
                )
            )
    return tuple(rows)


def _per_currency(active: pd.DataFrame, factor: pd.Series) -> tuple[tuple[str, float], ...]:
    """Active annual values no rate converts, summed per currency."""
    left = active[factor.loc[active.index].isna() & active["annual_value"].notna()]
    sums = left.groupby("currency")["annual_value"].sum()
    return tuple((str(code), float(amount)) for code, amount in sorted(sums.items()))


def summarise(
    portfolio: ScoredPortfolio,
    currency: str | None = None,
    rates: Mapping[str, float] | None = None,
) -> PortfolioSummary:
    """The portfolio's analytics. Totals are in ``currency`` (a site's setting; by default
    the currency most proposals use), with amounts in a currency ``rates`` names converted
    and amounts without a currency read as ``currency``; other currencies are left out."""
    frame = portfolio.frame.copy()
    rates = dict(rates or {})
    if currency is None:
        currency = _main_currency(frame)
    codes = frame["currency"].where(frame["currency"] != "", currency)
    factor = codes.map(lambda code: 1.0 if code == currency else rates.get(code))
    factor = pd.to_numeric(factor, errors="coerce")
    for column in ("annual_value", "one_off_cost", "annual_running_cost"):
        # NaN where unknown (or in a currency without a rate): sums skip it, counts see it.
        frame[f"{column}_main"] = frame[column] * factor
    others = tuple(sorted(set(codes) - {currency, *rates}))
    active = frame[~frame["stage"].isin(INACTIVE_STAGES)]
    counted = active["annual_value"].notna() & factor.loc[active.index].notna()
    rows, in_balance = balance(frame, portfolio.rubric)
    placed = int((active["state"] != NEEDS_INFORMATION).sum())
    rule = portfolio.rubric.judge_from
    return PortfolioSummary(
        total=len(frame),
        active=len(active),
        currency=currency,
        other_currencies=others,
        annual_value=float(active["annual_value_main"].sum()) if counted.any() else None,
        one_off_cost=_sum_or_none(active["one_off_cost_main"]),
        annual_running_cost=_sum_or_none(active["annual_running_cost_main"]),
        by_stage=_totals(frame, "stage", list(STAGES)),
        by_team=_totals(frame, "team", []),
        by_quadrant=_totals(frame, "state", list(STATES)),
        active_by_state=_totals(active, "state", list(STATES)),
        placed=placed,
        needs_information=int((active["state"] == NEEDS_INFORMATION).sum()),
        balance=rows,
        in_balance=in_balance,
        judged=can_judge(placed, len(active), rule),
        judge_from=rule,
        heatmap=heatmap(portfolio),
        exchange_rates=rates,
        other_values=_per_currency(active, factor),
    )


def summary_json(summary: PortfolioSummary) -> dict[str, object]:
    """The portfolio analytics as plain data, for `sweetspot score --format json` and the
    site's portfolio.json."""

    def totals(rows: tuple[GroupTotal, ...]) -> list[dict[str, object]]:
        return [dict(vars(row)) for row in rows]

    return {
        "proposals": summary.total,
        "active": summary.active,
        "currency": summary.currency,
        "other_currencies": list(summary.other_currencies),
        "exchange_rates": dict(summary.exchange_rates),
        "other_values": dict(summary.other_values),
        "active_totals": {
            # null, not 0, when no active proposal gives a value in a counted currency
            "annual_value": summary.annual_value,
            "one_off_cost": summary.one_off_cost,
            "annual_running_cost": summary.annual_running_cost,
        },
        "by_stage": totals(summary.by_stage),
        "by_team": totals(summary.by_team),
        "by_state": totals(summary.by_quadrant),
        "placed": summary.placed,
        "needs_information": summary.needs_information,
        "balance": {
            "in_balance": summary.in_balance,
            # False: too few placed proposals to judge; in_balance is then no verdict.
            "judged": summary.judged,
            "judge_from": {"placed": summary.judge_from.placed, "share": summary.judge_from.share},
            "quadrants": [dict(vars(row)) for row in summary.balance],
        },
        "open_pitfalls": [
            {
                "checklist": row.checklist_id,
                "item": row.item_id,
                "open": row.open_count,
                "applicable": row.applicable,
                "proposals": list(row.open_ids),
            }
            for row in summary.heatmap
        ],
    }
