"""The demo site in a real browser: Playwright driving Debian's Chromium.

The repository's own site is built once per session (``demo_site`` in conftest.py) and served
by ``python -m http.server`` on 127.0.0.1. Fixtures and the skip rule are in
browser_support.py.
"""

from __future__ import annotations

import collections
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from browser_support import LOCAL_HOSTS, Browser, Page, Watched, pw_expect, save_screenshot, serve

from scoring.model.cardjson import expand

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(demo_site: Path) -> Iterator[str]:
    with serve(demo_site) as url:
        yield url


HOSTILE_TITLE = "Hostile <img src=x onerror=alert(1)> <script>alert(2)</script> title"
HOSTILE_YAML = f"""\
title: '{HOSTILE_TITLE}'
summary: '"><script>alert(3)</script> <img src=x onerror=alert(4)> [x](javascript:alert(5))'
team: '<svg onload=alert(6)>'
stage: proposed
owner: '<b onmouseover=alert(7)>owner</b>'
links:
  - title: '<script>alert(8)</script>'
    url: 'https://a.b/)[x](javascript:alert(9))'
"""


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from sitekit import MINIMAL_ID, MINIMAL_YAML, build_project, write_site

    root = write_site(
        tmp_path_factory.mktemp("hostile-browser"),
        {
            "hostile": HOSTILE_YAML,
            MINIMAL_ID: MINIMAL_YAML,
            "hostile-invalid": "title: ok title\nsummary: '<script>alert(10)</script>'\n"
            "team: '<img src=x onerror=alert(11)>'\nstage: '<script>'\n",
        },
    )
    with serve(build_project(root)) as url:
        yield url


def demo_cards(demo_site: Path) -> dict[str, dict]:
    payload = json.loads((demo_site / "portfolio" / "portfolio.json").read_text("utf-8"))
    return {c["id"]: c for c in expand(payload)}


def table_column(page: Page, header: str) -> list[str]:
    """The visible cell texts of one column of the portfolio's proposal table."""
    return page.evaluate(
        """(header) => {
            const table = document.querySelector('table.ss-ptable');
            const heads = Array.from(table.tHead.rows[0].cells).map(c => c.textContent.trim());
            const index = heads.indexOf(header);
            return Array.from(table.tBodies[0].rows)
                .filter(r => !r.hidden)
                .map(r => r.cells[index].textContent.trim().split(' ')[0]);
        }""",
        header,
    )


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def test_portfolio_loads_cleanly(watched: Watched, base_url: str, demo_site: Path) -> None:
    page = watched.page
    page.goto(base_url + "portfolio/", wait_until="networkidle")
    pw_expect(page.locator("article h1")).to_contain_text("Portfolio")
    pw_expect(page.locator("svg.ss-quadrant-chart a.ss-point")).to_have_count(
        len(demo_cards(demo_site))
    )
    assert watched.console_errors == []
    assert watched.page_errors == []
    assert watched.failed == []
    remote = [
        u
        for u in watched.requests
        if urlsplit(u).hostname not in LOCAL_HOSTS and not u.startswith("data:")
    ]
    assert remote == [], "the site must work offline"
    assert watched.dialogs == []
    save_screenshot(page, "portfolio")


def test_home_and_proposal_pages_load_cleanly(
    watched: Watched, base_url: str, demo_site: Path
) -> None:
    page = watched.page
    page.goto(base_url, wait_until="networkidle")
    pw_expect(page.locator("article table").first).to_be_visible()
    save_screenshot(page, "home")
    proposal_id, card = max(demo_cards(demo_site).items(), key=lambda kv: kv[1]["priority"])
    page.goto(base_url + f"proposals/{proposal_id}/", wait_until="networkidle")
    pw_expect(page.locator("article h1")).to_contain_text(card["title"])
    pw_expect(page.locator(".ss-scores .ss-score")).to_have_count(5)  # with delivery risk
    save_screenshot(page, "proposal")
    assert watched.console_errors == [] and watched.page_errors == []
    assert watched.failed == []
    assert watched.dialogs == []


def test_clicking_a_header_sorts_the_table(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(base_url + "portfolio/", wait_until="networkidle")
    before = [float(v) for v in table_column(page, "Delivery risk")]
    assert len(set(before)) > 1
    assert before not in (sorted(before), sorted(before, reverse=True)), (
        "the table should not start sorted by risk"
    )
    header = page.locator("table.ss-ptable thead th", has_text=re.compile(r"^Delivery risk$"))
    header.click()
    first = [float(v) for v in table_column(page, "Delivery risk")]
    assert first in (sorted(before), sorted(before, reverse=True))
    header.click()
    second = [float(v) for v in table_column(page, "Delivery risk")]
    assert second == list(reversed(first))
    assert sorted(second) == sorted(before)
    assert header.get_attribute("aria-sort") in ("ascending", "descending")


def test_filter_box_hides_rows(watched: Watched, base_url: str, demo_site: Path) -> None:
    page = watched.page
    page.goto(base_url + "portfolio/", wait_until="networkidle")
    cards = demo_cards(demo_site)
    teams = collections.Counter(c["team"] for c in cards.values())
    team, count = teams.most_common(1)[0]
    assert count < len(cards)
    box = page.locator("form.ss-filterbar input[name=q]")
    pw_expect(box).to_be_visible()
    box.fill(team.lower())
    rows = page.locator("table.ss-ptable tbody tr")
    pw_expect(rows.locator("visible=true")).to_have_count(count)
    for text in rows.locator("visible=true").all_inner_texts():
        assert team.lower() in text.lower()
    pw_expect(page.locator(".ss-chart-summary")).to_contain_text(f"{count} of {len(cards)}")
    box.fill("")
    pw_expect(rows.locator("visible=true")).to_have_count(len(cards))
    box.fill("no-such-proposal-anywhere")
    pw_expect(rows.locator("visible=true")).to_have_count(0)


def test_clicking_a_chart_point_opens_the_proposal(
    watched: Watched, base_url: str, demo_site: Path
) -> None:
    page = watched.page
    page.goto(base_url + "portfolio/", wait_until="networkidle")
    cards = demo_cards(demo_site)
    points = page.locator("svg.ss-quadrant-chart a.ss-point")
    target = None
    for index in range(points.count()):
        marker = points.nth(index).locator("path.ss-marker")
        try:
            marker.click(trial=True, timeout=1_000)  # not hidden under a neighbour
        except Exception:  # hidden under a neighbour: try the next point
            continue
        target = points.nth(index)
        break
    assert target is not None, "no chart point can be clicked"
    proposal_id = target.get_attribute("data-proposal")
    target.locator("path.ss-marker").click()
    page.wait_for_url(re.compile(rf"/proposals/{re.escape(proposal_id)}/?$"))
    pw_expect(page.locator("article h1")).to_contain_text(cards[proposal_id]["title"])


def _open_search(page: Page) -> None:
    page.keyboard.press("/")
    search = page.locator("input.md-search__input")
    try:
        pw_expect(search).to_be_focused(timeout=2_000)
    except AssertionError:
        page.locator("label.md-header__button[for=__search]").click()
        pw_expect(search).to_be_focused()


def _search(page: Page, query: str) -> list[tuple[str, str]]:
    _open_search(page)
    search = page.locator("input.md-search__input")
    search.fill("")
    search.press_sequentially(query, delay=20)
    results = page.locator(".md-search-result__list a.md-search-result__link")
    pw_expect(results.first).to_be_visible()
    hrefs = results.evaluate_all("els => els.map(e => [e.href, e.textContent])")
    return [(h, " ".join(t.split())) for h, t in hrefs]


def test_search_finds_a_proposal_by_title(watched: Watched, base_url: str, demo_site: Path) -> None:
    page = watched.page
    page.goto(base_url, wait_until="networkidle")
    proposal_id, card = max(demo_cards(demo_site).items(), key=lambda kv: kv[1]["priority"])
    results = _search(page, card["title"])
    assert any(f"/proposals/{proposal_id}/" in href for href, _ in results), results[:5]


def _rare_phrase(demo_site: Path, location: str) -> str:
    """Three words from a page that appear in as few other pages as possible."""
    index = json.loads((demo_site / "search" / "search_index.json").read_text("utf-8"))
    pages: dict[str, set[str]] = collections.defaultdict(set)
    for doc in index["docs"]:
        words = re.findall(r"[a-z]{6,}", re.sub(r"<[^>]+>", " ", doc["text"]).lower())
        pages[doc["location"].split("#")[0]].update(words)
    mine = pages[location]
    assert mine, f"{location} is not in the search index"
    spread = {w: sum(1 for p, ws in pages.items() if p != location and w in ws) for w in mine}
    return " ".join(sorted(mine, key=lambda w: (spread[w], w))[:3])


def test_search_finds_a_playbook_by_a_phrase(
    watched: Watched, base_url: str, demo_site: Path
) -> None:
    page = watched.page
    page.goto(base_url, wait_until="networkidle")
    phrase = _rare_phrase(demo_site, "playbooks/data-first/")
    results = _search(page, phrase)
    assert any("/playbooks/data-first/" in href for href, _ in results), (phrase, results[:5])


def test_portfolio_without_javascript(browser: Browser, base_url: str, demo_site: Path) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(base_url + "portfolio/", wait_until="load")
        count = len(demo_cards(demo_site))
        chart = page.locator("svg.ss-quadrant-chart")
        pw_expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 200
        pw_expect(chart.locator("a.ss-point")).to_have_count(count)
        rows = page.locator("table.ss-ptable tbody tr")
        pw_expect(rows).to_have_count(count)
        pw_expect(rows.locator("visible=true")).to_have_count(count)
        pw_expect(page.locator("form.ss-filterbar")).to_be_hidden()  # the enhancement is absent
        save_screenshot(page, "portfolio-no-js")
    finally:
        context.close()


def test_hostile_proposals_run_no_script(watched: Watched, hostile_url: str) -> None:
    """Pages built from hostile proposals open no dialog and show the payloads as text,
    also in Material's search results."""
    page = watched.page
    for path in ("", "portfolio/", "proposals/hostile/", "intake-problems/", "portfolio/by-team/"):
        page.goto(hostile_url + path, wait_until="networkidle")
        page.mouse.move(300, 300)
        page.mouse.move(600, 400)
    page.goto(hostile_url + "proposals/hostile/", wait_until="networkidle")
    pw_expect(page.locator("article h1")).to_contain_text(HOSTILE_TITLE)
    assert page.title().startswith(HOSTILE_TITLE)
    results = _search(page, "Hostile")
    assert any(HOSTILE_TITLE in text for _, text in results), results[:3]
    page.wait_for_timeout(300)
    assert watched.dialogs == [], watched.dialogs
    assert watched.page_errors == []


@pytest.mark.parametrize("width", [1400, 390])
def test_proposal_pages_show_the_placement_sentence_and_ranges(
    browser: Browser, base_url: str, demo_site: Path, width: int
) -> None:
    """Every number explains itself where it appears: the state and the sentence that says
    why, with the thresholds, lead the page, and each score bar shows its range."""
    cards = demo_cards(demo_site)
    chosen = {
        next(pid for pid, c in cards.items() if c["state"] == state)
        for state in ("needs_information", "quick_win")
    }
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        for pid in sorted(chosen):
            card = cards[pid]
            page.goto(f"{base_url}proposals/{pid}/")
            sentence = page.locator("article p strong").first
            assert sentence.is_visible()
            text = sentence.inner_text()
            assert text == card["placement_sentence"]
            assert "against the threshold of 50" in text
            bars = page.locator(".ss-scores .ss-score").all()
            for bar in bars:
                assert bar.locator(".ss-bar").bounding_box()["width"] > 120  # readable
            for bar in bars[:3]:  # delivery risk and risk follow, without a confidence
                assert re.search(r"\d+–\d+ · confidence \d+%", bar.locator(".ss-conf").inner_text())
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if card["state"] == "needs_information":
                # The next steps say which answers could move it, or what raises it.
                assert page.locator("#next").is_visible()
                assert page.locator("#next + ol > li").count() >= 1
        save_screenshot(page, f"proposal-placement-{width}")
    finally:
        context.close()


def _summary_phrases(demo_site: Path, count: int) -> list[tuple[str, str]]:
    """(proposal id, four words in a row from its summary) for `count` proposals drawn at
    random (a fixed seed, so a failure can be replayed)."""
    chosen = []
    for path in sorted((REPO / "content" / "proposals").glob("*.yaml")):
        summary = yaml.safe_load(path.read_text("utf-8")).get("summary") or ""
        words = re.findall(r"[A-Za-z]{4,}", summary)
        if len(words) >= 8:
            chosen.append((path.stem, words))
    picked = random.Random(32).sample(chosen, count)
    phrases = []
    for proposal_id, words in picked:
        start = random.Random(proposal_id).randrange(len(words) - 4)
        phrases.append((proposal_id, " ".join(words[start : start + 4])))
    return phrases


def test_search_finds_a_phrase_from_ten_random_summaries(
    watched: Watched, base_url: str, demo_site: Path
) -> None:
    """Issue 32: what the proposal pages leave to the search index still finds them."""
    page = watched.page
    page.goto(base_url, wait_until="networkidle")
    for proposal_id, phrase in _summary_phrases(demo_site, 10):
        results = _search(page, phrase)
        assert any(f"/proposals/{proposal_id}/" in href for href, _ in results), (
            proposal_id,
            phrase,
            results[:5],
        )
