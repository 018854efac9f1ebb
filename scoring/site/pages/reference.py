"""The reference pages: the proposal format and the scoring method, made from the rubric and
the templates alone."""

from __future__ import annotations

from scoring.proposals.schema import SCHEMA_FILE_NAME, proposal_schema
from scoring.site.pages.blocks import GeneratedPage, front_matter
from scoring.site.pages.context import SiteContext
from scoring.site.reference_view import sections


def reference_pages(ctx: SiteContext) -> list[GeneratedPage]:
    """The proposal format and the scoring method: made from the rubric and templates
    alone (the rebuild memo's context), so a serve rebuild keeps them."""
    format_page = ctx.path("reference/proposal-format.md")
    method_page = ctx.path("reference/scoring-method.md")

    def proposal_format() -> GeneratedPage:
        schema = proposal_schema(ctx.rubric)
        parts = [
            {
                "id": s.id,
                "title": s.title,
                "paths": s.paths,
                "html": ctx.render_html(
                    "reference_fields.html.j2", format_page, root=s.root, fields=s.fields
                ),
            }
            for s in sections(schema)
        ]
        fmt = ctx.render(
            "proposal_format.md.j2",
            format_page,
            schema=schema,
            sections=parts,
            schema_link=ctx.link(format_page, ctx.path(f"schema/{SCHEMA_FILE_NAME}")),
        )
        return GeneratedPage(format_page, front_matter({"title": "Proposal format"}) + fmt)

    def scoring_method() -> GeneratedPage:
        method = ctx.render("scoring_method.md.j2", method_page)
        return GeneratedPage(method_page, front_matter({"title": "Scoring method"}) + method)

    return [
        ctx.memo_page(("reference", format_page), proposal_format),
        ctx.memo_page(("reference", method_page), scoring_method),
    ]


__all__ = ["reference_pages"]
