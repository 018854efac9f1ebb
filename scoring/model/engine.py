"""Estimates with ranges: dimension scores, risk, impact, delivery risk, state and priority.

Every criterion is a level from 0 to 4 with a spread: an answer is exact (spread 0, or the
range of a money estimate); an unanswered one takes the rubric's prior, a neutral level at
the thresholds with a wide spread. A dimension is the weighted mean of its criteria, so its
estimate moves with the answers and its range with what is still unknown (unknowns are
assumed to move together to the degree the rubric sets). Ranges are normal approximations,
clipped to 0–100.

Every proposal is scored on its own row, so adding or removing a proposal never changes
another's score. All arithmetic is vectorised over the rows, and ``evaluate`` is a pure
function of arrays, so "what if this were answered" is the same code on a changed copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from scoring.model.features import UNREVIEWED_OVERSIGHT, Features
from scoring.rubric import NEEDS_INFORMATION, QUADRANTS, Rubric

MAX_LEVEL = 4.0
# Not a cap: the condition under which a low-stakes change behind a randomised experiment
# with guardrails goes ahead on its estimate (issue 24, item 6; see _placement).
EXPERIMENT_GATED = "experiment_gated"
PITFALL_SEVERITIES = ("medium", "high", "red")
SCORE_COLUMNS = ("desirability", "profitability", "feasibility", "risk")
PLAIN_DIMENSIONS = ("desirability", "profitability", "feasibility")


def z(percentile: float) -> float:
    return NormalDist().inv_cdf(percentile / 100.0)


@dataclass
class Inputs:
    """The arrays ``evaluate`` works on; one row per proposal."""

    mean: np.ndarray  # criterion levels (prior mean where unanswered), N x criteria
    sd: np.ndarray  # their spread
    known: np.ndarray  # answered, N x criteria
    risk: np.ndarray  # risk factor points 0–100, NaN where unrated, N x factors
    # The lowest each could turn out: the stakes in their class with every unanswered
    # safeguard in place and every unanswered answer of their position at its lowest.
    risk_low: np.ndarray
    conditions: dict[str, np.ndarray]  # cap id → which proposals trigger it
    # The highest each could turn out: the stakes may reach the band of a higher class an
    # unanswered question could set, and the findings factor with every flag the open
    # questions could raise (NaN: none could). None: as risk.
    risk_high: np.ndarray | None = None
    # The lowest with the findings factor present at the least it could be. None: as
    # risk_low.
    risk_least: np.ndarray | None = None

    def copy(self) -> Inputs:
        return Inputs(
            self.mean.copy(),
            self.sd.copy(),
            self.known.copy(),
            self.risk.copy(),
            self.risk_low.copy(),
            dict(self.conditions),
            None if self.risk_high is None else self.risk_high.copy(),
            None if self.risk_least is None else self.risk_least.copy(),
        )


@dataclass
class Estimates:
    """What ``evaluate`` returns, as arrays over proposals."""

    mean: dict[str, np.ndarray]  # the four dimensions, impact and delivery_risk
    sd: dict[str, np.ndarray]
    floor: np.ndarray  # risk can never be below its worst known factor
    priority: np.ndarray
    state: np.ndarray
    lean: np.ndarray  # the quadrant of the estimates themselves
    # Risk and delivery risk as the open stakes answers could move them: how far below and
    # above the estimate the lowest and highest answers put them, and the spread left
    # around those (the unrated factors and feasibility).
    reach: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    reach_sd: dict[str, np.ndarray] = field(default_factory=dict)

    def percentile(self, name: str, p: float) -> np.ndarray:
        value = self.mean[name] + z(p) * self.sd[name]
        if name == "risk":
            value = np.maximum(value, self.floor)
        return np.clip(value, 0.0, 100.0)

    def shown(self, name: str, p: float) -> np.ndarray:
        """A published range end (the P10 or P90). For risk and delivery risk it holds what
        any answer to the open stakes questions could give: the spread of the rest around
        the lowest answers (below the middle) or the highest (above it)."""
        if name not in self.reach:
            return self.percentile(name, p)
        below, above = self.reach[name]
        value = self.mean[name] + (below if p < 50 else above) + z(p) * self.reach_sd[name]
        if name == "risk":
            value = np.maximum(value, self.floor)
        return np.clip(value, 0.0, 100.0)


# ---- the inputs -------------------------------------------------------------------------


def checklist_shares(
    items: pd.DataFrame, applicable: pd.DataFrame, checklist_ids: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Done (yes 1, partial 0.5, no 0), unknown and applicable counts over the checklists."""
    columns = [c for c in items.columns if c.split(".", 1)[0] in checklist_ids]
    answers = items[columns].to_numpy(dtype="float64")
    mask = applicable[columns].to_numpy(dtype=bool)
    done = np.where(mask, np.nan_to_num(answers), 0.0).sum(axis=1)
    unknown = (np.isnan(answers) & mask).sum(axis=1).astype("float64")
    return done, unknown, mask.sum(axis=1).astype("float64")


def criterion_inputs(
    features: Features, rubric: Rubric
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    prior = rubric.uncertainty.prior
    n = len(features.levels.index)
    means, sds, known = [], [], []
    scale_ids = [c.id for c in rubric.criteria if c.kind == "value_scale"]
    scale = features.levels[scale_ids[0]].to_numpy(dtype="float64") if scale_ids else None
    for criterion in rubric.criteria:
        if criterion.kind == "checklist":
            done, unknown, total = checklist_shares(
                features.items, features.applicable, criterion.checklists
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                share_unknown = np.where(total > 0, unknown / total, 1.0)
                level = np.where(total > 0, MAX_LEVEL * done / total, 0.0)
            # Unknown items count at the prior; with nothing applicable it is all prior.
            means.append(level + share_unknown * prior.mean)
            sds.append(share_unknown * prior.sd)
            known.append(share_unknown < 1.0)
            continue
        level = features.levels[criterion.id].to_numpy(dtype="float64")
        answered = ~np.isnan(level)
        centre = np.full(n, prior.mean)
        if criterion.kind in ("roi", "payback") and scale is not None:
            # Without money figures, the stated order of magnitude of the value centres the
            # guess at return and payback; their spread stays that of an unknown.
            centre = np.where(np.isnan(scale), prior.mean, scale)
        means.append(np.where(answered, level, centre))
        sds.append(
            np.where(answered, features.level_sd[criterion.id].to_numpy(dtype="float64"), prior.sd)
        )
        known.append(answered)
    if not means:
        empty = np.zeros((n, 0))
        return empty, empty, empty.astype(bool)
    return np.column_stack(means), np.column_stack(sds), np.column_stack(known)


def risk_inputs(features: Features, rubric: Rubric) -> tuple[np.ndarray, np.ndarray]:
    n = len(features.levels.index)
    values, lows = [], []
    for factor in rubric.risk_factors:
        if factor.kind == "open_pitfalls":
            done, unknown, total = checklist_shares(
                features.items, features.applicable, factor.checklists
            )
            answered = total - unknown
            with np.errstate(divide="ignore", invalid="ignore"):
                # Open share of the applicable items, an unknown one counting half open
                # (the prior); with nothing answered the factor is unknown.
                value = np.where(
                    answered > 0, 100.0 * (total - done - 0.5 * unknown) / total, np.nan
                )
            values.append(value)
            lows.append(value)
        elif factor.kind == "findings":
            column = features.findings.to_numpy(dtype="float64")
            values.append(column)
            lows.append(column)
        elif factor.kind == "stakes":
            values.append(column_of(features, "residual"))
            lows.append(column_of(features, "residual_low"))
        else:
            column = features.risk[factor.id].to_numpy(dtype="float64")
            values.append(column)
            lows.append(column)
    if not values:
        return np.zeros((n, 0)), np.zeros((n, 0))
    return np.column_stack(values), np.column_stack(lows)


def column_of(features: Features, name: str) -> np.ndarray:
    """One figure of every proposal's stakes assessment; NaN where unassessed."""
    values = (getattr(s, name) for s in features.stakes)
    return np.array([np.nan if v is None else v for v in values], dtype="float64")


def risk_highs(features: Features, rubric: Rubric, risk: np.ndarray) -> np.ndarray:
    """Each factor at the highest any answers to the open stakes questions and safeguards
    could give: the stakes factor, and the findings factor with every flag the open
    questions could raise (NaN where none could)."""
    highest = risk.copy()
    for column, factor in enumerate(rubric.risk_factors):
        if factor.kind == "stakes":
            highest[:, column] = column_of(features, "highest")
        elif factor.kind == "findings":
            highest[:, column] = features.findings_high.to_numpy(dtype="float64")
    return highest


def risk_leasts(features: Features, rubric: Rubric, risk_low: np.ndarray) -> np.ndarray:
    """Each factor at its lowest, with the findings factor present at the least it could be
    (a mild flag the open questions could raise joins the mean and can lower the figure)."""
    least = risk_low.copy()
    for column, factor in enumerate(rubric.risk_factors):
        if factor.kind == "findings":
            least[:, column] = features.findings_least.to_numpy(dtype="float64")
    return least


def cap_conditions(
    features: Features, rubric: Rubric, mean: np.ndarray, known: np.ndarray
) -> dict[str, np.ndarray]:
    """For each cap id, which proposals trigger it. Caps fire on what a proposal says,
    never on what it leaves out: an unanswered question is a question, not a red flag."""
    facts = features.facts
    ids = [c.id for c in rubric.criteria]

    def answered_zero(criterion_id: str) -> np.ndarray:
        if criterion_id not in ids:
            return np.zeros(len(facts), dtype=bool)
        column = ids.index(criterion_id)
        return known[:, column] & (mean[:, column] <= 0)

    harm = (
        features.risk["harm_if_wrong"].to_numpy(dtype="float64")
        if "harm_if_wrong" in features.risk
        else np.full(len(facts), np.nan)
    )
    oversight = facts["oversight"].to_numpy(dtype=object)
    automated = facts["automation"].to_numpy(dtype=object) == "automate"
    pilot_on = facts["stage"].isin(["pilot", "production"]).to_numpy(dtype=bool)
    # A pitfall the answers raise (a medium flag or worse) says the experiment is not enough.
    pitfall = np.zeros(len(facts), dtype=bool)
    for severities in features.raised.values():
        pitfall |= np.array([s in PITFALL_SEVERITIES for s in severities], dtype=bool)
    return {
        EXPERIMENT_GATED: facts["experiment_gated"].to_numpy(dtype=bool) & ~pitfall,
        "no_decision_or_metric": answered_zero("decision_named") | answered_zero("business_metric"),
        "no_data_access": facts["all_access_refused"].to_numpy(dtype=bool)
        | (
            facts["has_sources"].to_numpy(dtype=bool)
            & ~facts["has_granted_source"].to_numpy(dtype=bool)
            & pilot_on
        ),
        # Severity x likelihood of 12 or more out of 16 is 75 risk points.
        "harm_without_oversight": (np.nan_to_num(harm) >= 75.0)
        & (np.isin(oversight, UNREVIEWED_OVERSIGHT) | ((oversight == "unknown") & automated)),
        "leakage_without_split": facts["leakage_exposed"].to_numpy(dtype=bool)
        & ~facts["has_split_plan"].to_numpy(dtype=bool),
    }


def build_inputs(features: Features, rubric: Rubric) -> Inputs:
    mean, sd, known = criterion_inputs(features, rubric)
    risk, risk_low = risk_inputs(features, rubric)
    conditions = cap_conditions(features, rubric, mean, known)
    return Inputs(
        mean,
        sd,
        known,
        risk,
        risk_low,
        conditions,
        risk_highs(features, rubric, risk),
        risk_leasts(features, rubric, risk_low),
    )


# ---- the rubric's constants -------------------------------------------------------------


@dataclass(frozen=True)
class Weights:
    by_dimension: dict[str, np.ndarray]  # criterion weights, zero outside the dimension
    risk: np.ndarray
    uncertain: np.ndarray  # factors whose unknown value is a guess (not the findings one)
    unknown_risk: float  # the "as if answered" value of an unrated factor


_WEIGHTS: dict[int, tuple[Rubric, Weights]] = {}


def weights(rubric: Rubric) -> Weights:
    """The rubric's weight arrays, computed once per rubric object (rubrics hold dicts, so
    they cannot key an lru_cache)."""
    cached = _WEIGHTS.get(id(rubric))
    if cached is None or cached[0] is not rubric:
        cached = (rubric, _weights(rubric))
        _WEIGHTS[id(rubric)] = cached
    return cached[1]


def _weights(rubric: Rubric) -> Weights:
    by_dimension = {
        d: np.array(
            [c.weight if c.dimension == d else 0.0 for c in rubric.criteria], dtype="float64"
        )
        for d in PLAIN_DIMENSIONS
    }
    risk = np.array([f.weight for f in rubric.risk_factors], dtype="float64")
    uncertain = np.array([f.kind != "findings" for f in rubric.risk_factors], dtype=bool)
    return Weights(by_dimension, risk, uncertain, neutral_risk_value(rubric, risk))


def worst_led(
    values: np.ndarray, weight: np.ndarray, others_share: float, present: np.ndarray | None = None
) -> np.ndarray:
    """Risk led by the worst factor: the weighted mean of all factors adds a share of the
    headroom above the worst one, so the rest add to it and never dilute it, and raising
    any rating never lowers the result. Factors outside ``present`` (a proposal that
    raises no flag has no findings factor) are left out."""
    if values.shape[1] == 0:
        return np.zeros(values.shape[0])
    mask = np.ones(values.shape, dtype=bool) if present is None else present
    weights_here = np.where(mask, weight, 0.0)
    worst = np.where(mask, values, -np.inf).max(axis=1)
    worst = np.where(np.isfinite(worst), worst, 0.0)
    total = weights_here.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(
            total > 0, (np.where(mask, values, 0.0) * weights_here).sum(axis=1) / total, 0.0
        )
    return worst + (100.0 - worst) * others_share * mean / 100.0


def neutral_risk_value(rubric: Rubric, weight: np.ndarray) -> float:
    """The value an unrated factor counts as, chosen so that a proposal with no factor
    rated has exactly the rubric's neutral risk: unknown never leans either way."""
    target = rubric.uncertainty.risk_prior_mean
    low, high = 0.0, 100.0
    for _ in range(60):
        middle = (low + high) / 2
        value = worst_led(
            np.full((1, len(weight)), middle), weight, rubric.risk_model.others_share
        )[0]
        low, high = (middle, high) if value < target else (low, middle)
    return (low + high) / 2


# ---- evaluation -------------------------------------------------------------------------


def _spread(sd: np.ndarray, weight: np.ndarray, correlation: float) -> np.ndarray:
    """Standard deviation of a weighted sum whose terms share the given correlation."""
    weighted = sd * weight
    independent = (weighted**2).sum(axis=1)
    together = weighted.sum(axis=1) ** 2
    return np.sqrt((1.0 - correlation) * independent + correlation * together)


def evaluate(inputs: Inputs, rubric: Rubric) -> Estimates:
    w = weights(rubric)
    correlation = rubric.uncertainty.correlation
    mean: dict[str, np.ndarray] = {}
    sd: dict[str, np.ndarray] = {}
    for dimension, weight in w.by_dimension.items():
        total = weight.sum() or 1.0
        scale = 100.0 / (MAX_LEVEL * total)
        mean[dimension] = (inputs.mean * weight).sum(axis=1) * scale
        sd[dimension] = _spread(inputs.sd, weight, correlation) * scale
    for cap in rubric.caps:
        if cap.applies_to in PLAIN_DIMENSIONS:
            hit = inputs.conditions[cap.id]
            mean[cap.applies_to] = np.where(
                hit, np.minimum(mean[cap.applies_to], cap.max), mean[cap.applies_to]
            )
            sd[cap.applies_to] = np.where(
                hit & (mean[cap.applies_to] >= cap.max), 0.0, sd[cap.applies_to]
            )
    unrated = np.isnan(inputs.risk)
    filled = np.where(unrated, w.unknown_risk, inputs.risk)
    # A proposal that raises no flag has no findings factor: absence of flags is neither
    # a finding nor an unknown, so it neither adds risk nor widens the range.
    present = ~(unrated & ~w.uncertain)
    mean["risk"] = worst_led(filled, w.risk, rubric.risk_model.others_share, present)
    prior_sd = np.where(unrated & w.uncertain, rubric.uncertainty.risk_prior_sd, 0.0)
    # Safeguards not yet answered could lower the stakes factor down to its low value.
    open_range = np.nan_to_num(inputs.risk - inputs.risk_low) / (2 * z(90))
    total_risk = np.where(present, w.risk, 0.0).sum(axis=1)
    total_risk = np.where(total_risk > 0, total_risk, 1.0)
    prior_part = _spread(prior_sd, w.risk, correlation)
    sd["risk"] = np.sqrt(prior_part**2 + ((open_range * w.risk) ** 2).sum(axis=1)) / total_risk
    # The published range holds the risk at the lowest and highest answers the open stakes
    # questions and safeguards could give, with the unrated factors' spread around each.
    # Placement and priority keep the spread above: they stand on the class the answers
    # given support, so an open question never decides a verdict.
    # A flag the open questions could raise is a question: the range makes room for it
    # (the findings factor, absent or as it is, at its highest and at its least), while
    # the figure stands on the flags the answers raise.
    others_share = rubric.risk_model.others_share
    reach_low = worst_led(
        np.where(unrated, w.unknown_risk, inputs.risk_low), w.risk, others_share, present
    )
    reach_high = worst_led(
        np.where(unrated, w.unknown_risk, inputs.risk), w.risk, others_share, present
    )
    for ends in (inputs.risk_high, inputs.risk_least):
        if ends is None:
            continue
        could_be = present | (~np.isnan(ends) & ~w.uncertain)
        value = worst_led(
            np.nan_to_num(np.where(unrated & w.uncertain, w.unknown_risk, ends)),
            w.risk,
            others_share,
            could_be,
        )
        reach_low, reach_high = np.minimum(reach_low, value), np.maximum(reach_high, value)
    below = np.minimum(reach_low - mean["risk"], 0.0)
    above = np.maximum(reach_high - mean["risk"], 0.0)
    reach_sd = {"risk": prior_part / total_risk}
    known_values = np.where(unrated, 0.0, np.fmin(inputs.risk, inputs.risk_low))
    floor = known_values.max(axis=1) if known_values.shape[1] else np.zeros(len(filled))

    pw = rubric.priority_weights
    impact_total = (pw["desirability"] + pw["profitability"]) or 1.0
    a, b = pw["desirability"] / impact_total, pw["profitability"] / impact_total
    mean["impact"] = a * mean["desirability"] + b * mean["profitability"]
    sd["impact"] = np.sqrt((a * sd["desirability"]) ** 2 + (b * sd["profitability"]) ** 2)
    mean["delivery_risk"] = (mean["risk"] + 100.0 - mean["feasibility"]) / 2.0
    sd["delivery_risk"] = np.sqrt(sd["risk"] ** 2 + sd["feasibility"] ** 2) / 2.0
    reach_sd["delivery_risk"] = np.sqrt(reach_sd["risk"] ** 2 + sd["feasibility"] ** 2) / 2.0
    reach = {"risk": (below, above), "delivery_risk": (below / 2.0, above / 2.0)}
    estimates = Estimates(
        mean,
        sd,
        floor,
        np.zeros(len(floor)),
        np.zeros(len(floor)),
        np.zeros(len(floor)),
        reach,
        reach_sd,
    )
    estimates.priority = _priority(estimates, inputs, rubric)
    estimates.state, estimates.lean = _placement(estimates, rubric)
    gated = inputs.conditions.get(EXPERIMENT_GATED)
    if gated is not None:
        # Low stakes stay low: a minimal-class change behind a randomised experiment with
        # guardrail metrics, on a running platform and with no pitfall raised, goes ahead on
        # its estimate where it leans towards low delivery risk. Both low-risk quadrants say
        # "do it"; the experiment measures the impact the ranges leave open.
        low_lean = np.isin(estimates.lean, QUADRANTS[0:3:2])
        waiting = (estimates.state == NEEDS_INFORMATION) & gated & low_lean
        estimates.state = np.where(waiting, estimates.lean, estimates.state).astype(object)
    return estimates


def _priority(estimates: Estimates, inputs: Inputs, rubric: Rubric) -> np.ndarray:
    """A conservative point of the ranges: each score at the rubric's low percentile and
    risk at the matching high one, so missing information lowers priority moderately."""
    q = rubric.uncertainty.priority_percentile
    pw = rubric.priority_weights
    base = sum(estimates.percentile(d, q) * pw[d] for d in PLAIN_DIMENSIONS) / (
        sum(pw.values()) or 1.0
    )
    priority = base * (1.0 - rubric.risk_discount * estimates.percentile("risk", 100 - q) / 100.0)
    for cap in rubric.caps:
        if cap.applies_to == "priority":
            priority = np.where(inputs.conditions[cap.id], np.minimum(priority, cap.max), priority)
    return priority


def _placement(estimates: Estimates, rubric: Rubric) -> tuple[np.ndarray, np.ndarray]:
    """A quadrant only when the central range of both axes lies on one side of each
    threshold; otherwise "needs information". Decided on the published (rounded) figures."""
    low_p, high_p = rubric.uncertainty.placement_percentiles
    impact_t = rubric.quadrants.impact_threshold
    risk_t = rubric.quadrants.risk_threshold
    impact_low = estimates.percentile("impact", low_p).round(1)
    impact_high = estimates.percentile("impact", high_p).round(1)
    risk_low = estimates.percentile("delivery_risk", low_p).round(1)
    risk_high = estimates.percentile("delivery_risk", high_p).round(1)
    high_impact, low_impact = impact_low >= impact_t, impact_high < impact_t
    high_risk, low_risk = risk_low >= risk_t, risk_high < risk_t
    state = np.select(
        [
            high_impact & low_risk,
            high_impact & high_risk,
            low_impact & low_risk,
            low_impact & high_risk,
        ],
        list(QUADRANTS),
        default=NEEDS_INFORMATION,
    )
    lean_impact = estimates.mean["impact"].round(1) >= impact_t
    lean_risk = estimates.mean["delivery_risk"].round(1) >= risk_t
    lean = np.select(
        [lean_impact & ~lean_risk, lean_impact & lean_risk, ~lean_impact & ~lean_risk],
        list(QUADRANTS[:3]),
        default=QUADRANTS[3],
    )
    return state.astype(object), lean.astype(object)


def unknown_widths(rubric: Rubric) -> dict[str, float]:
    """The P10–P90 width of each score when nothing is answered: confidence is measured
    against it."""
    w = weights(rubric)
    prior = rubric.uncertainty
    widths = {}
    for dimension, weight in w.by_dimension.items():
        total = weight.sum() or 1.0
        sd = _spread(np.full((1, len(weight)), prior.prior.sd), weight, prior.correlation)[0]
        widths[dimension] = 2 * z(90) * sd * 100.0 / (MAX_LEVEL * total)
    sd_risk = _spread(np.full((1, len(w.risk)), prior.risk_prior_sd), w.risk, prior.correlation)[
        0
    ] / (w.risk.sum() or 1.0)
    widths["risk"] = 2 * z(90) * sd_risk
    return widths


def score_frame(
    estimates: Estimates, inputs: Inputs, features: Features, rubric: Rubric
) -> pd.DataFrame:
    """One row of scores per proposal, unrounded (see ``rounded``)."""
    index = features.levels.index
    result = pd.DataFrame(index=index)
    low_p, high_p = rubric.uncertainty.range_percentiles
    place_low, place_high = rubric.uncertainty.placement_percentiles
    widths = unknown_widths(rubric)
    for name in (*SCORE_COLUMNS, "impact", "delivery_risk"):
        result[name] = np.clip(estimates.mean[name], 0.0, 100.0)
        result[f"{name}_low"] = estimates.shown(name, low_p)
        result[f"{name}_high"] = estimates.shown(name, high_p)
    for name in ("impact", "delivery_risk"):
        result[f"{name}_p{place_low:g}"] = estimates.percentile(name, place_low)
        result[f"{name}_p{place_high:g}"] = estimates.percentile(name, place_high)
    for name in SCORE_COLUMNS:
        width = (result[f"{name}_high"] - result[f"{name}_low"]).to_numpy()
        result[f"{name}_confidence"] = np.clip(1.0 - width / (widths[name] or 1.0), 0.0, 1.0)
    result["confidence"] = result[[f"{d}_confidence" for d in SCORE_COLUMNS]].mean(axis=1)
    result["priority"] = estimates.priority
    result["state"] = estimates.state
    result["quadrant"] = estimates.lean
    names = [
        " ".join(cap.id for cap in rubric.caps if inputs.conditions[cap.id][i])
        for i in range(len(index))
    ]
    result["caps"] = pd.Series(names, index=index, dtype=object)
    strengths = pd.DataFrame(
        {
            "desirability": result["desirability"],
            "profitability": result["profitability"],
            "feasibility": result["feasibility"],
            "risk": 100.0 - result["risk"],
        }
    )
    result["weakest"] = strengths.idxmin(axis=1) if len(index) else pd.Series(dtype=object)
    w = weights(rubric)
    # The findings factor is not a question anyone answers: it is left out of the share.
    asked = np.where(w.uncertain, w.risk, 0.0)
    answered = (inputs.known * sum(w.by_dimension.values())).sum(axis=1) + (
        ~np.isnan(inputs.risk) * asked
    ).sum(axis=1)
    possible = sum(v.sum() for v in w.by_dimension.values()) + asked.sum()
    result["answered_share"] = answered / (possible or 1.0)
    return result


def rounded(scores: pd.DataFrame) -> pd.DataFrame:
    """Scores as published: one decimal, confidences and shares two."""
    out = scores.copy()
    for column in out.columns:
        if out[column].dtype.kind != "f":
            continue
        out[column] = out[column].round(2 if column.endswith(("confidence", "share")) else 1)
    return out


def with_column(
    inputs: Inputs, column: int, mean: np.ndarray | float, sd: np.ndarray | float = 0.0
) -> Inputs:
    """A copy where one criterion is answered at ``mean`` (for what-if questions)."""
    changed = inputs.copy()
    changed.mean[:, column] = mean
    changed.sd[:, column] = sd
    changed.known[:, column] = True
    return changed


def with_risk(inputs: Inputs, column: int, value: np.ndarray | float) -> Inputs:
    changed = inputs.copy()
    changed.risk[:, column] = value
    changed.risk_low[:, column] = value
    if changed.risk_high is not None:
        changed.risk_high[:, column] = value
    return changed
