"""The decisions page (#29): what leaders decided about the proposals and where each
decision stands at the build date: Needs review, conditions due, decisions expiring within
90 days, expired or needing renewal, active ones by kind, and approvals without a record."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from markupsafe import Markup

from scoring.model.decisions import (
    ACTIVE,
    EXPIRED,
    NEEDS_RENEWAL,
    ConditionState,
    DecisionState,
    Ledger,
)
from scoring.model.obligations import default_context
from scoring.portfolio.orgunits import slugify
from scoring.proposals.decisions import KINDS
from scoring.site.pages.blocks import GeneratedPage, front_matter
from scoring.site.pages.context import SiteContext

EXPIRING_WITHIN = timedelta(days=90)  # the governance view's horizon for renewals


@dataclass(frozen=True)
class DecisionRow:
    proposal_id: str
    title: str
    state: DecisionState


@dataclass(frozen=True)
class ConditionRow:
    proposal_id: str
    title: str
    condition: ConditionState
    days: int  # until due; negative when overdue


def decisions_view(ledgers: list[tuple[str, str, Ledger]], today: date) -> dict[str, Any]:
    """The page's sections from each proposal's (id, title, ledger)."""
    rows = [DecisionRow(pid, title, s) for pid, title, ledger in ledgers for s in ledger.states]
    horizon = today + EXPIRING_WITHIN
    active = [r for r in rows if r.state.status == ACTIVE]
    return {
        "today": today,
        "review": [
            (pid, title, ledger.needs_review)
            for pid, title, ledger in ledgers
            if ledger.needs_review
        ],
        "conditions": sorted(
            (
                ConditionRow(pid, title, c, (c.condition.due - today).days)
                for pid, title, ledger in ledgers
                for c in ledger.open_conditions
            ),
            key=lambda c: (c.condition.condition.due, c.proposal_id),
        ),
        "expiring": sorted(
            (
                r
                for r in active
                if r.state.decision.expires is not None and r.state.decision.expires <= horizon
            ),
            key=lambda r: (r.state.decision.expires, r.proposal_id),
        ),
        "lapsed": [r for r in rows if r.state.status in (EXPIRED, NEEDS_RENEWAL)],
        "by_kind": [
            (kind, [r for r in active if r.state.decision.kind == kind])
            for kind in KINDS
            if any(r.state.decision.kind == kind for r in active)
        ],
        "other": [r for r in rows if r.state.status not in (ACTIVE, EXPIRED, NEEDS_RENEWAL)],
        "no_record": [(pid, title) for pid, title, ledger in ledgers if ledger.approved_no_record],
        "people": _people(rows, horizon),
        "by_person": _by_person(rows),
        "count": len(rows),
    }


def person_anchor(name: str) -> Markup:
    """A stable anchor for a person's section (names repeat across builds). A slug of
    [a-z0-9-] only, so marked safe: the Markdown escaper would put backslashes in it, and
    MkDocs would then not find the heading's id."""
    return Markup("person-" + slugify(name, "person"))


def _by_person(
    rows: list[DecisionRow],
) -> list[tuple[str, str, list[DecisionRow], list[DecisionRow]]]:
    """Per person: the decisions they took and the requests they made, each newest first:
    the page's filter by decider and by requester, as links that need no JavaScript."""
    names = sorted(
        {r.state.decision.decided_by for r in rows} | {r.state.decision.requested_by for r in rows},
        key=str.casefold,
    )

    def newest(found: list[DecisionRow]) -> list[DecisionRow]:
        return sorted(found, key=lambda r: (r.state.decision.date, r.proposal_id), reverse=True)

    return [
        (
            name,
            person_anchor(name),
            newest([r for r in rows if r.state.decision.decided_by == name]),
            newest([r for r in rows if r.state.decision.requested_by == name]),
        )
        for name in names
    ]


def _people(rows: list[DecisionRow], horizon: date) -> list[tuple[str, int, int, int, int]]:
    """Per decider: active decisions, those expiring within the horizon, those expired or
    needing renewal, and requests of theirs decided by others (the page's people filter,
    readable without JavaScript)."""
    names = sorted(
        {r.state.decision.decided_by for r in rows} | {r.state.decision.requested_by for r in rows},
        key=str.casefold,
    )
    table = []
    for name in names:
        decided = [r.state for r in rows if r.state.decision.decided_by == name]
        table.append(
            (
                name,
                sum(1 for s in decided if s.status == ACTIVE),
                sum(
                    1
                    for s in decided
                    if s.status == ACTIVE
                    and s.decision.expires is not None
                    and s.decision.expires <= horizon
                ),
                sum(1 for s in decided if s.status in (EXPIRED, NEEDS_RENEWAL)),
                sum(1 for r in rows if r.state.decision.requested_by == name),
            )
        )
    return table


def _table_renderer(ctx: SiteContext, page: str) -> Callable[[str, Sequence[Any]], Markup]:
    """Renders one of the page's tables as HTML (site_templates/fragments/
    decisions_tables.html.j2), so that on a phone its rows become labelled cards."""

    def table(section: str, rows: Sequence[Any]) -> Markup:
        return ctx.render_html(
            "decisions_tables.html.j2",
            page,
            section=section,
            rows=rows,
            within_days=EXPIRING_WITHIN.days,
            anchor=person_anchor,
            proposal_url=lambda pid: ctx.url(page, ctx.proposal_path(pid)),
        )

    return table


def decisions_page(ctx: SiteContext) -> list[GeneratedPage]:
    """The page, always made (so a navigation can link to it): without a decisions folder
    it says where decisions go."""
    register = ctx.portfolio.decisions
    page = ctx.path("decisions/index.md")
    if register is None:
        body = ctx.render(
            "decisions.md.j2",
            page,
            **decisions_view([], (ctx.portfolio.context or default_context(ctx.rubric)).as_of),
            problems=(),
            table=_table_renderer(ctx, page),
            proposal_link=lambda pid: ctx.link(page, ctx.proposal_path(pid)),
            within_days=EXPIRING_WITHIN.days,
            no_folder=True,
            anchor=person_anchor,
        )
        return [GeneratedPage(page, front_matter({"title": "Decisions"}) + body)]
    ledgers = [
        (card.proposal.id, card.proposal.title, card.ledger)
        for card in ctx.portfolio.cards
        if card.ledger is not None
    ]
    body = ctx.render(
        "decisions.md.j2",
        page,
        **decisions_view(ledgers, register.today),
        table=_table_renderer(ctx, page),
        problems=register.problems,
        proposal_link=lambda pid: ctx.link(page, ctx.proposal_path(pid)),
        within_days=EXPIRING_WITHIN.days,
        no_folder=False,
        anchor=person_anchor,
    )
    return [GeneratedPage(page, front_matter({"title": "Decisions"}) + body)]


__all__ = ["decisions_page", "decisions_view"]
