"""The publication's own page (what this register publishes and what it leaves out, as
counts and field names, never values) and the mark each proposal page carries."""

from __future__ import annotations

from markupsafe import Markup

from scoring.proposals.proposal import Proposal
from scoring.proposals.publication import INTERNAL, LeftOut
from scoring.proposals.schema import proposal_schema
from scoring.site.custom_labels import mapping_labels
from scoring.site.pages.blocks import GeneratedPage, front_matter
from scoring.site.pages.context import SiteContext
from scoring.sources.inventory.export import export_csv
from scoring.sources.inventory.mapping import load_mapping, shipped_path
from scoring.sources.inventory.registers import (
    REGISTER_FORMATS,
    register_csv,
    register_json,
    register_rows,
)

PAGE = "publication.md"
DOWNLOADS = "publication/"  # beside the page's own URL (publication/)
FEDERAL = "us-federal-2025"  # the register format an import can be exported back to


# A register's own format is offered when the site enables the regime it belongs to: a
# site outside the EU publishes no EU database files (and each costs ~1.5 KB a proposal).
FORMAT_REGIMES = {"atrs-": "uk-atrs", "eu-annex-viii-": "eu-ai-act"}


def offered_formats(ctx: SiteContext) -> list[str]:
    """The register formats of the regimes this site enables, in REGISTER_FORMATS order."""
    context = ctx.portfolio.context
    enabled = [p.id for p in context.profiles] if context is not None else []
    return [
        name
        for name in REGISTER_FORMATS
        if any(
            name.startswith(prefix) and any(r.startswith(regime) for r in enabled)
            for prefix, regime in FORMAT_REGIMES.items()
        )
    ]


# The fields the defaults leave out, as a reader names them.
DEFAULT_LABELS = {
    "data.sources.owner": "Data source owners",
    "roles": "Names in roles",  # whether a role is filled stays published
    "source.unmapped": "Inventory cells the import could not translate",
}
# People's names the defaults leave out: one word on a proposal page's mark.
NAMES = ("owner", "sponsor", "roles", "data.sources.owner")


def field_label(path: str, labels: dict[str, str]) -> str:
    """A field path as a reader names it: a custom field by its label, else in words."""
    if path in labels or path in DEFAULT_LABELS:
        return labels.get(path) or DEFAULT_LABELS[path]
    name = path.removeprefix("custom.").replace("_", " ").replace(".", ": ")
    return name[:1].upper() + name[1:]


def _labels_of(
    ctx: SiteContext, proposal: Proposal, left: LeftOut, *, short: bool = False
) -> list[str]:
    labels = {f"custom.{k}": v for k, v in mapping_labels(proposal, ctx.rubric).items()}
    paths = sorted(left.fields)
    if not short:
        return [field_label(path, labels) for path in paths]
    names = ["names"] if any(path in NAMES for path in paths) else []
    return names + [field_label(path, labels) for path in paths if path not in NAMES]


def publication_pages(ctx: SiteContext) -> list[GeneratedPage]:
    publication = ctx.options.publication
    page = ctx.path(PAGE)
    by_field: dict[str, int] = {}
    for proposal in ctx.portfolio.intake.proposals:
        left = publication.left_out.get(proposal.id)
        if left is None or left.row_withheld:
            continue
        for label in _labels_of(ctx, proposal, left):
            by_field[label] = by_field.get(label, 0) + 1
    withheld = [
        (p.title, ctx.link(page, ctx.proposal_path(p.id)))
        for p in ctx.portfolio.intake.proposals
        if (left := publication.left_out.get(p.id)) is not None and left.row_withheld
    ]
    emails = sum(1 for left in publication.left_out.values() if left.emails)
    body = ctx.render(
        "publication.md.j2",
        page,
        publication=publication,
        by_field=sorted(by_field.items()),
        withheld=withheld,  # listed in the internal build only: the public one has none
        emails=emails,
        published=len(ctx.portfolio.intake.proposals),
        federal=(
            ctx.link(page, ctx.path(f"{DOWNLOADS}{FEDERAL}.csv")) if _federal_records(ctx) else None
        ),
        downloads=[
            (
                REGISTER_FORMATS[name].title,
                ctx.link(page, ctx.path(f"{DOWNLOADS}{name}.csv")),
                ctx.link(page, ctx.path(f"{DOWNLOADS}{name}.json")),
            )
            for name in offered_formats(ctx)
        ],
    )
    title = "About this register" if publication.public else "About this portfolio"
    return [GeneratedPage(page, front_matter({"title": title}) + body), *register_downloads(ctx)]


def register_downloads(ctx: SiteContext) -> list[GeneratedPage]:
    """The registers' own formats, CSV and JSON, from the proposals this build publishes."""
    publication = ctx.options.publication
    entries = [(p.id, p.fields) for p in ctx.portfolio.intake.proposals]
    pages = []
    for name in offered_formats(ctx):
        fmt = REGISTER_FORMATS[name]
        export = register_rows(fmt, entries, public=publication.public)
        pages.append(GeneratedPage(ctx.path(f"{DOWNLOADS}{name}.csv"), register_csv(export)))
        pages.append(GeneratedPage(ctx.path(f"{DOWNLOADS}{name}.json"), register_json(fmt, export)))
    federal = federal_csv(ctx)
    if federal is not None:
        pages.append(GeneratedPage(ctx.path(f"{DOWNLOADS}{FEDERAL}.csv"), federal))
    return pages


def _federal_records(ctx: SiteContext) -> list[Proposal]:
    return [p for p in ctx.portfolio.intake.proposals if p.get("source.inventory") == FEDERAL]


def _source_order(proposal: Proposal) -> tuple[int, str]:
    row = proposal.get("source.row")
    return (row if isinstance(row, int) else 10**9, proposal.id)


def federal_csv(ctx: SiteContext) -> str | None:
    """The 2025 US federal inventory CSV of the use cases imported in that format, in their
    source order, as `sweetspot export --format us-federal-2025` writes it (None: none)."""
    imported = _federal_records(ctx)
    if not imported:
        return None
    mapping = load_mapping(shipped_path(FEDERAL), proposal_schema(ctx.rubric), display=FEDERAL)
    return export_csv(mapping, [p.fields for p in sorted(imported, key=_source_order)])


def publication_mark(ctx: SiteContext, proposal: Proposal, page: str) -> Markup:
    """A proposal page's note on what the public register leaves out of it: in the
    internal build, the fields (or the whole row); in the public one, that some are."""
    publication = ctx.options.publication
    left = publication.left_out.get(proposal.id)
    if left is None:
        return Markup("")
    return ctx.render_html(
        "publication_mark.html.j2",
        page,
        publication=publication,
        left=left,
        labels=_labels_of(ctx, proposal, left, short=True),
        internal_only=[k for k, v in sorted(left.fields.items()) if v == INTERNAL],
        about=ctx.url(page, ctx.path(PAGE)),
    )


__all__ = ["PAGE", "field_label", "publication_mark", "publication_pages"]
