"""The governance pages: an index of the enabled regimes and, per regime, the gaps first
(systems in production short of a required practice), what falls due in the next twelve
months, determinations needing grounds, waivers without a record, the roll-up by unit and
what a register leaves unreported (scoring/site/governance_view.py)."""

from __future__ import annotations

from typing import Any

from scoring.model.obligations import default_context
from scoring.portfolio.orgunits import slugify
from scoring.site.governance_view import RegimeView, regime_views
from scoring.site.pages.blocks import GeneratedPage, front_matter
from scoring.site.pages.context import SiteContext


def governance_pages(ctx: SiteContext) -> list[GeneratedPage]:
    context = ctx.portfolio.context or default_context(ctx.rubric)
    views = regime_views(ctx.portfolio.cards, context)
    index = ctx.path("governance/index.md")
    pages = []
    listed: list[dict[str, Any]] = []
    units_made = any(card.proposal.get("org") for card in ctx.portfolio.cards)
    for view in views:
        page = ctx.path(f"governance/{view.profile.id}.md")
        listed.append({"view": view, "href": ctx.url(index, page)})

        def use_case(pid: str, page: str = page) -> str:
            return ctx.url(page, ctx.proposal_path(pid))

        def unit_href(path: tuple[str, ...], page: str = page) -> str | None:
            if not path or not units_made:
                return None
            return ctx.url(page, ctx.path(f"portfolio/units/{slugify(path[0])}.md"))

        body = ctx.render(
            "governance.md.j2",
            page,
            view=view,
            use_case=use_case,
            unit_href=unit_href,
            index_link=ctx.link(page, index),
            decisions_url=ctx.url(page, ctx.path("decisions/index.md")),
        )
        title = f"Governance: {view.profile.short}"
        pages.append(GeneratedPage(page, front_matter({"title": title}) + body, in_nav=False))
    body = ctx.render("governance.md.j2", index, view=None, regimes=listed, as_of=context.as_of)
    pages.insert(0, GeneratedPage(index, front_matter({"title": "Governance"}) + body))
    return pages


__all__ = ["RegimeView", "governance_pages"]
