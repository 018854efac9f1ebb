"""Organisation units: filter by unit, and roll the portfolio up each level of the hierarchy.

A proposal's unit is its ``org`` path, e.g. [Department of Energy, Office of Science]. A
unit's roll-up counts every proposal at it or below it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from scoring.model.scorecard import ScoreCard, ScoredPortfolio
from scoring.portfolio.currencies import TotalsAdder
from scoring.proposals.proposal import INACTIVE_STAGES, STAGES, Intake, Proposal
from scoring.rubric import RISK_CLASSES, STATES

SEPARATOR = " / "


def unit_path(proposal: Proposal) -> tuple[str, ...]:
    org = proposal.get("org")
    return tuple(str(part) for part in org) if isinstance(org, list) else ()


def parse_unit(text: str) -> tuple[str, ...]:
    """'Department of Energy / Office of Science' (or with '/' alone) as a path."""
    return tuple(part.strip() for part in text.split("/") if part.strip())


def in_unit(path: Sequence[str], unit: Sequence[str]) -> bool:
    """Whether a proposal's path lies in ``unit``: the unit is a prefix of the path, or a
    single name equal to any level of it (so 'Office of Science' finds it wherever it is)."""
    folded = [p.casefold() for p in path]
    wanted = [u.casefold() for u in unit]
    if not wanted:
        return True
    if folded[: len(wanted)] == wanted:
        return True
    return len(wanted) == 1 and wanted[0] in folded


def filter_intake(
    intake: Intake, unit: Sequence[str], invalid_paths: dict[str, tuple[str, ...]] | None = None
) -> Intake:
    """The proposals of one unit. Invalid files are kept when their ``org`` (read by the
    caller into ``invalid_paths``) lies in the unit, so their problems are still shown."""
    kept = Intake()
    kept.proposals = [p for p in intake.proposals if in_unit(unit_path(p), unit)]
    paths = invalid_paths or {}
    kept.invalid = [bad for bad in intake.invalid if in_unit(paths.get(bad.file, ()), unit)]
    return kept


def with_org(portfolio: ScoredPortfolio) -> pd.DataFrame:
    """The portfolio table with an ``org`` column (the unit path) after ``team``."""
    frame = portfolio.frame.copy()
    paths = {c.proposal.id: SEPARATOR.join(unit_path(c.proposal)) for c in portfolio.cards}
    frame.insert(
        list(frame.columns).index("team") + 1, "org", [paths.get(str(i), "") for i in frame.index]
    )
    return frame


@dataclass(frozen=True)
class UnitStats:
    count: int
    active: int
    by_stage: tuple[tuple[str, int], ...]
    by_state: tuple[tuple[str, int], ...]  # quadrants, and needs_information
    by_risk_class: tuple[tuple[str, int], ...]
    flags: int
    red_flags: int
    with_red_flags: int
    declared_high: int  # declared high-risk by the inventory (stakes.declared_class)
    annual_value: float | None  # active proposals, in the site's currency; None: unknown
    mean_priority: float


@dataclass
class UnitNode:
    name: str
    path: tuple[str, ...]
    slug: str  # the page path below units/, e.g. department-of-energy/office-of-science
    children: list[UnitNode] = field(default_factory=list)
    direct: list[ScoreCard] = field(default_factory=list)
    cards: list[ScoreCard] = field(default_factory=list)
    stats: UnitStats | None = None
    rollup: Rollup | None = None
    label: str = ""  # the name to show: an abbreviation gets its parent's name beside it

    def walk(self) -> Iterable[UnitNode]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Rollup:
    """What a leader reads at each level of a grouping (team, stage, unit): every count but
    ``count`` covers active proposals only, so the state counts add up to ``active``."""

    count: int  # every proposal, retired and rejected included
    active: int
    by_state: tuple[tuple[str, int], ...]  # every state in order, zeros included
    by_stage: tuple[tuple[str, int], ...]  # every proposal, stages with none left out
    red_flagged: int  # active proposals with at least one red flag
    high_class: int  # active proposals whose assessed risk class is high
    # Active proposals, in the site's currency (converted where a rate is given); None when
    # no such amount is known, which a page shows as unknown, never as 0.
    annual_value: float | None
    mean_priority: float | None  # over active proposals; None when there are none
    # Amounts in currencies no exchange rate converts, summed per currency.
    other_values: tuple[tuple[str, float], ...] = ()
    in_production: int = 0  # what a register's keepers count first: systems running now
    # Active proposals not classed high whose own words suggest the high class (or a class
    # above the one declared): "Likely high" on their pages.
    likely_high: int = 0
    # Active proposals with a compliance gap (a required practice missing in production, or
    # past its due date) under any enabled regime, and with a practice waived.
    gaps: int = 0
    waived: int = 0
    decided: int = 0  # with at least one decision on record in force (scoring/model/decisions)
    needs_review: int = 0  # with a condition of its approval past due and not met
    changed: int = 0  # that moved since the history's start date (the What changed page)


def likely_high(card: ScoreCard) -> bool:
    """Not classed high, but its own words suggest the high class (or a class above the one
    declared): "Likely high" on its page and in every roll-up."""
    return card.risk_class != "high" and card.risk_story.likely == "high"


def has_gap(card: ScoreCard) -> bool:
    """A compliance gap under any enabled regime."""
    return any(regime.gaps for regime in card.compliance)


def rollup_for(
    cards: Sequence[ScoreCard],
    currency: str,
    rates: Mapping[str, float] | None = None,
    moved: Collection[str] = (),
) -> Rollup:
    states = {q: 0 for q in STATES}
    stages = {s: 0 for s in STAGES}
    red = high = running = likely = gaps = waived = decided = review = changed = 0
    priority = 0.0
    values = TotalsAdder(currency, rates or {})
    active = 0
    for card in cards:
        p = card.proposal
        stages[p.stage] = stages.get(p.stage, 0) + 1
        if p.stage in INACTIVE_STAGES:
            continue
        active += 1
        states[card.state] = states.get(card.state, 0) + 1
        red += any(f.severity == "red" for f in card.flags)
        high += card.risk_class == "high"
        running += p.stage == "production"
        likely += likely_high(card)
        gaps += has_gap(card)
        waived += any(o.status == "waived" for r in card.compliance for o in r.obligations)
        ledger = card.ledger
        decided += ledger is not None and any(s.status == "active" for s in ledger.states)
        review += ledger is not None and bool(ledger.needs_review)
        changed += p.id in moved
        priority += card.priority
        values.add(p.get("value.annual_value"), p.get("value.currency"))
    totals = values.totals()
    return Rollup(
        len(cards),
        active,
        tuple(states.items()),
        tuple((s, n) for s, n in stages.items() if n),
        red,
        high,
        totals.main,
        round(priority / active, 1) if active else None,
        totals.others,
        in_production=running,
        likely_high=likely,
        gaps=gaps,
        waived=waived,
        decided=decided,
        needs_review=review,
        changed=changed,
    )


# A slug ending like this would take the place of another page's second page.
_PAGE_SUFFIX = re.compile(r"-page-[0-9]+$")


def slugify(text: str, fallback: str = "unit") -> str:
    """A lowercase ASCII slug safe as a file name: never empty, never 'index' (which would
    take the place of its folder's page) and never ending like a page number."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    slug = slug or fallback
    if slug == "index" or _PAGE_SUFFIX.search(slug):
        return f"{slug}-{fallback}"
    return slug


def unique_slugs(names: Iterable[str], fallback: str) -> dict[str, str]:
    """A distinct slug per name, in name order: the second 'R&D' / 'R D' gets -2, and so
    on, skipping any slug another name already has."""
    used: set[str] = set()
    found: dict[str, str] = {}
    for name in sorted(set(names)):
        base = slugify(name, fallback)
        slug, n = base, 1
        while slug in used:
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        found[name] = slug
    return found


def stats_for(
    cards: Sequence[ScoreCard], currency: str, rates: Mapping[str, float] | None = None
) -> UnitStats:
    stages = {s: 0 for s in STAGES}
    states = {q: 0 for q in STATES}
    classes = {c: 0 for c in RISK_CLASSES}
    flags = red = with_red = high = 0
    values = TotalsAdder(currency, rates or {})
    active = 0
    for card in cards:
        p = card.proposal
        stages[p.stage] = stages.get(p.stage, 0) + 1
        states[card.state] = states.get(card.state, 0) + 1
        classes[card.risk_class] = classes.get(card.risk_class, 0) + 1
        flags += len(card.flags)
        reds = sum(1 for f in card.flags if f.severity == "red")
        red += reds
        with_red += bool(reds)
        high += p.get("stakes.declared_class") == "high"
        if p.stage not in INACTIVE_STAGES:
            active += 1
            values.add(p.get("value.annual_value"), p.get("value.currency"))
    mean = sum(c.priority for c in cards) / len(cards) if cards else 0.0
    return UnitStats(
        len(cards),
        active,
        tuple((s, n) for s, n in stages.items() if n),
        tuple((q, n) for q, n in states.items() if n),
        tuple((c, n) for c, n in classes.items() if n),
        flags,
        red,
        with_red,
        high,
        values.totals().main,
        round(mean, 1),
    )


def looks_abbreviated(name: str) -> bool:
    """Whether a unit's name is only an abbreviation ('CBP', 'FAA AFN', 'OCIO/CTO'): no
    lower-case letter and short. Such a name says little on its own."""
    letters = [ch for ch in name if ch.isalpha()]
    return bool(letters) and len(name) <= 24 and not any(ch.islower() for ch in letters)


def unit_label(name: str, parent: str | None) -> str:
    """A unit's name as pages show it: an abbreviation with its parent's full name
    ('CBP (Department of Homeland Security)'), any other name as it is."""
    if parent and looks_abbreviated(name):
        return f"{name} ({parent})"
    return name


def unit_tree(
    portfolio: ScoredPortfolio,
    currency: str,
    rates: Mapping[str, float] | None = None,
    moved: Collection[str] = (),
) -> list[UnitNode]:
    """The top-level units, each with its sub-units and roll-up; empty when no proposal
    names a unit."""
    roots: dict[str, UnitNode] = {}
    for card in sorted(portfolio.cards, key=lambda c: c.proposal.id):
        path = unit_path(card.proposal)
        if not path:
            continue
        level = roots
        node: UnitNode | None = None
        for depth, name in enumerate(path):
            if name not in level:
                parent_slug = node.slug + "/" if node else ""
                level[name] = UnitNode(name, path[: depth + 1], "")
                level[name].slug = parent_slug + slugify(name)
                if node is not None:
                    node.children.append(level[name])
            node = level[name]
            node.cards.append(card)
            level = {child.name: child for child in node.children}
        if node is not None:
            node.direct.append(card)
    ordered = sorted(roots.values(), key=lambda n: n.name.casefold())
    for root in ordered:
        _dedupe_slugs(root)
        root.label = root.name
        for node in root.walk():
            node.children.sort(key=lambda n: n.name.casefold())
            node.stats = stats_for(node.cards, currency, rates)
            node.rollup = rollup_for(node.cards, currency, rates, moved)
            for child in node.children:
                child.label = unit_label(child.name, _spelt_out(node))
    _dedupe_top(ordered)
    return ordered


def _spelt_out(node: UnitNode) -> str:
    """A unit's name with what it needs to be understood: 'CBP, Department of Homeland
    Security' for an abbreviation whose label named its parent."""
    if node.label.startswith(f"{node.name} (") and node.label.endswith(")"):
        return f"{node.name}, {node.label[len(node.name) + 2 : -1]}"
    return node.name


def _dedupe_top(nodes: list[UnitNode]) -> None:
    _dedupe_siblings(nodes)


def _dedupe_slugs(node: UnitNode) -> None:
    """Two sibling names with the same slug ('R&D', 'R D') get -2, -3 ... in name order,
    skipping any slug a sibling already has ('R D 2')."""
    _dedupe_siblings(node.children)
    for child in node.children:
        _dedupe_slugs(child)


def _dedupe_siblings(nodes: list[UnitNode]) -> None:
    used = {n.slug for n in nodes}
    seen: set[str] = set()
    for node in sorted(nodes, key=lambda n: n.name):
        if node.slug not in seen:
            seen.add(node.slug)
            continue
        base, n = node.slug, 2
        while f"{base}-{n}" in used:
            n += 1
        _reslug(node, f"{base}-{n}")
        used.add(node.slug)
        seen.add(node.slug)


def _reslug(node: UnitNode, slug: str) -> None:
    old = node.slug
    for descendant in node.walk():
        descendant.slug = slug + descendant.slug[len(old) :]
