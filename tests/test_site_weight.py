"""What keeps the leaders' pages light on real content (issue 32), checked on the demo site.

A proposal page carries the navigation's first level only (plugins/navtrim.py): each section
with an index page is one link to it. Every other page keeps the whole tree.
"""

from __future__ import annotations

from pathlib import Path

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
