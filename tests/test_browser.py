"""The demo site in a real browser: Playwright driving Debian's Chromium.

The repository's own site is built once per session (``demo_site`` in conftest.py) and served
by ``python -m http.server`` on 127.0.0.1. Without Chromium (or Playwright) the module is
skipped, unless SWEETSPOT_REQUIRE_BROWSER=1 asks for it to fail instead.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

REQUIRED = os.environ.get("SWEETSPOT_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).parent / ".artifacts"
SHOTS = Path("/tmp/shots")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", ""}


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"SWEETSPOT_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def _chromium() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


CHROMIUM = _chromium()
if CHROMIUM is None:
    _unavailable("Chromium is not installed (looked for `chromium` and /usr/bin/chromium)")
try:
    from playwright.sync_api import Browser, Page, sync_playwright
    from playwright.sync_api import expect as pw_expect
except ImportError:  # pragma: no cover - depends on the environment
    _unavailable("the playwright package is not installed")


# --------------------------------------------------------------------------------------------
# Fixtures: a local HTTP server over the built demo site, and one browser per module
# --------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` with ``python -m http.server`` on 127.0.0.1 and a free port."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("the local HTTP server did not start")
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


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
    from conftest import MINIMAL_ID, MINIMAL_YAML, build_project, write_site

    root = write_site(tmp_path_factory.mktemp("hostile-browser"), {
        "hostile": HOSTILE_YAML, MINIMAL_ID: MINIMAL_YAML,
        "hostile-invalid": "title: ok title\nsummary: '<script>alert(10)</script>'\n"
                           "team: '<img src=x onerror=alert(11)>'\nstage: '<script>'\n"})
    with serve(build_project(root)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        try:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                  args=CHROMIUM_ARGS)
        except Exception as error:  # the binary exists but cannot start
            _unavailable(f"Chromium did not start: {error}")
        try:
            yield instance
        finally:
            instance.close()


class Watched:
    """A page with its console errors, page errors and network traffic recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.console_errors.append(m.text)
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))

        def on_dialog(dialog) -> None:  # an alert() would mean injected script ran
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield Watched(page)
    finally:
        context.close()


def demo_cards(demo_site: Path) -> dict[str, dict]:
    payload = json.loads((demo_site / "portfolio" / "portfolio.json").read_text("utf-8"))
    return {c["id"]: c for c in payload["proposals"]}


def save_screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ignore = ARTIFACTS / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Screenshots from tests/test_browser.py; never committed.\n*\n",
                          encoding="utf-8")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for target, full in ((ARTIFACTS / f"{name}.png", False),
                         (ARTIFACTS / f"{name}-full.png", True)):
        page.screenshot(path=str(target), full_page=full)
        shutil.copy2(target, SHOTS / target.name)


def table_column(page: Page, header: str) -> list[str]:
    """The visible cell texts of one column of the portfolio's proposal table."""
    return page.evaluate(
        """(header) => {
            const table = document.querySelector('[data-ss-filter] table');
            const heads = Array.from(table.tHead.rows[0].cells).map(c => c.textContent.trim());
            const index = heads.indexOf(header);
            return Array.from(table.tBodies[0].rows)
                .filter(r => !r.hidden)
                .map(r => r.cells[index].textContent.trim());
        }""", header)


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------

def test_portfolio_loads_cleanly(watched: Watched, base_url: str, demo_site: Path) -> None:
    page = watched.page
    page.goto(base_url + "portfolio/", wait_until="networkidle")
    pw_expect(page.locator("article h1")).to_contain_text("Portfolio")
    pw_expect(page.locator("svg.ss-quadrant-chart a.ss-point")).to_have_count(
        len(demo_cards(demo_site)))
    assert watched.console_errors == []
    assert watched.page_errors == []
    assert watched.failed == []
    remote = [u for u in watched.requests
              if urlsplit(u).hostname not in LOCAL_HOSTS and not u.startswith("data:")]
    assert remote == [], "the site must work offline"
    assert watched.dialogs == []
    save_screenshot(page, "portfolio")


def test_home_and_proposal_pages_load_cleanly(watched: Watched, base_url: str,
                                              demo_site: Path) -> None:
    page = watched.page
    page.goto(base_url, wait_until="networkidle")
    pw_expect(page.locator("article table").first).to_be_visible()
    save_screenshot(page, "home")
    proposal_id, card = max(demo_cards(demo_site).items(), key=lambda kv: kv[1]["priority"])
    page.goto(base_url + f"proposals/{proposal_id}/", wait_until="networkidle")
    pw_expect(page.locator("article h1")).to_contain_text(card["title"])
    pw_expect(page.locator(".ss-scores .ss-score")).to_have_count(4)
    save_screenshot(page, "proposal")
    assert watched.console_errors == [] and watched.page_errors == []
    assert watched.failed == []
    assert watched.dialogs == []


def test_clicking_a_header_sorts_the_table(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(base_url + "portfolio/", wait_until="networkidle")
    before = [float(v) for v in table_column(page, "Risk")]
    assert len(set(before)) > 1
    assert before not in (sorted(before), sorted(before, reverse=True)), \
        "the table should not start sorted by risk"
    header = page.locator("[data-ss-filter] table thead th", has_text=re.compile(r"^Risk$"))
    header.click()
    first = [float(v) for v in table_column(page, "Risk")]
    assert first in (sorted(before), sorted(before, reverse=True))
    header.click()
    second = [float(v) for v in table_column(page, "Risk")]
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
    box = page.locator("[data-ss-filter] .ss-filter input")
    pw_expect(box).to_be_visible()
    box.fill(team.lower())
    rows = page.locator("[data-ss-filter] table tbody tr")
    pw_expect(rows.locator("visible=true")).to_have_count(count)
    for text in rows.locator("visible=true").all_inner_texts():
        assert team.lower() in text.lower()
    pw_expect(page.locator(".ss-filter-count")).to_contain_text(f"{count} of {len(cards)}")
    box.fill("")
    pw_expect(rows.locator("visible=true")).to_have_count(len(cards))
    box.fill("no-such-proposal-anywhere")
    pw_expect(rows.locator("visible=true")).to_have_count(0)


def test_clicking_a_chart_point_opens_the_proposal(watched: Watched, base_url: str,
                                                   demo_site: Path) -> None:
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


def test_search_finds_a_proposal_by_title(watched: Watched, base_url: str,
                                          demo_site: Path) -> None:
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


def test_search_finds_a_playbook_by_a_phrase(watched: Watched, base_url: str,
                                             demo_site: Path) -> None:
    page = watched.page
    page.goto(base_url, wait_until="networkidle")
    phrase = _rare_phrase(demo_site, "playbooks/data-first/")
    results = _search(page, phrase)
    assert any("/playbooks/data-first/" in href for href, _ in results), (phrase, results[:5])


def test_portfolio_without_javascript(browser: Browser, base_url: str, demo_site: Path) -> None:
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(base_url + "portfolio/", wait_until="load")
        count = len(demo_cards(demo_site))
        chart = page.locator("svg.ss-quadrant-chart")
        pw_expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 200
        pw_expect(chart.locator("a.ss-point")).to_have_count(count)
        rows = page.locator("[data-ss-filter] table tbody tr")
        pw_expect(rows).to_have_count(count)
        pw_expect(rows.locator("visible=true")).to_have_count(count)
        pw_expect(page.locator(".ss-filter")).to_have_count(0)  # the enhancement is absent
        save_screenshot(page, "portfolio-no-js")
    finally:
        context.close()


def test_hostile_proposals_run_no_script(watched: Watched, hostile_url: str) -> None:
    """Pages built from hostile proposals open no dialog and show the payloads as text,
    also in Material's search results."""
    page = watched.page
    for path in ("", "portfolio/", "proposals/hostile/", "intake-problems/",
                 "portfolio/by-team/"):
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
        browser: Browser, base_url: str, demo_site: Path, width: int) -> None:
    """Every number explains itself where it appears: the state and the sentence that says
    why, with the thresholds, lead the page, and each score bar shows its range."""
    cards = demo_cards(demo_site)
    chosen = {next(pid for pid, c in cards.items() if c["state"] == state)
              for state in ("needs_information", "quick_win")}
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
            for bar in page.locator(".ss-scores .ss-score").all():
                assert bar.locator(".ss-bar").bounding_box()["width"] > 120  # readable
                assert re.search(r"\d+–\d+ · confidence \d+%", bar.locator(".ss-conf")
                                 .inner_text())
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if card["state"] == "needs_information":
                assert page.locator("#questions").is_visible()
                assert "Questions that would settle" in page.locator("#questions").inner_text()
        save_screenshot(page, f"proposal-placement-{width}")
    finally:
        context.close()
