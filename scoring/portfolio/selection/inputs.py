"""What selection reads from each scored proposal: whether it can be chosen at all, what it
costs against the budget and the teams' people, and its value over the scenario's horizon
as a mean with a low and high figure.

Amounts are log-normal with their low and high as 10th and 90th percentiles, as the
profitability score reads them (scoring/model/money.py), so the mean is computed in closed
form. Value starts after `value.months_to_value` and runs to the end of the horizon; costs
are the one-off cost plus the running cost for every year of the horizon.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from scoring.model.money import AMOUNTS, Z90, _amount
from scoring.model.scorecard import ScoreCard
from scoring.portfolio.selection.scenario import Scenario

COMMITTED_STAGES = ("approved", "incubating", "pilot")  # approved or in development
CLOSED_STAGES = ("production", "retired", "rejected")

# Why a proposal is not a candidate; every one is listed on the page with its reason.
CANDIDATE = "candidate"
COMMITTED = "committed"
NOT_COSTED = "not costed"
NOT_ELIGIBLE = "not eligible"


@dataclass(frozen=True)
class Item:
    """One proposal as selection sees it under one scenario (amounts in the site currency)."""

    id: str
    title: str
    team: str
    status: str  # CANDIDATE, COMMITTED, NOT_COSTED or NOT_ELIGIBLE
    reason: str = ""  # why it is not a candidate (or why committed)
    value: float = 0.0  # mean value over the horizon, net of the mean cost
    low: float = 0.0  # the same with value at its low (10th percentile) figure
    high: float = 0.0  # and at its high (90th percentile) figure
    cost: float = 0.0  # mean cost over the horizon
    first_year_cost: float = 0.0  # one-off cost plus a year's running cost
    running_cost: float = 0.0  # mean running cost per year
    people: Mapping[str, float] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    funding: str = ""  # "must_fund", "must_not_fund" or ""
    needs_information: bool = False


def lognormal_mean(likely: float, low: float, high: float) -> float:
    """The mean of a log-normal amount with ``low`` and ``high`` as its 10th and 90th
    percentiles (kept between them); a range touching 0 is read as even around its middle."""
    if low <= 0 or high <= low:
        return likely if low == high else (low + high) / 2
    sigma = math.log(high / low) / (2 * Z90)
    mean = math.sqrt(low * high) * math.exp(sigma * sigma / 2)
    return min(max(mean, low), high)


def _text_list(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(str(v) for v in value if isinstance(v, str)))


def _people(value: object) -> dict[str, float]:
    if not isinstance(value, Mapping):
        return {}
    return {
        str(team): float(n)
        for team, n in value.items()
        if isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n) and n > 0
    }


def _rate(currency: object, site_currency: str, rates: Mapping[str, float]) -> float | None:
    if not isinstance(currency, str) or not currency or currency == site_currency:
        return 1.0
    return rates.get(currency)


def item_of(
    card: ScoreCard,
    scenario: Scenario,
    site_currency: str = "EUR",
    rates: Mapping[str, float] | None = None,
    accepted_flags: Iterable[str] = (),
) -> Item:
    """``card`` as selection sees it under ``scenario``."""
    proposal = card.proposal
    selection = proposal.get("selection") or {}
    base = {
        "id": proposal.id,
        "title": proposal.title,
        "team": proposal.team,
        "people": _people(selection.get("people")),
        "requires": tuple(r for r in _text_list(selection.get("requires")) if r != proposal.id),
        "excludes": tuple(r for r in _text_list(selection.get("excludes")) if r != proposal.id),
        "funding": str(selection.get("funding") or ""),
        "needs_information": card.state == "needs_information",
    }
    stage = proposal.stage
    committed = stage in COMMITTED_STAGES or selection.get("committed") is True
    reason = ineligible_reason(card, scenario, set(accepted_flags)) if not committed else ""
    if reason:
        return Item(**base, status=NOT_ELIGIBLE, reason=reason)  # type: ignore[arg-type]
    value = proposal.get("value") or {}
    spread = card.rubric.uncertainty.money_spread.get(value.get("confidence") or "medium", 2.5)
    amounts = {name: _amount(value, name, spread) for name in AMOUNTS}
    missing = [name.replace("_", " ") for name in AMOUNTS if amounts[name] is None]
    rate = _rate(value.get("currency"), site_currency, rates or {})
    if missing or rate is None:
        why = (
            f"no {', '.join(missing)}"
            if missing
            else f"in {value.get('currency')}, with no exchange rate to {site_currency}"
        )
        status = COMMITTED if committed else NOT_COSTED
        return Item(**base, status=status, reason=why)  # type: ignore[arg-type]
    annual, one_off, running = (amounts[name] for name in AMOUNTS)
    assert annual is not None and one_off is not None and running is not None
    horizon = scenario.horizon_years
    months = value.get("months_to_value")
    waiting = months / 12 if isinstance(months, int | float) and not isinstance(months, bool) else 0
    earning_years = max(0.0, horizon - waiting)
    running_mean = lognormal_mean(*running) * rate
    cost = lognormal_mean(*one_off) * rate + horizon * running_mean
    annual_mean = lognormal_mean(*annual) * rate
    return Item(
        **base,  # type: ignore[arg-type]
        status=COMMITTED if committed else CANDIDATE,
        reason=("already committed" if selection.get("committed") is True else f"stage {stage}")
        if committed
        else "",
        value=earning_years * annual_mean - cost,
        low=earning_years * annual[1] * rate - cost,
        high=earning_years * annual[2] * rate - cost,
        cost=cost,
        first_year_cost=cost - (horizon - 1) * running_mean if horizon >= 1 else cost,
        running_cost=running_mean,
    )


def ineligible_reason(card: ScoreCard, scenario: Scenario, accepted_flags: set[str]) -> str:
    """Why ``card`` cannot be chosen, or "" when it can."""
    proposal = card.proposal
    if proposal.stage in CLOSED_STAGES:
        return "in production" if proposal.stage == "production" else proposal.stage
    # A condition of its approval past due and not met (decisions on record, issue 29).
    if card.ledger is not None and card.ledger.needs_review:
        return "needs review"
    red = [f.id for f in card.flags if f.severity == "red" and f.id not in accepted_flags]
    if red:
        return f"open red flag ({', '.join(red)})"
    if (proposal.get("selection") or {}).get("funding") == "must_not_fund":
        return "must not fund"
    if scenario.max_risk is not None:
        risk = card.risk
        if risk is None:
            return f"Risk unknown, and the scenario allows up to {scenario.max_risk:g}"
        if risk > scenario.max_risk:
            return f"Risk {risk:.0f}, above the scenario's {scenario.max_risk:g}"
    return ""


def items_of(
    cards: Sequence[ScoreCard],
    scenario: Scenario,
    site_currency: str = "EUR",
    rates: Mapping[str, float] | None = None,
    accepted_flags: Iterable[str] = (),
) -> list[Item]:
    accepted = frozenset(accepted_flags)
    return [item_of(card, scenario, site_currency, rates, accepted) for card in cards]


__all__ = [
    "CANDIDATE",
    "COMMITTED",
    "COMMITTED_STAGES",
    "NOT_COSTED",
    "NOT_ELIGIBLE",
    "Item",
    "item_of",
    "items_of",
    "lognormal_mean",
]
