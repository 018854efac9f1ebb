"""What a governance officer reads first, per enabled regime: the gaps (systems in
production that fall short of a required practice), determinations still needing grounds,
waivers a register reports without a record, what falls due in the next twelve months,
what the register leaves unreported, and the same by organisation unit.

Plain data from the scored portfolio (each card's ``compliance``); the page module turns
it into links and HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from scoring.model.obligations import (
    COMPLIANCE_STATES,
    STATE_LABELS,
    STATE_MEANINGS,
    ComplianceContext,
    ObligationStatus,
    Profile,
    RegimeCompliance,
)
from scoring.model.obligations.status import NO_RECORD
from scoring.model.scorecard import ScoreCard
from scoring.portfolio.orgunits import likely_high, unit_path
from scoring.proposals.proposal import INACTIVE_STAGES
from scoring.site.grouping_view import card_order

CLASSES = ("high", "limited", "minimal", "unassessed")
HORIZON_DAYS = 365  # "what falls due in the next 12 months"
EXPIRING_DAYS = 90  # recorded waivers and acceptances that lapse soon


@dataclass(frozen=True)
class Entry:
    """One use case under one regime."""

    card: ScoreCard
    regime: RegimeCompliance

    @property
    def unit(self) -> tuple[str, ...]:
        return unit_path(self.card.proposal)


@dataclass(frozen=True)
class GapEntry:
    entry: Entry
    gaps: tuple[ObligationStatus, ...]
    severity: str  # the worst flag the gaps raise: red or high ("" when none)


@dataclass(frozen=True)
class DueGroup:
    """One obligation falling due on one date, with the use cases it binds that have not
    met it yet."""

    due: date
    text: str
    rule: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class UnitCounts:
    name: str
    path: tuple[str, ...]
    use_cases: int
    in_production: int
    high: int
    likely_high: int
    gaps: int
    waived: int
    not_reported: int


@dataclass(frozen=True)
class RegimeView:
    profile: Profile
    as_of: date
    total: int  # active use cases judged
    by_outcome: tuple[tuple[str, int], ...]  # determination label -> use cases
    by_state: tuple[tuple[str, str, str, int], ...]  # state, label, meaning, use cases
    by_class: tuple[tuple[str, int, int, int], ...]  # class, declared, assessed, suggested
    gaps: tuple[GapEntry, ...]
    needs_grounds: tuple[Entry, ...]  # both kinds below, each use once
    waived_no_record: tuple[tuple[Entry, tuple[ObligationStatus, ...]], ...]
    due: tuple[DueGroup, ...]
    not_reported: tuple[tuple[str, str, int], ...]  # obligation text, rule, use cases
    units: tuple[UnitCounts, ...]
    # Recorded waivers (of this regime's obligations) and risk acceptances that lapse within
    # EXPIRING_DAYS of the build date: (use case, what, decided by, expires, days left).
    expiring: tuple[tuple[Entry, str, str, date, int], ...] = ()

    @property
    def exceptions_claimed(self) -> tuple[Entry, ...]:
        """Outcomes that claim an exception from a higher class (an Art. 6(3) condition, a
        presumption of high impact rebutted): the rule itself asks for written grounds."""
        return tuple(e for e in self.needs_grounds if e.regime.determination.claims_exception)

    @property
    def below_suggested(self) -> tuple[Entry, ...]:
        """Uses declared in a class below the one their own words suggest, claiming no
        exception: the declaration, not the rule, is what needs its grounds."""
        return tuple(e for e in self.needs_grounds if not e.regime.determination.claims_exception)


def regime_views(cards: Sequence[ScoreCard], context: ComplianceContext) -> list[RegimeView]:
    """One view per enabled regime, in the order the site enables them."""
    active = [c for c in cards if c.proposal.stage not in INACTIVE_STAGES]
    views = []
    for profile in context.profiles:
        profile_id = profile.id
        entries = [
            Entry(card, regime)
            for card in sorted(active, key=card_order)
            for regime in card.compliance
            if regime.profile.id == profile_id
        ]
        views.append(regime_view(profile, entries, context.as_of))
    return views


def regime_view(profile: Profile, entries: Sequence[Entry], as_of: date) -> RegimeView:
    outcomes: dict[str, int] = {}
    states = {s: 0 for s in COMPLIANCE_STATES}
    for e in entries:
        label = e.regime.determination.label
        outcomes[label] = outcomes.get(label, 0) + 1
        states[e.regime.state] += 1
    return RegimeView(
        profile=profile,
        as_of=as_of,
        total=len(entries),
        by_outcome=tuple(sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_state=tuple((s, STATE_LABELS[s], STATE_MEANINGS[s], n) for s, n in states.items() if n),
        by_class=class_counts(entries),
        gaps=gap_entries(entries),
        needs_grounds=tuple(e for e in entries if e.regime.determination.needs_grounds),
        waived_no_record=tuple(
            (e, waived)
            for e in entries
            if (waived := tuple(o for o in e.regime.obligations if o.note == NO_RECORD))
        ),
        due=due_groups(entries, as_of),
        not_reported=not_reported(entries),
        units=unit_counts(entries),
        expiring=expiring_decisions(profile, entries),
    )


def expiring_decisions(
    profile: Profile, entries: Sequence[Entry]
) -> tuple[tuple[Entry, str, str, date, int], ...]:
    """Active waivers of this regime's obligations, and risk acceptances, that expire within
    EXPIRING_DAYS of the build date, soonest first."""
    found = []
    for e in entries:
        ledger = e.card.ledger
        if ledger is None:
            continue
        for state in ledger.states:
            d = state.decision
            if state.status != "active" or d.expires is None or state.days_left is None:
                continue
            if state.days_left > EXPIRING_DAYS:
                continue
            obligation = d.scoped("obligation")
            if d.kind == "waiver" and obligation and obligation.startswith(f"{profile.id}:"):
                what = f"waiver of {obligation.split(':', 1)[1].replace('-', ' ')}"
            elif d.kind == "risk_acceptance":
                what = f"acceptance of {d.subject}"
            else:
                continue
            found.append((e, what, d.decided_by, d.expires, state.days_left))
    return tuple(sorted(found, key=lambda x: (x[3], x[0].card.proposal.id)))


def class_counts(entries: Sequence[Entry]) -> tuple[tuple[str, int, int, int], ...]:
    """Per class: how many use cases declare it, are assessed in it, and have words that
    suggest it (the three can disagree; that is what a reviewer looks at)."""
    declared = {c: 0 for c in CLASSES}
    assessed = {c: 0 for c in CLASSES}
    suggested = {c: 0 for c in CLASSES}
    for e in entries:
        card = e.card
        said = card.proposal.get("stakes.declared_class")
        if said in declared:
            declared[said] += 1
        assessed[card.risk_class] = assessed.get(card.risk_class, 0) + 1
        words = card.suggestion.risk_class if card.suggestion else None
        if words in suggested:
            suggested[words] += 1
    return tuple((c, declared[c], assessed[c], suggested[c]) for c in CLASSES)


def gap_entries(entries: Sequence[Entry]) -> tuple[GapEntry, ...]:
    """Use cases with a gap: red-flagged first, systems in production before those in other
    stages, then the most gaps, then by priority."""
    found = []
    for e in entries:
        gaps = e.regime.gaps
        if not gaps:
            continue
        flags = {o.flag for o in gaps if o.flag}
        severity = "red" if "red" in flags else "high" if "high" in flags else ""
        found.append(GapEntry(e, gaps, severity))
    rank = {"red": 0, "high": 1, "": 2}
    return tuple(
        sorted(
            found,
            key=lambda g: (
                rank[g.severity],
                g.entry.card.proposal.stage != "production",
                -len(g.gaps),
            ),
        )
    )


def due_groups(entries: Sequence[Entry], as_of: date) -> tuple[DueGroup, ...]:
    """What falls due from the build date to a year after it, and is not met yet."""
    until = as_of + timedelta(days=HORIZON_DAYS)
    groups: dict[tuple[date, str, str], list[Entry]] = {}
    for e in entries:
        for item in e.regime.obligations:
            if item.due is None or item.status in ("met", "not_applicable", "waived"):
                continue
            if as_of <= item.due <= until:
                key = (item.due, item.obligation.text, item.obligation.rule)
                groups.setdefault(key, []).append(e)
    return tuple(
        DueGroup(due, text, rule, tuple(members))
        for (due, text, rule), members in sorted(groups.items(), key=lambda kv: kv[0])
    )


def not_reported(entries: Sequence[Entry]) -> tuple[tuple[str, str, int], ...]:
    counts: dict[tuple[str, str], int] = {}
    for e in entries:
        for item in e.regime.obligations:
            if item.status == "not_reported":
                key = (item.obligation.text, item.obligation.rule)
                counts[key] = counts.get(key, 0) + 1
    return tuple(
        (text, rule, n) for (text, rule), n in sorted(counts.items(), key=lambda kv: -kv[1])
    )


def unit_counts(entries: Sequence[Entry]) -> tuple[UnitCounts, ...]:
    """The roll-up by top-level unit, units with gaps first."""
    by_unit: dict[tuple[str, ...], list[Entry]] = {}
    for e in entries:
        by_unit.setdefault(e.unit[:1], []).append(e)
    rows = []
    for path, members in by_unit.items():
        rows.append(
            UnitCounts(
                name=path[0] if path else "No unit named",
                path=path,
                use_cases=len(members),
                in_production=sum(e.card.proposal.stage == "production" for e in members),
                high=sum(e.card.risk_class == "high" for e in members),
                likely_high=sum(likely_high(e.card) for e in members),
                gaps=sum(bool(e.regime.gaps) for e in members),
                waived=sum(
                    any(o.status == "waived" for o in e.regime.obligations) for e in members
                ),
                not_reported=sum(
                    any(o.status == "not_reported" for o in e.regime.obligations) for e in members
                ),
            )
        )
    return tuple(sorted(rows, key=lambda u: (-u.gaps, -u.in_production, u.name.casefold())))


__all__ = [
    "DueGroup",
    "Entry",
    "GapEntry",
    "RegimeView",
    "UnitCounts",
    "regime_views",
]
