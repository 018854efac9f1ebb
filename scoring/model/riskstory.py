"""The one risk story every surface tells: Risk (the stakes figure) and its class.

Two figures carry the word risk, and each keeps one name everywhere:

* **Risk**: what the system can do to whom, after its safeguards. It is the stakes
  assessment's residual risk, 0-100, always inside the band of its class (stakes.py), so the
  figure can never contradict the class beside it.
* **Delivery risk**: the placement axis (engine.py): half the shortfall of feasibility, half
  the risk factors (the stakes, rated harms, flags and open pitfalls, worst first). Flags
  and pitfalls move it, never the class.

This module words the first, with its class and the reason for it, and says why a high
delivery risk or a serious flag beside a low class, or a low delivery risk beside a high
class, is no contradiction.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.model.stakes import StakesAssessment
from scoring.rubric import Rubric

RISK_NAME = "Risk"
DELIVERY_RISK_NAME = "Delivery risk"
SERIOUS = ("red", "high")  # flag severities a reader may take as contradicting a low class


@dataclass(frozen=True)
class RiskStory:
    figure: float | None  # None while the stakes are not answered
    # The likely range: the lowest and highest any answers to the open stakes questions and
    # safeguards could give. It holds the figure, and may reach past the band where an
    # unanswered question could set another class.
    low: float
    high: float
    band: tuple[float, float]  # the class's band, which holds the figure
    risk_class: str
    label: str  # "Minimal risk"
    reason: str  # why the class, starting with a capital letter
    note: str | None  # why the flags or the delivery risk beside it do not change the class
    # ``reason`` up to the clauses about the range (None: all of it is about the class).
    short_reason: str | None = None
    # The class the use case's own words suggest while its stakes are unanswered ("high"):
    # the figure then stands in that class's band, and the label says "Likely high, not yet
    # assessed", apart from any class the answers set. None otherwise.
    suggested: str | None = None
    declared_below: str | None = None  # a declared class below the class its words suggest

    @property
    def likely(self) -> str | None:
        """The class the use's own words suggest where it is above the class shown (the
        badge is outlined in its colour): unassessed, or declared below it."""
        return self.suggested or self.declared_below

    @property
    def class_reason(self) -> str:
        """Why the class, without what an open answer could raise it to: for a table, which
        shows the figure and the class but not the range."""
        return self.short_reason or self.reason

    @property
    def class_name(self) -> str:
        """The class as one word, "Minimal", for tight places."""
        return self.label.removesuffix(" risk")

    @property
    def figure_text(self) -> str:
        return "not yet assessed" if self.figure is None else f"{self.figure:.0f}"

    @property
    def head(self) -> str:
        """ "Risk 15 · Minimal risk", or "Risk not yet assessed"."""
        if self.figure is None:
            return f"{RISK_NAME} not yet assessed"
        return f"{RISK_NAME} {self.figure_text} · {self.label}"

    @property
    def summary(self) -> str:
        """ "Risk 15 · Minimal risk: no decisions about people ..." in one line."""
        return f"{self.head}: {self.reason[:1].lower()}{self.reason[1:]}"

    @property
    def band_sentence(self) -> str:
        low, high = self.band
        if self.suggested is not None and self.figure is not None:
            return (
                f"Not yet assessed: the stakes section is not answered, so the figure stands "
                f"where the use would sit in the {self.suggested} band ({low:g}–{high:g}), the "
                f"class its own words suggest; likely {self.low:.0f}–{self.high:.0f} as the "
                "stakes questions are answered: uncertain, not bad."
            )
        if self.figure is None:
            return (
                f"The stakes section is not answered, so the class is unknown and risk could "
                f"lie anywhere from {low:g} to {high:g}: uncertain, not bad."
            )
        band = f"{self.class_name.lower()} band ({low:g}–{high:g})"
        within = f"Inside the {band}"
        if self.high - self.low < 0.5:
            return within + "."
        beyond = ""
        if self.high > high:
            beyond = ", up into a higher class's band where an answer could set it"
        return (
            f"{within}; likely {self.low:.0f}–{self.high:.0f} as the unanswered stakes "
            f"questions and safeguards are answered{beyond}: uncertain, not bad."
        )


def risk_story(
    stakes: StakesAssessment,
    rubric: Rubric,
    flags: tuple[tuple[str, str], ...] = (),
    delivery_risk: float | None = None,
) -> RiskStory:
    """The risk figure of one proposal with its class, reason and, where a reader could
    see a contradiction, the sentence that resolves it. ``flags`` are (severity, title)."""
    classes = rubric.risk_model.classes
    known = stakes.risk_class in classes
    band = classes[stakes.risk_class].band if known else (0.0, 100.0)
    label = classes[stakes.risk_class].label if known else stakes.risk_class
    reason = "; ".join(stakes.reasons) or (
        classes[stakes.risk_class].description.rstrip(".") if known else ""
    )
    suggested = suggested_class(stakes)
    if suggested is not None and stakes.band_class in classes:
        band = classes[stakes.band_class].band
        label = f"Likely {suggested}, not yet assessed"
    elif stakes.declared_below is not None:
        label = f"{label} as declared; likely {stakes.declared_below}"
    reason = reason[:1].upper() + reason[1:]
    if stakes.residual is None:
        figure, low, high = None, float(band[0]), float(band[1])
    else:
        figure = stakes.residual
        low = figure if stakes.residual_low is None else min(figure, stakes.residual_low)
        high = figure if stakes.highest is None else max(figure, stakes.highest)
    return RiskStory(
        figure,
        low,
        high,
        (band[0], band[1]),
        stakes.risk_class,
        label,
        reason,
        _note(stakes.risk_class, label, flags, delivery_risk, rubric),
        _short(stakes),
        suggested,
        stakes.declared_below,
    )


def _short(stakes: StakesAssessment) -> str | None:
    count = stakes.class_reasons
    if count is None or count >= len(stakes.reasons) or count == 0:
        return None
    short = "; ".join(stakes.reasons[:count])
    return short[:1].upper() + short[1:]


def suggested_class(stakes: StakesAssessment) -> str | None:
    """The class a use's words suggest, while it stands in for an unanswered stakes section;
    None when the answers set the class (the suggestion is then shown beside it only)."""
    if stakes.risk_class != "unassessed" or stakes.suggestion is None:
        return None
    if stakes.band_class is None or stakes.residual is None:
        return None
    return stakes.suggestion.risk_class


def _note(
    risk_class: str,
    label: str,
    flags: tuple[tuple[str, str], ...],
    delivery_risk: float | None,
    rubric: Rubric,
) -> str | None:
    threshold = rubric.quadrants.risk_threshold
    if risk_class == "high":
        # A quick win or incremental use in the high class: the low placement figure beside
        # the class reads as a contradiction unless said otherwise.
        if delivery_risk is None or delivery_risk >= threshold:
            return None  # nothing looks worse than a high class
        return (
            f"Delivery risk {delivery_risk:.0f} is low: it measures how hard the project is to "
            "deliver, not the class, which follows what the system can do to whom and keeps "
            "its obligations."
        )
    if risk_class not in ("minimal", "limited"):
        return None  # an unassessed class has no claim
    serious = [title for severity, title in flags if severity in SERIOUS]
    high_delivery = delivery_risk is not None and delivery_risk >= threshold
    if not serious and not high_delivery:
        return None
    what = []
    if serious:
        what.append("its red or high flags")
    if high_delivery:
        what.append(f"delivery risk {delivery_risk:.0f}")
    verb = "do" if serious else "does"  # "its red or high flags ... do", "delivery risk does"
    return (
        f"{' and '.join(what).capitalize()} {verb} not set the class: it follows what the "
        "system can do to whom."
    )
