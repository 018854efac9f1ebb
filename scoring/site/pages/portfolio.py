"""The portfolio page (chart, the four leader questions, the top of the table), its paged
lists (every proposal, and one list per state), rows.json for the filter bar, and the home
page's summary."""

from __future__ import annotations

import html
import json
from typing import Any

from markupsafe import Markup

from scoring.model.obligations import COMPLIANCE_STATES, STATE_LABELS, worst_state
from scoring.model.scorecard import ScoreCard
from scoring.model.steps import first_question
from scoring.proposals.proposal import INACTIVE_STAGES, STAGES
from scoring.proposals.schema import SCHEMA_FILE_NAME
from scoring.rubric import STATES
from scoring.site import portfolio_view as pv
from scoring.site.chart import (
    DENSITY_THRESHOLD,
    RED_HIGHLIGHTS,
    TOP_HIGHLIGHTS,
    PointInput,
    build_chart,
)
from scoring.site.pager import PAGE_SIZE, Page, paginate
from scoring.site.pages.blocks import GeneratedPage, front_matter
from scoring.site.pages.context import SiteContext

NEEDS_SHOWN = 20  # rows of the needs-information table; the state's own page lists all


def portfolio_page(ctx: SiteContext) -> GeneratedPage:
    page = ctx.path("portfolio/index.md")
    cards = ctx.portfolio.cards
    ordered = pv.by_priority(cards)
    risky = pv.at_risk(cards)
    units = ctx.path("portfolio/units/index.md")
    has_units = any(pv.unit_path(c.proposal) for c in cards)
    body = ctx.render(
        "portfolio.md.j2",
        page,
        chart=chart(ctx, page),
        table=ctx.proposal_table(page, ordered[:PAGE_SIZE], "Proposals by priority"),
        shown=min(len(ordered), PAGE_SIZE),
        fund=ctx.rows(page, pv.fund_next(cards)),
        risky=[
            dict(row, reason=pv.risk_reason(row["card"], ctx.rubric))
            for row in ctx.rows(page, risky)
        ][: pv.AT_RISK],
        risky_count=len(risky),
        red_count=sum(1 for c in cards if pv.is_active(c) and pv.red_flags(c)),
        high_count=sum(1 for c in cards if pv.is_active(c) and pv.high_flags(c)),
        needs=[
            dict(row, first_question=first_question(row["card"]))
            for row in ctx.rows(page, [c for c in cards if not c.placed and pv.is_active(c)])[
                :NEEDS_SHOWN
            ]
        ],
        needs_count=sum(1 for c in cards if not c.placed and pv.is_active(c)),
        state_links={s: ctx.link(page, ctx.path(f"portfolio/states/{s}.md")) for s in STATES},
        state_counts={s: sum(1 for c in cards if c.state == s) for s in STATES},
        chart_mode="density" if len(cards) > DENSITY_THRESHOLD else "points",
        all_link=ctx.link(page, ctx.path("portfolio/proposals/index.md")),
        all_link_url=ctx.url(page, ctx.path("portfolio/proposals/index.md")),
        units_link=ctx.link(page, units) if has_units else None,
        units_url=ctx.url(page, units),
        rows_url=ctx.url(page, ctx.path("portfolio/rows.json")),
        rows_link=ctx.link(page, ctx.path("portfolio/rows.json")),
        filters=filter_options(ctx),
        banner=ctx.banner(page),
        heat=heat_rows(ctx, page),
        csv_link=ctx.link(page, ctx.path("portfolio/portfolio.csv")),
        json_link=ctx.link(page, ctx.path("portfolio/portfolio.json")),
        schema_link=ctx.link(page, ctx.path(f"schema/{SCHEMA_FILE_NAME}")),
    )
    # Material's documented way to give a page the full width: hide both sidebars.
    meta = {"title": "Portfolio", "search": {"boost": 2}, "hide": ["navigation", "toc"]}
    return GeneratedPage(page, front_matter(meta) + body)


def chart(ctx: SiteContext, page: str) -> Markup:
    cards = pv.by_priority(ctx.portfolio.cards)
    ranks = ctx.ranks
    # In density mode only these are drawn: what to fund next and the red-flagged.
    top = {
        c.proposal.id
        for c in [c for c in cards if pv.is_active(c) and c.proposal.stage != "production"][
            :TOP_HIGHLIGHTS
        ]
    }
    red = {
        c.proposal.id
        for c in [c for c in cards if pv.is_active(c) and pv.red_flags(c)][:RED_HIGHLIGHTS]
    }
    inputs = [
        PointInput(
            rank=ranks[c.proposal.id],
            proposal_id=c.proposal.id,
            title=c.proposal.title,
            stage=c.proposal.stage,
            state=c.state,
            state_name=pv.state_label(c, ctx.rubric),
            impact=c.impact,
            risk=c.delivery_risk,
            impact_range=c.placement["impact"],
            risk_range=c.placement["delivery_risk"],
            href=ctx.url(page, ctx.proposal_path(c.proposal.id)),
            tooltip=(
                f"{c.proposal.title} ({c.proposal.stage}, {pv.state_label(c, ctx.rubric)}): "
                f"impact {c.impact:.0f} (likely {c.placement['impact'][0]:.0f}–"
                f"{c.placement['impact'][1]:.0f}), delivery risk {c.delivery_risk:.0f} "
                f"(likely {c.placement['delivery_risk'][0]:.0f}–"
                f"{c.placement['delivery_risk'][1]:.0f}), priority {c.priority:.0f}; "
                f"{c.risk_story.head}"
            ),
            highlight=c.proposal.id in top or c.proposal.id in red,
            red=bool(pv.red_flags(c)),
        )
        for c in cards
    ]
    built = build_chart(
        inputs,
        ctx.rubric.quadrants.impact_threshold,
        ctx.rubric.quadrants.risk_threshold,
        {s: ctx.quadrant_name(s) for s in STATES},
    )
    return ctx.render_html("quadrant_chart.svg.j2", page, chart=built)


def filter_options(ctx: SiteContext) -> dict[str, list[tuple[str, str]]]:
    """The choices of the filter bar's menus (value, label), from the portfolio."""
    cards = ctx.portfolio.cards
    classes = ctx.rubric.risk_model.classes
    present = {c.proposal.stage for c in cards}
    # Every level of every unit path, so a menu entry selects a unit and its sub-units.
    units = {
        "/".join(path[:n])
        for path in (pv.unit_path(c.proposal) for c in cards)
        for n in range(1, len(path) + 1)
    }
    return {
        "stage": [(s, s) for s in STAGES if s in present],
        "state": [(s, ctx.quadrant_name(s)) for s in STATES],
        # The assessed class, then the class a use's own words suggest above it.
        "class": [(k, v.label) for k, v in classes.items()]
        + [
            (f"likely:{k}", f"Likely {v.label[0].lower() + v.label[1:]} (suggested by its words)")
            for k, v in classes.items()
            if any(c.risk_story.likely == k for c in cards)
        ],
        "compliance": [
            (state, STATE_LABELS[state])
            for state in COMPLIANCE_STATES
            if any(worst_state(c.compliance) == state for c in cards)
        ],
        "team": [(t, " ".join(t.split())) for t in sorted({c.proposal.team for c in cards})],
        "tag": [
            (t, " ".join(t.split())) for t in sorted({t for c in cards for t in c.proposal.tags})
        ],
        "unit": [(u, " ".join(u.split())) for u in sorted(units)],
    }


def heat_rows(ctx: SiteContext, page: str) -> list[dict[str, Any]]:
    titles = {c.id: c.title for c in ctx.rubric.checklists}
    slugs = {c.id: c.slug for c in ctx.rubric.checklists}
    return [
        {
            "row": row,
            "checklist_title": titles[row.checklist_id],
            "checklist_link": ctx.link(page, ctx.path(f"pitfalls/{slugs[row.checklist_id]}.md")),
            "heat": round(row.open_share, 2),
        }
        for row in ctx.summary.heatmap
    ]


def list_pages(ctx: SiteContext) -> list[GeneratedPage]:
    """Static, paged proposal tables (readable without JavaScript): every proposal by
    priority, and one set per state."""
    ordered = pv.by_priority(ctx.portfolio.cards)
    pages = _paged(
        ctx,
        "portfolio/proposals/index",
        ordered,
        "All proposals",
        "Every proposal, active or not, by priority.",
    )
    for state in STATES:
        pages += _paged(
            ctx,
            f"portfolio/states/{state}",
            [c for c in ordered if c.state == state],
            ctx.quadrant_name(state),
            f"{ctx.rubric.state_description(state)}",
        )
    return pages


def _paged(
    ctx: SiteContext, base: str, cards: list[ScoreCard], title: str, intro: str
) -> list[GeneratedPage]:
    pages = []
    portfolio = ctx.path("portfolio/index.md")
    for step in paginate(cards, ctx.path(f"{base}.md"), in_folder=True):
        page = step.path

        def make(page: str = page, step: Page[ScoreCard] = step) -> GeneratedPage:
            body = ctx.render(
                "portfolio_list.md.j2",
                page,
                title=title,
                intro=intro,
                pager=step,
                pages=[(n, ctx.link(page, p)) for n, p in step.pages],
                prev_link=ctx.link(page, step.prev_path) if step.prev_path else None,
                next_link=ctx.link(page, step.next_path) if step.next_path else None,
                portfolio_link=ctx.link(page, portfolio),
                table=ctx.proposal_table(page, step.items, title),
            )
            heading = title if step.count == 1 else f"{title}, page {step.number}"
            meta = {
                "title": html.escape(heading),
                "hide": ["navigation", "toc"],
                "search": {"exclude": True},
            }
            return GeneratedPage(page, front_matter(meta) + body, in_nav=False)

        ranks = [ctx.ranks[c.proposal.id] for c in step.items]
        pages.append(
            ctx.memo_page(("list", page, title, intro, step.key(), ranks), make, step.items)
        )
    return pages


def rows_json(ctx: SiteContext) -> GeneratedPage:
    page = ctx.path("portfolio/index.md")
    template = ctx.url(page, ctx.proposal_path("ID")).replace("ID", "{id}", 1)

    def row_of(card: ScoreCard) -> list[Any]:
        return ctx.memo(
            ("rows.json", card.proposal.id), (card,), lambda: pv.card_row(card, ctx.rubric)
        )

    payload = pv.rows_json(ctx.portfolio.cards, ctx.ranks, ctx.rubric, template, row_of)
    return GeneratedPage(
        ctx.path("portfolio/rows.json"),
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n",
    )


def home_summary(ctx: SiteContext, page: str) -> str:
    return ctx.render(
        "home_summary.md.j2",
        page,
        # What to fund or start next: nothing already in production.
        rows=ctx.rows(
            page,
            [
                c
                for c in ctx.portfolio.cards
                if c.proposal.stage not in INACTIVE_STAGES and c.proposal.stage != "production"
            ],
        )[:5],
        portfolio_link=ctx.link(page, ctx.path("portfolio/index.md")),
        banner=ctx.banner(page),
    )


__all__ = ["home_summary", "list_pages", "portfolio_page", "rows_json"]
