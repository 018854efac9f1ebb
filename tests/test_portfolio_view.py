"""The portfolio page as built HTML: the chart (labels, whiskers, density mode), the paged and
per-state tables, rows.json for the filter bar, and headline numbers that agree.

Small N is the repository's demo (20 proposals); large N a synthetic portfolio of 300, past
the chart's density threshold, built once for this module.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from sitekit import build_project, page_of, write_site

from benchmarks.synthetic import write_proposals
from scoring.model.cardjson import expand

SYNTHETIC = 300
# An estimate of glyph widths independent of the chart's own (which is more generous):
# labels must not overlap even measured this way.
CHAR_EM = 0.5


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = write_site(tmp_path_factory.mktemp("portfolio-300"), {})
    write_proposals(root / "content" / "proposals", SYNTHETIC, 13)
    yield build_project(root)


def soup_of(site: Path, src: str) -> BeautifulSoup:
    return BeautifulSoup(page_of(site, src).read_text("utf-8"), "html.parser")


def rows_json(site: Path) -> list[dict]:
    data = json.loads((site / "portfolio" / "rows.json").read_text("utf-8"))
    return [dict(zip(data["fields"], row, strict=True)) for row in data["rows"]]


def cards(site: Path) -> dict[str, dict]:
    payload = json.loads((site / "portfolio" / "portfolio.json").read_text("utf-8"))
    return {c["id"]: c for c in expand(payload)}


def open_items(items: list[str], mask: str) -> list[str]:
    """Decode rows.json's ``open`` (hex digits, four items each, lowest bit first)."""
    bits = "".join(format(int(d, 16), "04b")[::-1] for d in mask)
    return [items[i] for i, bit in enumerate(bits) if bit == "1"]


def chart(soup: BeautifulSoup) -> Tag:
    svg = soup.select_one("svg.ss-quadrant-chart")
    assert svg is not None
    return svg


def marker_at(point: Tag) -> tuple[float, float]:
    group = point.find("g", attrs={"transform": True})
    assert group is not None
    x, y = re.findall(r"[-\d.]+", group["transform"])
    return float(x), float(y)


def label_box(text: Tag) -> tuple[float, float, float, float]:
    x, y, size = float(text["x"]), float(text["y"]), 13.0
    return x, y - size * 0.8, x + len(text.get_text()) * size * CHAR_EM, y + size * 0.2


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def table_ids(soup: BeautifulSoup) -> list[str]:
    return [tr["data-proposal"] for tr in soup.select("table.ss-ptable tbody tr")]


# --------------------------------------------------------------------------------------------


def test_small_chart_labels_every_point_it_can_without_overlap(demo_site: Path) -> None:
    svg = chart(soup_of(demo_site, "portfolio/index.md"))
    assert svg["data-mode"] == "points"
    points = svg.select("a.ss-point")
    assert len(points) == len(cards(demo_site))
    labels = [(p, p.select_one("text.ss-point-label")) for p in points]
    placed = [(p, t) for p, t in labels if t is not None]
    assert len(placed) >= len(points) * 0.7, "most points should be named directly"
    boxes = [label_box(t) for _, t in placed]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not overlap(a, b), (a, b)
    markers = {p["data-proposal"]: marker_at(p) for p in points}
    for point, text in placed:
        box = label_box(text)
        for pid, (x, y) in markers.items():
            if pid != point["data-proposal"]:
                assert not overlap(box, (x - 6, y - 6, x + 6, y + 6)), (text.get_text(), pid)
    # A label is the proposal's title (shortened) or its rank, near its own marker.
    rows = {r["id"]: r for r in rows_json(demo_site)}
    for point, text in placed:
        row = rows[point["data-proposal"]]
        label = text.get_text().rstrip("…")
        assert row["title"].startswith(label) or label == f"#{row['rank']}"
        x, y = markers[point["data-proposal"]]
        box = label_box(text)
        widest = box[0] + len(text.get_text()) * 13 * 0.7  # the widest the text could be
        assert box[0] - 30 < x < widest + 30 and box[1] - 30 < y < box[3] + 30
    # Whiskers show each placed proposal's likely ranges.
    assert len(svg.select("path.ss-whisker")) == len(points)


def test_chart_text_is_large_enough_and_the_strip_is_apart(demo_site: Path) -> None:
    svg = chart(soup_of(demo_site, "portfolio/index.md"))
    width = float(svg["viewbox"].split()[2])  # html.parser lowercases attribute names
    assert 1000 <= width <= 1200  # one unit is about one pixel in a ~1,100 px column
    css = (demo_site / "assets" / "sweetspot" / "sweetspot.css").read_text("utf-8")
    section = css[css.index("Portfolio page") :]
    desktop = section.split("@media (max-width: 44em)")[0]  # rules before the phone layout
    for cls in ("ss-point-label", "ss-tick", "ss-axis", "ss-quadrant-label", "ss-strip-label"):
        sizes = re.findall(rf"\.{cls}[^{{]*\{{[^}}]*font-size: (\d+)px", desktop)
        assert sizes and all(int(s) >= 13 for s in sizes), (cls, sizes)
    strip = svg.select_one("rect.ss-strip")
    plot = svg.select_one("rect.ss-plot")
    assert float(strip["y"]) > float(plot["y"]) + float(plot["height"])
    rows = {r["id"]: r for r in rows_json(demo_site)}
    for point in svg.select("a.ss-point"):
        _, y = marker_at(point)
        inside_strip = float(strip["y"]) <= y <= float(strip["y"]) + float(strip["height"])
        assert inside_strip == (rows[point["data-proposal"]]["state"] == "needs_information")


@pytest.mark.scale
def test_density_mode_at_large_n(big_site: Path) -> None:
    soup = soup_of(big_site, "portfolio/index.md")
    svg = chart(soup)
    assert svg["data-mode"] == "density"
    counts = [int(t.get_text()) for t in svg.select("g.ss-cells g.ss-cell text")]
    assert sum(counts) == SYNTHETIC  # every proposal is in one cell
    assert len(counts) <= 20 * 20 + 20
    rows = rows_json(big_site)
    active = [r for r in rows if r["active"]]
    top = {r["id"] for r in [r for r in active if r["stage"] != "production"][:10]}
    red = {r["id"] for r in active if r["red_flags"]}
    drawn = {a["data-proposal"] for a in svg.select("a.ss-point")}
    assert top <= drawn
    assert drawn <= top | red
    assert len(drawn) <= 25
    desc = svg.select_one("desc").get_text()
    assert len(desc) < 4000, "the text alternative summarises, it does not list everyone"
    for name, count in Counter(r["state"] for r in rows).items():
        label = {"quick_win": "Quick win", "needs_information": "Needs information"}.get(name)
        if label:
            assert f"{label}: {count}." in desc
    assert len(str(svg)) < 80_000


@pytest.mark.scale
def test_paged_tables_reach_every_proposal_and_link_each_other(big_site: Path) -> None:
    rows = rows_json(big_site)
    pages = [
        "portfolio/proposals/index.md",
        "portfolio/proposals/page-2.md",
        "portfolio/proposals/page-3.md",
    ]
    seen: list[str] = []
    for number, src in enumerate(pages, start=1):
        soup = soup_of(big_site, src)
        ids = table_ids(soup)
        assert len(ids) == 100
        seen += ids
        pager = soup.select_one("nav.ss-pager")
        assert pager is not None
        links = [a.get_text(strip=True) for a in pager.select("a")]
        assert pager.select_one("[aria-current=page]").get_text() == str(number)
        others = {str(n) for n in range(1, 4)} - {str(number)}
        assert others <= set(links)
        assert ("← Previous" in links) == (number > 1)
        assert ("Next →" in links) == (number < 3)
    assert not (big_site / "portfolio" / "proposals" / "page-4").exists()
    assert seen == [r["id"] for r in rows], "every proposal once, by priority"
    # Per-state pages, paged beyond 100 rows.
    by_state = Counter(r["state"] for r in rows)
    for state, count in by_state.items():
        ids: list[str] = []
        for n in range(1, (count + 99) // 100 + 1):
            src = (
                f"portfolio/states/{state}.md"
                if n == 1
                else f"portfolio/states/{state}-page-{n}.md"
            )
            ids += table_ids(soup_of(big_site, src))
        assert ids == [r["id"] for r in rows if r["state"] == state]
    # The portfolio page links to them all.
    links = {a["href"] for a in soup_of(big_site, "portfolio/index.md").select("article a")}
    assert any(h.rstrip("/").endswith("proposals") for h in links)
    for state in by_state:
        assert any(h.rstrip("/").endswith(f"states/{state}") for h in links), state


def test_rows_json_has_what_the_filter_bar_needs(demo_site: Path) -> None:
    data = json.loads((demo_site / "portfolio" / "rows.json").read_text("utf-8"))
    rows = rows_json(demo_site)
    full = cards(demo_site)
    assert [r["id"] for r in rows] == sorted(full, key=lambda i: (-full[i]["priority"], i))
    for row in rows:
        card = full[row["id"]]
        assert row["title"] == card["title"] and row["team"] == card["team"]
        assert row["stage"] == card["stage"]
        assert row["impact"] == pytest.approx(card["impact"], abs=0.06)
        assert row["priority"] == pytest.approx(card["priority"], abs=0.06)
        lo, hi = row["impact_range"]
        assert lo <= row["impact"] + 0.1 and row["impact"] <= hi + 0.1
        assert len(row["flags"]) == len(card["flags"])
        # Open pitfall items: the hex mask decodes to exactly the items not answered yes/n/a,
        # for active proposals (as the heatmap counts them).
        expected = {
            f"{cl}.{item}"
            for cl, answers in card["checklists"].items()
            for item, answer in answers.items()
            if answer not in ("yes", "n/a") and card["stage"] not in ("retired", "rejected")
        }
        assert set(open_items(data["items"], row["open"])) == expected
        assert row["risk_class"] in data["classes"]
    assert "{id}" in data["url"]
    assert set(data["states"]) == {
        "quick_win",
        "strategic_bet",
        "incremental",
        "reconsider",
        "needs_information",
    }


def _table_after(soup: BeautifulSoup, anchor: str) -> dict[str, list[str]]:
    heading = soup.find(id=anchor)
    assert heading is not None
    table = heading.find_next("table")
    return {
        tr.find_all("td")[0].get_text(strip=True): [
            td.get_text(strip=True) for td in tr.find_all("td")
        ]
        for tr in table.select("tbody tr")
    }


def test_open_pitfall_filter_finds_what_the_heatmap_counts(demo_site: Path) -> None:
    data = json.loads((demo_site / "portfolio" / "rows.json").read_text("utf-8"))
    payload = json.loads((demo_site / "portfolio" / "portfolio.json").read_text("utf-8"))
    rows = rows_json(demo_site)
    for entry in payload["portfolio"]["open_pitfalls"]:
        key = f"{entry['checklist']}.{entry['item']}"
        found = {r["id"] for r in rows if key in open_items(data["items"], r["open"])}
        assert found == set(entry["proposals"]), key


def test_headline_numbers_agree(demo_site: Path) -> None:
    soup = soup_of(demo_site, "portfolio/index.md")
    text = soup.get_text(" ")
    assert text.count("means every proposal that is not retired or rejected") == 1
    balance = _table_after(soup, "balance")
    value = _table_after(soup, "value-by-quadrant")
    for quadrant, cells in balance.items():
        assert value.get(quadrant, [quadrant, "0"])[1] == cells[1], quadrant
    full = cards(demo_site)
    active = [c for c in full.values() if c["stage"] not in ("retired", "rejected")]
    needs = sum(1 for c in active if c["state"] == "needs_information")
    assert value["Needs information"][1] == str(needs)
    section = soup.find(id="needs-info-summary").find_parent("section")
    answer = " ".join(section.get_text(" ").split())
    assert f"{needs} active" in answer
    # What to fund next: never something already in production or retired.
    fund = soup.find(id="fund-next").find_parent("section")
    funded = [a["href"].rstrip("/").split("/")[-1] for a in fund.select("a[href*='proposals/']")]
    assert funded
    assert all(full[pid]["stage"] not in ("production", "retired", "rejected") for pid in funded)
    expected = sorted(
        (c for c in active if c["stage"] != "production" and c["state"] != "needs_information"),
        key=lambda c: -c["priority"],
    )
    assert funded == [c["id"] for c in expected][: len(funded)]
    # The home page agrees: its top priorities are not in production either.
    home = soup_of(demo_site, "index.md")
    for a in home.select("article table a[href*='proposals/']"):
        assert full[a["href"].rstrip("/").split("/")[-1]]["stage"] != "production"


@pytest.mark.scale
def test_portfolio_page_stays_small(big_site: Path) -> None:
    """Nothing on the page grows with the portfolio but the filter menus: 100 table rows,
    at most 25 drawn proposals and a bounded grid. Measured at 300 and bounded."""
    html = page_of(big_site, "portfolio/index.md").read_text("utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert len(table_ids(soup)) == 100
    assert len(soup.select("svg a.ss-point")) <= 25
    proposal_links = len(re.findall(r'href="[./]*proposals/[a-z0-9-]+/"', html))
    assert proposal_links <= 100 + 25 + 5 + 5 + 20 + 5
    assert len(soup.select("#needs-information ~ * table tbody tr")) <= 20 + 100
    size = len(html.encode())
    assert size < 400_000, size
    # The filter bar's menus (teams, tags, units) are what still grows; extrapolate as if
    # they grew in proportion to the number of proposals, which overstates it.
    form = soup.select_one("form.ss-filterbar")
    assert form is not None
    growth = len(str(form).encode()) / SYNTHETIC
    assert size + growth * (5000 - SYNTHETIC) < 1_000_000, (size, growth)


@pytest.mark.slow
def test_units_in_the_filter_bar_and_links(tmp_path: Path) -> None:
    from sitekit import MINIMAL_YAML, make_site

    site = make_site(
        tmp_path,
        {
            "a-one": MINIMAL_YAML + "org: [Energy, Science]\n",
            "a-two": MINIMAL_YAML.replace("Suggest", "Propose") + "org: [Energy, Grid]\n",
            "a-three": MINIMAL_YAML.replace("Suggest", "Offer") + "tags: [forecasting]\n",
        },
    )
    soup = soup_of(site, "portfolio/index.md")
    units = [o["value"] for o in soup.select("form.ss-filterbar select[name=unit] option")]
    assert units == ["", "Energy", "Energy/Grid", "Energy/Science"]
    tags = [o["value"] for o in soup.select("form.ss-filterbar select[name=tag] option")]
    assert tags == ["", "forecasting"]
    assert any(a["href"].rstrip("/").endswith("units") for a in soup.select("article a"))
    org = {r["id"]: r["org"] for r in rows_json(site)}
    assert org == {"a-one": ["Energy", "Science"], "a-two": ["Energy", "Grid"], "a-three": []}
    # Every page of the paged table and of each state exists even for a tiny portfolio.
    assert len(table_ids(soup_of(site, "portfolio/proposals/index.md"))) == 3
    for state in ("quick_win", "strategic_bet", "incremental", "reconsider", "needs_information"):
        assert page_of(site, f"portfolio/states/{state}.md").is_file()
