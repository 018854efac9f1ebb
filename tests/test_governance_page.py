"""The governance view (issue 27, item 4): per enabled regime, the systems in production
that fall short of a required practice come first, then what falls due, determinations
needing grounds, waivers a register reports without a record, and the roll-up by unit; the
units index counts systems in production and likely high. Real sites, parsed HTML."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup
from sitekit import build_project, page_of, write_site

pytestmark = pytest.mark.slow

BASE: dict[str, Any] = {
    "schema_version": 1,
    "title": "Screen benefit claims for fraud",
    "summary": "Ranks benefit claims for a fraud review by caseworkers.",
    "team": "Benefits",
    "org": ["Department of Welfare", "Claims Office"],
    "stage": "production",
    "stakes": {
        "declared_class": "high",
        "declared_basis": "Listed as rights-impacting",
        "area": "public_benefits",
        "decides_about_people": True,
    },
    "problem": {"automation": "augment"},
    "governance": {
        "impact_assessment": "none",
        "real_world_testing": "in_progress",
        "independent_review": "waived",
        "monitoring": "done",
    },
}


def variant(title: str, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["title"] = title
    for key, value in changes.items():
        data[key] = value
    return data


PROPOSALS = {
    # In production, high, an impact assessment missing: a gap with a red flag.
    "claims-screen": BASE,
    # The same, every practice done: no gap.
    "claims-done": variant(
        "Route claims with every practice in place",
        governance={
            k: "done"
            for k in (
                "impact_assessment",
                "real_world_testing",
                "independent_review",
                "monitoring",
                "testing_by_group",
                "notice",
                "explanation",
                "appeal",
            )
        },
    ),
    # Only proposed, missing the same practice: not in use, so no gap.
    "claims-proposed": variant("Propose a claims triage", stage="proposed"),
    # Harmless and in production, in another unit.
    "room-bookings": {
        "schema_version": 1,
        "title": "Forecast meeting room bookings",
        "summary": "Forecasts how many rooms are booked each week.",
        "team": "Facilities",
        "org": ["Department of Estates"],
        "stage": "production",
        "stakes": {"declared_class": "minimal", "area": "none", "decides_about_people": False},
    },
}
OPTIONS = {"regimes": ["omb-m-24-10", "eu-ai-act-2026"], "build_date": "2026-12-07"}
FILES = {pid: yaml.safe_dump(data) for pid, data in PROPOSALS.items()}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_site(tmp_path_factory.mktemp("gov"), FILES, plugin_options=OPTIONS)
    return build_project(root)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def section(page: BeautifulSoup, anchor: str) -> str:
    """The text from a heading to the next one of its level."""
    heading = page.find(id=anchor)
    assert heading is not None, anchor
    parts = []
    for sibling in heading.find_next_siblings():
        if sibling.name == heading.name:
            break
        parts.append(sibling.get_text(" ", strip=True))
    return " ".join(parts)


def test_the_index_lists_each_enabled_regime_with_its_gaps(site: Path) -> None:
    page = soup(page_of(site, "governance/index.md"))
    rows = {
        row.find("th").find("a").get_text(strip=True): [
            td.get_text(strip=True) for td in row.find_all("td")
        ]
        for row in page.select("article table tbody tr")
    }
    assert list(rows) == ["OMB M-24-10", "EU AI Act"], rows
    assert "2026-12-07" in page.get_text()
    # Use cases judged: the four active ones under each regime; one gap under M-24-10.
    assert all(cells[0] == "4" for cells in rows.values()), rows
    assert rows["OMB M-24-10"][1] == "1"


def test_gaps_come_first_and_name_the_practice_and_rule(site: Path) -> None:
    page = soup(page_of(site, "governance/omb-m-24-10.md"))
    headings = [h.get("id") for h in page.select("article h2")]
    assert headings[0] == "gaps"
    gaps = section(page, "gaps")
    assert "Screen benefit claims for fraud" in gaps
    assert "impact assessment" in gaps.lower()
    assert "Red flag" in gaps
    # Every practice in place, not yet in use, a harmless system: no gap.
    for title in ("every practice in place", "Propose a claims triage", "meeting room"):
        assert title not in gaps, title
    link = page.select_one("#gaps ~ div table tbody a")
    assert link is not None and link["href"].endswith("claims-screen/")


def test_the_units_roll_up_puts_gaps_first(site: Path) -> None:
    page = soup(page_of(site, "governance/omb-m-24-10.md"))
    table = page.find(id="units").find_next("table")
    rows = [
        {td["data-label"]: td.get_text(strip=True) for td in tr.find_all(["th", "td"])}
        for tr in table.select("tbody tr")
    ]
    assert [r["Unit"] for r in rows] == ["Department of Welfare", "Department of Estates"]
    welfare = rows[0]
    assert welfare["Use cases"] == "3"
    assert welfare["In production"] == "2"
    assert welfare["Gaps"] == "1"
    assert rows[1]["Gaps"] == "0"
    assert table.select_one("tbody a")["href"].endswith("units/department-of-welfare/")


def test_a_later_build_date_moves_what_falls_due(tmp_path: Path) -> None:
    """The EU AI Act's Annex III duties fall due on 2 December 2027: inside the next 12
    months at the end of 2026, past due (a gap) a year later."""
    early = build_project(write_site(tmp_path / "early", FILES, plugin_options=OPTIONS))
    page = soup(page_of(early, "governance/eu-ai-act-2026.md"))
    assert "2027-12-02" in section(page, "due")
    late_options = {**OPTIONS, "build_date": "2028-01-15"}
    late = build_project(write_site(tmp_path / "late", FILES, plugin_options=late_options))
    page = soup(page_of(late, "governance/eu-ai-act-2026.md"))
    assert "2027-12-02" not in section(page, "due")
    assert "Screen benefit claims for fraud" in section(page, "gaps")


def test_the_units_index_counts_production_and_gaps(site: Path) -> None:
    page = soup(page_of(site, "portfolio/units/index.md"))
    header = [th.get_text(" ", strip=True) for th in page.select("article table thead th")]
    assert "In production" in header and "Of note" in header
    # No use case gives a value: no column of "unknown".
    assert "Expected value per year" not in header
    # Likely high: declared high or minimal here, so no column of zeros... unless words say so.
    foot = {
        td["data-label"]: td.get_text(strip=True) for td in page.select("article table tfoot td")
    }
    assert foot["In production"] == "3"
    assert "1 with a gap" in foot["Of note"]
    assert ("Likely high" in header) == (foot.get("Likely high", "0") != "0")


def test_without_a_decisions_folder_the_decisions_page_says_where_they_go(site: Path) -> None:
    """Always made, so the Governance section of a navigation can link to it."""
    page = soup(page_of(site, "decisions/index.md"))
    text = page.find("article").get_text(" ", strip=True)
    assert "No decisions on record yet" in text and "decisions_dir" in text


WAIVER = """proposal: claims-screen
kind: waiver
requested_by: Grace Hopper
decided_by: Ada Byron
date: "2026-10-01"
expires: "2027-01-15"
scope:
  obligation: omb-m-24-10:impact-assessment
grounds: The assessment is being redone after the model change; the old one covers the pilot.
"""


def test_a_recorded_waiver_lapsing_within_90_days_is_listed(tmp_path: Path) -> None:
    options = {**OPTIONS, "deciders": ["Ada Byron"]}
    root = write_site(
        tmp_path / "waiver",
        FILES,
        plugin_options=options,
        extra_files={"decisions/claims-screen-waiver.yaml": WAIVER},
    )
    site = build_project(root)
    page = soup(page_of(site, "governance/omb-m-24-10.md"))
    expiring = section(page, "expiring")
    assert "Screen benefit claims for fraud" in expiring
    assert "waiver of impact assessment" in expiring and "2027-01-15" in expiring
    assert "Ada Byron" in expiring and "(39 days)" in expiring
    # The recorded waiver holds: the practice is no longer a gap for this use.
    gaps = section(page, "gaps").lower()
    assert "impact assessment" not in gaps and "real-world context" in gaps
    # Another regime's page does not list a waiver of this regime's practice.
    eu = soup(page_of(site, "governance/eu-ai-act-2026.md"))
    assert "waiver of impact assessment" not in section(eu, "expiring")


def test_the_decisions_page_filters_by_decider_and_requester_without_javascript(
    tmp_path: Path,
) -> None:
    options = {**OPTIONS, "deciders": ["Ada Byron"]}
    root = write_site(
        tmp_path / "people",
        FILES,
        plugin_options=options,
        extra_files={"decisions/claims-screen-waiver.yaml": WAIVER},
    )
    page = soup(page_of(build_project(root), "decisions/index.md"))
    table = page.find(id="people").find_next("table")
    link = table.find("a", string="Ada Byron")
    assert link is not None and link["href"] == "#person-ada-byron"
    decider = page.find(id="person-ada-byron").find_next("p").get_text(" ", strip=True)
    assert decider.startswith("Decided:") and "Screen benefit claims for fraud" in decider
    requester = page.find(id="person-grace-hopper").find_next("p").get_text(" ", strip=True)
    assert requester.startswith("Asked for:") and "waiver" in requester


def test_grounds_are_split_into_exceptions_claimed_and_classes_declared_below(
    tmp_path: Path,
) -> None:
    """Written grounds are needed for two different reasons, listed apart: an outcome that
    claims an exception (Art. 6(3)) and a class declared below what the words suggest."""
    exempt = variant(
        "Sort job applications into folders",
        stakes={"area": "employment", "decides_about_people": False},
    )
    faces = {
        "schema_version": 1,
        "title": "Match travellers' faces to their passport photos at the gate",
        "summary": "A camera at each boarding gate takes a photo of the traveller and facial "
        "recognition software compares it with the passport photo.",
        "team": "Border Operations",
        "stage": "pilot",
        "stakes": {"declared_class": "minimal"},
    }
    files = {"exempt": yaml.safe_dump(exempt), "faces": yaml.safe_dump(faces)}
    options = {"regimes": ["eu-ai-act-2026"], "build_date": "2026-12-07"}
    built = build_project(write_site(tmp_path, files, plugin_options=options))
    page = soup(page_of(built, "governance/eu-ai-act-2026.md"))
    grounds = section(page, "grounds")
    exception = page.find(id="grounds-exception")
    below = page.find(id="grounds-below")
    assert exception is not None and below is not None, grounds
    assert "An exception claimed (1)" in exception.get_text(" ", strip=True)
    assert "Sort job applications" in exception.find_next("ul").get_text()
    assert "Match travellers" not in exception.find_next("ul").get_text()
    assert "Declared below what its own words suggest (1)" in below.get_text(" ", strip=True)
    assert "Match travellers" in below.find_next("ul").get_text()
    summary = page.get_text(" ", strip=True)
    assert "2 (1 exception claimed, 1 declared below their words)" in summary
