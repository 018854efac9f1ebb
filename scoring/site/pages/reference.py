"""The reference pages: the proposal format, the scoring method and the inventory mapping
format, made from the rubric, the package's schemas and the templates alone."""

from __future__ import annotations

from scoring.proposals.schema import SCHEMA_FILE_NAME, proposal_schema
from scoring.site.pages.blocks import GeneratedPage, front_matter
from scoring.site.pages.context import SiteContext
from scoring.site.reference_view import sections
from scoring.sources.inventory.reference import mapping_reference


def reference_pages(ctx: SiteContext) -> list[GeneratedPage]:
    """The proposal format and the scoring method: made from the rubric and templates
    alone (the rebuild memo's context), so a serve rebuild keeps them."""
    format_page = ctx.path("reference/proposal-format.md")
    method_page = ctx.path("reference/scoring-method.md")
    mapping_page = ctx.path("reference/mapping-format.md")

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

    def mapping_format() -> GeneratedPage:
        # The same Markdown `sweetspot schema --mapping` prints, from mapping.schema.yaml's
        # descriptions (package data, not proposal text), under the page's own title.
        body = mapping_reference().split("\n", 1)[1]
        return GeneratedPage(
            mapping_page,
            front_matter({"title": "Inventory mapping format"})
            + "# Inventory mapping format\n"
            + body,
        )

    return [
        ctx.memo_page(("reference", format_page), proposal_format),
        ctx.memo_page(("reference", method_page), scoring_method),
        ctx.memo_page(("reference", mapping_page), mapping_format),
    ]


__all__ = ["reference_pages"]
