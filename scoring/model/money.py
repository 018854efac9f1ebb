"""Return, payback and the chance that value falls short of cost, with ranges.

Each amount is treated as log-normal: its low and high figures are its 10th and 90th
percentiles (given in `value.ranges`, or spread around the single figure by the estimate's
confidence). The ratio of value to cost is then log-normal too, so every figure here is
computed in closed form from the proposal's own numbers: no random sampling, and no
proposal can change another's result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scoring.proposals.proposal import Proposal
from scoring.rubric import Rubric

Z90 = 1.2815515655446004  # the 90th percentile of the standard normal distribution
AMOUNTS = ("annual_value", "one_off_cost", "annual_running_cost")


@dataclass(frozen=True)
class MoneyEstimate:
    roi: float  # (value over the horizon - cost) / cost, from the likely figures
    roi_low: float  # 10th percentile
    roi_high: float  # 90th percentile
    payback_months: float
    payback_low: float  # a good case: the low cost and high value
    payback_high: float  # a bad case
    shortfall: float  # the probability that value over the horizon falls short of cost
    from_ranges: bool  # whether the team gave ranges (otherwise spread by confidence)


def normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # a figure too large to compute with is no figure
        return None
    return number if math.isfinite(number) else None


def _amount(value: dict[str, Any], name: str, spread: float) -> tuple[float, float, float] | None:
    """(likely, low, high) for one amount, or None when it is not given."""
    likely = _number(value.get(name))
    given = (value.get("ranges") or {}).get(name) or {}
    low, high = _number(given.get("low")), _number(given.get("high"))
    if low is not None and high is not None:
        low, high = min(low, high), max(low, high)
        if likely is None:
            likely = math.sqrt(low * high) if low > 0 else (low + high) / 2
        return likely, min(low, likely), max(high, likely)
    if likely is None:
        return None
    factor = math.sqrt(spread)
    return likely, likely / factor, likely * factor


def _sigma(low: float, high: float) -> float:
    if low <= 0 or high <= 0 or high <= low:
        return 0.0
    return math.log(high / low) / (2 * Z90)


_LAST: dict[int, tuple[Proposal, Rubric, MoneyEstimate | None]] = {}


def money_estimate(proposal: Proposal, rubric: Rubric) -> MoneyEstimate | None:
    """The money figures, or None when value or either cost is unknown. Several criteria
    and the score card ask for the same proposal's figures in a row, so the latest answer
    per proposal is kept (the memo holds the objects, so an id is never reused)."""
    cached = _LAST.get(id(proposal))
    if cached is not None and cached[0] is proposal and cached[1] is rubric:
        return cached[2]
    # Scoring asks for every proposal's figures in two passes (criteria, then the cards):
    # the memo holds a large portfolio whole, so the second pass reads it.
    if len(_LAST) > 20_000:
        _LAST.clear()
    estimate = _estimate(proposal, rubric)
    _LAST[id(proposal)] = (proposal, rubric, estimate)
    return estimate


def _estimate(proposal: Proposal, rubric: Rubric) -> MoneyEstimate | None:
    value = proposal.get("value") or {}
    confidence = value.get("confidence") or "medium"
    spread = rubric.uncertainty.money_spread.get(confidence, 2.5)
    amounts = {name: _amount(value, name, spread) for name in AMOUNTS}
    annual, one_off, running = (amounts[n] for n in AMOUNTS)
    # A missing amount is unknown, not zero: reading it as 0 would flatter the return.
    if annual is None or one_off is None or running is None:
        return None
    from_ranges = bool(value.get("ranges"))
    years = rubric.roi_horizon_years
    cost = one_off[0] + years * running[0]
    cost_low, cost_high = one_off[1] + years * running[1], one_off[2] + years * running[2]
    if annual[0] <= 0:  # no value claimed: no return, whatever the cost
        return MoneyEstimate(-1.0, -1.0, -1.0, math.inf, math.inf, math.inf, 1.0, from_ranges)
    if cost <= 0:
        return MoneyEstimate(math.inf, math.inf, math.inf, 0.0, 0.0, 0.0, 0.0, from_ranges)
    try:
        roi = (years * annual[0] - cost) / cost
    except OverflowError:
        roi = math.inf
    mu = math.log(years * annual[0]) - math.log(cost)
    sigma = math.hypot(_sigma(annual[1], annual[2]), _sigma(cost_low, cost_high))
    roi_low = _exp(mu - Z90 * sigma) - 1
    roi_high = _exp(mu + Z90 * sigma) - 1
    shortfall = normal_cdf(-mu / sigma) if sigma > 0 else (1.0 if mu < 0 else 0.0)
    return MoneyEstimate(
        roi=roi,
        roi_low=roi_low,
        roi_high=roi_high,
        payback_months=_payback(one_off[0], annual[0], running[0]),
        payback_low=_payback(one_off[1], annual[2], running[1]),
        payback_high=_payback(one_off[2], annual[1], running[2]),
        shortfall=shortfall,
        from_ranges=from_ranges,
    )


def _exp(x: float) -> float:
    """exp that saturates: a cost of a fraction of a cent must not overflow the return."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _payback(one_off: float, annual: float, running: float) -> float:
    monthly_net = (annual - running) / 12
    return math.inf if monthly_net <= 0 else one_off / monthly_net
