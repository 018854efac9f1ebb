"""`sweetspot init DIR`: a new site for an inventory, without the demo (issue 25, item 4).

The end-to-end test follows the README's inventory path: init, import a small inventory in
the 2024 US federal format with the shipped mapping, build with --strict, and read the HTML.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from sitekit import REPO, logged_build, page_of
from test_workflows import assert_parses, load, sweetspot_commands, triggers

from scoring.cli.main import main

FEDERAL_MAPPING = REPO / "scoring" / "data" / "mappings" / "us-federal-2024.yaml"

# Four use cases of two agencies; "CBP" and "FEMA" are bureaus the source only abbreviates,
# and the last row has no bureau at all. No row gives a value.
ROWS = [
    {
        "2_use_case_name": "Claims triage assistant",
        "3_agency": "Department of Veterans Affairs",
        "3_abr": "VA",
        "4_bureau": "VBA: Veterans Benefits Administration",
        "11_purpose_benefits": "Sorts incoming claims so that urgent ones reach a rater first.",
        "16_dev_stage": "Operation and Maintenance",
        "17_impact_type": "Rights-Impacting",
    },
    {
        "2_use_case_name": "Cargo image screening",
        "3_agency": "Department of Homeland Security",
        "3_abr": "DHS",
        "4_bureau": "CBP",
        "11_purpose_benefits": "Flags X-ray images of containers that an officer should open.",
        "16_dev_stage": "Implementation and Assessment",
        "17_impact_type": "Neither",
    },
    {
        "2_use_case_name": "Disaster damage maps",
        "3_agency": "Department of Homeland Security",
        "3_abr": "DHS",
        "4_bureau": "FEMA",
        "11_purpose_benefits": "Estimates damaged buildings from aerial photos after a storm.",
        "16_dev_stage": "Initiated",
        "17_impact_type": "Neither",
    },
    {
        "2_use_case_name": "Travel document checks",
        "3_agency": "Department of Homeland Security",
        "3_abr": "DHS",
        "4_bureau": "",
        "11_purpose_benefits": "Compares travel documents with known forgery patterns.",
        "16_dev_stage": "Acquisition and/or Development",
        "17_impact_type": "Safety-Impacting",
    },
]


def federal_csv(path: Path) -> Path:
    """A small inventory with every column of the 2024 federal file, in its order."""
    columns = yaml.safe_load(FEDERAL_MAPPING.read_text(encoding="utf-8"))["columns"]
    headers = [v if isinstance(v, str) else v["header"] for v in columns.values()]
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(headers)
        for row in ROWS:
            writer.writerow([row.get(key, "") for key in columns])
    return path


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def inside(folder: Path) -> Iterator[None]:
    """Run in ``folder``, as `cd agency-ai && sweetspot import ...` does."""
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def article_text(path: Path) -> str:
    article = soup(path).select_one("article")
    assert article is not None, path
    return " ".join(article.get_text(" ", strip=True).split())


def demo_titles() -> set[str]:
    titles = set()
    for path in (REPO / "content" / "proposals").glob("*.yaml"):
        titles.add(str(yaml.safe_load(path.read_text(encoding="utf-8"))["title"]))
    return titles


# ------------------------------------------------------------------------------------------
# What init writes
# ------------------------------------------------------------------------------------------


def test_init_writes_a_site_with_its_config_workflow_playbooks_and_no_proposals(
    tmp_path: Path,
) -> None:
    site = tmp_path / "agency-ai"
    code, out, err = run_cli("init", str(site), "--title", "Agency AI", "--currency", "USD")
    assert code == 0, err
    assert "agency-ai" in out and err == ""
    config = yaml.safe_load((site / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["site_name"] == "Agency AI"
    assert config["theme"]["name"] == "material"
    options = next(p["sweetspot"] for p in config["plugins"] if isinstance(p, dict))
    assert options["proposals_dir"] == "content/proposals"
    assert options["currency"] == "USD"
    portfolio = next(entry["Portfolio"] for entry in config["nav"] if "Portfolio" in entry)
    assert {"Organisation units": "portfolio/units/index.md"} in portfolio
    # The proposals folder holds no proposal, only the editor schema.
    assert [p.name for p in (site / "content" / "proposals").iterdir()] == ["proposal.schema.json"]
    # The playbooks are copied as they are.
    shipped = sorted((REPO / "content" / "playbooks").glob("*.md"))
    assert shipped
    for path in shipped:
        assert (site / "content" / "playbooks" / path.name).read_bytes() == path.read_bytes()
    # The CI workflow validates the proposals and builds the site strictly.
    workflow = yaml.safe_load(
        (site / ".github" / "workflows" / "proposals.yml").read_text(encoding="utf-8")
    )
    steps = " ".join(str(step.get("run", "")) for step in workflow["jobs"]["check"]["steps"])
    assert "sweetspot validate --format github" in steps
    assert "mkdocs build --strict" in steps and "sweetspot diff" in steps
    assert "sweetspot-kb" in (site / "requirements.txt").read_text(encoding="utf-8")
    home = (site / "content" / "index.md").read_text(encoding="utf-8")
    assert "# Agency AI" in home and "(portfolio/units/index.md)" in home
    assert "<!-- sweetspot:summary -->" in home


def test_init_workflow_runs_real_commands_and_init_documents_its_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "site"
    assert run_cli("init", str(site))[0] == 0
    workflow = load(site / ".github" / "workflows" / "proposals.yml")
    assert "pull_request" in triggers(workflow)
    commands = sweetspot_commands(workflow)
    assert [tokens[1] for tokens in commands] == ["validate", "diff"]
    for tokens in commands:
        assert_parses(tokens)
    assert main(["init", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--currency" in out and "new or an empty folder" in " ".join(out.split())
    assert "\n  2    usage error" in out


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    site = tmp_path / "existing"
    site.mkdir()
    (site / "notes.txt").write_text("keep me", encoding="utf-8")
    code, out, err = run_cli("init", str(site))
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(site) in err and "not empty" in err and "notes.txt" in err
    assert sorted(p.name for p in site.iterdir()) == ["notes.txt"]
    assert out == ""


def test_init_refuses_a_symlink_and_a_file_and_never_writes_through_them(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "site-link"
    link.symlink_to(elsewhere, target_is_directory=True)
    code, _, err = run_cli("init", str(link))
    assert code == 2 and "symlink" in err and str(link) in err
    assert list(elsewhere.iterdir()) == []
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    code, _, err = run_cli("init", str(a_file))
    assert code == 2 and "not a folder" in err
    assert a_file.read_text(encoding="utf-8") == "x"


def test_init_refuses_a_missing_parent_and_a_bad_currency(tmp_path: Path) -> None:
    code, _, err = run_cli("init", str(tmp_path / "no" / "such" / "site"))
    assert code == 2 and "does not exist" in err
    code, _, err = run_cli("init", str(tmp_path / "site"), "--currency", "euro")
    assert code == 2 and "--currency" in err and "euro" in err
    assert not (tmp_path / "site").exists()


# ------------------------------------------------------------------------------------------
# The README's inventory path, end to end
# ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_empty_site_builds_strict_with_the_units_page_in_its_navigation(tmp_path: Path) -> None:
    site = tmp_path / "agency-ai"
    assert run_cli("init", str(site))[0] == 0
    outcome = logged_build(site, strict=True)
    assert outcome.error is None, outcome.warnings
    built = outcome.site_dir
    assert built is not None
    units = article_text(page_of(built, "portfolio/units/index.md"))
    assert "No proposal names an organisation unit yet" in units
    home = soup(page_of(built, "index.md"))
    assert "Organisation units" in [a.get_text(strip=True) for a in home.select("nav a")]


@pytest.mark.slow
def test_init_then_import_builds_a_strict_site_of_the_inventory_only(tmp_path: Path) -> None:
    site = tmp_path / "agency-ai"
    inventory = federal_csv(tmp_path / "inventory.csv")
    assert run_cli("init", str(site), "--title", "Agency AI", "--currency", "USD")[0] == 0
    with inside(site):
        code, _, err = run_cli("import", str(inventory), "--mapping", "us-federal-2024")
    assert code == 0, err
    assert len(list((site / "content" / "proposals").glob("*.yaml"))) == len(ROWS)
    outcome = logged_build(site, strict=True)
    assert outcome.error is None, outcome.warnings
    built = outcome.site_dir
    assert built is not None

    # The home page and the portfolio show the inventory and nothing of the demo.
    titles = {row["2_use_case_name"] for row in ROWS}
    home = article_text(page_of(built, "index.md"))
    portfolio = article_text(page_of(built, "portfolio/index.md"))
    for title in titles - {"Claims triage assistant"}:  # in production: not a "next" item
        assert title in home
    for title in titles:
        assert title in portfolio
    for title in demo_titles():
        assert title not in home and title not in portfolio
    assert "EUR" not in home and "EUR" not in portfolio
    assert not list(built.glob("proposals/subscriber-churn-retention*"))

    # Units: in the navigation, an index of the two agencies, and a department's page
    # listing every use case below it, abbreviated bureaus with the department's name.
    nav = [a.get_text(strip=True) for a in soup(page_of(built, "index.md")).select("nav a")]
    assert "Organisation units" in nav
    index = soup(page_of(built, "portfolio/units/index.md"))
    assert {a.get_text(strip=True) for a in index.select("article table a")} == {
        "Department of Homeland Security",
        "Department of Veterans Affairs",
    }
    dhs = page_of(built, "portfolio/units/department-of-homeland-security.md")
    dhs_soup = soup(dhs)
    sub_units = {a.get_text(strip=True) for a in dhs_soup.select("table.ss-rollups a")}
    assert sub_units == {
        "CBP (Department of Homeland Security)",
        "FEMA (Department of Homeland Security)",
    }
    listed = [a.get_text(strip=True) for a in dhs_soup.select("table.ss-cards tbody th a")]
    listed = [t for t in listed if t in titles]
    assert sorted(listed) == [
        "Cargo image screening",
        "Disaster damage maps",
        "Travel document checks",
    ]
    text = article_text(dhs)
    assert "No proposal is directly in this unit" not in text
    # No row gives a value: the value is unknown, not "USD 0".
    assert "Expected value per year (active) unknown" in text
    assert "USD 0" not in text and "EUR 0" not in text

    # A proposal page names the register's own fields as its mapping labels them, not by
    # their keys ("Impact type"): the file names its shipped mapping (source.inventory).
    claims = next(
        p
        for p in (site / "content" / "proposals").glob("*.yaml")
        if "Claims triage assistant" in p.read_text("utf-8")
    )
    record = article_text(page_of(built, f"proposals/{claims.stem}.md"))
    assert "Rights- or safety-impacting Rights-Impacting" in record, record[-600:]
    assert "Impact type" not in record
    # "Neither" is the agency's determination that a use is not high-impact: a declared
    # minimal class with its basis, not "not yet assessed".
    cargo = next(
        p
        for p in (site / "content" / "proposals").glob("*.yaml")
        if "Cargo image screening" in p.read_text("utf-8")
    )
    cargo_page = article_text(page_of(built, f"proposals/{cargo.stem}.md"))
    assert "Minimal risk" in cargo_page and "neither rights- nor safety-impacting" in cargo_page
    assert "not yet assessed" not in cargo_page.lower()
