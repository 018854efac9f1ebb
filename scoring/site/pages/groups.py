"""Proposals by team, by stage and by organisation unit: an index of the groups with a
roll-up each, and a page per group with its roll-up and its proposals, all paged."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from scoring.model.scorecard import ScoreCard
from scoring.portfolio.orgunits import UnitNode, rollup_for, unique_slugs, unit_tree
from scoring.proposals.proposal import STAGES
from scoring.rubric import STATES
from scoring.site.grouping_view import card_order, gaps_first, group_row, proposal_row
from scoring.site.pager import Page, pager_links, paginate
from scoring.site.pages.blocks import GeneratedPage, front_matter
from scoring.site.pages.context import SiteContext
from scoring.site.pages.history import history_of


def group_pages(ctx: SiteContext, by: str) -> list[GeneratedPage]:
    """``portfolio/by-team.md`` (or by-stage): an index of the groups with a roll-up
    each, largest team first (stages in life order), then a page per group with its
    roll-up and its proposals. Both are paged beyond PAGE_SIZE rows."""
    cards = ctx.portfolio.cards
    currency = ctx.summary.currency
    rates = ctx.summary.exchange_rates
    moved = moved_ids(ctx)
    show = optional_columns(ctx, moved)
    groups: dict[str, list[ScoreCard]] = {}
    for card in cards:
        key = card.proposal.team if by == "team" else card.proposal.stage
        groups.setdefault(key, []).append(card)
    if by == "team":
        slugs = unique_slugs(groups, "team")
        order = sorted(groups, key=lambda n: (-len(groups[n]), n.casefold(), n))
    else:
        slugs = {s: s for s in STAGES}  # stage ids are slugs already
        order = [s for s in STAGES if s in groups]
    folder = "teams" if by == "team" else "stages"
    first = {name: ctx.path(f"portfolio/{folder}/{slugs[name]}.md") for name in order}
    rollups = {name: rollup_for(groups[name], currency, rates, moved) for name in order}
    index = ctx.path(f"portfolio/by-{by}.md")
    label = by.capitalize()
    pages: list[GeneratedPage] = []
    total = group_row(f"All {by}s", None, rollup_for(cards, currency, rates, moved))
    for part in paginate(order, index):
        rows = [
            group_row(name, ctx.url(part.path, first[name]), rollups[name]) for name in part.items
        ]
        table = ctx.render_html(
            "grouping_groups.html.j2",
            part.path,
            rows=rows,
            total=total,
            label=label,
            currency=currency,
            states=state_columns(ctx),
            show=show,
            caption=f"{label}s {part.start}–{part.end} of {part.total}, with their roll-ups"
            if part.total
            else f"No {by}s yet",
        )
        body = ctx.render(
            "group.md.j2",
            part.path,
            kind="index",
            by=by,
            table=table,
            **pager_context(ctx, part, f"{label}s"),
        )
        title = f"Proposals by {by}" + (f" (page {part.number})" if part.number > 1 else "")
        pages.append(
            GeneratedPage(
                part.path,
                # The roll-up table needs the width: no sidebars, as on the portfolio page.
                front_matter({"title": title, "hide": ["navigation", "toc"]}) + body,
                in_nav=part.number == 1,
            )
        )
    for name in order:
        members = sorted(groups[name], key=card_order)
        filter_link = (
            ctx.link(first[name], ctx.path("portfolio/index.md"))
            + f"?{by}={quote(name, safe='')}#proposals"
        )
        pages += card_list_pages(
            ctx,
            first[name],
            members,
            other="stage" if by == "team" else "team",
            template="group.md.j2",
            title=name,
            kind="group",
            by=by,
            name=name,
            filter_link=Markup(filter_link),
            rollup=ctx.render_html(
                "grouping_rollup.html.j2",
                first[name],
                r=rollups[name],
                currency=currency,
                state_name=ctx.quadrant_name,
                show_stages=by == "team",
            ),
        )
    return pages


def unit_pages(ctx: SiteContext) -> list[GeneratedPage]:
    """A page per organisation unit: a trail of its parents, its roll-up, its
    sub-units' roll-ups and every proposal at it or below it, by priority; and an index
    of the top-level units, made even when no proposal names a unit (``org``), so a
    site's navigation can always link to it."""
    currency = ctx.summary.currency
    rates = ctx.summary.exchange_rates
    moved = moved_ids(ctx)
    roots = unit_tree(ctx.portfolio, currency, rates, moved)
    show = optional_columns(ctx, moved)
    index = ctx.path("portfolio/units/index.md")

    def unit_page(node: UnitNode) -> str:
        return ctx.path(f"portfolio/units/{node.slug}.md")

    def unit_rows(page: str, nodes: Sequence[UnitNode]) -> list[dict[str, Any]]:
        return [
            group_row(
                n.label or n.name,
                ctx.url(page, unit_page(n)),
                n.rollup or rollup_for(n.cards, currency, rates, moved),
            )
            for n in nodes
        ]

    pages: list[GeneratedPage] = []
    total = group_row(
        "All units",
        None,
        rollup_for([c for root in roots for c in root.cards], currency, rates, moved),
    )
    for part in paginate(roots, index):
        table = (
            ctx.render_html(
                "grouping_groups.html.j2",
                part.path,
                rows=unit_rows(part.path, part.items),
                total=total,
                label="Unit",
                currency=currency,
                states=state_columns(ctx),
                show=show,
                caption=f"Top-level units {part.start}–{part.end} of {part.total}, with "
                "the roll-up of everything below them",
            )
            if roots
            else Markup("")
        )
        body = ctx.render(
            "org.md.j2", part.path, unit=None, units=table, **pager_context(ctx, part, "Units")
        )
        title = "Organisation units" + (f" (page {part.number})" if part.number > 1 else "")
        pages.append(
            GeneratedPage(
                part.path,
                # The roll-up table needs the width: no sidebars, as on the portfolio page.
                front_matter({"title": title, "hide": ["navigation", "toc"]}) + body,
                in_nav=part.number == 1,
            )
        )
    for root in roots:
        parents: dict[tuple[str, ...], UnitNode] = {n.path: n for n in root.walk()}
        for node in root.walk():
            first = unit_page(node)
            trail = [("Organisation units", ctx.link(first, index))] + [
                (
                    parents[node.path[:depth]].label or parents[node.path[:depth]].name,
                    ctx.link(first, unit_page(parents[node.path[:depth]])),
                )
                for depth in range(1, len(node.path))
            ]
            rollup = node.rollup or rollup_for(node.cards, currency, rates, moved)
            subunits = (
                ctx.render_html(
                    "grouping_groups.html.j2",
                    first,
                    rows=unit_rows(first, node.children),
                    total=None,
                    label="Sub-unit",
                    currency=currency,
                    states=state_columns(ctx),
                    show=show,
                    caption=f"The {len(node.children)} sub-units of {node.label or node.name}, "
                    "each with everything below it",
                )
                if node.children
                else Markup("")
            )
            unit_filter = "/".join(quote(part, safe="") for part in node.path)
            filter_link = (
                ctx.link(first, ctx.path("portfolio/index.md")) + f"?unit={unit_filter}#proposals"
            )
            pages += card_list_pages(
                ctx,
                first,
                sorted(node.cards, key=gaps_first),
                other="team",
                order="active ones first, those with a compliance gap first, then by priority",
                template="org.md.j2",
                title=node.label or node.name,
                unit=node,
                trail=trail,
                units=subunits,
                direct=len(node.direct),
                filter_link=Markup(filter_link),
                rollup=ctx.render_html(
                    "grouping_rollup.html.j2",
                    first,
                    r=rollup,
                    currency=currency,
                    state_name=ctx.quadrant_name,
                    show_stages=True,
                ),
            )
    return pages


# Count columns an index shows only when some group counts something in them.
OPTIONAL_COLUMNS = (
    "in_production",
    "likely_high",
    "gaps",
    "waived",
    "decided",
    "needs_review",
    "changed",
)


def moved_ids(ctx: SiteContext) -> frozenset[str]:
    """The proposals that moved since the history's start date (the What changed page's);
    none with history off or unavailable."""
    if not ctx.options.history:
        return frozenset()
    history = history_of(ctx)
    return frozenset() if history.unavailable else history.moved_ids


def optional_columns(ctx: SiteContext, moved: frozenset[str]) -> frozenset[str]:
    """The optional count columns the whole portfolio has a non-zero count in: a column of
    zeros in every row says nothing (no regime's gaps in a portfolio of ideas)."""
    total = rollup_for(ctx.portfolio.cards, ctx.summary.currency, ctx.summary.exchange_rates, moved)
    shown = {name for name in OPTIONAL_COLUMNS if getattr(total, name)}
    if total.annual_value is not None or total.other_values:  # a register gives no values
        shown.add("value")
    return frozenset(shown)


def state_columns(ctx: SiteContext) -> list[tuple[str, str]]:
    """The states some active proposal is in: a column of zeros in every row says nothing
    (a register whose rows all await answers would show four of them)."""
    held = {total.key for total in ctx.summary.active_by_state if total.count}
    return [(state, ctx.quadrant_name(state)) for state in STATES if state in held]


def pager_context(ctx: SiteContext, part: Page[Any], what: str) -> dict[str, Any]:
    """Where this page sits in its list and, when there are several pages, a link to
    each (Markdown; the links are built from slugs, never from proposal text)."""
    position = (
        f"{what} {part.start}–{part.end} of {part.total}"
        if part.total
        else f"No {what.lower()} yet"
    )
    links = pager_links(part, lambda path: ctx.link(part.path, path))
    line = " · ".join(
        f"**{pg['number']}**" if pg["current"] else f"[{pg['number']}]({pg['href']})"
        for pg in links
    )
    return {
        "position": position,
        "pager": Markup(f"{position}. Pages: {line}\n{{: .ss-pager }}\n\n")
        if links
        else Markup(""),
    }


def card_list_pages(
    ctx: SiteContext,
    first: str,
    members: Sequence[ScoreCard],
    *,
    other: str,
    template: str,
    title: str,
    order: str = "active ones first, by priority",
    **context: Any,
) -> list[GeneratedPage]:
    """A group's pages: its roll-up and its proposals, PAGE_SIZE rows per page."""
    pages = []
    for part in paginate(members, first):
        pager = pager_context(ctx, part, "Proposals")

        def make(part: Page[ScoreCard] = part, pager: dict[str, Any] = pager) -> GeneratedPage:
            rows = [
                proposal_row(c, ctx.url(part.path, ctx.proposal_path(c.proposal.id)), ctx.rubric)
                for c in part.items
            ]
            table = (
                ctx.render_html(
                    "grouping_proposals.html.j2",
                    part.path,
                    rows=rows,
                    other=other,
                    caption=f"Proposals {part.start}–{part.end} of {part.total}, {order}",
                )
                if rows
                else Markup("")
            )
            body = ctx.render(template, part.path, table=table, **pager, **context)
            shown = " ".join(title.split()) + (f" (page {part.number})" if part.number > 1 else "")
            meta = {"title": html.escape(shown), "hide": ["toc"]}
            return GeneratedPage(part.path, front_matter(meta) + body, in_nav=False)

        key = ("group", template, part.key(), pager, other, title, order, context)
        pages.append(ctx.memo_page(key, make, part.items))
    return pages


__all__ = ["group_pages", "unit_pages"]
