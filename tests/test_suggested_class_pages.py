"""A class suggested from a use case's own words, as a reader sees it (issue 26, items 1-2).

While the stakes are unanswered, the pages say "Likely high, not yet assessed" with the
rules that matched and their sources, apart from any class the answers set; a declared class
below the suggestion reads as a determination that needs written grounds, and the range
reaches the suggested class's band.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sitekit import build_project, page_of, write_site

from scoring.model.cardjson import expand

FACES = """\
title: Match travellers' faces to their passport photos at the gate
summary: >-
  A camera at each boarding gate takes a photo of the traveller and facial recognition
  software compares it with the passport photo, so officers only check the mismatches.
team: Border Operations
stage: pilot
"""
DECLARED_LOW = FACES.replace("stage: pilot\n", "stage: pilot\nstakes:\n  declared_class: minimal\n")
WRITING_HELPER = """\
title: Plain-language rewriting helper for staff letters
summary: >-
  Staff paste a draft letter and a large language model suggests a plainer version, which
  the writer edits before sending.
team: Communications
stage: pilot
delivery:
  uses_llm: true
"""


def text_of(page: Path) -> str:
    soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
    article = soup.select_one("article")
    assert article is not None
    return " ".join(article.get_text(" ").split())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_site(
        tmp_path_factory.mktemp("suggested"),
        {"gate-faces": FACES, "gate-faces-declared": DECLARED_LOW, "letters": WRITING_HELPER},
    )
    return build_project(root)


def cards(site: Path) -> dict[str, dict]:
    payload = json.loads((site / "portfolio" / "portfolio.json").read_text("utf-8"))
    return {c["id"]: c for c in expand(payload)}


@pytest.mark.slow
def test_unanswered_stakes_read_likely_high_with_the_reason(site: Path) -> None:
    page = text_of(page_of(site, "proposals/gate-faces.md"))
    assert "Likely high, not yet assessed" in page
    assert "biometric" in page.lower() and "Annex III" in page
    card = cards(site)["gate-faces"]
    assert card["risk_class"] == "unassessed"  # a suggestion is not an assessment
    assert card["suggested_class"] == "high"
    assert any("Annex III" in rule["source"] for rule in card["suggested_rules"])
    # Every list says the same: the table of all proposals and the team's page.
    for src in ("portfolio/proposals/index.md", "portfolio/teams/border-operations.md"):
        listed = text_of(page_of(site, src))
        assert "Likely high, not yet assessed" in listed, src
    rows = json.loads((site / "portfolio" / "rows.json").read_text("utf-8"))
    at = rows["fields"].index("suggested_class")
    by_id = {row[0]: row for row in rows["rows"]}
    assert by_id["gate-faces"][at] == "high" and by_id["letters"][at] is None


@pytest.mark.slow
def test_a_language_model_helper_is_not_likely_high(site: Path) -> None:
    page = text_of(page_of(site, "proposals/letters.md"))
    assert "Likely high" not in page


@pytest.mark.slow
def test_a_declared_class_below_the_suggestion_needs_written_grounds(site: Path) -> None:
    page = text_of(page_of(site, "proposals/gate-faces-declared.md"))
    assert "Minimal risk" in page and "Likely high, not yet assessed" not in page
    assert "a determination that needs written grounds" in page
    assert "Minimal risk as declared; likely high" in page
    listed = text_of(page_of(site, "portfolio/teams/border-operations.md"))
    assert "Minimal risk as declared; likely high" in listed
    card = cards(site)["gate-faces-declared"]
    assert card["risk_class"] == "minimal"
    high_band = card["risk_band"]
    assert card["risk_range"][1] > high_band[1], (card["risk_range"], high_band)


def test_the_scoring_method_lists_every_rule_with_its_source(demo_site: Path) -> None:
    from scoring.rubric import load_rubric

    page = page_of(demo_site, "reference/scoring-method.md")
    soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
    heading = soup.find(id="suggested-class")
    assert heading is not None
    listed = [" ".join(li.get_text(" ").split()) for li in heading.find_next("ul").find_all("li")]
    rules = load_rubric().class_suggestions.rules
    assert len(listed) == len(rules)
    for rule, item in zip(rules, listed, strict=True):
        assert rule.reason in item and rule.source.split(";")[0] in item, item
