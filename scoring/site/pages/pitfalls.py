"""A page per pitfall checklist: for each item, how many active proposals leave it open (by
answer and by state), the ten with the highest priority, and a link to the portfolio table
filtered to the rest; and the index of the checklists."""

from __future__ import annotations

from itertools import islice
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from scoring.model.features import checklist_answer
from scoring.rubric import STATES, Checklist
from scoring.site.grouping_view import card_order, proposal_row
from scoring.site.pages.blocks import GeneratedPage, front_matter
from scoring.site.pages.context import SiteContext

TOP_OPEN = 10  # open proposals listed per pitfall item; the filtered table has the rest


def pitfall_pages(ctx: SiteContext) -> list[GeneratedPage]:
    """A page per checklist: for each item, how many active proposals leave it open
    (by answer and by state), the ten with the highest priority, and a link to the
    portfolio table filtered to the rest. Its size does not grow with the portfolio."""
    pages = []
    index = ctx.path("pitfalls/index.md")
    portfolio = ctx.path("portfolio/index.md")
    heat = {(r.checklist_id, r.item_id): r for r in ctx.summary.heatmap}
    ordered = sorted(ctx.portfolio.cards, key=card_order)  # for each item's top ten
    for checklist in ctx.rubric.checklists:
        page = ctx.path(f"pitfalls/{checklist.slug}.md")
        items: list[dict[str, Any]] = []
        for item in checklist.items:
            row = heat[(checklist.id, item.id)]
            cards = [c for c in (ctx.portfolio.card(pid) for pid in row.open_ids) if c is not None]
            answers = {a: 0 for a in ("no", "partial", "unknown")}
            states = {s: 0 for s in STATES}
            for card in cards:
                answer = checklist_answer(card.proposal, checklist.id, item.id)
                answers[answer] = answers.get(answer, 0) + 1
                states[card.state] += 1
            is_open = set(row.open_ids)
            top = list(islice((c for c in ordered if c.proposal.id in is_open), TOP_OPEN))
            rows = [
                {
                    **proposal_row(c, ctx.url(page, ctx.proposal_path(c.proposal.id)), ctx.rubric),
                    "answer": checklist_answer(c.proposal, checklist.id, item.id),
                }
                for c in top
            ]
            # The contract's filter parameter; MkDocs keeps the query in the built link.
            query = f"?open={quote(checklist.id, safe='')}.{quote(item.id, safe='')}"
            items.append(
                {
                    "item": item,
                    "heat": row,
                    "answers": [(a, n) for a, n in answers.items() if n],
                    "states": [(s, ctx.quadrant_name(s), n) for s, n in states.items() if n],
                    "rows": rows,
                    "shown": len(rows),
                    "filter_link": Markup(f"{ctx.link(page, portfolio)}{query}#proposals"),
                }
            )

        def make(
            page: str = page, checklist: Checklist = checklist, items: list[dict[str, Any]] = items
        ) -> GeneratedPage:
            for entry in items:
                rows = entry["rows"]
                entry["table"] = (
                    ctx.render_html(
                        "pitfall_open.html.j2",
                        page,
                        rows=rows,
                        caption=f"The {len(rows)} open proposals with the highest priority",
                    )
                    if rows
                    else Markup("")
                )
            body = ctx.render("pitfall.md.j2", page, checklist=checklist, items=items)
            return GeneratedPage(page, front_matter({"title": checklist.title}) + body)

        # The rubric's texts are in the memo's context; the rest, as plain values:
        key = (
            "pitfall",
            page,
            checklist.id,
            [
                (
                    e["item"].id,
                    vars(e["heat"]),
                    {k: v for k, v in e.items() if k not in ("item", "heat")},
                )
                for e in items
            ],
        )
        pages.append(ctx.memo_page(key, make))
    body = ctx.render(
        "pitfalls_index.md.j2",
        index,
        checklists=[
            (c, ctx.link(index, ctx.path(f"pitfalls/{c.slug}.md"))) for c in ctx.rubric.checklists
        ],
    )
    pages.insert(0, GeneratedPage(index, front_matter({"title": "Pitfall checklists"}) + body))
    return pages


__all__ = ["pitfall_pages"]
