"""A lighter side navigation for generated proposal pages.

A theme renders the whole navigation tree into every page. On a site of a thousand proposals
that tree, repeated on each proposal page, was a fifth of the site's bytes and a tenth of its
build time, and a proposal page is in no section of it (proposal pages are not in the
navigation). So a generated page that is in no section of it (a proposal page, the second
and later pages of a long list) gets the navigation's first level only: every section that
has an index page becomes one link to that page, as Material's own ``navigation.prune`` does
for the sections a reader is not in; sections without an index page keep their pages. Every
other page keeps the full tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page


@dataclass(frozen=True)
class SectionLink:
    """A section drawn as one link to its index page. Jinja reads a missing attribute (the
    theme asks for children, meta, pages...) as undefined, which a theme treats as absent,
    so the theme draws this as a plain link."""

    title: str
    url: str
    active: bool = False


class SectionsNavigation:
    """The first level of a Navigation, with what a theme reads of it besides its items."""

    def __init__(self, nav: Navigation) -> None:
        self.items: list[Any] = [_first_level(item) for item in nav.items]
        self.homepage = nav.homepage
        self.pages = nav.pages
        self.listed = {page.file.src_uri for page in nav.pages}  # the pages the tree shows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _first_level(item: Any) -> Any:
    if not isinstance(item, Section):
        return item
    index = next(
        (child for child in item.children if isinstance(child, Page) and child.is_index), None
    )
    if index is None:
        return item  # no page to link the section to: its pages stay listed
    return SectionLink(title=item.title, url=index.url)
