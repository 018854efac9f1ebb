"""The Budget pages and the line on each proposal page (issue 31): built for real, read as a
reader sees them, and kept up to date under `mkdocs serve` when another proposal moves the
plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from sitekit import build_project, page_of, write_site
from test_dirty_build import serve_build

from scoring.cli.main import main


def costed(title: str, annual_value: int, **extra: object) -> str:
    data: dict[str, object] = {
        "title": title,
        "summary": f"{title}: a proposal for the budget page tests.",
        "team": "Risk",
        "stage": "proposed",
        "value": {
            "currency": "EUR",
            "annual_value": annual_value,
            "one_off_cost": 100_000,
            "annual_running_cost": 20_000,
            "confidence": "high",
        },
    }
    data.update(extra)
    return yaml.safe_dump(data, sort_keys=False)


SCENARIOS = [{"name": "2027", "budget": 200_000, "horizon_years": 3}]
PROPOSALS = {
    "fraud-model": costed("Fraud model", 300_000),
    "vendor-tool": costed("Vendor <script>alert(1)</script> tool", 500_000),
}


def line_of(site: Path, proposal_id: str) -> str:
    soup = BeautifulSoup(
        page_of(site, f"proposals/{proposal_id}.md").read_text("utf-8"), "html.parser"
    )
    lines = soup.select("p.ss-selection")
    assert len(lines) == 1
    return " ".join(lines[0].get_text().split())


@pytest.mark.slow
def test_a_budget_page_shows_the_plan_and_each_proposal_its_line(tmp_path: Path) -> None:
    root = write_site(tmp_path, PROPOSALS, plugin_options={"scenarios": SCENARIOS})
    site = build_project(root, strict=True)
    page = (site / "portfolio" / "budget" / "2027" / "index.html").read_text("utf-8")
    soup = BeautifulSoup(page, "html.parser")
    text = " ".join(soup.get_text().split())
    assert "Budget: EUR 200,000 over 3 years." in text
    assert "fund 1 proposal(s) besides the 0 committed" in text
    assert "over budget: it does not fit in what is left over the horizon" in text
    svg = soup.select_one("figure.ss-frontier svg")
    assert svg is not None and svg.find("title") is not None
    assert soup.select("figure.ss-frontier circle[r='8']"), "the chosen point is marked"
    assert "<script>alert(1)</script>" not in page  # a title is text, never markup
    assert line_of(site, "vendor-tool").startswith("In the 2027 plan: ")
    assert ", chosen" in line_of(site, "vendor-tool")
    assert line_of(site, "fraud-model") == "In the 2027 plan: out, not chosen"
    data = json.loads((site / "portfolio" / "budget" / "plans.json").read_text("utf-8"))
    assert data["scenarios"][0]["chosen"] == ["vendor-tool"]
    csv_text = (site / "portfolio" / "budget" / "plans.csv").read_text("utf-8")
    assert csv_text.splitlines()[0].startswith("scenario,id,title,team,label,chosen,reason")
    method = (site / "reference" / "selection-method" / "index.html").read_text("utf-8")
    assert "A worked example" in method and "core index" in method


@pytest.mark.dirty
def test_a_serve_rebuild_updates_the_line_when_another_proposal_moves_the_plan(
    tmp_path: Path,
) -> None:
    """fraud-model's file does not change; vendor-tool's value drops, so the plan now funds
    fraud-model: its cached page must say so."""
    root = write_site(tmp_path, PROPOSALS, plugin_options={"scenarios": SCENARIOS})
    config = serve_build(root, dirty=True, startup=True)
    site = Path(config.site_dir)
    assert ", not chosen" in line_of(site, "fraud-model")
    (root / "content" / "proposals" / "vendor-tool.yaml").write_text(
        costed("Vendor tool", 50_000), encoding="utf-8"
    )
    serve_build(root, dirty=True, startup=False)
    assert ", chosen" in line_of(site, "fraud-model")


def test_build_docs_writes_the_budget_pages_and_downloads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_site(tmp_path / "site", PROPOSALS, plugin_options={"scenarios": SCENARIOS})
    monkeypatch.chdir(root)
    status = main(["build-docs", "--config", "mkdocs.yml", "--out", str(tmp_path / "out")])
    assert status == 0, capsys.readouterr().err
    docs = tmp_path / "out" / "docs" / "portfolio" / "budget"
    assert {p.name for p in docs.iterdir()} >= {"index.md", "2027.md", "plans.csv", "plans.json"}
    page = (tmp_path / "out" / "docs" / "proposals" / "fraud-model.md").read_text("utf-8")
    assert (
        '<p class="ss-selection">In the <a href="../../portfolio/budget/2027/">2027</a> plan'
        in page
    )


def test_a_bad_scenario_stops_the_build_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    options = {"scenarios": [{"name": "2027", "budget": 1, "capacity": {"Risk": -1}}]}
    root = write_site(tmp_path / "site", PROPOSALS, plugin_options=options)
    monkeypatch.chdir(root)
    status = main(["build-docs", "--config", "mkdocs.yml", "--out", str(tmp_path / "out")])
    assert status == 2
    assert capsys.readouterr().err.strip() == (
        "sweetspot: error: mkdocs.yml: sweetspot: scenarios[0] (2027).capacity.Risk must be a "
        "number of at least 0, not -1"
    )


@pytest.mark.slow
@pytest.mark.parametrize("publication", ["public", "internal"])
def test_budget_pages_and_downloads_leak_no_marker_in_public(
    tmp_path: Path, publication: str
) -> None:
    """The publications marker check (tests/test_publication.py) with scenarios set: the
    public register has no plan, its pages and downloads hold no internal field."""
    from test_publication import PORTFOLIO, SITE_VISIBILITY, markers_in, site_files

    options = {"publication": publication, "visibility": SITE_VISIBILITY, "scenarios": SCENARIOS}
    root = write_site(tmp_path / "src", PORTFOLIO, plugin_options=options)
    files = site_files(build_project(root))
    index = " ".join(files["portfolio/budget/index.html"].decode().split())
    if publication == "public":
        assert markers_in(files) == {}
        assert "Budget plans are published on the internal site only" in index
        assert "portfolio/budget/plans.json" in files  # an empty list of plans
        assert '"scenarios": []' in files["portfolio/budget/plans.json"].decode()
    else:
        assert "The budget scenarios side by side" in index
        assert "portfolio/budget/2027/index.html" in files
