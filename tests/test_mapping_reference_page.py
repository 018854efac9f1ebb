"""The inventory mapping format as a reference page of every site (issue 25, item 1): made
from mapping.schema.yaml like the proposal format page from its schema, so the page and the
checks a mapping meets cannot disagree."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from sitekit import page_of

from scoring.sources.inventory.mapping import mapping_schema


def test_the_mapping_format_page_lists_every_key_of_the_schema(demo_site: Path) -> None:
    soup = BeautifulSoup(
        page_of(demo_site, "reference/mapping-format.md").read_text("utf-8"), "html.parser"
    )
    article = soup.select_one("article")
    assert article is not None
    assert article.select_one("h1") is not None
    assert "Inventory mapping format" in article.select_one("h1").get_text()
    keys = {
        code.get_text()
        for row in article.select("table tr")
        for code in row.select("td:first-child code")
    }
    assert set(mapping_schema()["properties"]) <= keys, set(mapping_schema()["properties"]) - keys
    nav = [a.get_text(strip=True) for a in soup.select("nav.md-nav--primary a")]
    assert "Inventory mapping format" in nav
