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


@dataclass(frozen=True)
class StakesAssessment:
    risk_class: str  # high, limited, minimal or unassessed
    reasons: tuple[str, ...]  # why the class, in words
    high_stakes_area: bool
    inherent: float | None  # risk points 0–100 before safeguards; None when unassessed
    residual: float | None  # after the safeguards that are in place
    residual_low: float | None  # if every unanswered safeguard turned out to be in place
    safeguards_done: tuple[str, ...]
    safeguards_missing: tuple[str, ...]  # applicable, and answered none, planned or waived
    safeguards_unknown: tuple[str, ...]  # applicable, not answered


def _class(proposal: Proposal, rubric: Rubric) -> tuple[str, list[str], bool]:
    stakes = proposal.get("stakes") or {}
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
    if (
        stakes.get("publishes_personal_data")
        and stakes.get("people_affected") in MANY_PEOPLE
        and stakes.get("reversibility") != "easy"
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
    if answered:
        return (
            "minimal",
            [
                "no decisions about people, no release of their data, no high-stakes area, "
                "no Art. 50 use (talking to people, content taken as real)"
            ],
            high_area,
        )
    return "unassessed", ["the stakes section is not answered"], high_area


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


def _position(proposal: Proposal, rubric: Rubric) -> float:
    """Where inside its band the use sits, 0 (bottom) to 1 (top). A language model raises it
    by the rubric's share of the room left above, so it never leaves the band."""
    stakes = proposal.get("stakes") or {}
    table = rubric.risk_model.position
    oversight = proposal.get("risks.human_oversight")
    if oversight is None and proposal.get("problem.automation") == "automate":
        oversight = "none"
    reversibility = reversibility_position(stakes, table["reversibility"])
    answers = (
        table["people_affected"].get(stakes.get("people_affected") or "", UNKNOWN_POSITION),
        UNKNOWN_POSITION if reversibility is None else reversibility,
        table["autonomy"].get(oversight or "", UNKNOWN_POSITION),
    )
    position = sum(answers) / len(answers)
    if proposal.get("delivery.uses_llm") is True:
        position += (1.0 - position) * language_model_raise(rubric)
    return position


def language_model_raise(rubric: Rubric) -> float:
    return rubric.risk_model.position.get("language_model", {}).get("raises_by", 0.0)


def assess_stakes(proposal: Proposal, rubric: Rubric) -> StakesAssessment:
    risk_class, reasons, high_area = _class(proposal, rubric)
    model = rubric.risk_model
    if risk_class == "unassessed":
        return StakesAssessment(risk_class, tuple(reasons), high_area, None, None, None, (), (), ())
    low, high = model.classes[risk_class].band
    inherent = low + _position(proposal, rubric) * (high - low)
    stakes = proposal.get("stakes") or {}
    applicable: list[str] = []
    if risk_class in ("high", "limited") and (
        stakes.get("decides_about_people") or risk_class == "high"
    ):
        applicable += PEOPLE_MEASURES
    if stakes.get("publishes_personal_data"):
        applicable += RELEASE_MEASURES
    governance = proposal.get("governance") or {}
    credit = model.governance_credit
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
        earned += credit.get(status or "", 0.0)
    if stakes.get("publishes_personal_data") and governance.get("consent") in ("opt_out", "none"):
        missing.append("consent")
    share = earned / possible if possible else 0.0
    best = (earned + len(unknown)) / possible if possible else 0.0
    room = inherent - low

    def after(fraction: float) -> float:
        return inherent - room * model.max_reduction * fraction

    return StakesAssessment(
        risk_class=risk_class,
        reasons=tuple(reasons),
        high_stakes_area=high_area,
        inherent=round(inherent, 1),
        residual=round(after(share), 1),
        residual_low=round(after(best), 1),
        safeguards_done=tuple(done),
        safeguards_missing=tuple(missing),
        safeguards_unknown=tuple(unknown),
    )
