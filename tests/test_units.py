"""Units worth opening and currency as a site setting (issue 25, items 4 and 5).

A unit's page lists every use case at it or below it by priority; sub-units whose source
name is only an abbreviation show their parent's name; the units index is in the demo's
navigation and on its home page, and in a site without `nav:`. Totals are in the site's
currency: other currencies are converted at the site's rates or added up per currency, and
a value nobody gave is unknown, never 0.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup
from sitekit import REPO, logged_build, page_of, write_site

from plugins.config import SweetspotConfig
from scoring.model.scorecard import ScoredPortfolio, score_intake
from scoring.portfolio.orgunits import looks_abbreviated, rollup_for, unit_label, unit_tree
from scoring.portfolio.summary import summarise, summary_json
from scoring.proposals.loading import load_proposals
from scoring.rubric import load_rubric
from scoring.site.settings import DEFAULTS, SettingsError, SiteSettings


def use_case(
    title: str,
    org: list[str],
    *,
    value: int | None = None,
    currency: str | None = None,
    stage: str = "proposed",
) -> str:
    text = (
        f"title: {title}\nsummary: A use case that tests the unit pages and totals.\n"
        f"team: {org[-1]}\nstage: {stage}\norg: {json.dumps(org)}\n"
    )
    if value is not None:
        text += "value:\n" + (f"  currency: {currency}\n" if currency else "")
        text += f"  annual_value: {value}\n"
    return text


DHS = "Department of Homeland Security"
USE_CASES = {
    "cargo": use_case("Cargo image screening", [DHS, "CBP"], value=100, currency="USD"),
    "damage": use_case("Disaster damage maps", [DHS, "FEMA"], value=50, currency="EUR"),
    "ports": use_case("Port camera triage", [DHS, "CBP", "OFO"]),
    "docs": use_case("Travel document checks", [DHS]),
    "forms": use_case("Form reading", ["Department of Energy", "Office of Science"]),
}


def portfolio_of(tmp_path: Path, proposals: dict[str, str]) -> ScoredPortfolio:
    folder = tmp_path / "proposals"
    folder.mkdir(parents=True)
    for name, text in proposals.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    rubric = load_rubric(None)
    intake = load_proposals([folder], rubric)
    assert not intake.invalid, intake.problems
    return score_intake(intake, rubric)


# ------------------------------------------------------------------------------------------
# Totals: the site's currency, rates, per currency, unknown
# ------------------------------------------------------------------------------------------


def test_roll_ups_convert_at_given_rates_add_others_per_currency_and_know_unknown(
    tmp_path: Path,
) -> None:
    portfolio = portfolio_of(tmp_path, USE_CASES)
    cards = portfolio.cards
    by_id = {c.proposal.id: c for c in cards}
    no_rate = rollup_for(cards, "EUR")
    assert (no_rate.annual_value, no_rate.other_values) == (50.0, (("USD", 100.0),))
    converted = rollup_for(cards, "EUR", {"USD": 0.5})
    assert (converted.annual_value, converted.other_values) == (100.0, ())
    # No value given at all: unknown (None), never 0.
    unknown = rollup_for([by_id["docs"], by_id["ports"]], "EUR")
    assert unknown.annual_value is None and unknown.other_values == ()
    only_usd = rollup_for([by_id["cargo"]], "EUR")
    assert only_usd.annual_value is None and only_usd.other_values == (("USD", 100.0),)


def test_summary_totals_follow_the_site_currency_and_are_null_when_unknown(
    tmp_path: Path,
) -> None:
    portfolio = portfolio_of(tmp_path, USE_CASES)
    in_usd = summarise(portfolio, "USD")
    assert (in_usd.currency, in_usd.annual_value, in_usd.other_values) == (
        "USD",
        100.0,
        (("EUR", 50.0),),
    )
    converted = summarise(portfolio, "USD", {"EUR": 1.1})
    assert converted.annual_value == pytest.approx(155.0) and converted.other_values == ()
    assert summary_json(converted)["exchange_rates"] == {"EUR": 1.1}
    nothing = portfolio_of(tmp_path / "none", {"docs": USE_CASES["docs"]})
    assert summarise(nothing, "EUR").annual_value is None
    totals: Any = summary_json(summarise(nothing, "EUR"))["active_totals"]
    assert totals["annual_value"] is None


def test_currency_settings_match_the_plugin_and_refuse_bad_values() -> None:
    declared = {name: option.default for name, option in SweetspotConfig._schema}
    assert declared["currency"] == DEFAULTS["currency"] == "EUR"  # the demo is unchanged
    assert declared["exchange_rates"] is None and DEFAULTS["exchange_rates"] is None
    assert SiteSettings.from_options({"exchange_rates": {"USD": 0.92}}).rates() == {"USD": 0.92}
    for options, words in (
        ({"currency": "euro"}, "currency must be a three-letter code"),
        ({"exchange_rates": {"USD": 0}}, "exchange_rates: USD must be a positive number"),
        ({"exchange_rates": {"dollars": 1}}, "'dollars' is not a three-letter currency code"),
        ({"exchange_rates": [1]}, "exchange_rates must be a mapping"),
    ):
        with pytest.raises(SettingsError, match=words):
            SiteSettings.from_options(options).rates()


# ------------------------------------------------------------------------------------------
# Unit names
# ------------------------------------------------------------------------------------------


def test_abbreviated_units_show_their_parents_name(tmp_path: Path) -> None:
    assert looks_abbreviated("CBP") and looks_abbreviated("FAA AFN")
    assert looks_abbreviated("OCIO/CTO")
    assert not looks_abbreviated("VBA: Veterans Benefits Administration")
    assert not looks_abbreviated("USAID/Mali") and not looks_abbreviated("2024")
    assert unit_label("CBP", DHS) == f"CBP ({DHS})"
    assert unit_label("Office of Science", "Department of Energy") == "Office of Science"
    assert unit_label("DHS", None) == "DHS"  # a top-level unit has no parent to name
    roots = unit_tree(portfolio_of(tmp_path, USE_CASES), "EUR")
    labels = {node.path: node.label for root in roots for node in root.walk()}
    assert labels[(DHS,)] == DHS
    assert labels[(DHS, "CBP")] == f"CBP ({DHS})"
    assert labels[(DHS, "CBP", "OFO")] == f"OFO (CBP, {DHS})"
    assert labels[("Department of Energy", "Office of Science")] == "Office of Science"


# ------------------------------------------------------------------------------------------
# Built pages
# ------------------------------------------------------------------------------------------


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def rollup(page: BeautifulSoup) -> dict[str, str]:
    return {
        dt.get_text(strip=True): " ".join(dd.get_text(" ", strip=True).split())
        for dt, dd in zip(
            page.select("dl.ss-rollup dt"), page.select("dl.ss-rollup dd"), strict=True
        )
    }


@pytest.mark.slow
def test_unit_pages_list_every_use_case_below_by_priority_with_full_names(
    tmp_path: Path,
) -> None:
    root = write_site(tmp_path / "site", USE_CASES)  # no nav: MkDocs makes one
    outcome = logged_build(root, strict=True)
    assert outcome.error is None, outcome.warnings
    site = outcome.site_dir
    assert site is not None
    dhs = soup(page_of(site, "portfolio/units/department-of-homeland-security.md"))
    rows = dhs.select("table.ss-cards:not(.ss-rollups) tbody tr")
    titles = [r.select_one("th a").get_text(strip=True) for r in rows]  # type: ignore[union-attr]
    assert sorted(titles) == sorted(
        [
            "Cargo image screening",
            "Disaster damage maps",
            "Port camera triage",
            "Travel document checks",
        ]
    )
    priorities = [float(r.select("td")[1].get_text()) for r in rows]
    assert priorities == sorted(priorities, reverse=True)
    text = " ".join(dhs.get_text(" ", strip=True).split())
    assert "No proposal is directly in this unit" not in text
    assert {a.get_text(strip=True) for a in dhs.select("table.ss-rollups a")} == {
        f"CBP ({DHS})",
        f"FEMA ({DHS})",
    }
    # EUR is the default site currency: the USD amount is added on its own, not dropped.
    assert rollup(dhs)["Expected value per year (active)"] == "EUR 50 + USD 100"
    cbp = soup(page_of(site, "portfolio/units/department-of-homeland-security/cbp.md"))
    assert cbp.select_one("h1").get_text(strip=True).startswith(f"CBP ({DHS})")  # type: ignore[union-attr]
    ofo = soup(page_of(site, "portfolio/units/department-of-homeland-security/cbp/ofo.md"))
    assert rollup(ofo)["Expected value per year (active)"] == "unknown"
    trail = [a.get_text(strip=True) for a in ofo.select(".ss-trail a")]
    assert trail == ["Organisation units", DHS, f"CBP ({DHS})"]
    # A site without nav: gets the units index in MkDocs' own navigation.
    home = soup(page_of(site, "index.md"))
    assert "Organisation units" in [a.get_text(strip=True) for a in home.select("nav a")]


@pytest.mark.slow
def test_exchange_rates_in_mkdocs_yml_convert_totals_and_a_bad_rate_stops_the_build(
    tmp_path: Path,
) -> None:
    options: dict[str, Any] = {"currency": "USD", "exchange_rates": {"EUR": 2}}
    root = write_site(tmp_path / "site", USE_CASES, plugin_options=options)
    outcome = logged_build(root, strict=True)
    assert outcome.error is None, outcome.warnings
    assert outcome.site_dir is not None
    dhs = soup(page_of(outcome.site_dir, "portfolio/units/department-of-homeland-security.md"))
    assert rollup(dhs)["Expected value per year (active)"] == "USD 200"
    bad = write_site(tmp_path / "bad", USE_CASES, plugin_options={"exchange_rates": {"USD": -1}})
    failed = logged_build(bad, strict=True)
    assert failed.error is not None
    assert "sweetspot: exchange_rates: USD must be a positive number" in failed.text


def test_demo_navigation_and_home_page_lead_to_the_units(demo_site: Path) -> None:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    portfolio = next(entry["Portfolio"] for entry in config["nav"] if "Portfolio" in entry)
    assert {"Organisation units": "portfolio/units/index.md"} in portfolio
    home = soup(page_of(demo_site, "index.md"))
    article = home.select_one("article")
    assert article is not None
    links = {a.get_text(strip=True): str(a["href"]) for a in article.select("a")}
    assert links["Organisation units"].rstrip("/").endswith("portfolio/units")
    assert "Organisation units" in [a.get_text(strip=True) for a in home.select("nav a")]
    units = " ".join(soup(page_of(demo_site, "portfolio/units/index.md")).get_text(" ").split())
    assert "No proposal names an organisation unit yet" in units
