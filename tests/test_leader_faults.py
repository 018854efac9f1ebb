"""The small faults a newcomer saw on the leaders' pages (issue 32, "Also seen"):

1. the balance is not judged from a handful of placed proposals;
2. a proposal that is Reconsider because of a red flag says so wherever it sits, and a chart
   label is nearer its own marker than any other;
3. the large-portfolio chart (density cells): ranks read "#3" and counts stay bare and clear
   of markers, markers keep the legend's colours, quadrant names stay above the markers, the
   states' counts follow the filters, and the table's sort order is kept in the address;
4. pitfall answers are words, not empty-looking boxes, and "retired (inactive)" stays inside
   its card at 390 px.

Screenshots (tests/.artifacts/screenshots): leader-faults-demo-{1400,390},
leader-faults-density-{1400,390}, leader-faults-pitfall-{1400,390}.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import Browser, Page, pw_expect, save_screenshot, serve
from bs4 import BeautifulSoup, Tag
from sitekit import MINIMAL_YAML, REPO, build_project, make_site, page_of, write_site

from scoring.portfolio.summary import can_judge
from scoring.rubric import load_rubric
from scoring.rubric.definitions import BalanceJudgement
from scoring.site.chart import CHAR_W, LABEL_FONT, MARKER_R

BIG = 300  # past the chart's density threshold of 150
DRAFTS = 10  # early drafts added to the demo's 17 active proposals (12 of them placed)


def soup_of(site: Path, src: str) -> BeautifulSoup:
    return BeautifulSoup(page_of(site, src).read_text("utf-8"), "html.parser")


def rows_json(site: Path) -> list[dict]:
    data = json.loads((site / "portfolio" / "rows.json").read_text("utf-8"))
    return [dict(zip(data["fields"], row, strict=True)) for row in data["rows"]]


def one(tag: Tag, selector: str) -> Tag:
    found = tag.select_one(selector)
    assert found is not None, f"nothing matches {selector}"
    return found


def chart_of(soup: BeautifulSoup) -> Tag:
    svg = soup.select_one("svg.ss-quadrant-chart")
    assert svg is not None, "the portfolio page has no chart"
    return svg


def marker_at(point: Tag) -> tuple[float, float]:
    group = point.find("g", attrs={"transform": True})
    assert isinstance(group, Tag)
    x, y = re.findall(r"[-\d.]+", str(group["transform"]))
    return float(x), float(y)


def label_box(text: Tag) -> tuple[float, float, float, float]:
    """The box the chart reserves for a label (chart.py's text_width, baseline 4 above)."""
    x, y = float(str(text["x"])), float(str(text["y"]))
    width = len(text.get_text()) * LABEL_FONT * CHAR_W + 2
    return x - 1, y - LABEL_FONT + 2, x - 1 + width, y + 4


def distance(box: tuple[float, float, float, float], x: float, y: float) -> float:
    return math.hypot(max(box[0] - x, 0, x - box[2]), max(box[1] - y, 0, y - box[3]))


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# --------------------------------------------------------------------------------------------
# 1. The balance is judged only from enough placed proposals
# --------------------------------------------------------------------------------------------


def test_the_rubric_says_when_balance_can_be_judged() -> None:
    rule = load_rubric().judge_from
    assert rule == BalanceJudgement(placed=10, share=0.5)
    assert not can_judge(12, 1_992, rule)  # the portfolio: 12 placed of 1,992
    assert can_judge(12, 17, rule)  # the demo: 12 of 17 placed
    assert not can_judge(9, 9, rule)  # every one placed, but too few to speak of a mix


@pytest.mark.slow
def test_portfolio_with_few_placed_says_balance_cannot_be_judged(tmp_path: Path) -> None:
    proposals = {p.name: p.read_text("utf-8") for p in (REPO / "content/proposals").glob("*.yaml")}
    for n in range(DRAFTS):
        proposals[f"early-draft-{n}"] = MINIMAL_YAML.replace(
            "spare parts", f"spare parts, draft {n}"
        )
    site = make_site(tmp_path, proposals)
    text = " ".join(soup_of(site, "portfolio/index.md").get_text(" ").split())
    sentence = (
        "Balance cannot be judged yet: 12 of 27 active proposals are placed; it needs at "
        "least 10 placed and half of the active ones."
    )
    assert text.count(sentence) >= 2, "the leader answer and the Balance section say why"
    for verdict in ("In balance", "is in balance", "out of balance", "too many", "too few"):
        assert verdict not in text, verdict
    assert "not judged" in text  # the balance table's status column
    home = " ".join(soup_of(site, "index.md").get_text(" ").split())
    assert "out of balance" not in home
    payload = json.loads((site / "portfolio" / "portfolio.json").read_text("utf-8"))
    balance = payload["portfolio"]["balance"]
    assert balance["judged"] is False
    assert balance["judge_from"] == {"placed": 10, "share": 0.5}


def test_the_demo_is_still_judged(demo_site: Path) -> None:
    text = " ".join(soup_of(demo_site, "portfolio/index.md").get_text(" ").split())
    assert "In balance: every quadrant's share of the 12 placed active proposals" in text
    assert "cannot be judged" not in text


# --------------------------------------------------------------------------------------------
# 2. Reconsider because of a red flag; labels by their own markers
# --------------------------------------------------------------------------------------------


def test_reconsider_by_a_red_flag_says_why(demo_site: Path) -> None:
    rows = {r["id"]: r for r in rows_json(demo_site)}
    forced = [pid for pid, r in rows.items() if r["by_red_flag"] == 1]
    assert forced == ["first-order-fraud-screen"]  # placed as a strategic bet by its scores
    assert rows["warehouse-applicant-screening"]["by_red_flag"] == 0  # sits in Reconsider
    soup = soup_of(demo_site, "portfolio/index.md")
    row = soup.select_one('table.ss-ptable tr[data-proposal="first-order-fraud-screen"]')
    assert row is not None
    assert one(row, ".ss-badge.ss-q-reconsider").get_text() == "Reconsider (red flag)"
    point = chart_of(soup).select_one('a.ss-point[data-proposal="first-order-fraud-screen"]')
    assert point is not None
    assert "Reconsider (red flag)" in one(point, "title").get_text()
    legend = one(soup, "figcaption.ss-legend").get_text(" ")
    assert "red flag: Reconsider, wherever the scores place it" in legend


def test_each_label_is_nearer_its_own_marker_than_any_other(demo_site: Path) -> None:
    points = chart_of(soup_of(demo_site, "portfolio/index.md")).select("a.ss-point")
    markers = {str(p["data-proposal"]): marker_at(p) for p in points}
    labelled = 0
    for point in points:
        text = point.select_one("text.ss-point-label")
        if text is None:
            continue
        labelled += 1
        box, own = label_box(text), str(point["data-proposal"])
        mine = distance(box, *markers[own])
        for other, (x, y) in markers.items():
            if other != own:
                assert distance(box, x, y) > mine, (text.get_text(), own, "nearer", other)
    assert labelled >= len(points) * 0.6


# --------------------------------------------------------------------------------------------
# 3. The large-portfolio chart
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from benchmarks.synthetic import write_proposals

    root = write_site(tmp_path_factory.mktemp("leader-big"), {})
    write_proposals(root / "content" / "proposals", BIG, 13)
    return build_project(root)


@pytest.mark.scale
def test_density_ranks_carry_a_hash_and_counts_are_clear_of_markers(big_site: Path) -> None:
    svg = chart_of(soup_of(big_site, "portfolio/index.md"))
    assert svg["data-mode"] == "density"
    points = svg.select("a.ss-point")
    assert points
    labels = [t.get_text() for t in svg.select("text.ss-point-label")]
    ranks = [t for t in labels if not t.startswith("Synthetic")]
    assert ranks and all(re.fullmatch(r"#\d+", t) for t in ranks), ranks
    counts = [t.get_text() for t in svg.select(".ss-cell text")]
    assert counts and all(c.isdigit() for c in counts)
    # What a marker covers: its halo, or its red-flag ring (r 11, stroke 2.5).
    covered = []
    for cell in svg.select("g.ss-cell"):
        text = one(cell, "text")
        x, y = float(str(text["x"])), float(str(text["y"])) - 5  # middle of the digits
        half = len(text.get_text()) * LABEL_FONT * CHAR_W / 2 + 1
        box = (x - half, y - 6, x + half, y + 7)
        for point in points:
            mx, my = marker_at(point)
            reach = 12 if "ss-redflag" in point["class"] else MARKER_R + 2
            if overlap(box, (mx - reach, my - reach, mx + reach, my + reach)):
                # A cell with markers on every side keeps its count in the middle.
                covered.append((text.get_text(), point["data-proposal"]))
    assert len(covered) <= 1, covered
    # Markers keep the legend's look: one shape per stage, no colour of their own.
    css = (big_site / "assets" / "sweetspot" / "sweetspot.css").read_text("utf-8")
    assert ".ss-mode-density .ss-point .ss-marker" not in css
    caption = svg.find_next("figcaption")
    assert isinstance(caption, Tag)
    legend = {
        str(item["data-stage"]): one(item, "path")
        for item in caption.select(".ss-legend-item[data-stage]")
    }
    for point in points:
        marker = one(point, "path.ss-marker")
        stage = next(c[len("ss-stage-") :] for c in point["class"] if c.startswith("ss-stage-"))
        assert marker["d"] == legend[stage]["d"]
        assert marker.get("class") == legend[stage].get("class")


BIG_PAGE_STATE = """() => {
    const svg = document.querySelector('svg.ss-quadrant-chart');
    const names = Array.from(svg.querySelectorAll('.ss-quadrant-label'));
    const last = svg.lastElementChild;
    const colour = (sel) => { const el = document.querySelector(sel);
        return el ? getComputedStyle(el).fill : null; };
    return {
        namesOnTop: last.classList.contains('ss-quadrant-names') && names.every(
            n => last.contains(n)),
        haloed: names.every(n => getComputedStyle(n).paintOrder.startsWith('stroke')),
        filledMarker: colour('svg.ss-quadrant-chart .ss-point path.ss-marker.ss-filled'),
        filledLegend: colour('.ss-legend-item path.ss-marker.ss-filled'),
        hollowMarker: colour('svg.ss-quadrant-chart .ss-point path.ss-marker:not(.ss-filled)'),
        hollowLegend: colour('.ss-legend-item path.ss-marker:not(.ss-filled)'),
    };
}"""


@pytest.fixture(scope="module")
def big_url(big_site: Path) -> Iterator[str]:
    with serve(big_site) as url:
        yield url


def open_page(browser: Browser, url: str, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="networkidle")
    assert errors == []
    return page


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 390])
def test_density_chart_in_a_browser(browser: Browser, big_url: str, width: int) -> None:
    page = open_page(browser, big_url + "portfolio/", width)
    pw_expect(page.locator("form.ss-filterbar")).to_be_visible()
    state = page.evaluate(BIG_PAGE_STATE)
    assert state["namesOnTop"] and state["haloed"], state
    assert state["filledMarker"] == state["filledLegend"], state
    assert state["hollowMarker"] == state["hollowLegend"], state
    page.locator("figure.ss-chart").scroll_into_view_if_needed()
    save_screenshot(page, f"leader-faults-density-{width}")


@pytest.mark.browser
def test_state_counts_follow_the_filters_and_sort_is_kept(browser: Browser, big_url: str) -> None:
    page = open_page(browser, big_url + "portfolio/", 1400)
    pw_expect(page.locator("form.ss-filterbar")).to_be_visible()
    count = page.locator('.ss-state-count[data-state="quick_win"]')
    total = count.get_attribute("data-all")
    assert count.inner_text() == f"{total}, all stages"
    page.select_option('form.ss-filterbar select[name="state"]', "reconsider")
    pw_expect(count).to_have_text(f"0 of {total} match the filters")
    reconsider = page.locator('.ss-state-count[data-state="reconsider"]')
    pw_expect(reconsider).to_have_text(re.compile(r"^[1-9]\d* of \d+ match the filters$"))
    page.click("form.ss-filterbar button[type=reset]")
    pw_expect(count).to_have_text(f"{total}, all stages")
    # Sorting writes the column and direction into the address...
    page.focus('th[data-key="impact"] button.ss-sort')  # by keyboard: the header bar is sticky
    page.keyboard.press("Enter")
    page.wait_for_function("location.search.includes('sort=impact')")
    assert "dir=desc" in page.evaluate("location.search")
    # ...and a link with them opens the table sorted that way.
    page.goto(big_url + "portfolio/?sort=impact&dir=asc#proposals", wait_until="networkidle")
    header = page.locator('th[data-key="impact"]')
    pw_expect(header).to_have_attribute("aria-sort", "ascending")
    impacts = page.eval_on_selector_all(
        "table.ss-ptable tbody tr td:nth-child(5)",
        "cells => cells.map(c => parseFloat(c.firstChild.textContent))",
    )
    assert len(impacts) > 10 and impacts == sorted(impacts), impacts[:10]


# --------------------------------------------------------------------------------------------
# 4. Pitfall answers and inactive stages on a phone; the demo's screenshots
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_url(demo_site: Path) -> Iterator[str]:
    with serve(demo_site) as url:
        yield url


ANSWER_LOOK = """() => Array.from(document.querySelectorAll('table.ss-open td .ss-reply'))
    .map(s => { const st = getComputedStyle(s);
        return [s.textContent, st.borderTopStyle, st.borderTopWidth, st.fontWeight]; })"""

INACTIVE_INSIDE = """() => Array.from(document.querySelectorAll('table.ss-ptable tr'))
    .filter(tr => tr.querySelector('.ss-inactive'))
    .map(tr => { const card = tr.getBoundingClientRect();
        const word = tr.querySelector('.ss-inactive').getBoundingClientRect();
        return [tr.dataset.proposal, word.right <= card.right + 0.5]; })"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 390])
def test_pitfall_answers_are_words_not_boxes(browser: Browser, demo_url: str, width: int) -> None:
    page = open_page(browser, demo_url + "pitfalls/data/", width)
    looks = page.evaluate(ANSWER_LOOK)
    assert looks, "no open answers on the data pitfalls page"
    for text, style, border, weight in looks:
        assert text in ("no", "partial", "unknown")
        assert style == "none" or border == "0px", (text, style, border)
        assert int(weight) >= 600
    save_screenshot(page, f"leader-faults-pitfall-{width}")


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 390])
def test_inactive_stage_stays_inside_its_card(browser: Browser, demo_url: str, width: int) -> None:
    page = open_page(browser, demo_url + "portfolio/", width)
    inside = page.evaluate(INACTIVE_INSIDE)
    assert len(inside) >= 1
    assert all(ok for _, ok in inside), inside
    page.locator("figure.ss-chart").scroll_into_view_if_needed()
    save_screenshot(page, f"leader-faults-demo-{width}")
