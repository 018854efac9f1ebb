"""Each proposal under each enabled regime: its determination, every applicable
obligation's status, the regulatory clock and a compliance state a leader can read.

Statuses: met, in_progress, missing, waived, extension_granted, not_reported (nothing
answers it: counted and shown, never a flag, since unknown is not bad) and not_applicable.
An obligation is a *gap* when it is required and either missing for a system in production
or, in use, not met on or after its due date. Every date is the build date
(``scoring.model.clock``), never the machine's today.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scoring.model.obligations.profiles import (
    DEFAULT_PROFILE,
    Condition,
    Evidence,
    Obligation,
    Outcome,
    Profile,
)
from scoring.model.stakes import StakesAssessment
from scoring.proposals.proposal import INACTIVE_STAGES, Proposal

STATUSES = (
    "missing",
    "in_progress",
    "extension_granted",
    "not_reported",
    "waived",
    "met",
    "not_applicable",
)
STATUS_LABELS = {
    "met": "met",
    "in_progress": "in progress",
    "missing": "missing",
    "waived": "waived",
    "extension_granted": "extension granted",
    "not_reported": "not reported",
    "not_applicable": "not applicable",
}
# Worst first: the state of a regime is the first of these any obligation is in.
COMPLIANCE_STATES = ("gap", "in_progress", "to_do", "not_reported", "waived", "met", "none")
STATE_LABELS = {
    "gap": "Gap",
    "in_progress": "In progress",
    "to_do": "To do, not yet due",
    "not_reported": "Not reported",
    "waived": "Waived",
    "met": "Met",
    "none": "No obligations",
}
STATE_MEANINGS = {
    "gap": "a required obligation is missing for a system in production, or not met on or "
    "after its due date",
    "in_progress": "obligations under way, or held off by an extension; none is a gap yet",
    "to_do": "obligations missing that do not bind yet: before production, or before their "
    "due date",
    "not_reported": "nothing answers some obligations; unknown is shown, never flagged",
    "waived": "every open obligation is waived",
    "met": "every applicable obligation is met",
    "none": "no obligation of this regime applies",
}
NO_RECORD = "waived, no record"

# How each evidence source's answers read as a status.
GOVERNANCE_STATUS = {
    "done": "met",
    "partial": "in_progress",
    "in_progress": "in_progress",
    "planned": "missing",  # not started: nothing in place yet
    "none": "missing",
    "waived": "waived",
    "not_applicable": "not_applicable",
}
CHECKLIST_STATUS = {
    "yes": "met",
    "partial": "in_progress",
    "no": "missing",
    "unknown": "not_reported",
    "n/a": "not_applicable",
}
# Combining several sources: ``all`` takes the least advanced, ``any`` the most.
_ALL_ORDER = ("missing", "in_progress", "not_reported", "waived", "met", "not_applicable")
_ANY_ORDER = ("met", "waived", "in_progress", "missing", "not_reported", "not_applicable")


@dataclass(frozen=True)
class ObligationStatus:
    obligation: Obligation
    status: str
    note: str  # why: the answer read, "waived, no record", an extension's end
    due: date | None  # the date it binds, after any extension
    past_due: bool  # the build date is on or after ``due``
    gap: bool
    flag: str | None  # red or high when it raises a flag on the proposal

    @property
    def id(self) -> str:
        return self.obligation.id

    @property
    def label(self) -> str:
        return self.note if self.note == NO_RECORD else STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Determination:
    outcome: Outcome | None  # None when no outcome's condition holds
    label: str
    grounds: tuple[str, ...]  # why: the outcome's grounds and the class's reasons
    needs_grounds: bool  # a determination that still needs written grounds on record
    basis: str = ""  # the regime's reason for this outcome
    reasons: tuple[str, ...] = ()  # what the proposal's answers say (the class's reasons)
    # Why grounds are needed: the outcome claims an exception from a higher class (Art. 6(3),
    # a presumption rebutted), or the class declared sits below the one its words suggest.
    claims_exception: bool = False
    below_suggestion: bool = False


@dataclass(frozen=True)
class ClockEntry:
    """One line of the regulatory clock: what falls due when."""

    due: date
    obligation: Obligation
    status: str
    past: bool


@dataclass(frozen=True)
class RegimeCompliance:
    profile: Profile
    determination: Determination
    obligations: tuple[ObligationStatus, ...]  # those that apply, in the profile's order
    state: str  # one of COMPLIANCE_STATES
    as_of: date

    @property
    def gaps(self) -> tuple[ObligationStatus, ...]:
        return tuple(o for o in self.obligations if o.gap)

    @property
    def clock(self) -> tuple[ClockEntry, ...]:
        """Every dated obligation, soonest first."""
        entries = [
            ClockEntry(o.due, o.obligation, o.status, o.past_due)
            for o in self.obligations
            if o.due is not None
        ]
        return tuple(sorted(entries, key=lambda e: (e.due, e.obligation.id)))

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def state_meaning(self) -> str:
        return STATE_MEANINGS[self.state]

    @property
    def on_page(self) -> bool:
        """Whether the proposal page gives it a block of its own: the default profile's
        obligations are the class's, which the page lists with the stakes (and its gaps
        are flags), so a page without other regimes stays as short as it was."""
        return self.profile.id != DEFAULT_PROFILE

    def counts(self) -> dict[str, int]:
        found = {status: 0 for status in STATUSES}
        for item in self.obligations:
            found[item.status] += 1
        return found


# Recorded waivers: proposal id -> {"profile_id:obligation_id": what the record says}. The
# decisions issue fills it; a register's own "waived" without one reads "waived, no record".
Waivers = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class ComplianceContext:
    """What obligations are judged against: the enabled profiles, the build date and any
    recorded waivers."""

    profiles: tuple[Profile, ...]
    as_of: date
    waivers: Waivers = field(default_factory=dict, hash=False)

    def key(self) -> tuple[object, ...]:
        """A hashable fingerprint, for caches keyed by what a page depends on."""
        recorded = tuple(sorted((pid, tuple(sorted(w.items()))) for pid, w in self.waivers.items()))
        return (tuple(p for p in self.profiles), self.as_of.isoformat(), recorded)


def holds(cond: Condition, proposal: Proposal, stakes: StakesAssessment) -> bool:
    if cond.all and not all(holds(c, proposal, stakes) for c in cond.all):
        return False
    if cond.any and not any(holds(c, proposal, stakes) for c in cond.any):
        return False
    if cond.negated is not None and holds(cond.negated, proposal, stakes):
        return False
    if cond.classes and stakes.risk_class not in cond.classes:
        return False
    if cond.suggested:
        suggested = stakes.suggestion.risk_class if stakes.suggestion else None
        if suggested not in cond.suggested:
            return False
    if cond.stages and proposal.stage not in cond.stages:
        return False
    if cond.field is not None:
        value = proposal.get(cond.field)
        if cond.answered is not None and (value is not None) != cond.answered:
            return False
        if cond.equals is not None and value != cond.equals:
            return False
        if cond.within is not None and value not in cond.within:
            return False
        if cond.not_within is not None and (value is None or value in cond.not_within):
            return False
    return True


def determine(profile: Profile, proposal: Proposal, stakes: StakesAssessment) -> Determination:
    """The first outcome whose condition holds, with its grounds."""
    outcome = next((o for o in profile.outcomes if holds(o.when, proposal, stakes)), None)
    if outcome is None:
        return Determination(None, "Not determined", (), False)
    reasons = stakes.reasons[: stakes.class_reasons] if stakes.class_reasons else stakes.reasons
    grounds = tuple(g for g in (outcome.grounds, *reasons) if g)
    # A declared class below the one the use's own words suggest is a determination that
    # needs written grounds, under every regime (issue 26, item 2).
    below = stakes.declared_below is not None
    return Determination(
        outcome,
        outcome.label,
        grounds,
        outcome.needs_grounds or below,
        outcome.grounds,
        tuple(reasons),
        claims_exception=outcome.needs_grounds,
        below_suggestion=below,
    )


def _answer_status(source: Evidence, proposal: Proposal) -> tuple[str, str]:
    """The status one source gives, and the answer it read."""
    if source.governance:
        answer = (proposal.get("governance") or {}).get(source.governance)
        if answer is None:
            return "not_reported", ""
        return GOVERNANCE_STATUS.get(str(answer), "not_reported"), str(answer)
    if source.checklist:
        checklist, item = source.checklist.split(".", 1)
        answer = ((proposal.get("checklists") or {}).get(checklist) or {}).get(item)
        if answer is None:
            return "not_reported", ""
        text = (
            {True: "yes", False: "no"}.get(answer, str(answer))
            if isinstance(answer, bool)
            else str(answer)
        )
        return CHECKLIST_STATUS.get(text, "not_reported"), text
    value = proposal.get(source.field or "")
    if value is None:
        return "not_reported", ""
    text = _plain(value)
    for answer, status in source.values:
        if matches(answer, text):
            return status, text
    return source.otherwise or "not_reported", text


def matches(answer: str, text: str) -> bool:
    """A profile's answer against a proposal's: ignoring case; "Yes*" matches every answer
    starting with "Yes" (a register's long form, "Yes – Agency requested an extension")."""
    wanted, given = answer.lower(), text.strip().lower()
    if wanted.endswith("*"):
        return given.startswith(wanted[:-1])
    return given == wanted


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def evidence_status(obligation: Obligation, proposal: Proposal) -> tuple[str, str]:
    """The obligation's status from its evidence, and a note naming what was read."""
    if not obligation.evidence:
        return "not_reported", "Nothing in a proposal records it"
    read = [(source, *_answer_status(source, proposal)) for source in obligation.evidence]
    order = _ANY_ORDER if obligation.combine == "any" else _ALL_ORDER
    answered = [r for r in read if r[1] != "not_reported"]
    if obligation.combine == "first" and answered:
        read = answered[:1]  # the first source that answers speaks for the obligation
    if obligation.combine == "any" and answered:
        read = answered
    if all(status == "not_applicable" for _, status, _ in read):
        status = "not_applicable"
    else:
        status = min((s for _, s, _ in read if s != "not_applicable"), key=order.index)
    note = ", ".join(f"{source.where}: {answer}" for source, _, answer in read if answer)
    if not note:
        note = "Not answered: " + ", ".join(source.where for source, _, _ in read)
    return status, note


def _extended(profile: Profile, proposal: Proposal) -> bool:
    extension = profile.extension
    if extension is None:
        return False
    value = proposal.get(extension.field)
    if value is None:
        return False
    return any(matches(_plain(wanted), _plain(value)) for wanted in extension.values)


def obligation_status(
    obligation: Obligation,
    outcome: Outcome | None,
    profile: Profile,
    proposal: Proposal,
    as_of: date,
    recorded: Mapping[str, str],
) -> ObligationStatus:
    status, note = evidence_status(obligation, proposal)
    due = obligation.due
    record = recorded.get(f"{profile.id}:{obligation.id}")
    if record is not None and status != "met":
        status, note = "waived", record
    elif status == "waived":
        note = NO_RECORD
    elif status in ("missing", "in_progress") and _extended(profile, proposal):
        assert profile.extension is not None
        until = profile.extension.until
        due = max(due, until) if due else until
        if as_of < until:
            status = "extension_granted"
            note = profile.extension.note or f"extension until {until.isoformat()}"
    past_due = due is not None and as_of >= due
    binding = due is None or past_due  # an obligation whose date is still ahead binds no one
    stage = proposal.stage
    open_ = status in ("missing", "in_progress")
    gap = (
        obligation.required
        and binding
        and (
            (status == "missing" and stage in profile.production)
            or (open_ and past_due and stage in profile.in_use)
        )
    )
    flag = None
    if outcome is not None and outcome.flags and obligation.required:
        if gap:
            flag = "red"
        elif open_ and stage in profile.production:
            flag = "high"  # under way, or not yet due: in production all the same
    return ObligationStatus(obligation, status, note, due, past_due, gap, flag)


def applies(
    obligation: Obligation, outcome: Outcome | None, proposal: Proposal, stakes: StakesAssessment
) -> bool:
    if outcome is None or proposal.stage in INACTIVE_STAGES:
        return False  # nothing binds a retired or rejected use
    if obligation.applies_to and outcome.id not in obligation.applies_to:
        return False
    return holds(obligation.when, proposal, stakes)


def compliance_state(items: tuple[ObligationStatus, ...]) -> str:
    if any(o.gap for o in items):
        return "gap"
    statuses = {o.status for o in items}
    if statuses & {"in_progress", "extension_granted"}:
        return "in_progress"
    if "missing" in statuses:
        return "to_do"
    for state in ("not_reported", "waived", "met"):
        if state in statuses:
            return state
    return "none"


def assess_regime(
    profile: Profile,
    proposal: Proposal,
    stakes: StakesAssessment,
    as_of: date,
    recorded: Mapping[str, str] | None = None,
) -> RegimeCompliance:
    determination = determine(profile, proposal, stakes)
    outcome = determination.outcome
    items = tuple(
        obligation_status(o, outcome, profile, proposal, as_of, recorded or {})
        for o in profile.obligations
        if applies(o, outcome, proposal, stakes)
    )
    return RegimeCompliance(profile, determination, items, compliance_state(items), as_of)


def assess(
    proposal: Proposal, stakes: StakesAssessment, context: ComplianceContext
) -> tuple[RegimeCompliance, ...]:
    """The proposal under every enabled regime, in the order they are enabled."""
    recorded = context.waivers.get(proposal.id, {})
    return tuple(
        assess_regime(profile, proposal, stakes, context.as_of, recorded)
        for profile in context.profiles
    )


def worst_state(results: tuple[RegimeCompliance, ...]) -> str:
    """The compliance state across regimes: the worst of them."""
    states = [r.state for r in results]
    return min(states, key=COMPLIANCE_STATES.index) if states else "none"
