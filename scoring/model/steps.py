"""Next steps: one ranked list per proposal, the same on its page and on the portfolio.

The rule (README, "Next steps", and the scoring method page state it in words):

1. the questions with the largest effect on placement or risk class: questions that can
   change the state (or, while the proposal needs information, narrow its ranges), and
   questions whose answer can change the risk class. For a system in production, or a row
   from an inventory, class questions come before placement questions: what it does to
   people matters more than where it sits on the chart;
2. red and high flags: the missing safeguards a flag names, or the flag itself when it names
   none; then the missing safeguards of the high-risk class;
3. the largest priority gains, by points;
4. questions that only narrow the ranges of a placed proposal, first the safeguards left out
   that could raise a red or high flag (a question, not a flag: issue 26);
5. other missing safeguards.

A step appears once, where it ranks first (a question and a suggestion about the same
answer, a safeguard named by a flag and by the class).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from scoring.model.actions import Question, Suggestion
from scoring.model.findings import open_flags
from scoring.model.scorecard import ScoreCard
from scoring.model.stakes import class_of, settled_stakes
from scoring.proposals.proposal import Proposal
from scoring.rubric import Rubric

# Tiers, in the order of the rule above.
QUESTIONS, FLAGS, GAINS, NARROWING, OTHER_SAFEGUARDS = range(5)
SERIOUS = ("red", "high")
# Guidance for a missing safeguard: the playbook section that explains why it matters.
SAFEGUARD_GUIDANCE = {
    "testing_by_group": "playbooks/responsible-ai.md#bias-sources",
    "notice": "playbooks/responsible-ai.md#transparency",
    "explanation": "playbooks/responsible-ai.md#transparency",
    "appeal": "playbooks/responsible-ai.md#transparency",
    "reidentification_review": "playbooks/responsible-ai.md#anonymisation-limits",
    "consent": "playbooks/responsible-ai.md#anonymisation-limits",
}
DEFAULT_SAFEGUARD_GUIDANCE = "playbooks/responsible-ai.md#act-early"
CLASS_GUIDANCE = "playbooks/responsible-ai.md#act-early"
# Governance answers that leave nothing for a flag to ask.
IN_PLACE = ("done", "not_applicable", "opt_in")
# The stakes answers that set the risk class (stakes.py), each with its question and the
# answers tried to see which classes it can lead to.
CLASS_QUESTIONS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "area": (
        "Does the use fall in a high-stakes area, such as credit, employment, health or "
        "public benefits?",
        ("none", "credit"),
    ),
    "decides_about_people": (
        "Is the output used to make or shape decisions about individual people?",
        (False, True),
    ),
    "declared_class": (
        "Has a regulator or a register already set this use's risk class?",
        ("minimal", "limited", "high"),
    ),
    "publishes_personal_data": (
        "Does the system publish or release data derived from people?",
        (False, True),
    ),
    "people_affected": (
        "How many people a year can the output affect?",
        ("dozens", "millions"),
    ),
    "reversibility": ("Can a wrong output be undone?", ("easy", "irreversible")),
    "talks_to_people": (
        "Does the system talk to people directly, as a chatbot or an assistant does (EU AI "
        "Act Art. 50(1))?",
        (False, True),
    ),
    "content_seen_as_real": (
        "Does it generate text, images, audio or video that people could take as real or "
        "as written by a person (EU AI Act Art. 50(2) and (4))?",
        (False, True),
    ),
}
# The Art. 50 questions are declarations, asked only where the use points to one: it uses a
# language model, or its words match an Art. 50 rule (the class suggestions' own ids).
ART_50_QUESTIONS = {"talks_to_people", "content_seen_as_real"}
# The high-stakes area each class suggestion rule of the shipped rubric points to: the area
# question then names it (the one that would settle the row's class). A rule not listed
# points to none; the use's topic may still name an area (``_pointed_area``).
RULE_AREA = {
    "biometric_identification": "biometrics",
    "identity_verification": "biometrics",
    "emotion_or_deception": "biometrics",
    "facial_image_scraping": "biometrics",
    "law_enforcement": "law_enforcement",
    "law_and_justice_area": "law_enforcement",
    "justice_and_elections": "justice",
    "migration_and_border": "migration",
    "traveller_screening": "migration",
    "public_benefits": "public_benefits",
    "benefits_area": "public_benefits",
    "fraud_about_people": "public_benefits",
    "credit_and_insurance": "credit",
    "employment": "employment",
    "education": "education",
    "health_care": "health",
    "health_care_area": "health",
    "critical_infrastructure_safety": "critical_infrastructure",
    "dangerous_items": "critical_infrastructure",
    "vehicle_safety": "critical_infrastructure",
    "emergency_response": "essential_services",
    "housing": "housing",
    "child_and_family": "public_benefits",
}
# Words of an area's label too common to point to it from a topic ("Access to essential
# services" is not named by "Government services").
LABEL_STOPWORDS = {"and", "to", "of", "the", "access", "public", "services", "processes"}
CLASS_ORDER = ("unassessed", "minimal", "limited", "high")


@dataclass(frozen=True)
class Step:
    """One next step: what to do, why in a few words, and where the guidance is."""

    kind: str  # "class", "question", "flag", "safeguard" or "suggestion"
    id: str
    text: str
    why: str
    playbook: str


def is_inventory_row(proposal: Proposal) -> bool:
    return proposal.get("source.inventory") is not None


def class_first(proposal: Proposal) -> bool:
    """A system in production, or a row from an inventory: its class questions lead."""
    return proposal.stage == "production" or is_inventory_row(proposal)


def next_steps(card: ScoreCard) -> list[Step]:
    """Every open step of a proposal, in the order of the rule in this module's docstring."""
    ranked = sorted(_ranked(card), key=lambda item: item[0])  # stable: ties keep their order
    seen: set[str] = set()
    steps = []
    for _, step in ranked:
        if step.id not in seen:
            seen.add(step.id)
            steps.append(step)
    return steps


def first_question(card: ScoreCard) -> Step | None:
    """The question to answer first (the portfolio's needs-information table)."""
    return next((s for s in next_steps(card) if s.kind in ("class", "question")), None)


def _ranked(card: ScoreCard) -> Iterator[tuple[tuple[float, ...], Step]]:
    placement, klass = (1, 0) if class_first(card.proposal) else (0, 1)
    first = class_first(card.proposal)
    for order, (step, high_at_stake) in enumerate(class_questions(card)):
        # Minimal against limited changes less than the high class's obligations: such a
        # question waits with the ones that only narrow the ranges, except for a system in
        # production or a register's row, whose every class question outranks placement.
        leads = high_at_stake or first
        yield ((QUESTIONS, klass) if leads else (NARROWING, -1)) + (order,), step
    for q in card.questions:
        changes_state = q.if_low != q.if_high
        settles = changes_state or (not card.placed and q.narrowing > 0)
        tier = (QUESTIONS, placement) if settles else (NARROWING, 0)
        # As questions_for ranks them: those that can change the state, then by narrowing.
        yield (*tier, 0 if changes_state else 1, -q.narrowing), _question_step(q, card)
    yield from _flag_steps(card)
    for s in card.suggestions:
        if s.kind != "cap":  # a lifted cap is a red flag's step
            why = f"+{s.gain:.1f} priority points"
            step = Step("suggestion", s.id, _suggestion_text(s), why, s.playbook)
            yield (GAINS, 0, -s.gain), step
    for measure in card.stakes.safeguards_missing:
        step = _safeguard_step(card, measure, "lowers the residual risk")
        yield (OTHER_SAFEGUARDS, 0, 0.0), step


def _question_step(q: Question, card: ScoreCard) -> Step:
    if q.if_low != q.if_high:
        names = card.rubric.state_name
        why = f"can change the state: {names(q.if_low)} or {names(q.if_high)}"
    elif not card.placed:
        why = f"helps settle the placement: narrows the ranges by {q.narrowing:.1f} points"
    else:
        why = f"narrows the ranges by {q.narrowing:.1f} points"
    return Step("question", q.id, f"Answer: {q.text}", why, q.playbook)


def class_questions(card: ScoreCard) -> list[tuple[Step, bool]]:
    """Unanswered stakes questions whose answer can change the risk class, each with whether
    the high-risk class is at stake (an answer moves the use into it or out of it); those
    that can reach the highest class first, and among them those that would confirm the
    class the use's own words suggest. A proposal with no stakes section at all gets one
    step, the whole section; a register's row is asked each question its own answers leave
    open. Only an inventory row is asked for a class set elsewhere: a register's
    determination is what an inventory records, and any use could have one."""
    proposal, rubric = card.proposal, card.rubric
    labels = {k: v.label.lower() for k, v in rubric.risk_model.classes.items()}
    stakes = proposal.get("stakes") or {}
    if card.risk_class == "unassessed" and not is_inventory_row(proposal) and not stakes:
        # A proposal nobody has described the stakes of yet: one step, the whole section.
        text = (
            "Answer the stakes questions: the area, whether it decides about people, how many "
            "it affects and whether a wrong output can be undone"
        )
        why = f"sets the risk class, {labels.get('unassessed', 'unassessed')} until then"
        if card.stakes.suggestion is not None and card.stakes.suggestion.risk_class:
            why += f"; its words suggest {card.stakes.suggestion.risk_class}"
        return [(Step("class", "stakes", text, why, CLASS_GUIDANCE), True)]
    # Otherwise each open question on its own, those that can reach the highest class first,
    # so a register's row is asked what its own answers leave open (issue 26, item 5).
    asked = [f for f in CLASS_QUESTIONS if f != "declared_class" or is_inventory_row(proposal)]
    pointed = _art_50_pointers(card)
    asked = [f for f in asked if f not in ART_50_QUESTIONS or f in pointed]
    suggested = _suggested(card)
    found = []
    # An answer other answers settle is not open: a use of no personal data releases none.
    settled = settled_stakes(proposal)
    for order, field in enumerate(asked):
        if settled.get(field) is not None:
            continue
        question, answers = CLASS_QUESTIONS[field]
        area = _pointed_area(card) if field == "area" else None
        if area is not None:
            # Ask about the area the row's words or topic point to: the one that settles it.
            label = rubric.risk_model.high_stakes_areas[area]
            question = (
                f"Does the use decide about people in {label.lower()}, a high-stakes area "
                "its own words or topic point to?"
            )
            answers = ("none", area)
        reached = {card.risk_class} | {
            _class_with(proposal, rubric, field, answer) for answer in answers
        }
        if len(reached) < 2:
            continue
        low, high = sorted(reached, key=CLASS_ORDER.index)[:: len(reached) - 1]
        why = f"can change the risk class: {labels.get(low, low)} or {labels.get(high, high)}"
        # The Art. 50 question a language model or the use's words point to leads, then the
        # questions that would confirm the class a use's words suggest.
        confirms = suggested is not None and suggested in reached
        if confirms and suggested is not None:
            why += f"; its words suggest {suggested}"
        if field in pointed:
            why += "; " + _art_50_reason(card)
        lead = 0 if field in pointed else 1 if confirms else 2
        rank = (-CLASS_ORDER.index(high), lead, -len(reached), order)
        step = Step("class", f"stakes.{field}", f"Answer: {question}", why, CLASS_GUIDANCE)
        found.append((rank, step, "high" in reached))
    return [(step, high_at_stake) for _, step, high_at_stake in sorted(found, key=_first)]


def _art_50_pointers(card: ScoreCard) -> set[str]:
    """The Art. 50 questions a use points to: both when it uses a language model, else those
    whose rule its words match."""
    if card.proposal.get("delivery.uses_llm") is True:
        return set(ART_50_QUESTIONS)
    suggestion = card.stakes.suggestion
    matched = {rule.id for rule in suggestion.rules} if suggestion is not None else set()
    return matched & ART_50_QUESTIONS


def _pointed_area(card: ScoreCard) -> str | None:
    """The high-stakes area a use points to: the one its words suggest (the first matching
    rule's), else the one its topic names (a word of the area's label). None when neither."""
    areas = card.rubric.risk_model.high_stakes_areas
    suggestion = card.stakes.suggestion
    for rule in suggestion.rules if suggestion is not None else ():
        area = RULE_AREA.get(rule.id)
        if area in areas:
            return area
    topic = " ".join(
        str(t) for t in (card.proposal.get("custom.topic_area"), *card.proposal.tags) if t
    ).lower()
    words = set(re.findall(r"[a-z]+", topic))
    for area, label in areas.items():
        if words & (set(re.findall(r"[a-z]+", label.lower())) - LABEL_STOPWORDS):
            return area
    return None


def _art_50_reason(card: ScoreCard) -> str:
    if card.proposal.get("delivery.uses_llm") is True:
        return "it uses a language model"
    return "its words point to it"


def _suggested(card: ScoreCard) -> str | None:
    """The class a use's own words suggest, when it is above the class the answers set."""
    suggestion = card.stakes.suggestion
    if suggestion is None or suggestion.risk_class is None:
        return None
    if CLASS_ORDER.index(suggestion.risk_class) <= CLASS_ORDER.index(card.risk_class):
        return None
    return suggestion.risk_class


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]


def _class_with(proposal: Proposal, rubric: Rubric, field: str, answer: Any) -> str:
    stakes = {**(proposal.get("stakes") or {}), field: answer}
    changed = replace(proposal, fields={**proposal.fields, "stakes": stakes})
    return class_of(changed, rubric)


def _flag_steps(card: ScoreCard) -> Iterator[tuple[tuple[float, ...], Step]]:
    """Red flags before high ones; each as the safeguards it names that are not in place,
    or as the flag itself. Then the high-risk class's own missing safeguards."""
    lifts = {s.id: s.gain for s in card.suggestions if s.kind == "cap"}
    governance = card.proposal.get("governance") or {}
    for flag in card.flags:
        if flag.severity not in SERIOUS:
            continue
        rank = (FLAGS, SERIOUS.index(flag.severity), -lifts.get(flag.id, 0.0))
        rule = card.rubric.flag(flag.id)
        named = [
            m
            for m in _governance_fields(rule.when if rule is not None else {})
            if governance.get(m) not in IN_PLACE
        ]
        title = _in_sentence(flag.title)
        if named:
            for measure in named:
                why = f"the {_severity_word(flag.severity)} flag: {title}"
                yield rank, _safeguard_step(card, measure, f"needed to resolve {why}")
        elif flag.severity == "red":
            gain = lifts.get(flag.id)
            why = (
                f"lifts a red flag; +{gain:.1f} priority points"
                if gain
                else "it stops the proposal, whatever the scores"
            )
            yield rank, Step("flag", flag.id, f"Resolve the red flag: {title}", why, flag.playbook)
        else:
            why = "a high flag adds to risk"
            yield rank, Step("flag", flag.id, f"Resolve the high flag: {title}", why, flag.playbook)
    # A safeguard left out that could raise a red or high flag is a question, not a flag
    # (issue 26): asked with the questions that narrow the ranges (the risk range makes
    # room for the flag), the more severe first.
    for flag in open_flags(card.actions.features, card.rubric, card.row):
        rule = card.rubric.flag(flag.id)
        if flag.severity not in SERIOUS or rule is None:
            continue
        for measure in _governance_fields(rule.when or {}):
            if governance.get(measure) is None:
                why = (
                    f"left out, it could raise the {_severity_word(flag.severity)} flag: "
                    f"{_in_sentence(flag.title)}"
                )
                step = _safeguard_step(card, measure, why, asked=True)
                yield (NARROWING, -2, SERIOUS.index(flag.severity)), step
    if card.risk_class == "high":
        for measure in card.stakes.safeguards_missing:
            why = "an obligation of the high-risk class"
            yield (FLAGS, len(SERIOUS), 0.0), _safeguard_step(card, measure, why)


def _in_sentence(title: str) -> str:
    """A title inside a sentence: its first letter lower case, unless it starts an acronym."""
    return title if title[1:2].isupper() else title[:1].lower() + title[1:]


def _severity_word(severity: str) -> str:
    return "red" if severity == "red" else "high"


def _governance_fields(condition: Any) -> list[str]:
    """The safeguards (``governance.*`` fields) a flag rule's condition reads, in order."""
    if isinstance(condition, dict):
        field = str(condition.get("field"))
        own = [field.removeprefix("governance.")] if field.startswith("governance.") else []
        for key in ("all", "any"):
            for part in condition.get(key) or ():
                own += _governance_fields(part)
        return list(dict.fromkeys(own))
    return []


def _safeguard_step(card: ScoreCard, measure: str, why: str, *, asked: bool = False) -> Step:
    label = card.rubric.risk_model.measures.get(measure, measure.replace("_", " "))
    status = (card.proposal.get("governance") or {}).get(measure)
    action = "Put in place in full" if status == "partial" else "Put in place"
    if asked:  # left out: it may already be in place
        action = "Say whether it is in place, or put in place"
    return Step(
        "safeguard",
        measure,
        f"{action}: {label.lower()}",
        why,
        SAFEGUARD_GUIDANCE.get(measure, DEFAULT_SAFEGUARD_GUIDANCE),
    )


def _suggestion_text(s: Suggestion) -> str:
    if s.kind == "answer":
        return f"Answer: {s.text}"
    if s.kind == "criterion":
        return f"Raise to {s.target} (now {s.current.removeprefix('level ')}): {s.text}"
    if s.kind == "checklist":
        return f"Checklist item, now {s.current}: {s.text}"
    return s.text


__all__ = [
    "Step",
    "class_first",
    "class_questions",
    "first_question",
    "is_inventory_row",
    "next_steps",
]
