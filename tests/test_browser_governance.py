"""The filter bar's compliance and suggested-class menus (issue 27, item 4) in headless
Chromium, on the demo site, which enables the rubric's classes and the EU AI Act; and the
governance pages read at 1,400 and 390 px without a scrollbar of their own."""

from __future__ import annotations

import collections
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import Browser, horizontal_overflow, pw_expect, save_screenshot, serve
from sitekit import build_project, write_site
from test_browser_portfolio import VISIBLE_ROWS, open_page

from scoring.model.cardjson import expand

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(demo_site: Path) -> Iterator[str]:
    with serve(demo_site) as url:
        yield url


def demo_cards(site: Path) -> list[dict]:
    return list(expand(json.loads((site / "portfolio" / "portfolio.json").read_text("utf-8"))))


def test_the_compliance_menu_filters_the_table(
    browser: Browser, base_url: str, demo_site: Path
) -> None:
    cards = demo_cards(demo_site)
    counts = collections.Counter(c["compliance"] for c in cards)
    state = next(s for s, n in counts.most_common() if n < len(cards))
    page = open_page(browser, base_url + "portfolio/", 1400)
    options = page.eval_on_selector_all(
        "form.ss-filterbar select[name=compliance] option", "os => os.map(o => o.value)"
    )
    assert set(options) == {"", *counts}
    page.select_option("form.ss-filterbar select[name=compliance]", state)
    expected = {c["id"] for c in cards if c["compliance"] == state}
    assert set(page.evaluate(VISIBLE_ROWS)) == expected
    assert f"compliance={state}" in page.url
    page.context.close()


LIKELY_HIGH = """schema_version: 1
title: Match travellers' faces to their passport photos at the border
summary: Facial recognition compares each traveller's face with the passport photo.
team: Border
stage: pilot
"""
PLAIN = """schema_version: 1
title: Forecast meeting room bookings
summary: Forecasts how many rooms are booked each week.
team: Facilities
stage: pilot
stakes: {declared_class: minimal, area: none, decides_about_people: false}
"""


@pytest.fixture(scope="module")
def suggested_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = write_site(tmp_path_factory.mktemp("likely"), {"faces": LIKELY_HIGH, "rooms": PLAIN})
    with serve(build_project(root)) as url:
        yield url


def test_a_suggested_class_is_a_choice_of_its_own(browser: Browser, suggested_url: str) -> None:
    page = open_page(browser, suggested_url + "portfolio/", 1400)
    options = page.eval_on_selector_all(
        "form.ss-filterbar select[name=class] option", "os => os.map(o => o.value)"
    )
    assert "likely:high" in options
    page.select_option("form.ss-filterbar select[name=class]", "likely:high")
    assert page.evaluate(VISIBLE_ROWS) == ["faces"]
    page.select_option("form.ss-filterbar select[name=class]", "minimal")
    assert page.evaluate(VISIBLE_ROWS) == ["rooms"]
    page.context.close()


@pytest.mark.parametrize("width", [1400, 390])
def test_the_governance_pages_fit_the_screen(browser: Browser, base_url: str, width: int) -> None:
    for path in ("governance/", "governance/eu-ai-act-2026/"):
        page = open_page(browser, base_url + path, width, js=False)
        assert horizontal_overflow(page) == 0, (path, width)
        hidden = page.evaluate("""[...document.querySelectorAll('.ss-group-table')]
            .map(e => e.scrollWidth - e.clientWidth)""")
        assert all(extra <= 1 for extra in hidden), (path, width, hidden)
        pw_expect(page.locator("article h1")).to_contain_text("Governance")
        save_screenshot(page, f"governance-{path.strip('/').replace('/', '-')}-{width}")
        page.context.close()
