"""The built site, as a reader sees it: real MkDocs builds, parsed with BeautifulSoup.

Most tests read one of a few session-wide builds (see conftest.py): the repository's own demo
site, a small sample site and a site with broken proposals next to valid ones. Tests that
need their own configuration build their own small site.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup, Tag
from sitekit import (
    FULL_ID,
    FULL_YAML,
    INVALID_ID,
    INVALID_LINE,
    INVALID_YAML,
    MINIMAL_ID,
    MINIMAL_YAML,
    PILOT_ID,
    PILOT_YAML,
    REPO,
    RETIRED_ID,
    SAMPLE_PROPOSALS,
    SUMMARY_MARKER,
    BuildOutcome,
    bad_corpus_files,
    build_project,
    html_files,
    logged_build,
    make_site,
    page_of,
    write_site,
)

from scoring.model.cardjson import expand
from scoring.rubric import STATES, load_rubric

RUBRIC = load_rubric(None)
DIMENSION_LABELS = ("Desirability", "Profitability", "Feasibility", "Risk")
QUADRANT_NAMES = {state: RUBRIC.state_name(state) for state in STATES}
EDIT_URI = "https://git.example.test/org/repo/edit/main/content/"


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def article(site: Path, src: str) -> Tag:
    page = page_of(site, src)
    assert page.is_file(), f"{src} was not built ({page})"
    found = soup_of(page).select_one("article")
    assert found is not None, f"{src} has no <article>"
    return found


def text_of(node: Tag) -> str:
    return " ".join(node.get_text(" ", strip=True).split())


def section(node: Tag, heading_id: str) -> list[Tag]:
    """The elements after the heading with ``heading_id``, up to the next heading of its
    level or higher."""
    heading = node.find(id=heading_id)
    assert heading is not None, f"no heading #{heading_id}"
    level = int(heading.name[1])
    out = []
    for sibling in heading.find_next_siblings():
        if re.fullmatch(r"h[1-6]", sibling.name) and int(sibling.name[1]) <= level:
            break
        out.append(sibling)
    return out


def section_text(node: Tag, heading_id: str) -> str:
    return " ".join(text_of(t) for t in section(node, heading_id))


def resolve(site: Path, page: Path, href: str) -> Path | None:
    """The file a relative link from ``page`` opens, or None for links leaving the site."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return page
    target = Path(os.path.normpath(page.parent / unquote(parts.path)))
    if target.is_dir():
        target = target / "index.html"
    return target


def assert_resolves(site: Path, page: Path, href: str) -> Path:
    target = resolve(site, page, href)
    assert target is not None, f"{href} leaves the site"
    assert target.is_file(), f"{href} on {page.relative_to(site)} does not resolve ({target})"
    assert site.resolve() in target.resolve().parents, f"{href} points outside the site"
    fragment = urlsplit(href).fragment
    if fragment and target.suffix == ".html":
        assert soup_of(target).find(id=fragment) is not None, f"{href}: no #{fragment}"
    return target


def portfolio_json(site: Path) -> dict:
    return json.loads((site / "portfolio" / "portfolio.json").read_text(encoding="utf-8"))


def cards_by_id(site: Path) -> dict[str, dict]:
    # portfolio.json keeps rubric texts once ("texts"); expand() puts them back in each row.
    return {c["id"]: c for c in expand(portfolio_json(site))}


def rows_of(table: Tag) -> list[list[str]]:
    body = table.find("tbody")
    assert body is not None
    return [[text_of(td) for td in tr.find_all(["td", "th"])] for tr in body.find_all("tr")]


def table_after(node: Tag, heading_id: str) -> Tag:
    for element in section(node, heading_id):
        table = element if element.name == "table" else element.find("table")
        if table is not None:
            return table
    raise AssertionError(f"no table under #{heading_id}")


def facts_after(node: Tag, heading_id: str) -> dict[str, str]:
    """The first definition list under a heading, as term → description."""
    for element in section(node, heading_id):
        found = element if element.name == "dl" else element.find("dl")
        if found is not None:
            return {
                text_of(dt): text_of(dt.find_next_sibling("dd"))
                for dt in found.find_all("dt", recursive=False)
            }
    raise AssertionError(f"no definition list under #{heading_id}")


def nav_hrefs(page: Path) -> list[str]:
    soup = soup_of(page)
    nav = soup.select_one("nav.md-nav--primary")
    assert nav is not None
    return [a.get("href", "") for a in nav.find_all("a")]


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def money(value: float) -> str:
    return f"EUR {value:,.0f}" if value < 1_000_000 else f"EUR {value / 1e6:,.2f} M"


def schema_paths(schema: dict, prefix: str = "") -> Iterable[str]:
    for name, spec in schema.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        yield path
        if spec.get("type") == "object":
            yield from schema_paths(spec, path)
        items = spec.get("items")
        if isinstance(items, dict) and items.get("type") == "object":
            yield from schema_paths(items, f"{path}[]")


# --------------------------------------------------------------------------------------------
# The repository's demo site
# --------------------------------------------------------------------------------------------


def test_demo_site_builds_strict_with_a_page_per_proposal(demo_site: Path) -> None:
    ids = sorted(p.stem for p in (REPO / "content" / "proposals").glob("*.yaml"))
    assert ids
    for proposal_id in ids:
        assert page_of(demo_site, f"proposals/{proposal_id}.md").is_file(), proposal_id
    assert {c["id"] for c in portfolio_json(demo_site)["proposals"]} == set(ids)


def test_demo_chart_links_resolve(demo_site: Path) -> None:
    page = page_of(demo_site, "portfolio/index.md")
    points = soup_of(page).select("svg.ss-quadrant-chart a.ss-point")
    assert len(points) == len(portfolio_json(demo_site)["proposals"])
    for point in points:
        target = assert_resolves(demo_site, page, point["href"])
        assert target.parent.name == point["data-proposal"]


def test_demo_internal_links_resolve(demo_site: Path) -> None:
    """Every relative link in the article of every page opens a file of the site."""
    broken = []
    for page in html_files(demo_site):
        node = soup_of(page).select_one("article")
        if node is None:
            continue
        for a in node.find_all("a", href=True):
            target = resolve(demo_site, page, a["href"])
            if target is not None and not target.is_file():
                broken.append(f"{page.relative_to(demo_site)}: {a['href']}")
    assert not broken, "\n".join(broken[:20])


def test_demo_proposals_edit_links_nav_and_search(demo_site: Path) -> None:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    edit_uri = config["edit_uri"]
    index = json.loads((demo_site / "search" / "search_index.json").read_text("utf-8"))
    locations = {d["location"] for d in index["docs"]}
    nav = nav_hrefs(page_of(demo_site, "portfolio/index.md"))
    assert not [h for h in nav if "/proposals/" in h or h.startswith("proposals/")], nav
    for proposal_id in cards_by_id(demo_site):
        page = page_of(demo_site, f"proposals/{proposal_id}.md")
        edit = soup_of(page).select_one("a[rel~=edit]")
        assert (
            edit is not None
            and edit["href"] == f"{edit_uri.rstrip('/')}/proposals/{proposal_id}.yaml"
        )
        assert f"proposals/{proposal_id}/" in locations


@pytest.mark.generators
def test_demo_builds_with_properdocs_strict(tmp_path: Path) -> None:
    exe = shutil.which("properdocs")
    if exe is None:
        pytest.skip("properdocs is not installed")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [exe, "build", "--strict", "-f", "mkdocs.yml", "-d", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert page_of(tmp_path / "site", "portfolio/index.md").is_file()
    assert (tmp_path / "site" / "portfolio" / "portfolio.csv").is_file()


# --------------------------------------------------------------------------------------------
# Sample site: proposal pages
# --------------------------------------------------------------------------------------------


def test_sample_site_builds_without_warnings(sample_build: BuildOutcome) -> None:
    assert sample_build.error is None
    assert sample_build.warnings == []


def test_one_page_per_valid_proposal_with_its_title(sample_site: Path) -> None:
    for proposal_id, text in SAMPLE_PROPOSALS.items():
        title = yaml.safe_load(text)["title"]
        node = article(sample_site, f"proposals/{proposal_id}.md")
        assert text_of(node.find("h1")).rstrip("¶ ").strip() == title


def test_proposal_header_shows_summary_and_people(sample_site: Path) -> None:
    node = article(sample_site, f"proposals/{FULL_ID}.md")
    summary = node.select_one(".ss-summary")
    assert summary is not None
    assert "Collections calls every overdue account" in text_of(summary)
    assert summary.find("em") is not None and text_of(summary.find("em")) == "ranked list"
    values = facts_after(node, "summary")
    assert values["Team"] == "Credit Risk"
    assert values["Owner"] == "Dana Okafor"
    assert values["Sponsor"] == "Head of Credit Risk"
    card = cards_by_id(sample_site)[FULL_ID]
    badges = [text_of(b) for b in node.select(".ss-badge")]
    assert QUADRANT_NAMES[card["state"]] in badges
    assert "Stage: proposed" in badges


def test_missing_owner_and_sponsor_are_named_as_such(sample_site: Path) -> None:
    node = article(sample_site, f"proposals/{MINIMAL_ID}.md")
    values = facts_after(node, "summary")
    assert values["Owner"] == values["Sponsor"] == "not named"
    assert values["Team"] == "Field Service"


def test_quadrant_badge_matches_portfolio_for_every_proposal(sample_site: Path) -> None:
    for proposal_id, card in cards_by_id(sample_site).items():
        node = article(sample_site, f"proposals/{proposal_id}.md")
        badge = node.select_one(".ss-badge[class*='ss-q-']")
        assert badge is not None
        assert text_of(badge) == QUADRANT_NAMES[card["state"]]


def test_quadrant_badge_class_is_styled(sample_site: Path) -> None:
    """Regression: the quadrant once reached the class attribute Markdown-escaped
    ('ss-q-quick\\_win'), so the badge colours in sweetspot.css never applied."""
    css = (sample_site / "assets" / "sweetspot" / "sweetspot.css").read_text(encoding="utf-8")
    seen = set()
    for proposal_id, card in cards_by_id(sample_site).items():
        node = article(sample_site, f"proposals/{proposal_id}.md")
        badge = node.select_one(".ss-badge[class*='ss-q-']")
        assert f"ss-q-{card['state']}" in badge["class"], badge["class"]
        seen.add(card["state"])
    for quadrant in seen:
        assert f".ss-q-{quadrant}" in css
    assert {"quick_win"} & seen or {"strategic_bet"} & seen


def test_four_score_bars_with_confidence(sample_site: Path) -> None:
    """Three scores with confidence, then delivery risk and risk (issue 24: the two risk
    figures under their own names, risk with its class)."""
    cards = cards_by_id(sample_site)
    for proposal_id in SAMPLE_PROPOSALS:
        node = article(sample_site, f"proposals/{proposal_id}.md")
        bars = node.select(".ss-scores .ss-score")
        assert len(bars) == 5
        card = cards[proposal_id]
        for bar, dimension in zip(
            bars[:3], ("desirability", "profitability", "feasibility"), strict=True
        ):
            label = text_of(bar.select_one(".ss-score-label"))
            assert label.startswith(dimension.capitalize())
            value = float(text_of(bar.select_one(".ss-score-value")))
            assert value == pytest.approx(card["scores"][dimension], abs=0.51)
            conf = re.fullmatch(
                r"(\d+)–(\d+) · confidence (\d+)%", text_of(bar.select_one(".ss-conf"))
            )
            assert conf, text_of(bar)
            low, high = card["ranges"][dimension]
            assert (int(conf[1]), int(conf[2])) == (round(low), round(high))
            assert int(conf[3]) == pytest.approx(card["confidence"][dimension] * 100, abs=1)
            fill = bar.select_one(".ss-bar-fill")
            width = re.search(r"width:\s*([\d.]+)%", fill["style"])
            assert width and float(width[1]) == pytest.approx(card["scores"][dimension], abs=0.051)
            assert bar.select_one(".ss-bar")["aria-hidden"] == "true"  # the text says it
        delivery, risk = bars[3:]
        assert text_of(delivery.select_one(".ss-score-label")) == "Delivery risk"
        assert float(text_of(delivery.select_one(".ss-score-value"))) == pytest.approx(
            card["delivery_risk"], abs=0.51
        )
        assert text_of(risk.select_one(".ss-score-label")) == "Risk"
        assert text_of(risk.select_one(".ss-score-value")) == (
            "–" if card["risk"] is None else f"{card['risk']:.0f}"
        )


def test_flags_are_admonitions_with_guidance(sample_site: Path) -> None:
    cards = cards_by_id(sample_site)
    assert any(cards[p]["flags"] for p in cards), "the samples should raise some flags"
    for proposal_id, card in cards.items():
        node = article(sample_site, f"proposals/{proposal_id}.md")
        admonitions = [t for t in section(node, "flags") if "admonition" in t.get("class", [])]
        titles = [text_of(a.select_one(".admonition-title")) for a in admonitions]
        assert len(titles) == len(card["flags"])
        for flag, title in zip(card["flags"], titles, strict=True):
            assert flag["title"] in title
        if not card["flags"]:
            assert "No flags raised" in section_text(node, "flags")
        page = page_of(sample_site, f"proposals/{proposal_id}.md")
        for a in admonitions:
            assert_resolves(sample_site, page, a.find("a")["href"])


def test_what_would_raise_this_score(sample_site: Path) -> None:
    """Every suggestion is among the next steps (the top three or the three collapsed) with
    the priority points it adds and a guidance link, unless a question about the same
    answer already stands for it, or it is one of the smaller steps the page counts."""
    cards = cards_by_id(sample_site)
    node = article(sample_site, f"proposals/{FULL_ID}.md")
    heading = node.find(id="next")
    assert text_of(heading).startswith("Next steps")
    items = [li for t in section(node, "next") for li in t.find_all("li")]
    suggestions = cards[FULL_ID]["suggestions"]
    questions = {q["id"] for q in cards[FULL_ID]["questions"]}
    assert suggestions
    page = page_of(sample_site, f"proposals/{FULL_ID}.md")
    more = node.find("details", class_="ss-more")
    note = more.find("p") if more is not None else None
    counted = int(text_of(note).split()[0]) if note is not None else 0
    unlisted = []
    for suggestion in suggestions:
        shown = [
            li
            for li in items
            if suggestion["text"] in text_of(li) and f"+{suggestion['gain']:.1f}" in text_of(li)
        ]
        if not shown and suggestion["id"] not in questions:
            unlisted.append(suggestion)
    assert len(unlisted) <= counted, unlisted
    # The ones left unlisted are the smallest gains.
    listed_gains = [s["gain"] for s in suggestions if s not in unlisted]
    assert all(u["gain"] <= max(listed_gains) for u in unlisted)
    for li in items:
        assert_resolves(sample_site, page, li.find("a", string="Guidance")["href"])


def test_breakdown_has_a_row_per_criterion_linking_to_the_method(sample_site: Path) -> None:
    page = page_of(sample_site, f"proposals/{PILOT_ID}.md")
    node = article(sample_site, f"proposals/{PILOT_ID}.md")
    for dimension in ("desirability", "profitability", "feasibility"):
        block = node.find(id=f"breakdown-{dimension}")
        assert block is not None and block.name == "details"
        rows = block.find("tbody").find_all("tr")
        criteria = RUBRIC.criteria_for(dimension)
        assert len(rows) == len(criteria)
    # One link, in the note above the tables, to the method that words each criterion.
    note = node.find(id="breakdown").find_next_sibling("p")
    assert_resolves(sample_site, page, note.find("a", string="scoring method")["href"])
    risk_rows = node.find(id="risk-factors").find("tbody").find_all("tr")
    assert len(risk_rows) == len(RUBRIC.risk_factors)


def test_checklists_show_every_item_with_its_answer(sample_site: Path) -> None:
    """Open items are spelled out in full; the others are named in short, grouped by
    answer; every item of every checklist appears once."""
    node = article(sample_site, f"proposals/{PILOT_ID}.md")
    answers = yaml.safe_load(PILOT_YAML)["checklists"]
    for checklist in RUBRIC.checklists:
        head = node.find(id=f"checklist-{checklist.slug}")
        assert head is not None, checklist.id
        lines = head.find_next_sibling("ul").find_all("li")
        text = " ".join(text_of(li) for li in lines)
        given = answers.get(checklist.id, {})
        for item in checklist.items:
            answer = given.get(item.id, "unknown")
            if answer in ("no", "partial"):
                assert item.text in text, item.id
            else:
                assert item.id.replace("_", " ") in text, item.id
        assert not re.search(r"\[\s?\]|\[x\]", text)


def test_value_and_cost_table(sample_site: Path) -> None:
    node = article(sample_site, f"proposals/{FULL_ID}.md")
    values = facts_after(node, "value")
    assert values["Expected value"] == "EUR 420,000 per year"
    assert values["One-off cost"] == "EUR 180,000"
    assert values["Running cost"] == "EUR 60,000 per year"
    roi = (3 * 420_000 - 180_000 - 3 * 60_000) / (180_000 + 3 * 60_000)
    assert values["Return over 3 years"].startswith(f"{roi:.1f}× the cost returned")
    assert values["Payback"] == f"{180_000 / ((420_000 - 60_000) / 12):.1f} months"
    assert values["Estimate confidence"] == "medium"
    assert "Roughly 2,400 late invoices" in section_text(node, "value")
    minimal = facts_after(article(sample_site, f"proposals/{MINIMAL_ID}.md"), "value")
    # Money nobody gave reads "unknown", never 0 or a bare dash.
    assert [minimal["Expected value"], minimal["One-off cost"], minimal["Running cost"]] == [
        "unknown",
        "unknown",
        "unknown",
    ]


def test_links_and_source_yaml_link(sample_site: Path) -> None:
    page = page_of(sample_site, f"proposals/{FULL_ID}.md")
    node = article(sample_site, f"proposals/{FULL_ID}.md")
    links = {text_of(a): a["href"] for t in section(node, "links") for a in t.find_all("a")}
    assert links["Discovery notes"] == "https://wiki.example.com/collections/discovery"
    source = assert_resolves(sample_site, page, links["Source YAML of this proposal"])
    assert source.read_text(encoding="utf-8") == FULL_YAML
    assert f"Proposal id: {FULL_ID}" in section_text(node, "links")


def test_edit_link_points_to_the_yaml(sample_site: Path) -> None:
    for proposal_id in SAMPLE_PROPOSALS:
        soup = soup_of(page_of(sample_site, f"proposals/{proposal_id}.md"))
        edit = soup.select_one("a[rel~=edit]")
        assert edit is not None, proposal_id
        assert edit["href"] == f"{EDIT_URI}proposals/{proposal_id}.yaml"


def test_proposal_pages_not_in_nav_but_searchable(sample_site: Path) -> None:
    for page in (page_of(sample_site, "index.md"), page_of(sample_site, "portfolio/index.md")):
        hrefs = nav_hrefs(page)
        assert hrefs, "the nav is empty"
        assert not [h for h in hrefs if "proposals/" in h], hrefs
    assert any("portfolio/" in h for h in nav_hrefs(page_of(sample_site, "index.md")))
    index = json.loads((sample_site / "search" / "search_index.json").read_text("utf-8"))
    docs = {d["location"]: d for d in index["docs"]}
    for proposal_id, text in SAMPLE_PROPOSALS.items():
        doc = docs.get(f"proposals/{proposal_id}/")
        assert doc is not None, f"{proposal_id} is not in the search index"
        assert doc["title"] == yaml.safe_load(text)["title"]


def test_tags_reach_material(sample_site: Path) -> None:
    mappings = json.loads((sample_site / "tags.json").read_text("utf-8"))["mappings"]
    tagged = {m["item"]["url"]: set(m["tags"]) for m in mappings}
    assert tagged[f"proposals/{FULL_ID}/"] == {"collections", "ranking"}
    assert tagged[f"proposals/{PILOT_ID}/"] == {"support", "routing"}
    shown = {
        text_of(t)
        for t in soup_of(page_of(sample_site, f"proposals/{FULL_ID}.md")).select(".md-tag")
    }
    assert shown == {"collections", "ranking"}


@pytest.mark.slow
def test_tags_checked_against_materials_allow_list(tmp_path: Path) -> None:
    """With Material's tags_allowed, allowed tags build and an unknown one is an error
    naming the file and line (Material 9.6+ holds Tag objects there, not strings)."""
    proposals = {
        "allowed-tags": "title: Allowed tags only\nsummary: A proposal with "
        "allowed tags.\nteam: Risk\nstage: idea\ntags:\n- churn\n- pricing\n"
    }
    overrides = {
        "plugins": [
            "search",
            {"tags": {"tags_allowed": ["churn", "pricing"]}},
            {"sweetspot": {"proposals_dir": "content/proposals"}},
        ]
    }
    root = write_site(tmp_path / "ok", proposals, overrides=overrides)
    outcome = logged_build(root)
    assert outcome.error is None, outcome.messages
    page = outcome.site_dir / "proposals" / "allowed-tags" / "index.html"
    assert {text_of(t) for t in soup_of(page).select(".md-tag")} == {"churn", "pricing"}
    bad = {"odd-tags": proposals["allowed-tags"].replace("- pricing", "- surprise")}
    outcome = logged_build(write_site(tmp_path / "bad", bad, overrides=overrides))
    assert outcome.error is not None
    assert any(
        "content/proposals/odd-tags.yaml:7: tags: surprise not in the tags plugin's "
        "tags_allowed list" in m
        for m in [*outcome.messages, str(outcome.error)]
    )


# --------------------------------------------------------------------------------------------
# Sample site: portfolio
# --------------------------------------------------------------------------------------------


def test_portfolio_headline_numbers(sample_site: Path) -> None:
    node = article(sample_site, "portfolio/index.md")
    table = node.select_one(".ss-headline table")
    headers = [text_of(th) for th in table.find_all("th")]
    values = dict(zip(headers, rows_of(table)[0], strict=True))
    assert values["Proposals"] == "4"
    assert values["Active"] == "3"  # the retired proposal is not active
    assert values["Expected value per year (active)"] == money(420_000 + 210_000)
    assert values["One-off cost (active)"] == money(180_000 + 70_000)
    assert values["Running cost per year (active)"] == money(60_000 + 25_000)


def test_portfolio_chart(sample_site: Path) -> None:
    page = page_of(sample_site, "portfolio/index.md")
    svg = soup_of(page).select_one("article svg.ss-quadrant-chart")
    assert svg is not None
    cards = cards_by_id(sample_site)
    assert svg.find("title") is not None and "4 proposals" in text_of(svg.find("title"))
    desc = svg.find("desc")
    assert desc is not None
    for card in cards.values():
        assert card["title"] in text_of(desc)
    points = svg.select("a.ss-point")
    assert sorted(p["data-proposal"] for p in points) == sorted(cards)
    # Proposals that need information are drawn apart, in the strip below the plot.
    strip = svg.select_one("rect.ss-strip")
    assert strip is not None
    for point in points:
        unplaced = cards[point["data-proposal"]]["state"] == "needs_information"
        assert ("ss-unplaced" in point["class"]) == unplaced
    markers: dict[str, set[str]] = {}
    for point in points:
        target = assert_resolves(sample_site, page, point["href"])
        assert target == page_of(sample_site, f"proposals/{point['data-proposal']}.md")
        assert point.find("title") is not None
        path = point.select_one("path.ss-marker")
        assert path is not None and path.get("d")
        stage = cards[point["data-proposal"]]["stage"]
        assert f"ss-stage-{stage}" in point["class"]
        markers.setdefault(stage, set()).add(path["d"])
    assert all(len(shapes) == 1 for shapes in markers.values())
    shapes = [next(iter(s)) for s in markers.values()]
    assert len(set(shapes)) == len(shapes), "two stages share a marker shape"
    legend = soup_of(page).select(".ss-legend .ss-legend-item")
    assert {text_of(i) for i in legend} >= set(markers)


def test_portfolio_balance_section(sample_site: Path) -> None:
    node = article(sample_site, "portfolio/index.md")
    assert node.find(id="balance") is not None
    rows = rows_of(table_after(node, "balance"))
    assert [r[0] for r in rows] == [
        QUADRANT_NAMES[q] for q in ("quick_win", "strategic_bet", "incremental", "reconsider")
    ]
    active = [c for c in cards_by_id(sample_site).values() if c["stage"] != "retired"]
    placed = [c for c in active if c["state"] != "needs_information"]
    # Only placed active proposals count in the shares; the others are reported apart.
    assert sum(int(r[1]) for r in rows) == len(placed)
    text = section_text(node, "balance")
    # The sample site places too few proposals for a verdict: the section says why.
    assert f"{len(placed)} of {len(active)} active proposals are placed" in text
    assert "cannot be judged yet" in text


def test_portfolio_table_one_row_per_proposal(sample_site: Path) -> None:
    page = page_of(sample_site, "portfolio/index.md")
    node = article(sample_site, "portfolio/index.md")
    table = node.select_one("table.ss-ptable")
    assert table is not None
    headers = [text_of(th) for th in table.find_all("th")]
    rows = table.find("tbody").find_all("tr")
    cards = cards_by_id(sample_site)
    assert len(rows) == len(cards)
    seen = {}
    for row in rows:
        link = row.find("a")
        target = assert_resolves(sample_site, page, link["href"])
        proposal_id = target.parent.name
        cells = dict(zip(headers, [text_of(td) for td in row.find_all("td")], strict=True))
        seen[proposal_id] = cells
        assert cells["Proposal"] == cards[proposal_id]["title"]
        assert float(cells["Priority"]) == pytest.approx(cards[proposal_id]["priority"], abs=0.5)
        assert cells["Stage"].removesuffix(" (inactive)") == cards[proposal_id]["stage"]
    assert set(seen) == set(cards)
    priorities = [float(text_of(r.find_all("td")[headers.index("Priority")])) for r in rows]
    assert priorities == sorted(priorities, reverse=True)


def test_portfolio_heatmap(sample_site: Path) -> None:
    node = article(sample_site, "portfolio/index.md")
    table = table_after(node, "heatmap")
    rows = table.find("tbody").find_all("tr")
    assert len(rows) == sum(len(c.items) for c in RUBRIC.checklists)
    for row in rows:
        cell = row.select_one(".ss-heat")
        assert cell is not None
        assert re.search(r"--heat:\s*[01](\.\d+)?", cell["style"])
        assert re.fullmatch(r"\d+ of \d+", text_of(row.find_all("td")[2]))


def test_portfolio_downloads(sample_site: Path) -> None:
    page = page_of(sample_site, "portfolio/index.md")
    node = article(sample_site, "portfolio/index.md")
    links = {text_of(a): a["href"] for t in section(node, "downloads") for a in t.find_all("a")}
    csv_file = assert_resolves(sample_site, page, links["portfolio.csv"])
    json_file = assert_resolves(sample_site, page, links["portfolio.json"])
    schema_file = assert_resolves(sample_site, page, links["proposal.schema.json"])
    text = csv_file.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["id"] for r in rows) == sorted(SAMPLE_PROPOSALS)
    frame = pd.read_csv(io.StringIO(text))
    assert len(frame) == len(SAMPLE_PROPOSALS)
    for column in ("desirability", "profitability", "feasibility", "risk", "priority"):
        assert pd.api.types.is_numeric_dtype(frame[column]), column
    payload = json.loads(json_file.read_text(encoding="utf-8"))
    assert sorted(p["id"] for p in payload["proposals"]) == sorted(SAMPLE_PROPOSALS)
    assert payload["invalid"] == []
    assert json.loads(schema_file.read_text(encoding="utf-8"))["type"] == "object"


def test_group_pages(sample_site: Path) -> None:
    by_team = article(sample_site, "portfolio/by-team.md")
    teams = [row[0] for row in rows_of(by_team.find("table"))]
    assert sorted(teams) == sorted({yaml.safe_load(t)["team"] for t in SAMPLE_PROPOSALS.values()})
    by_stage = article(sample_site, "portfolio/by-stage.md")
    stages = [row[0] for row in rows_of(by_stage.find("table"))]
    assert stages == [
        s
        for s in (
            "idea",
            "proposed",
            "approved",
            "incubating",
            "pilot",
            "production",
            "retired",
            "rejected",
        )
        if s in stages
    ]
    assert "retired" in stages


def test_home_summary_replaces_the_marker(sample_site: Path) -> None:
    html = page_of(sample_site, "index.md").read_text(encoding="utf-8")
    assert SUMMARY_MARKER not in html and "sweetspot:summary" not in html
    node = article(sample_site, "index.md")
    table = node.find("table")
    headers = [text_of(th) for th in table.find_all("th")]
    values = dict(zip(headers, rows_of(table)[0], strict=True))
    assert values["Proposals"] == "4"
    assert values["Active"] == "3"
    waiting = [
        c
        for c in cards_by_id(sample_site).values()
        if c["stage"] != "retired" and c["state"] == "needs_information"
    ]
    assert values["Needs information"] == str(len(waiting))
    page = page_of(sample_site, "index.md")
    hrefs = [a["href"] for a in node.find_all("a", href=True)]
    assert any(
        assert_resolves(sample_site, page, h) == page_of(sample_site, "portfolio/index.md")
        for h in hrefs
        if "portfolio" in h
    )
    assert node.select(".admonition.failure") == []  # no banner when all files are valid


# --------------------------------------------------------------------------------------------
# Sample site: pitfalls and reference pages
# --------------------------------------------------------------------------------------------


def test_pitfall_pages_list_open_active_proposals(sample_site: Path) -> None:
    cards = cards_by_id(sample_site)
    active = {pid for pid, c in cards.items() if c["stage"] not in ("retired", "rejected")}
    assert RETIRED_ID not in active
    index = article(sample_site, "pitfalls/index.md")
    assert len(rows_of(index.find("table"))) == len(RUBRIC.checklists)
    for checklist in RUBRIC.checklists:
        src = f"pitfalls/{checklist.slug}.md"
        node = article(sample_site, src)
        page = page_of(sample_site, src)
        for item in checklist.items:
            anchor = item.id.replace("_", "-")
            linked = set()
            for element in section(node, anchor):
                for a in element.find_all("a", href=True):
                    target = resolve(sample_site, page, a["href"])
                    if target is not None and target.parent.parent.name == "proposals":
                        linked.add(target.parent.name)
            expected = {
                pid
                for pid in active
                if cards[pid]["checklists"][checklist.id][item.id] in ("no", "partial", "unknown")
            }
            assert linked == expected, (checklist.id, item.id)


def test_pitfall_page_shows_the_answer_of_each_open_proposal(sample_site: Path) -> None:
    node = article(sample_site, "pitfalls/data.md")
    rows = [
        row
        for element in section(node, "representative")
        for table in element.find_all("table")
        for row in rows_of(table)
    ]
    by_title = {row[0]: row[1:] for row in rows}
    assert by_title["Rank overdue invoices by the chance of late payment"][0] == "no"
    assert by_title["Rank overdue invoices by the chance of late payment"][1] == "Credit Risk"
    assert by_title["Route support tickets to the right queue"][0] == "partial"
    assert by_title["Route support tickets to the right queue"][4] == "pilot"


def test_proposal_format_page_lists_every_schema_field(sample_site: Path) -> None:
    schema = json.loads((sample_site / "schema" / "proposal.schema.json").read_text("utf-8"))
    node = article(sample_site, "reference/proposal-format.md")
    blocks = {el["data-field"]: el for el in node.select("[data-field]")}
    missing = [p for p in schema_paths(schema) if p not in blocks]
    assert not missing, missing
    top_required = {
        path
        for path, el in blocks.items()
        if "." not in path and "[" not in path and el.select_one(".ss-field-required") is not None
    }
    assert top_required == set(schema["required"])


def test_scoring_method_has_an_anchor_per_criterion(sample_site: Path) -> None:
    node = article(sample_site, "reference/scoring-method.md")
    for criterion in RUBRIC.criteria:
        heading = node.find(id=criterion.slug)
        assert heading is not None, criterion.id
        assert criterion.id in text_of(heading.find_next("p"))
    for factor in RUBRIC.risk_factors:
        assert node.find(id=factor.slug) is not None, factor.id


def test_scoring_method_has_an_anchor_per_flag(sample_site: Path) -> None:
    node = article(sample_site, "reference/scoring-method.md")
    missing = [f.id for f in RUBRIC.flags if node.find(id=f"flag-{f.slug}") is None]
    assert not missing, missing


# --------------------------------------------------------------------------------------------
# Invalid proposals next to valid ones
# --------------------------------------------------------------------------------------------


def test_invalid_proposal_does_not_stop_a_normal_build(
    invalid_project: tuple[Path, BuildOutcome],
) -> None:
    root, outcome = invalid_project
    assert outcome.error is None, outcome.text
    site = root / "site"
    for proposal_id in SAMPLE_PROPOSALS:
        assert page_of(site, f"proposals/{proposal_id}.md").is_file()
    # The invalid proposal keeps its URL, with its problems instead of scores.
    assert "is not published yet" in text_of(article(site, f"proposals/{INVALID_ID}.md"))
    assert sorted(cards_by_id(site)) == sorted(SAMPLE_PROPOSALS)
    warned = [w for w in outcome.warnings if f"{INVALID_ID}.yaml:{INVALID_LINE}:" in w]
    assert warned and "stage" in warned[0]


def test_intake_problems_page_names_file_line_and_field(
    invalid_project: tuple[Path, BuildOutcome],
) -> None:
    site = invalid_project[0] / "site"
    node = article(site, "intake-problems.md")
    heading = next(h for h in node.find_all("h2") if f"{INVALID_ID}.yaml" in text_of(h))
    table = heading.find_next("table")
    headers = [text_of(th) for th in table.find_all("th")]
    rows = [dict(zip(headers, r, strict=True)) for r in rows_of(table)]
    assert {"Line": str(INVALID_LINE), "Field": "stage"}.items() <= rows[0].items()
    assert "pilott" in rows[0]["Problem"]
    payload = portfolio_json(site)
    bad = [b for b in payload["invalid"] if b["file"].endswith(f"{INVALID_ID}.yaml")]
    assert bad and bad[0]["problems"][0]["line"] == INVALID_LINE


def test_every_broken_file_is_listed_without_a_traceback(
    invalid_project: tuple[Path, BuildOutcome],
) -> None:
    root, outcome = invalid_project
    assert outcome.error is None
    assert not [m for m in outcome.messages if "Traceback" in m]
    assert not [r for r in outcome.records if r.exc_info]
    text = text_of(article(root / "site", "intake-problems.md"))
    for relative in bad_corpus_files():
        assert Path(relative).name in text, relative


def test_banner_on_home_and_portfolio(invalid_project: tuple[Path, BuildOutcome]) -> None:
    site = invalid_project[0] / "site"
    for src in ("index.md", "portfolio/index.md"):
        node = article(site, src)
        banner = node.select_one(".admonition.failure")
        assert banner is not None, f"no banner on {src}"
        link = banner.find("a", href=True)
        target = assert_resolves(site, page_of(site, src), link["href"])
        assert target == page_of(site, "intake-problems.md")
    home = article(site, "index.md")
    assert "| Proposals |" not in text_of(home)


@pytest.mark.slow
def test_strict_build_fails_and_names_file_and_line(
    invalid_project: tuple[Path, BuildOutcome], tmp_path: Path, build_failure
) -> None:
    root = invalid_project[0]
    shutil.copy2(root / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(root / "content", tmp_path / "content")
    outcome = build_failure(tmp_path)
    assert "strict" in str(outcome.error).lower() or "abort" in type(outcome.error).__name__.lower()
    named = [w for w in outcome.warnings if f"{INVALID_ID}.yaml:{INVALID_LINE}:" in w]
    assert named, outcome.warnings[:5]
    assert "stage" in named[0]
    assert not [m for m in outcome.messages if "Traceback" in m]


def test_plugin_strict_option_aborts_a_normal_build(tmp_path: Path, build_failure) -> None:
    write_site(
        tmp_path,
        {MINIMAL_ID: MINIMAL_YAML, INVALID_ID: INVALID_YAML},
        plugin_options={"strict": True},
    )
    outcome = build_failure(tmp_path, strict=False)
    assert "invalid proposal" in outcome.text.lower()
    assert any(f"{INVALID_ID}.yaml:{INVALID_LINE}:" in w for w in outcome.warnings)


# --------------------------------------------------------------------------------------------
# Plugin options and rebuilds
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_custom_template_overrides_the_proposal_page(tmp_path: Path) -> None:
    template = (
        "# {{ proposal.title }}\n\n"
        "Custom layout for {{ proposal.team }}: priority {{ card.priority | num(0) }}.\n\n"
        "{{ scores_html }}\n"
    )
    site = make_site(
        tmp_path,
        {FULL_ID: FULL_YAML, MINIMAL_ID: MINIMAL_YAML},
        plugin_options={"custom_templates": "my_templates"},
        extra_files={"my_templates/proposal.md.j2": template},
    )
    cards = cards_by_id(site)
    for proposal_id, card in cards.items():
        node = article(site, f"proposals/{proposal_id}.md")
        text = text_of(node)
        assert f"Custom layout for {card['team']}: priority {card['priority']:.0f}." in text
        assert node.find(id="breakdown") is None  # the built-in template was not used
        assert len(node.select(".ss-score")) == 5  # three scores, delivery risk, risk
    # Other pages still come from the built-in templates.
    assert article(site, "portfolio/index.md").select_one("svg.ss-quadrant-chart")


@pytest.mark.slow
def test_thresholds_move_a_proposal_between_quadrants(sample_site: Path, tmp_path: Path) -> None:
    before = cards_by_id(sample_site)
    moved = [pid for pid, c in before.items() if c["quadrant"] != "quick_win"]
    assert moved, "some sample proposal should start outside the quick wins"
    site = make_site(
        tmp_path, SAMPLE_PROPOSALS, plugin_options={"impact_threshold": 0, "risk_threshold": 100}
    )
    after = cards_by_id(site)
    assert {c["quadrant"] for c in after.values()} == {"quick_win"}
    for proposal_id in moved:
        node = article(site, f"proposals/{proposal_id}.md")
        assert text_of(node.select_one(".ss-badge[class*='ss-q-']")) == QUADRANT_NAMES["quick_win"]
        assert after[proposal_id]["scores"] == before[proposal_id]["scores"]
    method = text_of(article(site, "reference/scoring-method.md"))
    assert "impact of at least 0 is high" in method
    assert "delivery risk of at least 100 is high" in method


@pytest.mark.slow
def test_rebuild_in_one_process_follows_edits_and_deletions(tmp_path: Path) -> None:
    root = write_site(
        tmp_path, {FULL_ID: FULL_YAML, MINIMAL_ID: MINIMAL_YAML, PILOT_ID: PILOT_YAML}
    )
    content = root / "content"
    before = listing(content)
    site = build_project(root, command="serve")
    assert listing(content) == before, "the build wrote into content/"
    assert sorted(cards_by_id(site)) == sorted([FULL_ID, MINIMAL_ID, PILOT_ID])

    new_title = "Rank overdue invoices by expected recovery, edited"
    full = content / "proposals" / f"{FULL_ID}.yaml"
    full.write_text(
        FULL_YAML.replace(
            "title: Rank overdue invoices by the chance of late payment", f"title: {new_title}"
        ),
        encoding="utf-8",
    )
    (content / "proposals" / f"{MINIMAL_ID}.yaml").unlink()
    before = listing(content)
    site = build_project(root, command="serve")
    assert listing(content) == before, "the build wrote into content/"

    node = article(site, f"proposals/{FULL_ID}.md")
    assert text_of(node.find("h1")).startswith(new_title)
    assert not page_of(site, f"proposals/{MINIMAL_ID}.md").exists()
    assert sorted(cards_by_id(site)) == sorted([FULL_ID, PILOT_ID])
    portfolio = soup_of(page_of(site, "portfolio/index.md"))
    assert sorted(a["data-proposal"] for a in portfolio.select("a.ss-point")) == sorted(
        [FULL_ID, PILOT_ID]
    )
    assert new_title in text_of(portfolio.select_one("table.ss-ptable"))
    assert "Suggest reorder quantities" not in text_of(portfolio.select_one("article"))


@pytest.mark.slow
def test_no_directory_urls_chart_links_resolve(tmp_path: Path) -> None:
    site = make_site(tmp_path, SAMPLE_PROPOSALS, overrides={"use_directory_urls": False})
    page = site / "portfolio" / "index.html"
    assert page.is_file()
    points = soup_of(page).select("svg.ss-quadrant-chart a.ss-point")
    assert len(points) == len(SAMPLE_PROPOSALS)
    for point in points:
        target = assert_resolves(site, page, point["href"])
        assert target == site / "proposals" / f"{point['data-proposal']}.html"
    for a in soup_of(page).select("article a[href]"):
        if resolve(site, page, a["href"]) is not None:
            assert_resolves(site, page, a["href"])
    proposal = site / "proposals" / f"{FULL_ID}.html"
    source = next(
        a
        for a in soup_of(proposal).select("article a")
        if text_of(a) == "Source YAML of this proposal"
    )
    assert assert_resolves(site, proposal, source["href"]).name == f"{FULL_ID}.yaml"


@pytest.mark.slow
def test_generated_markdown_links_are_relative(sample_site: Path) -> None:
    """No generated page links to an absolute path, which would break under a sub-path."""
    for page in html_files(sample_site):
        node = soup_of(page).select_one("article")
        if node is None:
            continue
        for a in node.find_all("a", href=True):
            assert not a["href"].startswith("/"), f"{page}: {a['href']}"


@pytest.mark.slow
def test_output_dir_and_home_page_options(tmp_path: Path) -> None:
    start = f"# Start here\n\n{SUMMARY_MARKER}\n\nSee the [portfolio](kb/portfolio/index.md).\n"
    index = "# Index\n\nNo marker on this page.\n"
    root = write_site(
        tmp_path,
        SAMPLE_PROPOSALS,
        plugin_options={"output_dir": "kb", "home_page": "start.md"},
        extra_files={"content/start.md": start, "content/index.md": index},
    )
    outcome = logged_build(root, strict=True)
    assert outcome.error is None, outcome.warnings
    site = outcome.site_dir
    for proposal_id in SAMPLE_PROPOSALS:
        assert page_of(site, f"kb/proposals/{proposal_id}.md").is_file()
    assert not (site / "proposals" / FULL_ID).exists()
    for src in (
        "kb/portfolio/index.md",
        "kb/reference/scoring-method.md",
        "kb/pitfalls/data.md",
        "kb/intake-problems.md",
    ):
        assert page_of(site, src).is_file(), src
    assert (site / "kb" / "portfolio" / "portfolio.csv").is_file()
    home = page_of(site, "start.md")
    assert "sweetspot:summary" not in home.read_text(encoding="utf-8")
    table = article(site, "start.md").find("table")
    assert rows_of(table)[0][0] == str(len(SAMPLE_PROPOSALS))
    page = page_of(site, "kb/portfolio/index.md")
    for point in soup_of(page).select("a.ss-point"):
        assert_resolves(site, page, point["href"])
    assert article(site, "index.md").find("table") is None


@pytest.mark.slow
def test_partial_target_mix_is_reported_not_a_crash(tmp_path: Path) -> None:
    root = write_site(
        tmp_path, {MINIMAL_ID: MINIMAL_YAML}, plugin_options={"target_mix": {"quick_win": 1.0}}
    )
    outcome = logged_build(root)  # a clean Abort/PluginError would be acceptable
    if outcome.error is None:
        assert article(outcome.site_dir, "portfolio/index.md").find(id="balance")
    else:
        assert "target_mix" in str(outcome.error) + outcome.text


@pytest.mark.slow
def test_serve_rebuilds_reuse_the_load_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mkdocs.config import load_config

    import scoring.proposals.loading as proposals_module

    root = write_site(
        tmp_path, {MINIMAL_ID: MINIMAL_YAML, RETIRED_ID: SAMPLE_PROPOSALS[RETIRED_ID]}
    )
    build_project(root, command="serve")
    loads: list[str] = []
    real = proposals_module.load_one
    monkeypatch.setattr(
        proposals_module,
        "load_one",
        lambda path, *a, **k: loads.append(path.name) or real(path, *a, **k),
    )
    build_project(root, command="serve")
    plugin = load_config(config_file=str(root / "mkdocs.yml")).plugins["sweetspot"]
    assert len(plugin.cache) == 2
    assert loads == [], f"unchanged files were re-read: {loads}"


@pytest.mark.slow
def test_plugin_works_with_the_plain_mkdocs_theme(tmp_path: Path) -> None:
    root = write_site(tmp_path, SAMPLE_PROPOSALS, theme="mkdocs")
    outcome = logged_build(root, strict=True)
    assert outcome.error is None, outcome.warnings
    site = outcome.site_dir
    page = page_of(site, "portfolio/index.md")
    points = soup_of(page).select("svg.ss-quadrant-chart a.ss-point")
    assert len(points) == len(SAMPLE_PROPOSALS)
    for point in points:
        assert_resolves(site, page, point["href"])
    for proposal_id in SAMPLE_PROPOSALS:
        soup = soup_of(page_of(site, f"proposals/{proposal_id}.md"))
        # Three scores, delivery risk and risk (issue 24).
        assert len(soup.select(".ss-scores .ss-score")) == 5


def test_search_indexes_what_readers_look_for_not_the_breakdown(demo_site: Path) -> None:
    """Issue 14: the search index holds a proposal's title, summary, team, risk class and
    flags; its scores, breakdown and checklists stay on the page but out of the index."""
    index = json.loads((demo_site / "search" / "search_index.json").read_text("utf-8"))
    ids = [p.stem for p in (REPO / "content" / "proposals").glob("*.yaml")]
    sizes = []
    for proposal_id in ids:
        entries = [
            d for d in index["docs"] if d["location"].split("#")[0] == f"proposals/{proposal_id}/"
        ]
        anchors = {d["location"].partition("#")[2] for d in entries}
        assert anchors == {"", "risk-class", "summary", "flags"}, (proposal_id, anchors)
        sizes.append(sum(len(json.dumps(d, ensure_ascii=False)) for d in entries))
    assert sum(sizes) / len(sizes) <= 3 * 1024, sizes  # the budget, per proposal
    assert max(sizes) <= 4 * 1024, sizes  # a proposal with many flags indexes them all
    titles = {d["title"] for d in index["docs"] if d["location"].startswith("proposals/")}
    assert not titles & {"Score breakdown", "Pitfall checklists", "Risks", "Scores"}
