"""What keeps the leaders' pages light on real content (issue 32), checked on the demo site.

A proposal page carries the navigation's first level only (plugins/navtrim.py): each section
with an index page is one link to it. Every other page keeps the whole tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import Browser, serve
from bs4 import BeautifulSoup
from sitekit import page_of


def nav_links(page: Path) -> list[str]:
    soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
    nav = soup.select_one("nav.md-nav--primary")
    assert nav is not None, f"{page}: no primary navigation"
    return [str(a["href"]) for a in nav.select("a.md-nav__link[href]")]


def resolves(page: Path, href: str) -> bool:
    target = (page.parent / href.split("#")[0]).resolve()
    return (target / "index.html").is_file() if target.is_dir() else target.is_file()


def test_a_proposal_page_links_each_section_once(demo_site: Path) -> None:
    proposal = page_of(demo_site, "proposals/support-ticket-routing.md")
    portfolio = page_of(demo_site, "portfolio/index.md")
    mine, full = nav_links(proposal), nav_links(portfolio)
    # The sections a reader can reach: each index page the full tree links to.
    for section in ("portfolio/", "playbooks/", "pitfalls/"):
        assert any(h.rstrip("/").endswith(section.rstrip("/")) for h in mine), (section, mine)
    # The pages inside those sections are left to their index pages...
    assert not [h for h in mine if "playbooks/data-first" in h], mine
    assert any("playbooks/data-first" in h for h in full), full
    # ...and a proposal page is no heavier in links than the full tree, with none broken.
    assert len(mine) < len(full) / 2, (len(mine), len(full))
    assert all(resolves(proposal, h) for h in mine), mine
    # A section without an index page keeps its pages (Reference, in the demo).
    assert any("reference/scoring-method" in h for h in mine), mine


# -- the tables' phone labels, named once per table ------------------------------------------

CELL_LABELS = """t => Array.from(t.querySelectorAll('tbody tr:first-child td'),
    td => getComputedStyle(td, '::before').content.replace(/^"|"$/g, ''))"""
HEADINGS = """t => Array.from(t.querySelectorAll('thead th'), th => th.textContent.trim())"""


@pytest.fixture(scope="module")
def demo_url(demo_site: Path) -> Iterator[str]:
    with serve(demo_site) as url:
        yield url


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 800, 1400])
def test_table_cells_are_labelled_by_their_column_on_a_phone_only(
    browser: Browser, demo_url: str, width: int
) -> None:
    """Issue 32: a long table names its columns once (--lN on the table), and a phone's card
    labels each cell with its column's heading; a wider screen, which shows the headings,
    labels no cell (the proposal table turns into cards below 44em, a group table below 60em)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        for path, table, cards_below in (
            ("portfolio/proposals/", "table.ss-ptable", 44 * 16),
            ("portfolio/teams/customer-support/", "table.ss-cards.ss-collabels", 60 * 16),
        ):
            page.goto(demo_url + path, wait_until="load")
            found = page.locator(table).first
            labels = found.evaluate(CELL_LABELS)
            heads = found.evaluate(HEADINGS)
            assert found.locator("td[data-label]").count() == 0
            if width < cards_below:
                # A group table's first column is a row heading (th), labelled by its link.
                assert labels == heads[len(heads) - len(labels) :], (path, labels, heads)
            else:
                assert set(labels) <= {"none", "normal", ""}, (path, width, labels)
    finally:
        context.close()
