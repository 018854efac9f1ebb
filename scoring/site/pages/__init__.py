"""The generated pages, one module per family over one shared context:

- context.py: paths, links, urls, rendering, deferred HTML blocks and the one memo;
- proposal.py, portfolio.py (portfolio page, its lists, rows.json, home summary),
  groups.py (teams, stages, units), pitfalls.py, reference.py, intake.py (intake problems
  and invalid proposals' pages), exports.py (CSV, JSON, schema);
- builder.py: SiteBuilder, which asks each family for its pages.
"""

from scoring.site.pages.blocks import (
    HTML_BLOCK_MARKER,
    GeneratedPage,
    block_key,
    fill_html_blocks,
    front_matter,
)
from scoring.site.pages.builder import SiteBuilder, asset_files, build_site, write_pages
from scoring.site.pages.options import SiteOptions
from scoring.site.reference_view import SchemaField, schema_fields

__all__ = [
    "HTML_BLOCK_MARKER",
    "GeneratedPage",
    "SchemaField",
    "SiteBuilder",
    "SiteOptions",
    "asset_files",
    "block_key",
    "build_site",
    "fill_html_blocks",
    "front_matter",
    "schema_fields",
    "write_pages",
]
