"""A proposal's own page: its scores, breakdown, flags, next steps and links."""

from __future__ import annotations

import html
from typing import Any

from scoring.model.scorecard import ScoreCard
from scoring.site.custom_labels import mapping_labels
from scoring.site.markup import rich_text, safe_url
from scoring.site.pages import history
from scoring.site.pages.blocks import GeneratedPage, front_matter
from scoring.site.pages.budget import selection_lines
from scoring.site.pages.context import SiteContext
from scoring.site.pages.publication import publication_mark
from scoring.site.proposal_view import PART_HELPERS, HtmlParts, proposal_context

SEVERITY_ADMONITION = {"red": "danger", "high": "warning", "medium": "note", "low": "info"}
SEVERITY_LABEL = {"red": "Red flag", "high": "High", "medium": "Medium", "low": "Low"}


def safeguards_by_state(card: ScoreCard) -> dict[str, list[tuple[str, str]]]:
    """The applicable safeguards by state (done, partial, missing, unknown), each with its
    note from ``governance.notes`` ("" when none); a partial one is in place in part, not
    missing. Notes on safeguards listed nowhere else are kept under "other", so none is
    lost."""
    governance = card.proposal.get("governance") or {}
    notes = governance.get("notes") or {}
    stakes = card.stakes
    groups = {
        "done": list(stakes.safeguards_done),
        "partial": [m for m in stakes.safeguards_missing if governance.get(m) == "partial"],
        "missing": [m for m in stakes.safeguards_missing if governance.get(m) != "partial"],
        "unknown": list(stakes.safeguards_unknown),
    }
    listed = {m for measures in groups.values() for m in measures}
    groups["other"] = [m for m in notes if m not in listed]
    return {
        state: [(m.replace("_", " "), str(notes.get(m) or "")) for m in measures]
        for state, measures in groups.items()
    }


def proposal_page(ctx: SiteContext, card: ScoreCard) -> GeneratedPage:
    proposal = card.proposal
    page = ctx.proposal_path(proposal.id)
    # MkDocs and Material print page titles and descriptions into <title>, the header
    # and <meta> without escaping, so proposal text is HTML-escaped here.
    meta: dict[str, Any] = {
        "title": html.escape(" ".join(proposal.title.split())),
        "description": html.escape(" ".join(proposal.summary.split())[:200]),
    }
    if proposal.tags:
        meta["tags"] = list(proposal.tags)
    links = [(link.title, safe_url(link.url)) for link in proposal.links]
    source = ctx.options.source_links.get(proposal.id)
    view = proposal_context(card, ctx.rubric)
    context = {
        "card": card,
        "proposal": proposal,
        "quadrant_label": ctx.quadrant_name(card.state),
        "risk_class": ctx.rubric.risk_model.classes[card.risk_class],
        "severity_label": SEVERITY_LABEL,
        "currency": proposal.get("value.currency") or "",
        "safeguards": safeguards_by_state(card),
        "custom_labels": mapping_labels(proposal, ctx.rubric),
        "publication_mark": publication_mark(ctx, proposal, page),
        "selection": selection_lines(ctx, proposal.id, page),
        "method_url": ctx.url(page, ctx.path("reference/selection-method.md")),
        **view,
    }
    # The breakdown is compact HTML from macros (proposal_parts.html.j2), rendered by the
    # autoescaping environment with the page's links.
    parts = HtmlParts(
        ctx.html_env.get_template("proposal_parts.html.j2").make_module(
            {**ctx.common(page), **context, **PART_HELPERS}
        )
    )
    body = ctx.render(
        "proposal.md.j2",
        page,
        **context,
        parts=parts,
        summary_html=rich_text(proposal.summary),
        scores_html=ctx.render_html("score_bars.html.j2", page, card=card),
        links=[(t, u) for t, u in links if u],
        source_url=ctx.url(page, source) if source else None,
        severity_admonition=SEVERITY_ADMONITION,
        history_html=history.proposal_block(ctx, card, page),
    )
    return ctx.with_blocks(
        GeneratedPage(page, front_matter(meta) + body, proposal.id, in_nav=False)
    )


__all__ = ["proposal_page", "safeguards_by_state"]
