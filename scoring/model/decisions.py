"""Where each decision stands at the build date, and what that changes for its proposal.

A decision is active from its date to its `expires` (inclusive), unless a revocation
decision revokes it, or the proposal fields its scope reads (SCOPE_FIELDS) have changed
since it was taken: each decision can store their hash as `basis`, and only a change to
those fields marks it as needing renewal. Per proposal (a Ledger): the flags accepted (by
whom, until when), the obligations waived (keyed "profile:obligation", for the obligations
module), the conditions still open and when they fall due, "approved, no record", and
Needs review when an approval's condition is past due and no closure decision meets it.

Effects on scoring (``DecisionRegister.adjust_flags``, called by score_intake right after
the flags are worked out): an active acceptance takes its flag out, so it leaves "what is at
risk"; an expired one leaves the flag in and adds a red "expired decision" flag; Needs
review and needs-renewal add a high flag with the reason.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from scoring.model.findings import SEVERITY_ORDER, Flag
from scoring.model.obligations import ProfileError, builtin_ids, load_profiles
from scoring.proposals.decisions import (
    EXPIRING,
    Condition,
    Decision,
    DecisionRules,
    load_decisions,
)
from scoring.proposals.proposal import Intake, Proposal
from scoring.rubric import Rubric
from scoring.rubric.definitions import NEEDS_REVIEW
from scoring.sources.problems import Problem

ACTIVE, PENDING, EXPIRED, REVOKED, NEEDS_RENEWAL = (
    "active",
    "pending",
    "expired",
    "revoked",
    "needs_renewal",
)
STATUS_LABEL = {
    ACTIVE: "Active",
    PENDING: "Not yet in force",
    EXPIRED: "Expired",
    REVOKED: "Revoked",
    NEEDS_RENEWAL: "Needs renewal",
}
NEEDS_REVIEW_NAME = "Needs review"
EXPIRED_FLAG = "decision_expired"
RENEWAL_FLAG = "decision_needs_renewal"
REVIEW_FLAG = "needs_review"
DECISION_PLAYBOOK = "playbooks/stakeholders-and-planning.md"

# The proposal fields each kind's scope reads: a change to any of them invalidates the
# decision; a change elsewhere (title, tags, links, stage, dates) does not.
SUBSTANCE = (
    "summary",
    "problem",
    "value",
    "data",
    "roles",
    "delivery",
    "risks",
    "stakes",
    "governance",
    "evidence",
)
SCOPE_FIELDS: dict[str, tuple[str, ...]] = {
    "approval": SUBSTANCE,
    "rejection": SUBSTANCE,
    "risk_acceptance": ("risks", "stakes", "governance", "data"),
    "waiver": ("stakes", "governance"),
    "pilot_exemption": ("stakes", "delivery"),
    "determination": ("stakes",),
    "closure": (),
    "revocation": (),
}


def fields_read(decision: Decision) -> tuple[str, ...]:
    """The dotted proposal fields this decision's scope reads."""
    factor = decision.scoped("risk_factor")
    if factor is not None:
        return (f"risks.factors.{factor}",)
    return SCOPE_FIELDS[decision.kind]


def scope_hash(decision: Decision, proposal: Proposal) -> str | None:
    """12 hex digits of SHA-256 over the fields the scope reads; None when it reads none."""
    read = fields_read(decision)
    if not read:
        return None
    values = [[name, proposal.get(name)] for name in read]
    text = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class DecisionState:
    """One decision at the build date."""

    decision: Decision
    status: str
    reason: str  # one sentence a reader can act on
    days_left: int | None  # until it expires (0: its last day), None when it never does

    @property
    def label(self) -> str:
        return STATUS_LABEL[self.status]


@dataclass(frozen=True)
class Granted:
    """A flag accepted or an obligation waived: by whom, until when, by which decision."""

    decision: str
    decided_by: str
    until: date | None
    record: str | None = None  # the link to the full record


@dataclass(frozen=True)
class ConditionState:
    decision: str  # the approval that sets it
    condition: Condition
    met_by: str | None  # the closure decision, when one meets it
    overdue: bool  # past due and not met

    @property
    def met(self) -> bool:
        return self.met_by is not None


@dataclass(frozen=True)
class Ledger:
    """One proposal's decisions at the build date."""

    proposal: str
    today: date
    states: tuple[DecisionState, ...] = ()
    accepted_flags: Mapping[str, Granted] = field(default_factory=dict)
    accepted_factors: Mapping[str, Granted] = field(default_factory=dict)
    waived: Mapping[str, Granted] = field(default_factory=dict)  # "profile:obligation"
    conditions: tuple[ConditionState, ...] = ()
    needs_review: tuple[str, ...] = ()  # reasons, one per condition missed
    approved_no_record: bool = False

    @property
    def open_conditions(self) -> tuple[ConditionState, ...]:
        return tuple(c for c in self.conditions if not c.met)

    @property
    def lapsed(self) -> tuple[DecisionState, ...]:
        """Acceptances, waivers and exemptions that no longer hold by themselves."""
        return tuple(
            s
            for s in self.states
            if s.decision.kind in EXPIRING and s.status in (EXPIRED, NEEDS_RENEWAL)
        )

    @property
    def empty(self) -> bool:
        return not self.states and not self.approved_no_record


def _revocations(decisions: Iterable[Decision], today: date) -> dict[str, Decision]:
    return {
        d.scoped("decision") or "": d
        for d in sorted(decisions, key=lambda d: d.date)
        if d.kind == "revocation" and d.date <= today
    }


def state_of(
    decision: Decision, proposal: Proposal | None, revoked: Mapping[str, Decision], today: date
) -> DecisionState:
    """Revoked, not yet in force, expired, needs renewal or active, in that order."""
    days_left = (decision.expires - today).days if decision.expires is not None else None
    revocation = revoked.get(decision.id)
    if revocation is not None:
        reason = f"revoked on {revocation.date} by {revocation.decided_by} ({revocation.id})"
        return DecisionState(decision, REVOKED, reason, days_left)
    if decision.date > today:
        return DecisionState(decision, PENDING, f"takes effect on {decision.date}", days_left)
    if decision.expires is not None and decision.expires < today:
        return DecisionState(decision, EXPIRED, f"expired after {decision.expires}", days_left)
    if decision.basis is not None and proposal is not None:
        now = scope_hash(decision, proposal)
        if now is not None and now != decision.basis:
            read = ", ".join(fields_read(decision))
            reason = f"the proposal's {read} changed since it was decided"
            return DecisionState(decision, NEEDS_RENEWAL, reason, days_left)
    until = f" until {decision.expires}" if decision.expires is not None else ""
    return DecisionState(decision, ACTIVE, f"in force{until}", days_left)


def ledger_for(
    proposal: Proposal | None, proposal_id: str, decisions: Sequence[Decision], today: date
) -> Ledger:
    """What ``decisions`` (about this proposal) say at ``today``."""
    revoked = _revocations(decisions, today)
    states = tuple(
        state_of(d, proposal, revoked, today)
        for d in sorted(decisions, key=lambda d: (d.date, d.id))
    )
    active = [s.decision for s in states if s.status == ACTIVE]
    flags: dict[str, Granted] = {}
    factors: dict[str, Granted] = {}
    waived: dict[str, Granted] = {}
    for d in active:
        granted = Granted(d.id, d.decided_by, d.expires, d.record)
        if d.kind == "risk_acceptance" and d.scoped("flag"):
            flags[d.scoped("flag") or ""] = granted
        elif d.kind == "risk_acceptance" and d.scoped("risk_factor"):
            factors[d.scoped("risk_factor") or ""] = granted
        elif d.kind == "waiver":
            waived[d.scoped("obligation") or ""] = granted
    closures = {
        (d.scoped("decision"), d.scoped("condition")): d.id for d in active if d.kind == "closure"
    }
    conditions: list[ConditionState] = []
    reasons: list[str] = []
    for state in states:
        d = state.decision
        if d.kind != "approval" or state.status in (REVOKED, PENDING):
            continue
        for condition in d.conditions:
            met_by = closures.get((d.id, condition.id))
            overdue = met_by is None and condition.due < today
            conditions.append(ConditionState(d.id, condition, met_by, overdue))
            if overdue:
                reasons.append(
                    f"condition '{condition.id}' of {d.id} ({condition.text}) was due on "
                    f"{condition.due} and no closure decision meets it"
                )
    stage = proposal.stage if proposal is not None else None
    approved = any(
        s.decision.kind == "approval"
        and s.decision.scoped("stage") == "approved"
        and s.status != REVOKED
        for s in states
    )
    return Ledger(
        proposal_id,
        today,
        states,
        flags,
        factors,
        waived,
        tuple(sorted(conditions, key=lambda c: (c.condition.due, c.decision))),
        tuple(reasons),
        stage == "approved" and not approved,
    )


@dataclass(frozen=True)
class DecisionRegister:
    """Every valid decision of a site and the build date they are read at."""

    decisions: tuple[Decision, ...]
    today: date
    problems: tuple[Problem, ...] = ()  # of the decision files, shown on the decisions page
    review_name: str = NEEDS_REVIEW_NAME  # the rubric's name for the state (`states`)
    _ledgers: dict[str, Ledger] = field(default_factory=dict, compare=False, repr=False)

    def about(self, proposal_id: str) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.proposal == proposal_id)

    def ledger(self, proposal: Proposal) -> Ledger:
        found = self._ledgers.get(proposal.id)
        if found is None:
            found = ledger_for(proposal, proposal.id, self.about(proposal.id), self.today)
            self._ledgers[proposal.id] = found
        return found

    def obligation_waivers(self, proposals: Iterable[Proposal]) -> dict[str, dict[str, str]]:
        """Waivers in force, for the obligations module: proposal id → {"profile:obligation":
        what the record says}. A waiver that expired, was revoked or needs renewal is not
        there, so its obligation counts again."""
        found: dict[str, dict[str, str]] = {}
        for proposal in proposals:
            waived = self.ledger(proposal).waived
            if waived:
                found[proposal.id] = {
                    key: f"waived by {g.decided_by}"
                    + (f" until {g.until}" if g.until else "")
                    + f" ({g.decision})"
                    for key, g in sorted(waived.items())
                }
        return found

    def key_for(self, proposal_id: str) -> str:
        """What a cached proposal page's decisions block depends on besides the proposal."""
        return repr((self.today.isoformat(), self.about(proposal_id)))

    def adjust_flags(self, proposal: Proposal, flags: list[Flag]) -> list[Flag]:
        """The proposal's flags as its decisions leave them: accepted ones out, expired
        decisions, decisions needing renewal and missed conditions in."""
        ledger = self.ledger(proposal)
        kept = [f for f in flags if f.id not in ledger.accepted_flags]
        kept += decision_flags(ledger, self.review_name)
        return sorted(kept, key=lambda f: (SEVERITY_ORDER[f.severity], f.id))


def decision_flags(ledger: Ledger, review_name: str = NEEDS_REVIEW_NAME) -> list[Flag]:
    found: list[Flag] = []
    for state in ledger.lapsed:
        d = state.decision
        kind = d.kind.replace("_", " ")
        if state.status == EXPIRED:
            found.append(
                Flag(
                    EXPIRED_FLAG,
                    "red",
                    f"Expired decision: {kind} of {d.subject}",
                    f"The {kind} of {d.subject} decided by {d.decided_by} ({d.id}) held until "
                    f"{d.expires}; what it covered is open again until a new decision "
                    "renews it.",
                    DECISION_PLAYBOOK,
                )
            )
        else:
            found.append(
                Flag(
                    RENEWAL_FLAG,
                    "high",
                    f"Decision needs renewal: {kind} of {d.subject}",
                    f"The {kind} {d.id} no longer holds: {state.reason}. Ask "
                    f"{d.decided_by} or another decider to renew it.",
                    DECISION_PLAYBOOK,
                )
            )
    for reason in ledger.needs_review:
        found.append(
            Flag(
                REVIEW_FLAG,
                "high",
                f"{review_name}: a condition of its approval was missed",
                f"The {reason[0].lower()}{reason[1:]}. Record a closure decision when the "
                "condition is met, or revoke the approval.",
                DECISION_PLAYBOOK,
            )
        )
    return found


def as_json(ledger: Ledger, *, names: bool = True) -> dict[str, Any]:
    """The ledger for `score --format json` and the downloads; ``names=False`` drops the
    requesters' and deciders' names (personal data) for a public site."""

    def who(value: str) -> str | None:
        return value if names else None

    return {
        "needs_review": list(ledger.needs_review),
        "approved_no_record": ledger.approved_no_record,
        "accepted_flags": {
            k: {"decision": g.decision, "decided_by": who(g.decided_by), "until": _iso(g.until)}
            for k, g in sorted(ledger.accepted_flags.items())
        },
        "waived": {
            k: {"decision": g.decision, "decided_by": who(g.decided_by), "until": _iso(g.until)}
            for k, g in sorted(ledger.waived.items())
        },
        "open_conditions": [
            {
                "decision": c.decision,
                "id": c.condition.id,
                "text": c.condition.text,
                "due": c.condition.due.isoformat(),
                "overdue": c.overdue,
            }
            for c in ledger.open_conditions
        ],
        "decisions": [
            {
                "id": s.decision.id,
                "kind": s.decision.kind,
                "subject": s.decision.subject,
                "status": s.status,
                "reason": s.reason,
                "date": s.decision.date.isoformat(),
                "expires": _iso(s.decision.expires),
                "requested_by": who(s.decision.requested_by),
                "decided_by": who(s.decision.decided_by),
                "record": s.decision.record,
            }
            for s in ledger.states
        ],
    }


def rules_for(rubric: Rubric, intake: Intake, deciders: Collection[str] = ()) -> DecisionRules:
    """What decisions are checked against: the rubric's flags and risk factors, the ids of
    the proposals found (valid or not) and the site's deciders."""
    return DecisionRules(
        deciders=tuple(deciders),
        flags=frozenset(
            [f.id for f in rubric.flags]
            + [c.id for c in rubric.caps]
            + [EXPIRED_FLAG, RENEWAL_FLAG, REVIEW_FLAG]
        ),
        risk_factors=frozenset(f.id for f in rubric.risk_factors),
        proposals=frozenset([p.id for p in intake.proposals] + [bad.id for bad in intake.invalid]),
        obligations=builtin_obligations(rubric),
    )


def builtin_obligations(rubric: Rubric) -> frozenset[str]:
    """Every "profile:obligation" of the profiles that ship with Sweetspot."""
    try:
        profiles = load_profiles(builtin_ids(), rubric)
    except ProfileError:  # a broken built-in profile is reported where it is enabled
        return frozenset()
    return frozenset(f"{p.id}:{o.id}" for p in profiles for o in p.obligations)


WITHHELD_NAME = "name withheld"


def withheld_names(decision: Decision) -> Decision:
    """The decision as a public build shows it: who asked and who decided are personal
    data, and the record link leads to internal minutes."""
    return replace(decision, requested_by=WITHHELD_NAME, decided_by=WITHHELD_NAME, record=None)


def read_register(
    folder: Path,
    rubric: Rubric,
    intake: Intake,
    today: date,
    deciders: Collection[str] = (),
    root: Path | None = None,
    public: bool = False,
) -> DecisionRegister | None:
    """The valid decisions of ``folder`` at ``today``, with every problem found in its
    files; None when there is no such folder (a symlink is refused as no folder)."""
    if folder.is_symlink():  # it could point anywhere on the build machine
        refused = Problem(
            str(folder),
            0,
            0,
            "",
            "the decisions folder is a symlink and is not read; commit the folder itself",
            "symlink",
        )
        return DecisionRegister((), today, (refused,), rubric.state_name(NEEDS_REVIEW))
    if not folder.is_dir():
        return None
    loaded = load_decisions([folder], rules_for(rubric, intake, deciders), root)
    kept = [withheld_names(d) for d in loaded.decisions] if public else loaded.decisions
    return DecisionRegister(
        tuple(kept),
        today,
        tuple(loaded.problems),
        rubric.state_name(NEEDS_REVIEW),
    )


def decision_columns(ledgers: Sequence[Ledger | None]) -> dict[str, list[str]]:
    """Columns for the CSV download and `score --format csv`: what each proposal's decisions
    say, without the names of who asked and who decided."""

    def joined(ledger: Ledger | None, part: str) -> str:
        if ledger is None:
            return ""
        if part == "needs_review":
            return "; ".join(ledger.needs_review)
        if part == "open_conditions":
            return "; ".join(
                f"{c.condition.id} due {c.condition.due}" for c in ledger.open_conditions
            )
        granted = ledger.accepted_flags if part == "accepted_flags" else ledger.waived
        return "; ".join(
            f"{key} until {g.until}" if g.until else key for key, g in sorted(granted.items())
        )

    parts = ("needs_review", "open_conditions", "accepted_flags", "waived")
    return {f"decisions_{part}": [joined(ledger, part) for ledger in ledgers] for part in parts}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


__all__ = [
    "ACTIVE",
    "EXPIRED",
    "NEEDS_RENEWAL",
    "PENDING",
    "REVOKED",
    "ConditionState",
    "DecisionRegister",
    "DecisionState",
    "Granted",
    "Ledger",
    "as_json",
    "decision_columns",
    "fields_read",
    "ledger_for",
    "read_register",
    "rules_for",
    "scope_hash",
    "state_of",
]
