"""Hostile proposals: text in any field stays text in every generated page.

One site is built with proposals whose every free-text field carries a payload (script tags,
event handlers, javascript: links, Markdown links and images, YAML and front-matter breakouts,
attr_list ids, table pipes, HTML entities, Jinja syntax) plus an invalid file whose error
messages quote hostile values. Then every HTML file of the site is checked.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup, Tag
from sitekit import (
    MINIMAL_ID,
    MINIMAL_YAML,
    build_project,
    html_files,
    logged_build,
    page_of,
    write_site,
)

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
JS_LINK = "[x](javascript:alert(1))"
MD_IMAGE = "![pixel](https://evil.example/pixel.png)"
MD_LINK = "[prize](https://evil.example/prize)"
BREAKOUT = '"} ---'
ATTR = "{#injected .evil onclick=alert(1)}"
PIPES = "| table | breaks |"
ENTITIES = "&lt;b&gt; &amp;amp; &#60;i&#62;"
JINJA = "{{ 7*7 }}"
EVIL_URL = "https://a.b/)[x](javascript:alert(1))"

# Plain fields: shown exactly as typed.
TITLE = f"Title {SCRIPT} {IMG} {JINJA} {ATTR}"
TEAM = f"Team {PIPES} {IMG}"
OWNER = f"Owner {MD_IMAGE} {JS_LINK}"
SPONSOR = f"Sponsor {MD_LINK} {ENTITIES}"
LINK_TITLE = f"Link {SCRIPT} {JINJA}"
NOTE = f"Note {IMG} {ATTR} {PIPES}"
ANSWER = f"Answer {SCRIPT} {JS_LINK} {JINJA} {BREAKOUT}"
BASIS = f"Basis {IMG} {MD_IMAGE} {JINJA}"

# The summary allows Markdown: raw HTML is escaped, links are sanitised.
# The page description is cut from the start of the summary: it opens with an attribute
# breakout, so a description written into <meta content="..."> unescaped turns into markup.
DESCRIPTION_BREAKOUT = (
    '"><script>alert(2)</script><a href="javascript:alert(3)">a</a><img src=x onerror=alert(4)>'
)
SUMMARY = (
    f"{DESCRIPTION_BREAKOUT} Summary {SCRIPT} and {IMG} and {JS_LINK} and "
    "[ok](https://ok.example/) and "
    f'{MD_IMAGE} and {JINJA} and <a href="javascript:alert(1)">a</a> and '
    f"[y](JaVaScRiPt:alert(1)) and [z]( javascript:alert(1)) and "
    f"<svg onload=alert(1)> and {ENTITIES}\n\n---\ntitle: pwned\n---\n\n"
    f"{{: onclick=alert(1) }}\n\n{PIPES}\n|---|---|\n| a | b |\n"
)


def hostile(title: str, team: str = TEAM) -> dict:
    return {
        "title": title,
        "summary": SUMMARY,
        "team": team,
        "stage": "proposed",
        "owner": OWNER,
        "sponsor": SPONSOR,
        "tags": ["xss"],
        "links": [
            {"title": LINK_TITLE, "url": EVIL_URL},
            {"title": "plain", "url": "https://ok.example/a?b=<c>&d='e'"},
        ],
        "problem": {
            "decision": ANSWER,
            "decision_owner": NOTE,
            "user_need": ANSWER,
            "non_ml_alternative": ANSWER,
            "stakeholders": ANSWER,
            "business_metric": {"name": ANSWER, "unit": "<b>%</b>", "baseline": 1, "target": 2},
        },
        "value": {
            "currency": "EUR",
            "annual_value": 100000,
            "one_off_cost": 50000,
            "annual_running_cost": 10000,
            "basis": BASIS,
        },
        "data": {
            "sources": [{"name": ANSWER, "owner": NOTE, "access": "granted", "notes": NOTE}],
            "labels": "available",
            "labelling_plan": ANSWER,
            "golden_set": ANSWER,
            "representativeness": ANSWER,
            "split_plan": ANSWER,
        },
        "roles": {"product_owner": OWNER, "data_scientist": TEAM, "subject_matter_expert": SCRIPT},
        "delivery": {
            "mvp": ANSWER,
            "integration": NOTE,
            "technical_evidence": ANSWER,
            "online_metrics": [ANSWER],
            "guardrails": [NOTE],
            "ab_plan": ANSWER,
        },
        "risks": {
            "regulation": ANSWER,
            "affected_groups": [SCRIPT, IMG],
            "factors": {"harm_if_wrong": {"severity": 2, "likelihood": 2, "note": NOTE}},
        },
        "evidence": {
            "decision_named": {"level": 2, "note": NOTE},
            "user_need": {"level": 1, "note": ANSWER},
        },
        "checklists": {"data": {"golden_set": "partial", "sources_and_owners": "yes"}},
    }


# Spreadsheet formulas: portfolio.csv must neutralise them.
FORMULAS = {
    "title": '=HYPERLINK("https://evil.example","x")',
    "team": "+cmd|' /C calc'!A0",
    "owner": "@SUM(1+1)",
    "sponsor": "-2+3+cmd",
}

PROPOSALS = {
    "hostile-one": yaml.safe_dump(hostile(TITLE), allow_unicode=True, sort_keys=False),
    "hostile-two": yaml.safe_dump(
        hostile(f"Second {BREAKOUT} {ENTITIES}", team=TEAM), allow_unicode=True, sort_keys=False
    ),
    "formula-cells": yaml.safe_dump(
        {**FORMULAS, "summary": "Spreadsheet formula cells.", "stage": "idea"}, sort_keys=False
    ),
    MINIMAL_ID: MINIMAL_YAML,
    # Invalid: error messages quote hostile values and keys.
    "hostile-invalid": (
        f"title: 'Bad {SCRIPT}'\nsummary: 'Summary that is long enough.'\n"
        f"team: Risk\nstage: '{SCRIPT}'\n'{IMG}': 1\n"
    ),
}
JS_SCHEME = re.compile(r"^\s*(javascript|vbscript|data\s*:\s*text/html)", re.IGNORECASE)
URL_ATTRIBUTES = (
    "href",
    "src",
    "xlink:href",
    "action",
    "formaction",
    "srcset",
    "poster",
    "data",
    "background",
)


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory):
    root = write_site(tmp_path_factory.mktemp("hostile"), PROPOSALS)
    outcome = logged_build(root)
    assert outcome.error is None, outcome.text
    return outcome


@pytest.fixture(scope="module")
def site(hostile_build) -> Path:
    return hostile_build.site_dir


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def text_of(node: Tag) -> str:
    return " ".join(node.get_text(" ", strip=True).split())


def article(site: Path, src: str) -> Tag:
    node = soup_of(page_of(site, src)).select_one("article")
    assert node is not None
    return node


def script_sources(site: Path) -> set[str]:
    found = set()
    for page in html_files(site):
        for script in soup_of(page).find_all("script"):
            if script.get("src"):
                found.add(re.sub(r"^(\.\./)+|^\./", "", script["src"]))
    return found


def test_build_reports_the_invalid_file_without_a_traceback(hostile_build) -> None:
    assert any("hostile-invalid.yaml" in w for w in hostile_build.warnings)
    assert not [r for r in hostile_build.records if r.exc_info]


# Regression: the proposal title and summary once reached the front matter raw, and MkDocs
# and Material print page titles and meta descriptions unescaped, so a title holding
# <script> ran in <title> and the header, and a summary starting '"><script>' broke out of
# <meta name=description>. "page" checks whole pages, "article" only what the plugin renders.
SCOPES = ["article", "page"]


def scoped(site: Path, scope: str) -> list[tuple[Path, Tag]]:
    """Every generated page, whole or only its <article> (the part the plugin renders)."""
    out = []
    for page in html_files(site):
        soup = soup_of(page)
        node = soup.select_one("article") if scope == "article" else soup
        if node is not None:
            out.append((page, node))
    return out


def test_script_sources_are_the_theme_and_plugin_ones(site: Path, sample_site: Path) -> None:
    """Every <script src> is one the benign sample site also has."""
    allowed = script_sources(sample_site)
    assert allowed, "the sample site should load some scripts"
    assert script_sources(site) <= allowed
    assert any("sweetspot" in src for src in allowed)


@pytest.mark.parametrize("scope", SCOPES)
def test_no_script_elements_from_proposals(site: Path, sample_site: Path, scope: str) -> None:
    """Inline scripts are the theme's own: the same count per page as on the benign site,
    and none carries a payload."""
    theme_inline = {
        len([s for s in soup_of(p).find_all("script") if not s.get("src")])
        for p in html_files(sample_site)
    }
    for page, node in scoped(site, scope):
        inline = [s for s in node.find_all("script") if not s.get("src")]
        for script in inline:
            assert "alert(" not in script.get_text(), f"{page.relative_to(site)}: {script}"
        if scope == "page":
            assert len(inline) <= max(theme_inline), page.relative_to(site)


@pytest.mark.parametrize("scope", SCOPES)
def test_no_event_handler_attributes(site: Path, scope: str) -> None:
    for page, node in scoped(site, scope):
        for element in node.find_all(True):
            handlers = [a for a in element.attrs if a.lower().startswith("on")]
            assert not handlers, f"{page.relative_to(site)}: <{element.name} {handlers}>"


@pytest.mark.parametrize("scope", SCOPES)
def test_no_script_urls(site: Path, scope: str) -> None:
    for page, node in scoped(site, scope):
        for element in node.find_all(True):
            for attribute in URL_ATTRIBUTES:
                value = element.get(attribute)
                if value is None:
                    continue
                value = "".join(ch for ch in str(value) if ch.isprintable())
                assert not JS_SCHEME.match(value), (
                    f"{page.relative_to(site)}: <{element.name} {attribute}={value!r}>"
                )


def test_theme_chrome_shows_title_and_description_as_text(site: Path) -> None:
    soup = soup_of(page_of(site, "proposals/hostile-one.md"))
    topic = soup.select_one("[data-md-component=header-topic] .md-ellipsis")
    assert topic is not None
    assert topic.find(True) is None, topic
    assert text_of(topic) == TITLE
    description = soup.find("meta", attrs={"name": "description"})
    assert description["content"].startswith(DESCRIPTION_BREAKOUT)
    assert not soup.head.find("a")
    assert not soup.head.find("img")


@pytest.mark.parametrize("scope", SCOPES)
def test_no_injected_elements_ids_or_images(site: Path, scope: str) -> None:
    for page, soup in scoped(site, scope):
        assert soup.find(id="injected") is None, page
        assert not soup.select(".evil"), page
        for element in soup.find_all(["img", "iframe", "object", "embed", "form", "svg"]):
            for attribute in ("src", "data", "action"):
                assert "evil.example" not in str(element.get(attribute, "")), page
        for a in soup.find_all("a", href=True):
            assert "evil.example" not in a["href"], f"{page.relative_to(site)}: {a}"
        assert soup.find("img", src="x") is None, page


def test_plain_fields_show_the_literal_text(site: Path) -> None:
    node = article(site, "proposals/hostile-one.md")
    h1 = node.find("h1")
    assert text_of(h1).rstrip("¶ ").strip() == TITLE
    facts = node.select_one("dl.ss-facts")  # the people, under the summary
    cells = {text_of(dt): text_of(dt.find_next_sibling("dd")) for dt in facts.find_all("dt")}
    assert list(cells)[:3] == ["Team", "Owner", "Sponsor"], cells  # no injected terms
    assert [cells["Team"], cells["Owner"], cells["Sponsor"]] == [TEAM, OWNER, SPONSOR]
    text = text_of(node)
    for payload in (SCRIPT, IMG, JS_LINK, MD_IMAGE, ENTITIES, NOTE, ANSWER, BASIS):
        assert payload in text, payload
    links = {text_of(a): a["href"] for a in node.find_all("a", href=True)}
    assert LINK_TITLE in links
    assert links[LINK_TITLE].startswith("https://a.b/")
    second = node.find(id="hostile-two")
    assert second is None


def test_summary_markdown_is_sanitised_but_raw_html_is_text(site: Path) -> None:
    summary = article(site, "proposals/hostile-one.md").select_one(".ss-summary")
    assert summary is not None
    text = text_of(summary)
    assert SCRIPT in text and IMG in text and "<svg onload=alert(1)>" in text
    assert not summary.find(["script", "img", "svg", "table", "hr"])
    hrefs = [a.get("href") for a in summary.find_all("a")]
    assert "https://ok.example/" in hrefs
    assert all(h is None or h.startswith("https://ok.example/") for h in hrefs), hrefs


def test_the_page_title_is_not_replaced_by_front_matter_in_the_summary(site: Path) -> None:
    soup = soup_of(page_of(site, "proposals/hostile-one.md"))
    assert "pwned" not in text_of(soup.find("title"))
    assert text_of(soup.find("title")).startswith("Title")


def test_title_breakout_stays_in_the_title(site: Path) -> None:
    node = article(site, "proposals/hostile-two.md")
    assert text_of(node.find("h1")).rstrip("¶ ").strip() == f"Second {BREAKOUT} {ENTITIES}"


def test_jinja_is_never_evaluated(site: Path) -> None:
    for page in html_files(site):
        text = text_of(soup_of(page))
        for match in re.finditer(re.escape(f"Title {SCRIPT} {IMG} ") + r"(\S+)", text):
            assert match[1] == "{{", f"{page.relative_to(site)}: {match[0]}"
        assert "Link <script>alert(1)</script> 49" not in text
        assert (
            "Basis <img src=x onerror=alert(1)> ![pixel](https://evil.example/pixel.png) 49"
            not in text
        )
    node = article(site, "proposals/hostile-one.md")
    assert JINJA in text_of(node.find("h1"))
    assert f"Answer {SCRIPT} {JS_LINK} {JINJA}" in text_of(node)


def test_hostile_text_is_escaped_on_every_listing_page(site: Path) -> None:
    by_team = article(site, "portfolio/by-team.md")
    links = {text_of(a): a["href"] for a in by_team.select("table a")}
    assert TEAM in links
    team_page = (page_of(site, "portfolio/by-team.md").parent / links[TEAM]).resolve()
    assert (team_page / "index.html").is_file() and team_page.is_relative_to(site.resolve())
    team_src = str(team_page.relative_to(site.resolve())) + ".md"
    for src in (
        "index.md",
        "portfolio/index.md",
        team_src,
        "portfolio/stages/proposed.md",
        "pitfalls/data.md",
    ):
        text = text_of(article(site, src))
        assert f"Title {SCRIPT} {IMG} {JINJA}" in text, src
    assert text_of(article(site, team_src).find("h1")).startswith(TEAM)


def test_chart_text_is_escaped(site: Path) -> None:
    svg = soup_of(page_of(site, "portfolio/index.md")).select_one("svg.ss-quadrant-chart")
    assert TITLE in text_of(svg.find("desc"))
    titles = [text_of(a.find("title")) for a in svg.select("a.ss-point")]
    assert any(TITLE in t for t in titles)
    assert not svg.find("script") and not svg.find("foreignobject")


def test_intake_page_quotes_hostile_values_as_text(site: Path) -> None:
    node = article(site, "intake-problems.md")
    text = text_of(node)
    assert "hostile-invalid.yaml" in text
    assert SCRIPT in text
    assert IMG in text
    assert not node.find(["script", "img"])


def test_search_index_holds_no_markup_from_proposals(site: Path) -> None:
    """Material's search renders index entries as HTML: payloads must be escaped there too."""
    index = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    for doc in index["docs"]:
        for key in ("title", "text"):
            value = doc.get(key, "")
            assert "<script" not in value.lower(), (doc["location"], value[:200])
            assert not re.search(r"<[a-z]+[^>]*\son\w+\s*=", value, re.IGNORECASE), (
                doc["location"],
                value[:200],
            )
            assert not re.search(r"<img\b", value, re.IGNORECASE), (doc["location"], value)


def test_portfolio_csv_neutralises_formulas(site: Path) -> None:
    with (site / "portfolio" / "portfolio.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    for row in body:
        for cell in row:
            assert cell[:1] not in ("=", "+", "@"), cell
            if cell.startswith("-"):
                float(cell)  # only numbers may start with a minus sign
    record = next(
        dict(zip(header, row, strict=True))
        for row in body
        if row[header.index("id")] == "formula-cells"
    )
    for field, value in FORMULAS.items():
        assert record[field] == "'" + value


def test_portfolio_csv_neutralises_tab_prefixed_formulas(tmp_path: Path) -> None:
    """Regression: OWASP's CSV-injection guidance also lists a leading tab or carriage
    return, which some spreadsheets skip before reading a formula."""
    text = yaml.safe_dump(
        {
            "title": "\t=1+1 sneaky",
            "summary": "A tab before a formula.",
            "team": "\r=2+2",
            "stage": "idea",
        }
    )
    outcome = logged_build(write_site(tmp_path, {"tab-formula": text}))
    assert outcome.error is None, outcome.text
    with (outcome.site_dir / "portfolio" / "portfolio.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["title"].startswith("'") and rows[0]["title"].endswith("=1+1 sneaky")
    assert rows[0]["team"].startswith("'") and rows[0]["team"].endswith("=2+2")


def test_carriage_return_in_a_field_does_not_crash_the_build(tmp_path: Path) -> None:
    """Regression: a bare carriage return in a title once crashed every build, because the
    CSV was written with the CR unquoted and then parsed again."""
    text = yaml.safe_dump(
        {
            "title": "Fraud\rdetection for returns",
            "stage": "idea",
            "summary": "A carriage return inside a title.",
            "team": "Risk",
        }
    )
    root = write_site(tmp_path, {"carriage-return": text, MINIMAL_ID: MINIMAL_YAML})
    site = build_project(root)
    with (site / "portfolio" / "portfolio.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2


def test_external_links_stay_on_their_scheme(site: Path) -> None:
    node = article(site, "proposals/hostile-one.md")
    for a in node.find_all("a", href=True):
        scheme = urlsplit(a["href"]).scheme
        assert scheme in ("", "http", "https", "mailto"), a["href"]
