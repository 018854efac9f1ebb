"""The scoring method worked by hand: an oracle for the scoring tests.

This is written from the method page (site_templates/pages/scoring_method.md.j2) and the comments
in data/rubric.yaml, not from the engine: plain Python over dicts, one proposal at a time,
with every weight and constant written out below as the rubric states it.
``test_rubric_has_the_numbers_the_hand_model_assumes`` (tests/test_scoring.py) fails if the
rubric changes under it.

The method, default rubric:
    level        answered: its level (exact, or with a spread for a money range);
                 written without a stated evidence level: "asserted", mean 2.5, sd 1.17
                 (labels "none" and "planned" map to the exact levels 0 and 1);
                 unanswered: the prior, mean 2, standard deviation 1.4 levels; an
                 unanswered roi or payback is centred on the value_scale level when that
                 is given (its spread stays the prior's)
    dimension    mean = sum(w * level) / (4 * sum(w)) * 100
                 sd   = sqrt((1 - rho) * sum((w * sd)^2) + rho * (sum(w * sd))^2)
                        * 100 / (4 * sum(w)),  rho = 0.5 (unknowns move together)
    percentile   mean + z(p) * sd (normal approximation), clipped to 0-100
    risk         worst + (100 - worst) * 0.5 * (weighted mean of ALL present factors) / 100;
                 an unrated factor counts U, chosen so that nothing rated gives exactly 50:
                 U + (100 - U) * 0.5 * U / 100 = 50  <=>  U^2 - 300 U + 10000 = 0
                 <=>  U = 150 - 50 * sqrt(5) = 38.197;
                 the findings factor (noisy-OR of the severities of the flags raised: red
                 100, high 75, medium 50, low 25) is absent when no flag fires: left out of
                 the worst, the mean and the weights, and never unknown;
                 its spread: the same correlated sum over the unrated factors with sd 29,
                 divided by the total weight of the present factors; never below the worst
                 known factor
    stakes       the band of the class the answers support; position = mean of people,
                 reversibility and oversight (unanswered 0.5); safeguards remove up to 0.7
                 of the room above the band's bottom. Low: every unanswered position answer
                 at 0 and every unanswered safeguard done. High: every unanswered position
                 answer at 1, unanswered safeguards not in place, in the highest class an
                 unanswered stakes question could set
    range        P10-P90 of risk and delivery risk: the spread of the unrated factors (and
                 feasibility) around the risk with the stakes factor at its low and its high
                 end; placement and priority use the full spread above
    impact       (0.30 D + 0.35 P) / 0.65, sd from D and P independently
    delivery     (risk + 100 - F) / 2, sd = sqrt(sd_R^2 + sd_F^2) / 2
    priority     (0.30 D_P25 + 0.35 P_P25 + 0.35 F_P25) * (1 - 0.5 * R_P75 / 100), then caps
    state        a quadrant when P25-P75 of impact and of delivery risk (published to one
                 decimal) each lie on one side of 50 (50 counts as high); else
                 needs_information.  lean: the quadrant of the two point estimates.
    confidence   1 - (P90 - P10) / (the P90 - P10 width when nothing is answered)
    red flags    a cap or a red flag rule puts the proposal in Reconsider whatever its
                 estimates (the tests' ``assert_matches(..., stopped=True)``)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import NormalDist

D_W: dict[str, float] = {
    "decision_named": 3,
    "user_need": 2,
    "beats_baseline": 2,
    "stakeholder_support": 2,
    "human_fit": 1,
}
P_W: dict[str, float] = {
    "business_metric": 3,
    "roi": 3,
    "payback": 2,
    "value_scale": 2,
    "cost_estimate": 2,
    "online_measurement": 2,
}
F_W: dict[str, float] = {
    "data_access": 3,
    "labels": 2,
    "representative_data": 2,
    "leak_free_split": 2,
    "technical_evidence": 2,
    "team_coverage": 2,
    "serving_path": 2,
    "delivery_path": 3,
    "delivery_plan": 2,
    "checklist_completion": 3,
}
R_W: dict[str, float] = {
    "stakes": 3,
    "findings": 2,
    "harm_if_wrong": 3,
    "affected_groups": 2,
    "personal_data": 2,
    "leakage_exposure": 2,
    "security_surface": 1,
    "regulation": 1,
    "online_testability": 1,
    "organisational": 2,
    "open_pitfalls": 2,
}
DIMENSION_WEIGHTS = {"desirability": D_W, "profitability": P_W, "feasibility": F_W}
PRIORITY_WEIGHTS = {"desirability": 0.30, "profitability": 0.35, "feasibility": 0.35}
RISK_DISCOUNT = 0.5
PRIOR_MEAN, PRIOR_SD = 2.0, 1.4
ASSERTED = (2.5, 1.17)  # (level, sd) of an answer without a stated evidence level
RHO = 0.5
RISK_PRIOR_SD = 29.0
OTHERS_SHARE = 0.5
U = 150 - 50 * math.sqrt(5)  # the neutral value of an unrated risk factor
THRESHOLD = 50.0
MONEY_SPREAD = {"high": 1.5, "medium": 2.5, "low": 5.0}
HORIZON = 3
ROI_BANDS = (0, 0.5, 1, 2)
PAYBACK_BANDS = (36, 24, 12, 6)
# Risk classes: band of risk points, and where in the band each answer puts a proposal.
BANDS = {"high": (40.0, 85.0), "limited": (20.0, 60.0), "minimal": (5.0, 30.0)}
PEOPLE = {"none": 0, "dozens": 0.1, "hundreds": 0.3, "thousands": 0.6, "millions": 1}
REVERSIBILITY = {"easy": 0, "costly": 0.5, "irreversible": 1}
AUTONOMY = {"human-decides": 0, "review-before-action": 0.25, "spot-checks": 0.6, "none": 1}
CREDIT = {"done": 1, "in_progress": 0.5, "planned": 0.2, "none": 0, "waived": 0}
MAX_REDUCTION = 0.7
SEVERITY_POINTS = {"red": 100.0, "high": 75.0, "medium": 50.0, "low": 25.0}
# delivery_path: the level of each route; +1 when the existing system is monitored.
DELIVERY_PATH = {"new_system": 1, "existing_pipeline": 2, "model_swap": 3}


def z(percentile: float) -> float:
    return NormalDist().inv_cdf(percentile / 100)


def clip(value: float) -> float:
    return min(100.0, max(0.0, value))


def correlated_sd(terms: list[float]) -> float:
    """The spread of a sum of terms (each weight x sd) that share the correlation RHO."""
    return math.sqrt((1 - RHO) * sum(t * t for t in terms) + RHO * sum(terms) ** 2)


def r1(value: float) -> float:
    return round(value, 1)


# ---- money: log-normal amounts, their low and high figures the P10 and P90 ----------------


@dataclass(frozen=True)
class Money:
    roi: float
    roi_low: float
    roi_high: float
    payback: float
    payback_good: float
    payback_bad: float
    shortfall: float


def _amount(
    likely: float, confidence: str, given: tuple[float, float] | None
) -> tuple[float, float, float]:
    if given is not None:
        return likely, given[0], given[1]
    factor = math.sqrt(MONEY_SPREAD[confidence])  # high / low = the spread
    return likely, likely / factor, likely * factor


def _payback(one_off: float, annual: float, running: float) -> float:
    net = (annual - running) / 12
    return math.inf if net <= 0 else one_off / net


def money(
    annual: float,
    one_off: float,
    running: float,
    confidence: str = "medium",
    ranges: dict[str, tuple[float, float]] | None = None,
) -> Money:
    ranges = ranges or {}
    a = _amount(annual, confidence, ranges.get("annual_value"))
    o = _amount(one_off, confidence, ranges.get("one_off_cost"))
    r = _amount(running, confidence, ranges.get("annual_running_cost"))
    cost = [o[i] + HORIZON * r[i] for i in range(3)]
    z90 = z(90)
    sigma = math.hypot(math.log(a[2] / a[1]) / (2 * z90), math.log(cost[2] / cost[1]) / (2 * z90))
    mu = math.log(HORIZON * a[0] / cost[0])
    return Money(
        roi=(HORIZON * a[0] - cost[0]) / cost[0],
        roi_low=math.exp(mu - z90 * sigma) - 1,
        roi_high=math.exp(mu + z90 * sigma) - 1,
        payback=_payback(o[0], a[0], r[0]),
        payback_good=_payback(o[1], a[2], r[1]),
        payback_bad=_payback(o[2], a[1], r[2]),
        shortfall=NormalDist().cdf(-mu / sigma) if sigma > 0 else float(mu < 0),
    )


def roi_level(roi: float) -> int:
    return sum(1 for edge in ROI_BANDS if roi >= edge)


def payback_level(months: float) -> int:
    return sum(1 for edge in PAYBACK_BANDS if months <= edge)


def money_levels(m: Money, *, low_confidence: bool = False) -> dict[str, tuple[float, float]]:
    """roi and payback levels with their spread: the P10-P90 range of levels spans about
    2.56 standard deviations (2 x 1.2816)."""
    penalty = 1 if low_confidence else 0
    roi_spread = roi_level(m.roi_high) - roi_level(m.roi_low)
    payback_spread = payback_level(m.payback_good) - payback_level(m.payback_bad)
    return {
        "roi": (max(0, roi_level(m.roi) - penalty), roi_spread / 2.56),
        "payback": (max(0, payback_level(m.payback) - penalty), payback_spread / 2.56),
    }


def findings(*severities: str) -> float:
    """The findings factor: each flag raised is an independent chance of failure (its
    severity's points out of 100), combined as a noisy-OR."""
    survive = 1.0
    for severity in severities:
        survive *= 1 - SEVERITY_POINTS[severity] / 100
    return 100 * (1 - survive)


def open_pitfalls(applicable: float, done: float, unknown: float) -> float:
    """Open share of the applicable checklist items, an unknown one counting half open."""
    return 100 * (applicable - done - 0.5 * unknown) / applicable


def delivery_path(builds_on: str, monitored: bool = False) -> int:
    return DELIVERY_PATH[builds_on] + (1 if monitored and builds_on != "new_system" else 0)


# ---- stakes: inherent and residual risk within the class band ------------------------------


@dataclass(frozen=True)
class Stakes:
    inherent: float
    residual: float
    residual_low: float  # unanswered position answers at 0, unanswered safeguards done
    highest: float  # unanswered position answers at 1, in the highest class reachable


def _shares(safeguards: Mapping[str, str | None] | None) -> tuple[float, float]:
    given = [s for s in (safeguards or {}).values() if s != "not_applicable"]
    possible = len(given)
    earned = sum(CREDIT.get(s or "", 0) for s in given)
    unknown = sum(1 for s in given if s is None)
    return (earned / possible, (earned + unknown) / possible) if possible else (0.0, 0.0)


def _after(risk_class: str, position: float, share: float) -> float:
    low, high = BANDS[risk_class]
    inherent = low + position * (high - low)
    return inherent - (inherent - low) * MAX_REDUCTION * share


def stakes(
    risk_class: str,
    people: str | None,
    reversibility: str | None,
    oversight: str | None,
    safeguards: Mapping[str, str | None] | None = None,
    *,
    oversight_open: bool = False,
    could_be: tuple[str, Mapping[str, str | None]] | None = None,
) -> Stakes:
    """``safeguards``: each applicable measure's answer (None = unanswered). Published to one
    decimal, and the risk score uses the published value. ``oversight_open``: the oversight
    counts as given (an automated use without one named counts none) but is not answered;
    ``could_be``: the higher class an unanswered stakes question could set, with its
    applicable safeguards."""
    answers = (
        (PEOPLE, people, False),
        (REVERSIBILITY, reversibility, False),
        (AUTONOMY, oversight, oversight_open),
    )
    point = sum(table.get(a or "", 0.5) for table, a, _ in answers) / 3
    lowest = sum(0 if a is None or o else table[a] for table, a, o in answers) / 3
    top = sum(1 if a is None or o else table[a] for table, a, o in answers) / 3
    share, best = _shares(safeguards)
    residual = _after(risk_class, point, share)
    highest = _after(risk_class, top, share)
    if could_be is not None:
        highest = max(highest, _after(could_be[0], top, _shares(could_be[1])[0]))
    return Stakes(
        r1(_after(risk_class, point, 0.0)),
        r1(residual),
        r1(min(residual, _after(risk_class, lowest, best))),
        r1(max(residual, highest)),
    )


# ---- the whole method ------------------------------------------------------------------

Level = float | tuple[float, float]


@dataclass
class Hand:
    mean: dict[str, float]
    sd: dict[str, float]
    floor: float
    priority: float = 0.0
    state: str = ""
    lean: str = ""
    caps: dict[str, float] = field(default_factory=dict)

    def pct(self, name: str, p: float) -> float:
        value = self.mean[name] + z(p) * self.sd[name]
        if name == "risk":
            value = max(value, self.floor)
        return clip(value)

    # risk and delivery risk: how far the stakes factor's low and high ends move them, and
    # the spread left around those
    reach: dict[str, tuple[float, float]] = field(default_factory=dict)
    reach_sd: dict[str, float] = field(default_factory=dict)

    def range(self, name: str) -> tuple[float, float]:
        if name not in self.reach:
            return self.pct(name, 10), self.pct(name, 90)
        below, above = self.reach[name]
        low = self.mean[name] + below - z(90) * self.reach_sd[name]
        high = self.mean[name] + above + z(90) * self.reach_sd[name]
        return clip(max(low, self.floor) if name == "risk" else low), clip(high)

    def placement(self, name: str) -> tuple[float, float]:
        return self.pct(name, 25), self.pct(name, 75)


def quadrant(high_impact: bool, high_risk: bool) -> str:
    if high_impact:
        return "strategic_bet" if high_risk else "quick_win"
    return "reconsider" if high_risk else "incremental"


def hand(
    levels: dict[str, Level],
    risks: dict[str, float] | None = None,
    *,
    stakes_low: float | None = None,
    stakes_high: float | None = None,
    findings_high: float | None = None,
    findings_least: float | None = None,
    dim_caps: dict[str, float] | None = None,
    priority_cap: float | None = None,
    weights: dict[str, dict[str, float]] | None = None,
) -> Hand:
    """``levels``: criterion id -> level, or (level, sd); left out = unanswered (prior).
    ``risks``: factor id -> risk points 0-100; left out = unrated. ``stakes_low``: the
    stakes factor at its low end (unanswered safeguards done); ``stakes_high``: at its high.
    ``findings_high``: the findings factor with every flag the open stakes questions and
    safeguards could raise; ``findings_least``: the least it could be once present (the range
    makes room for both; None: no flag could be raised)."""
    risks = risks or {}
    dims = weights or DIMENSION_WEIGHTS
    mean: dict[str, float] = {}
    sd: dict[str, float] = {}
    for dim, w in dims.items():
        total = sum(w.values())
        values, terms = 0.0, []
        for cid, weight in w.items():
            given = levels.get(cid)
            scale = levels.get("value_scale")
            if given is None and cid in ("roi", "payback") and scale is not None:
                level = float(scale[0] if isinstance(scale, tuple) else scale)
                spread = PRIOR_SD
            elif given is None:
                level, spread = PRIOR_MEAN, PRIOR_SD
            elif isinstance(given, tuple):
                level, spread = given
            else:
                level, spread = float(given), 0.0
            values += weight * level
            terms.append(weight * spread)
        mean[dim] = values / (4 * total) * 100
        sd[dim] = correlated_sd(terms) * 100 / (4 * total)
        cap = (dim_caps or {}).get(dim)
        if cap is not None and mean[dim] >= cap:
            mean[dim], sd[dim] = cap, 0.0
    # findings is present only when a flag fired (then it is a rated value); every other
    # factor is present, at U when unrated.
    present = [f for f in R_W if f != "findings" or f in risks]
    filled = {f: risks.get(f, U) for f in present}
    worst = max(filled.values())
    present_weight = sum(R_W[f] for f in present)
    everything = sum(R_W[f] * filled[f] for f in present) / present_weight

    def led(values: dict[str, float]) -> float:
        here = [f for f in R_W if f in values]
        worst = max(values[f] for f in here)
        everything = sum(R_W[f] * values[f] for f in here) / sum(R_W[f] for f in here)
        return worst + (100 - worst) * OTHERS_SHARE * everything / 100

    mean["risk"] = worst + (100 - worst) * OTHERS_SHARE * everything / 100
    prior_part = correlated_sd([RISK_PRIOR_SD * R_W[f] for f in present if f not in risks])
    open_part = 0.0
    if stakes_low is not None and "stakes" in risks:
        open_part = (risks["stakes"] - stakes_low) / (2 * z(90)) * R_W["stakes"]
    sd["risk"] = math.hypot(prior_part, open_part) / present_weight
    known = [
        min(v, stakes_low) if f == "stakes" and stakes_low is not None else v
        for f, v in risks.items()
    ]
    result = Hand(mean, sd, max(known, default=0.0))
    below = above = 0.0
    ends = []
    low_end = risks.get("stakes", U) if stakes_low is None else stakes_low
    high_end = risks.get("stakes", U) if stakes_high is None else stakes_high
    if "stakes" in risks:
        ends += [led({**filled, "stakes": low_end}), led({**filled, "stakes": high_end})]
    if findings_high is not None:
        ends.append(led({**filled, "stakes": high_end, "findings": findings_high}))
    if findings_least is not None:
        ends.append(led({**filled, "stakes": low_end, "findings": findings_least}))
    if ends:
        below = min(min(ends) - mean["risk"], 0.0)
        above = max(max(ends) - mean["risk"], 0.0)
    result.reach = {"risk": (below, above), "delivery_risk": (below / 2, above / 2)}
    result.reach_sd = {"risk": prior_part / present_weight}
    a = PRIORITY_WEIGHTS["desirability"] / 0.65
    b = PRIORITY_WEIGHTS["profitability"] / 0.65
    mean["impact"] = a * mean["desirability"] + b * mean["profitability"]
    sd["impact"] = math.hypot(a * sd["desirability"], b * sd["profitability"])
    mean["delivery_risk"] = (mean["risk"] + 100 - mean["feasibility"]) / 2
    sd["delivery_risk"] = math.hypot(sd["risk"], sd["feasibility"]) / 2
    result.reach_sd["delivery_risk"] = math.hypot(result.reach_sd["risk"], sd["feasibility"]) / 2
    base = sum(PRIORITY_WEIGHTS[d] * result.pct(d, 25) for d in PRIORITY_WEIGHTS)
    priority = base * (1 - RISK_DISCOUNT * result.pct("risk", 75) / 100)
    result.priority = priority if priority_cap is None else min(priority, priority_cap)
    i25, i75 = (r1(v) for v in result.placement("impact"))
    d25, d75 = (r1(v) for v in result.placement("delivery_risk"))
    if (i25 >= THRESHOLD or i75 < THRESHOLD) and (d25 >= THRESHOLD or d75 < THRESHOLD):
        result.state = quadrant(i25 >= THRESHOLD, d25 >= THRESHOLD)
    else:
        result.state = "needs_information"
    result.lean = quadrant(r1(mean["impact"]) >= THRESHOLD, r1(mean["delivery_risk"]) >= THRESHOLD)
    return result


def unknown_width(dimension: str) -> float:
    """P10-P90 width of a score when nothing is answered."""
    z90 = z(90)
    if dimension == "risk":
        return (
            2 * z90 * correlated_sd([RISK_PRIOR_SD * w for w in R_W.values()]) / sum(R_W.values())
        )
    w = DIMENSION_WEIGHTS[dimension]
    total = sum(w.values())
    return 2 * z90 * correlated_sd([PRIOR_SD * x for x in w.values()]) * 100 / (4 * total)


def confidence(h: Hand, dimension: str) -> float:
    low, high = h.range(dimension)
    return max(0.0, min(1.0, 1 - (high - low) / unknown_width(dimension)))
