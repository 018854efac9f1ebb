"""Unknown value is shown as unknown, never 0 (issue 25, item 4): the portfolio's headline,
its value-by-state table and the home summary, on a site where no proposal gives a value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sitekit import (
    MINIMAL_ID,
    MINIMAL_YAML,
    PILOT_ID,
    PILOT_YAML,
    build_project,
    page_of,
    write_site,
)

from scoring.portfolio.summary import GroupTotal


def text(path: Path) -> str:
    soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
    article = soup.select_one("article")
    assert article is not None
    return " ".join(article.get_text(" ").split())


@pytest.mark.slow
def test_no_value_given_reads_unknown_on_the_portfolio_and_home(tmp_path: Path) -> None:
    no_value = re.sub(r"(?ms)^value:.*?(?=^\S)", "", PILOT_YAML)
    assert "annual_value" not in no_value
    root = write_site(tmp_path, {MINIMAL_ID: MINIMAL_YAML, PILOT_ID: no_value})
    site = build_project(root)
    portfolio = text(page_of(site, "portfolio/index.md"))
    home = text(page_of(site, "index.md"))
    for page in (portfolio, home):
        assert "EUR 0" not in page and "unknown" in page
    # The value-by-state table: every state with active proposals, none valued.
    assert value_by_state(page_of(site, "portfolio/index.md")) == {
        "Quick win": ["unknown", "unknown", "unknown"],
        "Needs information": ["unknown", "unknown", "unknown"],
    }


def value_by_state(page: Path) -> dict[str, list[str]]:
    """State -> its value, one-off cost and running cost cells, from the portfolio page."""
    soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
    for table in soup.select("article table"):
        heads = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        if heads[:1] == ["State"] and "Expected value per year" in heads:
            return {
                cells[0]: cells[2:5]
                for row in table.select("tbody tr")
                if (cells := [td.get_text(" ", strip=True) for td in row.select("td")])
            }
    raise AssertionError(f"{page}: no value-by-state table")


def test_a_group_total_is_none_when_no_member_gives_the_figure() -> None:
    from dataclasses import fields

    money = [f.name for f in fields(GroupTotal) if f.name not in ("key", "count", "mean_priority")]
    assert money == ["annual_value", "one_off_cost", "annual_running_cost"]
