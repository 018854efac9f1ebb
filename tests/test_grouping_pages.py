"""Grouping and reference pages: teams, stages and organisation units with a roll-up at each
level, paged lists, pitfall pages whose size does not grow with the portfolio, and the
proposal format reference grouped by section.

Sites are real builds (strict): the four sample proposals, and a synthetic portfolio of 300
proposals (benchmarks/synthetic.py) given many teams, hostile team names and a unit tree.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml
from browser_support import Browser, horizontal_overflow, save_screenshot, serve
from bs4 import BeautifulSoup, Tag
from sitekit import logged_build, page_of, write_site

from benchmarks.synthetic import write_proposals
from scoring.model.cardjson import expand
from scoring.rubric import STATES, load_rubric

pytestmark = pytest.mark.scale  # most tests read one 300-proposal site

RUBRIC = load_rubric(None)
INACTIVE = ("retired", "rejected")
BIG_TEAM = "Platform"  # 150 proposals: its page is paged
BIG_UNIT = ("Agency A", "Bureau 1")  # 120 proposals directly in it: paged
HOSTILE_TEAMS = (
    "<script>alert(1)</script>",
    "R&D",
    "R D",
    "R D 2",
    "Risk page 2",
    "Index",
    "日本語",
    "../../etc/passwd",
    "Ops | [x](javascript:alert(1)) {#evil}",
)


def team_of(i: int) -> str:
    if i < 150:
        return BIG_TEAM
    if i < 150 + len(HOSTILE_TEAMS):
        return HOSTILE_TEAMS[i - 150]
    return f"Team {i % 120:03d}"  # about 110 small teams: the team index has two pages


def org_of(i: int) -> list[str] | None:
    if i < 120:
        return list(BIG_UNIT)
    if i < 160:
        return ["Agency A"]
    if i < 220:
        return ["Agency B", "Office X", "Lab"] if i % 2 else ["Agency B", "Office Y"]
    return None


def synthetic(tmp: Path, n: int) -> dict[str, str]:
    """``n`` synthetic proposals with the teams and units above, as id → YAML text."""
    folder = tmp / "generated"
    write_proposals(folder, n, seed=13)
    texts = {}
    for i, path in enumerate(sorted(folder.glob("*.yaml"))):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["team"] = team_of(i)
        org = org_of(i)
        if org:
            data["org"] = org
        texts[path.stem] = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return texts


def build(tmp: Path, proposals: dict[str, str]) -> Path:
    root = write_site(tmp, proposals)
    outcome = logged_build(root, strict=True)
    assert outcome.error is None, outcome.warnings
    assert outcome.site_dir is not None
    return outcome.site_dir


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Any]]]:
    """The 300-proposal site and each proposal's data (YAML, with its scored card)."""
    tmp = tmp_path_factory.mktemp("grouping-300")
    texts = synthetic(tmp, 300)
    site = build(tmp / "site", texts)
    cards = {
        c["id"]: c
        for c in expand(json.loads((site / "portfolio" / "portfolio.json").read_text("utf-8")))
    }
    data = {pid: {**yaml.safe_load(text), "card": cards[pid]} for pid, text in texts.items()}
    return site, data


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("grouping-50")
    return build(tmp / "site", synthetic(tmp, 50))


# --------------------------------------------------------------------------------------------
# Reading built pages
# --------------------------------------------------------------------------------------------


def soup(file: Path) -> BeautifulSoup:
    return BeautifulSoup(file.read_text(encoding="utf-8"), "html.parser")


def article(file: Path) -> Tag:
    found = soup(file).select_one("article")
    assert found is not None, file
    return found


def text(node: Tag) -> str:
    return " ".join(node.get_text(" ", strip=True).split())


def heading(node: Tag) -> str:
    """A heading's text without its permalink mark."""
    found = node.find("h1")
    assert found is not None
    for mark in found.select("a.headerlink"):
        mark.decompose()
    return text(found)


def target(site: Path, page: Path, href: str) -> Path:
    """The HTML file a relative link opens; it must exist inside the site."""
    parts = urlsplit(href)
    assert not parts.scheme and not parts.netloc, href
    path = (page.parent / unquote(parts.path)).resolve()
    if path.is_dir():
        path = path / "index.html"
    assert path.is_relative_to(site.resolve()), href
    assert path.is_file(), f"{href} on {page.relative_to(site)} does not resolve"
    return path


def all_pages(site: Path, first: Path) -> list[Path]:
    """A paged list's pages, found by following every pager link from its first page."""
    seen = [first]
    for page in seen:
        for a in article(page).select(".ss-pager a"):
            found = target(site, page, a["href"])
            if found not in seen:
                seen.append(found)
    return seen


def proposals_listed(site: Path, page: Path) -> list[str]:
    """The proposal ids a grouping page's proposals table links to, in order."""
    table = article(page).select_one("table.ss-cards:not(.ss-rollups)")
    if table is None:
        return []
    return [target(site, page, a["href"]).parent.name for a in table.select("tbody th a")]


def rollup_rows(page: Path) -> list[dict[str, str]]:
    """The rows of an index of groups, cell by cell under their header."""
    table = article(page).select_one("table.ss-rollups")
    assert table is not None, page
    headers = [text(th) for th in table.select("thead th")]
    rows = []
    for tr in [*table.select("tbody tr"), *table.select("tfoot tr")]:
        cells = [text(c) for c in tr.find_all(["th", "td"])]
        rows.append(
            dict(zip(headers, cells, strict=True))
            | {"_href": (tr.find("a") or {}).get("href", ""), "_foot": tr.parent.name == "tfoot"}
        )
    return rows


def number(value: str) -> float:
    cleaned = value.replace(",", "").split()[-1]
    return 0.0 if cleaned in ("–", "0") else float(cleaned)


# --------------------------------------------------------------------------------------------
# Teams
# --------------------------------------------------------------------------------------------


def team_index(site: Path) -> list[dict[str, Any]]:
    rows = []
    for page in all_pages(site, page_of(site, "portfolio/by-team.md")):
        for row in rollup_rows(page):
            if not row["_foot"]:
                rows.append(row | {"_page": page})
    return rows


def test_team_index_rolls_up_to_the_portfolio_totals(big: tuple[Path, dict]) -> None:
    site, data = big
    pages = all_pages(site, page_of(site, "portfolio/by-team.md"))
    assert len(pages) == 2  # more than 100 teams: paged
    rows = team_index(site)
    teams = Counter(d["team"] for d in data.values())
    assert sorted(r["Team"] for r in rows) == sorted(teams)
    assert [int(r["Proposals"]) for r in rows] == sorted(
        (int(r["Proposals"]) for r in rows), reverse=True
    )  # largest first
    foot = next(r for r in rollup_rows(pages[0]) if r["_foot"])
    active = [d for d in data.values() if d["stage"] not in INACTIVE]
    assert int(foot["Proposals"]) == sum(int(r["Proposals"]) for r in rows) == len(data)
    assert int(foot["Active"]) == sum(int(r["Active"]) for r in rows) == len(active)
    for state in STATES:
        name = RUBRIC.state_name(state)
        expected = sum(1 for d in active if d["card"]["state"] == state)
        if not expected:  # a column of zeros says nothing: left out
            assert name not in foot, state
            continue
        assert int(foot[name]) == sum(int(r[name]) for r in rows) == expected, state
    running = sum(1 for d in active if d["stage"] == "production")
    assert int(foot["In production"]) == sum(int(r["In production"]) for r in rows) == running
    red = sum(1 for d in active if any(f["severity"] == "red" for f in d["card"]["flags"]))
    assert int(foot["Red-flagged"]) == sum(int(r["Red-flagged"]) for r in rows) == red
    high = sum(1 for d in active if d["card"]["risk_class"] == "high")
    assert int(foot["High risk class"]) == sum(int(r["High risk class"]) for r in rows) == high
    for row in rows:
        team = [d for d in data.values() if d["team"] == row["Team"]]
        assert int(row["Proposals"]) == len(team)
        team_active = [d for d in team if d["stage"] not in INACTIVE]
        if team_active:
            mean = sum(d["card"]["priority"] for d in team_active) / len(team_active)
            assert abs(number(row["Mean priority"]) - mean) <= 1.0, row["Team"]
        else:
            assert row["Mean priority"] == "–"


def test_each_team_page_lists_exactly_its_proposals(big: tuple[Path, dict]) -> None:
    site, data = big
    for row in team_index(site):
        first = target(site, row["_page"], row["_href"])
        pages = all_pages(site, first)
        listed = [pid for page in pages for pid in proposals_listed(site, page)]
        expected = {pid for pid, d in data.items() if d["team"] == row["Team"]}
        assert len(listed) == len(set(listed)) and set(listed) == expected, row["Team"]
        for page in pages:
            assert len(proposals_listed(site, page)) <= 100
        # Active proposals first, by priority.
        order = [(data[pid]["stage"] in INACTIVE, -data[pid]["card"]["priority"]) for pid in listed]
        assert order == sorted(order), row["Team"]
        assert heading(article(first)) == row["Team"]


def test_a_large_team_is_paged_and_every_page_links_to_every_other(big: tuple[Path, dict]) -> None:
    site, _data = big
    row = next(r for r in team_index(site) if r["Team"] == BIG_TEAM)
    pages = all_pages(site, target(site, row["_page"], row["_href"]))
    assert [p.parent.name for p in pages] == ["platform", "platform-page-2"]
    assert [len(proposals_listed(site, p)) for p in pages] == [100, 50]
    for page in pages:
        linked = {target(site, page, a["href"]) for a in article(page).select(".ss-pager a")}
        assert linked | {page} == set(pages)
        assert "of 150" in text(article(page).select_one(".ss-pager"))


def test_hostile_team_names_are_escaped_and_slugged_safely(big: tuple[Path, dict]) -> None:
    site, _ = big
    rows = {r["Team"]: r for r in team_index(site)}
    slugs = []
    for name in HOSTILE_TEAMS:
        assert name in rows, name  # shown as typed, as text
        first = target(site, rows[name]["_page"], rows[name]["_href"])
        slug = first.parent.name
        assert first.parent.parent == (site / "portfolio" / "teams").resolve(), name
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug
        assert slug != "index" and not re.search(r"-page-\d+$", slug), slug
        slugs.append(slug)
        node = article(first)
        assert heading(node) == name
        assert node.find("script") is None and node.find(id="evil") is None
        assert not node.select("a[href^='javascript']")
    assert len(set(slugs)) == len(slugs)
    # The page of 'Risk page 2' cannot take the place of a team's second page.
    assert rows["Risk page 2"]["_href"].rstrip("/").rsplit("/", 1)[-1] != "risk-page-2"


# --------------------------------------------------------------------------------------------
# Stages and organisation units
# --------------------------------------------------------------------------------------------


def test_stage_index_and_pages(big: tuple[Path, dict]) -> None:
    site, data = big
    index = page_of(site, "portfolio/by-stage.md")
    rows = [r for r in rollup_rows(index) if not r["_foot"]]
    stages = Counter(d["stage"] for d in data.values())
    order = (
        "idea",
        "proposed",
        "approved",
        "incubating",
        "pilot",
        "production",
        "retired",
        "rejected",
    )
    assert [r["Stage"] for r in rows] == [s for s in order if s in stages]
    for row in rows:
        assert int(row["Proposals"]) == stages[row["Stage"]]
        pages = all_pages(site, target(site, index, row["_href"]))
        listed = [pid for page in pages for pid in proposals_listed(site, page)]
        assert sorted(listed) == sorted(
            pid for pid, d in data.items() if d["stage"] == row["Stage"]
        )
        if row["Stage"] in INACTIVE:
            assert int(row["Active"]) == 0


def unit_rollup(page: Path) -> dict[str, str]:
    node = article(page)
    return {
        text(dt): text(dd)
        for dt, dd in zip(
            node.select("dl.ss-rollup dt"), node.select("dl.ss-rollup dd"), strict=True
        )
    }


def test_unit_pages_roll_up_at_each_level(big: tuple[Path, dict]) -> None:
    site, data = big
    index = page_of(site, "portfolio/units/index.md")
    tops = {r["Unit"]: r for r in rollup_rows(index) if not r["_foot"]}
    assert set(tops) == {"Agency A", "Agency B"}

    def under(path: tuple[str, ...]) -> list[dict]:
        return [d for d in data.values() if tuple(d.get("org") or ())[: len(path)] == path]

    agency_b = target(site, index, tops["Agency B"]["_href"])
    assert int(tops["Agency B"]["Proposals"]) == len(under(("Agency B",)))
    assert unit_rollup(agency_b)["Proposals"] == str(len(under(("Agency B",))))
    subunits = {r["Sub-unit"]: r for r in rollup_rows(agency_b)}
    assert set(subunits) == {"Office X", "Office Y"}
    # Each level's roll-up adds up from the level below.
    for column in ("Proposals", "Active", "Red-flagged", "High risk class"):
        assert sum(int(r[column]) for r in subunits.values()) == int(tops["Agency B"][column])
    lab_parent = target(site, agency_b, subunits["Office X"]["_href"])
    lab = target(site, lab_parent, rollup_rows(lab_parent)[0]["_href"])
    trail = [text(a) for a in article(lab).select(".ss-trail a")]
    assert trail == ["Organisation units", "Agency B", "Office X"]
    assert sorted(proposals_listed(site, lab)) == sorted(
        pid for pid, d in data.items() if d.get("org") == ["Agency B", "Office X", "Lab"]
    )
    # A unit with more than 100 proposals of its own is paged.
    agency_a = target(site, index, tops["Agency A"]["_href"])
    bureau = target(site, agency_a, rollup_rows(agency_a)[0]["_href"])
    pages = all_pages(site, bureau)
    assert len(pages) == 2
    listed = [pid for page in pages for pid in proposals_listed(site, page)]
    assert sorted(listed) == sorted(
        pid for pid, d in data.items() if tuple(d.get("org") or ()) == BIG_UNIT
    )
    # Agency A's pages list every proposal in it and in its sub-units (issue 25).
    in_a = [pid for page in all_pages(site, agency_a) for pid in proposals_listed(site, page)]
    assert sorted(in_a) == sorted(
        pid for pid, d in data.items() if tuple(d.get("org") or ())[:1] == ("Agency A",)
    )


# --------------------------------------------------------------------------------------------
# Pitfall pages
# --------------------------------------------------------------------------------------------


def test_pitfall_pages_list_the_top_ten_and_link_to_the_filtered_table(
    big: tuple[Path, dict],
) -> None:
    site, data = big
    portfolio = page_of(site, "portfolio/index.md").resolve()
    active = {pid: d for pid, d in data.items() if d["stage"] not in INACTIVE}
    for checklist in RUBRIC.checklists:
        page = page_of(site, f"pitfalls/{checklist.slug}.md")
        node = article(page)
        for item in checklist.items:
            heading = node.find(id=item.id.replace("_", "-"))
            assert heading is not None, item.id
            section: list[Tag] = []
            for sibling in heading.find_next_siblings():
                if sibling.name in ("h2", "h3"):
                    break
                section.append(sibling)
            open_ids = {
                pid
                for pid, d in active.items()
                if d["card"]["checklists"][checklist.id][item.id] in ("no", "partial", "unknown")
            }
            applicable = sum(
                1
                for d in active.values()
                if d["card"]["checklists"][checklist.id][item.id] != "n/a"
            )
            listed = [
                target(site, page, a["href"]).parent.name
                for el in section
                for a in el.select("table a")
            ]
            assert len(listed) == min(10, len(open_ids)), item.id
            top = sorted(open_ids, key=lambda p: (-active[p]["card"]["priority"], p))[:10]
            assert listed == top, item.id
            words = " ".join(text(el) for el in section)
            assert f"Open in {len(open_ids)} of {applicable}" in words, item.id
            links = [
                a["href"] for el in section for a in el.find_all("a", href=True) if "?" in a["href"]
            ]
            assert len(links) == 1, item.id
            parts = urlsplit(links[0])
            assert parse_qs(parts.query) == {"open": [f"{checklist.id}.{item.id}"]}
            assert parts.fragment == "proposals"
            assert target(site, page, links[0]) == portfolio


def test_pitfall_page_size_does_not_grow_with_the_portfolio(
    big: tuple[Path, dict], small: Path
) -> None:
    site, _ = big
    for checklist in RUBRIC.checklists:
        at_300 = len(str(article(page_of(site, f"pitfalls/{checklist.slug}.md"))))
        at_50 = len(str(article(page_of(small, f"pitfalls/{checklist.slug}.md"))))
        # Six times the proposals; listing them all would make the page several times
        # larger. Only counts, the top ten and their titles' lengths may differ.
        assert at_300 < at_50 * 1.25, (checklist.id, at_50, at_300)
        assert at_300 < 80_000, (checklist.id, at_300)


# --------------------------------------------------------------------------------------------
# Proposal format reference
# --------------------------------------------------------------------------------------------


def schema_paths(schema: dict, prefix: str = "") -> list[str]:
    found = []
    for name, spec in schema.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        found.append(path)
        if spec.get("type") == "object":
            found += schema_paths(spec, path)
        items = spec.get("items")
        if isinstance(items, dict) and items.get("type") == "object":
            found += schema_paths(items, f"{path}[]")
    return found


def test_format_reference_lists_every_field_under_its_section(big: tuple[Path, dict]) -> None:
    site, _ = big
    schema = json.loads((site / "schema" / "proposal.schema.json").read_text("utf-8"))
    page = page_of(site, "reference/proposal-format.md")
    node = article(page)
    sections = {h2["id"]: text(h2).rstrip("¶ ").strip() for h2 in node.find_all("h2")}
    # The table of contents lists every section of fields.
    toc = [a["href"].lstrip("#") for a in node.select("#sections ~ ul a")]
    assert toc and all(anchor in sections for anchor in toc)
    found = {}
    for element in node.select("[data-field]"):
        section = element.find_previous("h2")
        assert section is not None
        found.setdefault(element["data-field"], []).append(section["id"])
    paths = schema_paths(schema)
    missing = [p for p in paths if p not in found]
    assert not missing, missing
    assert all(len(v) == 1 for v in found.values())  # each field once
    basics = {"title", "summary", "team", "stage", "owner", "tags", "links"}
    for path in paths:
        top = re.split(r"[.\[]", path, maxsplit=1)[0]
        (section,) = found[path]
        assert section in toc, path
        if top in basics:
            assert section == "basics", path
        elif top in (
            "problem",
            "value",
            "data",
            "delivery",
            "risks",
            "stakes",
            "governance",
            "evidence",
            "checklists",
        ):
            assert section == top, path
    # Required fields say so; field names break only between their words.
    for name in schema["required"]:
        block = node.find(attrs={"data-field": name})
        assert "required" in text(block.select_one(".ss-field-head")), name
    for code in node.select(".ss-field-name"):
        html = code.decode_contents()
        for piece in html.split("<wbr/>"):
            assert "<" not in piece, html
        assert all(part.endswith((".", "_")) for part in html.split("<wbr/>")[:-1]), html
    # A field's example is YAML that puts a value at the field's path.
    access = node.find(attrs={"data-field": "data.sources[].access"})
    example = yaml.safe_load(access.select_one(".ss-field-example").get_text())
    assert example["data"]["sources"][0]["access"] in ("granted", "requested", "refused", "unknown")
    assert "granted" in text(access.select_one(".ss-field-allowed"))


# --------------------------------------------------------------------------------------------
# In a browser: nothing scrolls sideways at 1,400 or 390 px
# --------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 390])
def test_grouping_pages_fit_the_screen(
    browser: Browser, big: tuple[Path, dict], width: int
) -> None:
    site, _ = big
    team = target(
        site,
        page_of(site, "portfolio/by-team.md"),
        next(r["_href"] for r in team_index(site) if r["Team"] == BIG_TEAM),
    )
    unit_index = page_of(site, "portfolio/units/index.md")
    unit = target(site, unit_index, rollup_rows(unit_index)[1]["_href"])
    pages = {
        "groups-team-index": page_of(site, "portfolio/by-team.md"),
        "groups-team": team,
        "groups-stage": page_of(site, "portfolio/stages/pilot.md"),
        "groups-unit": unit,
        "pitfall-data": page_of(site, "pitfalls/data.md"),
        "format-reference": page_of(site, "reference/proposal-format.md"),
    }
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        tab = context.new_page()
        with serve(site) as base:
            for name, file in pages.items():
                url = base + str(file.parent.relative_to(site)) + "/"
                tab.goto(url, wait_until="load")
                assert horizontal_overflow(tab) == 0, (name, width)
                # No table hides columns behind a scrollbar of its own.
                hidden = tab.evaluate("""[...document.querySelectorAll('.ss-group-table')]
                    .map(e => e.scrollWidth - e.clientWidth)""")
                assert all(extra <= 1 for extra in hidden), (name, width, hidden)
                # The first proposal or group of a table is visible and readable.
                first = tab.locator("article table.ss-cards tbody th a").first
                if first.count():
                    box = first.bounding_box()
                    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
                save_screenshot(tab, f"{name}-{width}")
    finally:
        context.close()
