"""Inherent and residual risk from what a system does and to whom.

The class comes from the stakes: deciding about people in a high-stakes area (the EU AI
Act's Annex III list), a regulator's own determination, or a release of data derived from
many people makes a use high-risk. Limited risk is deciding about people elsewhere,
releasing data derived from people, or the EU AI Act's Art. 50 cases: a system that talks
to people, or generates content they could take as real. A language model alone sets no
class: it raises the use inside the band its stakes set. The class sets a band of risk
points; where the proposal sits inside the band follows from how many people it reaches,
whether a wrong output can be undone, how much a person stays in the loop and whether a
language model writes the output. Safeguards lower the
residual risk inside the band, never below its bottom, so a high-risk use never looks
safer than a harmless one (after the Canadian Algorithmic Impact Assessment, where
mitigation lowers the raw score only within limits).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from scoring.model.suggestion import ClassSuggestion, suggest_class
from scoring.proposals.proposal import Proposal
from scoring.rubric import Rubric

MANY_PEOPLE = ("thousands", "hundreds_of_thousands", "millions")
PEOPLE_MEASURES = (
    "impact_assessment",
    "testing_by_group",
    "real_world_testing",
    "independent_review",
    "monitoring",
    "notice",
    "explanation",
    "appeal",
)
RELEASE_MEASURES = ("reidentification_review",)
UNKNOWN_POSITION = 0.5
# The legal basis of each high-stakes area, named beside the class so a reader can check it.
AREA_BASIS = {
    "biometrics": "EU AI Act Annex III 1",
    "critical_infrastructure": "EU AI Act Annex III 2",
    "education": "EU AI Act Annex III 3",
    "employment": "EU AI Act Annex III 4",
    "essential_services": "EU AI Act Annex III 5",
    "credit": "EU AI Act Annex III 5(b)-(c)",
    "housing": "OMB M-24-10",
    "public_benefits": "EU AI Act Annex III 5(a)",
    "health": "EU AI Act Annex III 5",
    "law_enforcement": "EU AI Act Annex III 6",
    "migration": "EU AI Act Annex III 7",
    "justice": "EU AI Act Annex III 8",
}
# The EU AI Act's Art. 50 cases, as stakes answers: the only ones a language model's use
# turns into the limited class.
ART_50 = {
    "talks_to_people": "talks to people directly (EU AI Act Art. 50(1))",
    "content_seen_as_real": (
        "generates content people could take as real (EU AI Act Art. 50(2), (4))"
    ),
}
# What makes a wrong outcome at least this hard to undo, as a reversibility answer: a person
# who must disprove it carries the cost of undoing it, and a severe penalty outlasts a refund.
REVERSIBILITY_FLOOR = {
    ("burden_of_proof", "affected_person"): "costly",
    ("penalty", "substantial"): "costly",
    ("penalty", "severe"): "irreversible",
}


# The stakes questions whose answers set the class, each with the two answers at its
# extremes (no class depends on a finer answer). A declared class and the Art. 50 answers
# are declarations: read when given, never guessed at (as the next steps ask them).
CLASS_FIELDS: dict[str, tuple[object, object]] = {
    "area": ("none", None),  # None: any high-stakes area of the rubric (set per rubric)
    "decides_about_people": (False, True),
    "publishes_personal_data": (False, True),
    "people_affected": ("none", "millions"),
    "reversibility": ("easy", "irreversible"),
}
CLASS_RANK = {"unassessed": -1, "minimal": 0, "limited": 1, "high": 2}
# How an unanswered question could raise the class: the class, what the use would then do,
# and the answers that would make it so.
RAISES: tuple[tuple[str, str, dict[str, object]], ...] = (
    (
        "high",
        "decides about people in a high-stakes area",
        {"area": None, "decides_about_people": True},
    ),
    (
        "high",
        "releases data derived from many people, which cannot be taken back",
        {
            "publishes_personal_data": True,
            "people_affected": "millions",
            "reversibility": "irreversible",
        },
    ),
    ("limited", "decides about people", {"decides_about_people": True}),
    ("limited", "releases data derived from people", {"publishes_personal_data": True}),
)


@dataclass(frozen=True)
class StakesAssessment:
    risk_class: str  # high, limited, minimal or unassessed: what the answers given support
    reasons: tuple[str, ...]  # why the class, in words, and what could raise it
    high_stakes_area: bool
    inherent: float | None  # risk points 0–100 before safeguards; None when unassessed
    residual: float | None  # after the safeguards that are in place
    # The lowest in its class: every unanswered safeguard in place and every unanswered
    # answer of the position at its lowest.
    residual_low: float | None
    safeguards_done: tuple[str, ...]
    safeguards_missing: tuple[str, ...]  # applicable, and answered none, planned or waived
    safeguards_unknown: tuple[str, ...]  # applicable, not answered
    # The highest any answers to the open stakes questions and safeguards could give: may
    # reach into the band of a higher class that an unanswered question could set.
    highest: float | None = None
    # The class the use case's own words suggest, with its reasons; shown apart from the
    # class above, which only answers set. None when the rubric has no suggestion rules.
    suggestion: ClassSuggestion | None = None
    # The class whose band the figures stand in: the class itself, or the suggested one
    # while the stakes section is unanswered (its prior).
    band_class: str | None = None
    # How many of ``reasons`` say why the class is what it is; the rest say what an open
    # answer could raise it to (the range), which a table with no range leaves out.
    class_reasons: int | None = None
    # The higher class a use's own words suggest, where a declared class sits below it: a
    # determination that needs written grounds (issue 26, item 2).
    declared_below: str | None = None


def _class(stakes: dict[str, object], rubric: Rubric) -> tuple[str, list[str], bool]:
    area = stakes.get("area")
    decides = stakes.get("decides_about_people")
    areas = rubric.risk_model.high_stakes_areas
    high_area = area in areas
    reasons: list[str] = []
    if stakes.get("declared_class") == "high":
        basis = stakes.get("declared_basis")
        reasons.append(f"declared high-risk ({basis})" if basis else "declared high-risk")
    # Annex III areas, like M-24-10's presumed uses, count as high-risk unless the proposal
    # says the output does not decide about people.
    if high_area and decides is not False:
        basis = AREA_BASIS.get(str(area))
        reasons.append(
            f"decides about people in {areas[str(area)].lower()}" + (f" ({basis})" if basis else "")
        )
    # A release is high only when it is said not to be easily undone: an unanswered
    # reversibility widens the range (into the high band), never the class.
    if (
        stakes.get("publishes_personal_data")
        and stakes.get("people_affected") in MANY_PEOPLE
        and stakes.get("reversibility") not in (None, "easy")
    ):
        reasons.append("releases data derived from many people, which cannot be taken back")
    if reasons:
        return "high", reasons, high_area
    limited = []
    if decides:
        limited.append("decides about people")
    if stakes.get("publishes_personal_data"):
        limited.append("releases data derived from people")
    limited += [reason for field, reason in ART_50.items() if stakes.get(field) is True]
    declared = stakes.get("declared_class")
    if limited or declared == "limited":
        return "limited", limited or ["declared limited-risk"], high_area
    answered = any(
        stakes.get(k) is not None
        for k in ("area", "decides_about_people", "people_affected", "declared_class", *ART_50)
    )
    if declared == "minimal":
        # A determination made elsewhere (a register's "neither rights- nor safety-
        # impacting"): it is the reason, not what the answers happen to rule out.
        basis = stakes.get("declared_basis")
        return (
            "minimal",
            [f"declared minimal ({basis})" if basis else "declared minimal"],
            high_area,
        )
    if answered:
        return "minimal", [_minimal_reason(stakes, high_area)], high_area
    return "unassessed", ["the stakes section is not answered"], high_area


def _minimal_reason(stakes: dict[str, object], high_area: bool) -> str:
    """What the answers given rule out; an unanswered question is left to the range."""
    ruled_out = []
    if stakes.get("decides_about_people") is False:
        ruled_out.append("no decisions about people")
    if stakes.get("publishes_personal_data") is False:
        ruled_out.append("no release of their data")
    if stakes.get("area") is not None and not high_area:
        ruled_out.append("no high-stakes area")
    ruled_out.append("no Art. 50 use (talking to people, content taken as real)")
    return ", ".join(ruled_out)


def reversibility_position(stakes: dict[str, object], table: dict[str, float]) -> float | None:
    """The worst stated reversibility (overall, for a false alarm, for a miss, or implied by
    who must prove what and by the penalty) as a position in the band; None when none is
    stated."""
    by_error = stakes.get("reversibility_by_error")
    stated = [
        stakes.get("reversibility"),
        *(by_error.values() if isinstance(by_error, dict) else ()),
    ]
    stated += [
        floor for (field, value), floor in REVERSIBILITY_FLOOR.items() if stakes.get(field) == value
    ]
    positions = [table[str(answer)] for answer in stated if str(answer) in table]
    return max(positions) if positions else None


@dataclass(frozen=True)
class Position:
    """Where inside its band the use sits, 0 (bottom) to 1 (top): the point counts an
    unanswered answer at UNKNOWN_POSITION; lowest and highest at the ends of its table."""

    point: float
    lowest: float
    highest: float


def _position(proposal: Proposal, rubric: Rubric) -> Position:
    """The mean of how many people, how reversible and how much oversight. A language model
    raises it by the rubric's share of the room left above, so it never leaves the band."""
    stakes = proposal.get("stakes") or {}
    table = rubric.risk_model.position
    oversight = _term(table["autonomy"], proposal.get("risks.human_oversight"))
    if proposal.get("risks.human_oversight") is None and (
        proposal.get("problem.automation") == "automate"
    ):
        # Automated with no oversight named counts as none, but the answer could name any.
        oversight = (table["autonomy"].get("none", UNKNOWN_POSITION), *oversight[1:])
    stated = reversibility_position(stakes, table["reversibility"])
    terms = [_term(table["people_affected"], stakes.get("people_affected")), oversight]
    if stakes.get("reversibility") is not None:
        terms.append((stated,) * 3 if stated is not None else _term({}, None))
    else:
        # Answering the overall reversibility can only raise the worst one stated.
        values = table["reversibility"].values()
        point = UNKNOWN_POSITION if stated is None else stated
        terms.append((point, min(values) if stated is None else stated, max(values)))
    raise_by = language_model_raise(rubric) if proposal.get("delivery.uses_llm") is True else 0.0
    means = [sum(term[i] for term in terms) / len(terms) for i in range(3)]
    return Position(*(p + (1.0 - p) * raise_by for p in means))


def _term(table: dict[str, float], answer: object) -> tuple[float, float, float]:
    """One answer's position (point, lowest, highest): exact when answered, the table's
    whole span when not."""
    if answer is not None and str(answer) in table:
        value = table[str(answer)]
        return value, value, value
    values = table.values() or (0.0, 1.0)
    return UNKNOWN_POSITION, min(values), max(values)


def language_model_raise(rubric: Rubric) -> float:
    return rubric.risk_model.position.get("language_model", {}).get("raises_by", 0.0)


@dataclass(frozen=True)
class Safeguards:
    done: tuple[str, ...]
    missing: tuple[str, ...]
    unknown: tuple[str, ...]
    share: float  # of the applicable ones' credit earned, an unanswered one counting none
    best: float  # the same if every unanswered one turned out to be in place


def _safeguards(
    stakes: dict[str, object], risk_class: str, governance: dict[str, object], rubric: Rubric
) -> Safeguards:
    applicable: list[str] = []
    if risk_class in ("high", "limited") and (
        stakes.get("decides_about_people") or risk_class == "high"
    ):
        applicable += PEOPLE_MEASURES
    if stakes.get("publishes_personal_data"):
        applicable += RELEASE_MEASURES
    credit = rubric.risk_model.governance_credit
    done, missing, unknown = [], [], []
    earned = possible = 0.0
    for measure in applicable:
        status = governance.get(measure)
        if status == "not_applicable":
            continue
        possible += 1
        if status is None:
            unknown.append(measure)
        elif status == "done":
            done.append(measure)
        else:
            missing.append(measure)
        earned += credit.get(str(status or ""), 0.0)
    if stakes.get("publishes_personal_data") and governance.get("consent") in ("opt_out", "none"):
        missing.append("consent")
    share = earned / possible if possible else 0.0
    best = (earned + len(unknown)) / possible if possible else 0.0
    return Safeguards(tuple(done), tuple(missing), tuple(unknown), share, best)


def _residual(band: tuple[float, float], position: float, fraction: float, rubric: Rubric) -> float:
    """Risk points at a position in the band, after safeguards earning this share of their
    credit: they remove up to max_reduction of the room above the band's bottom."""
    low, high = band
    inherent = low + position * (high - low)
    return inherent - (inherent - low) * rubric.risk_model.max_reduction * fraction


def _open_answers(stakes: dict[str, object], rubric: Rubric) -> list[dict[str, object]]:
    """The stakes as answered, and with every unanswered class-setting question at each of
    its extreme answers."""
    high_area = next(iter(rubric.risk_model.high_stakes_areas), "none")
    open_fields = [f for f in CLASS_FIELDS if stakes.get(f) is None]
    choices = [
        [high_area if answer is None else answer for answer in CLASS_FIELDS[f]] for f in open_fields
    ]
    return [stakes] + [
        {**stakes, **dict(zip(open_fields, combo, strict=True))} for combo in product(*choices)
    ]


def _highest(
    stakes: dict[str, object], governance: dict[str, object], rubric: Rubric, position: float
) -> float:
    """The highest residual risk any answers to the open questions could give: in each class
    they could set, with the position's unanswered answers at their highest and the
    unanswered safeguards not in place."""
    highest = 0.0
    for answers in _open_answers(stakes, rubric):
        risk_class, _, _ = _class(answers, rubric)
        if risk_class not in rubric.risk_model.classes or risk_class == "unassessed":
            continue
        band = rubric.risk_model.classes[risk_class].band
        guards = _safeguards(answers, risk_class, governance, rubric)
        highest = max(highest, _residual(band, position, guards.share, rubric))
    return highest


def could_raise(stakes: dict[str, object], risk_class: str, rubric: Rubric) -> str | None:
    """ "could be high if it decides about people in a high-stakes area (area not
    answered)": the highest class the unanswered questions could set, and how."""
    high_area = next(iter(rubric.risk_model.high_stakes_areas), "none")
    best = CLASS_RANK.get(risk_class, -1)
    routes: list[str] = []
    for target, what, answers in RAISES:
        wanted = {
            field: high_area if answer is None else answer
            for field, answer in answers.items()
            if stakes.get(field) is None
        }
        if not wanted or CLASS_RANK[target] <= CLASS_RANK.get(risk_class, -1):
            continue
        reached, _, _ = _class({**stakes, **wanted}, rubric)
        if CLASS_RANK.get(reached, -1) < CLASS_RANK[target]:
            continue
        if CLASS_RANK[target] > best:
            best, routes = CLASS_RANK[target], []
        if CLASS_RANK[target] == best:
            routes.append(f"{what} ({', '.join(wanted)} not answered)")
    if not routes:
        return None
    target = next(name for name, rank in CLASS_RANK.items() if rank == best)
    return f"could be {target} if it {' or '.join(routes)}"


def settled_stakes(proposal: Proposal) -> dict[str, object]:
    """The stakes answers, with what other answers settle: a system that uses no personal
    data (risks.personal_data: false) releases none."""
    stakes = dict(proposal.get("stakes") or {})
    if stakes.get("publishes_personal_data") is None and (
        proposal.get("risks.personal_data") is False
    ):
        stakes["publishes_personal_data"] = False
    return stakes


def class_of(proposal: Proposal, rubric: Rubric) -> str:
    """The class the proposal's stakes answers set, alone: what a next step asks about,
    without the figures, safeguards or the class its words suggest."""
    return _class(settled_stakes(proposal), rubric)[0]


READ_THE_WORDS = ClassSuggestion("read the words")  # assess_stakes: suggest from the words


def assess_stakes(
    proposal: Proposal, rubric: Rubric, suggestion: ClassSuggestion | None = READ_THE_WORDS
) -> StakesAssessment:
    """The class, band and figures of a proposal's stakes. ``suggestion`` is the class its
    words suggest when already read (prose.read_with_suggestion); by default read here."""
    stakes = settled_stakes(proposal)
    risk_class, reasons, high_area = _class(stakes, rubric)
    if suggestion is READ_THE_WORDS:
        suggestion = suggest_class(proposal, rubric) if rubric.class_suggestions.rules else None
    if risk_class == "unassessed":
        prior = suggestion.risk_class if suggestion else None
        if prior not in rubric.risk_model.classes:
            return StakesAssessment(
                risk_class,
                tuple(reasons),
                high_area,
                None,
                None,
                None,
                (),
                (),
                (),
                suggestion=suggestion,
            )
        assert suggestion is not None and prior is not None
        return _from_prior(proposal, rubric, stakes, suggestion, prior, high_area)
    band = rubric.risk_model.classes[risk_class].band
    position = _position(proposal, rubric)
    guards = _safeguards(stakes, risk_class, proposal.get("governance") or {}, rubric)
    residual = _residual(band, position.point, guards.share, rubric)
    highest = _highest(stakes, proposal.get("governance") or {}, rubric, position.highest)
    raise_to = could_raise(stakes, risk_class, rubric)
    below = _declared_below(stakes, risk_class, suggestion, rubric)
    if below is not None:
        # Until a determination with its grounds is on record, the suggested class sets
        # the range: the figure keeps the declared band, the top reaches the suggested one.
        band_above = rubric.risk_model.classes[below].band
        highest = max(highest, _residual(band_above, position.highest, guards.share, rubric))
        reasons.append(
            f"declared {risk_class}, below the {below} class its own words suggest: a "
            "determination that needs written grounds"
        )
    return StakesAssessment(
        risk_class=risk_class,
        reasons=tuple(reasons) + ((raise_to,) if raise_to else ()),
        class_reasons=len(reasons),
        declared_below=below,
        high_stakes_area=high_area,
        inherent=round(_residual(band, position.point, 0.0, rubric), 1),
        residual=round(residual, 1),
        residual_low=round(min(_residual(band, position.lowest, guards.best, rubric), residual), 1),
        safeguards_done=guards.done,
        safeguards_missing=guards.missing,
        safeguards_unknown=guards.unknown,
        highest=round(max(highest, residual), 1),
        suggestion=suggestion,
        band_class=risk_class,
    )


def _declared_below(
    stakes: dict[str, object],
    risk_class: str,
    suggestion: ClassSuggestion | None,
    rubric: Rubric,
) -> str | None:
    """The suggested class, where a declared class sits below it (issue 26, item 2)."""
    if suggestion is None or suggestion.risk_class not in rubric.risk_model.classes:
        return None
    declared = stakes.get("declared_class")
    if declared is None or declared != risk_class:
        return None
    above = CLASS_RANK[suggestion.risk_class] > CLASS_RANK[risk_class]
    return suggestion.risk_class if above else None


def _from_prior(
    proposal: Proposal,
    rubric: Rubric,
    stakes: dict[str, object],
    suggestion: ClassSuggestion,
    prior: str,
    high_area: bool,
) -> StakesAssessment:
    """An unanswered stakes section whose words suggest a class: the class stays
    unassessed, and the figure stands where the use would sit in the suggested class's band
    (its prior, instead of a neutral one). The range still holds whatever the answers could
    give, from the lowest class up."""
    band = rubric.risk_model.classes[prior].band
    governance = proposal.get("governance") or {}
    position = _position(proposal, rubric)
    guards = _safeguards(stakes, prior, governance, rubric)
    residual = _residual(band, position.point, guards.share, rubric)
    lowest = min(
        (
            _residual(rubric.risk_model.classes[name].band, position.lowest, 1.0, rubric)
            for name in ("minimal", "limited", "high")
            if name in rubric.risk_model.classes
        ),
        default=residual,
    )
    # Unassessed: the area and whether it decides about people are both open, so the answers
    # could make it high (where the rubric has that class) with its people safeguards due.
    top = "high" if "high" in rubric.risk_model.classes else prior
    due = _safeguards({**stakes, "decides_about_people": True}, top, governance, rubric)
    highest = _residual(rubric.risk_model.classes[top].band, position.highest, due.share, rubric)
    return StakesAssessment(
        risk_class="unassessed",
        reasons=("the stakes section is not answered", suggestion.reason),
        high_stakes_area=high_area,
        inherent=round(_residual(band, position.point, 0.0, rubric), 1),
        residual=round(residual, 1),
        residual_low=round(min(lowest, residual), 1),
        safeguards_done=guards.done,
        safeguards_missing=guards.missing,
        safeguards_unknown=guards.unknown,
        highest=round(max(highest, residual), 1),
        suggestion=suggestion,
        band_class=prior,
    )
