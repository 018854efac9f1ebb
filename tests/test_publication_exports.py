"""Issue 28: exports in the registers' own formats (UK ATRS tier 1 and 2, EU database Annex
VIII sections B and C, the 2025 US federal CSV), each honouring the publication."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from sitekit import build_project, write_site
from test_publication import MARKERS, PORTFOLIO, markers_in, site_files, write_portfolio

from scoring.cli.main import main

EU_MIGRATION = """\
title: Sort asylum appointments
summary: A model orders appointment requests.
team: Migration Service
stage: pilot
stakes:
  area: migration
"""

REGISTER_FORMATS = ["atrs-tier1", "atrs-tier2", "eu-annex-viii-b", "eu-annex-viii-c"]


def export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["export", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("fmt", REGISTER_FORMATS)
def test_a_public_register_export_holds_no_marker(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
) -> None:
    monkeypatch.chdir(write_portfolio(tmp_path / "src", "internal"))
    for extra in ([], ["--json"]):
        status, out, err = export(
            capsys, "--format", fmt, "--config", "mkdocs.yml", "--publication", "public", *extra
        )
        assert status == 0, err
        assert markers_in({fmt: out.encode()}) == {}
        assert "left out 1 withheld row" in err
    status, out, _ = export(capsys, "--format", fmt, "--json")
    entries = json.loads(out)["entries"]
    assert len(entries) == 3  # internal: every row


def test_atrs_tier2_internal_names_the_owner_and_tier1_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(write_portfolio(tmp_path / "src", "internal"))
    _, out, _ = export(capsys, "--format", "atrs-tier2")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(out))}
    assert MARKERS["owner"] in rows["benefit-claims"]["owner"]
    assert rows["benefit-claims"]["phase"] == "Beta/Pilot"
    _, tier1, _ = export(capsys, "--format", "atrs-tier1")
    assert "owner" not in next(csv.reader(io.StringIO(tier1)))


def test_a_public_eu_export_leaves_the_non_public_section_out_and_counts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_site(tmp_path / "src", {**PORTFOLIO, "asylum-appointments": EU_MIGRATION})
    monkeypatch.chdir(root)
    _, out, err = export(capsys, "--format", "eu-annex-viii-c", "--json", "--publication", "public")
    payload = json.loads(out)
    assert payload["non_public_section"] == 1
    assert "Sort asylum appointments" not in out
    assert "1 entry of the EU database's non-public section" in err
    _, internal, _ = export(capsys, "--format", "eu-annex-viii-c", "--json")
    assert "Sort asylum appointments" in internal


def test_the_federal_2025_csv_public_export_drops_withheld_rows_and_internal_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(write_portfolio(tmp_path / "src", "internal"))
    _, internal, _ = export(capsys, "--format", "us-federal-2025", "--config", "mkdocs.yml")
    assert MARKERS["withheld_title"] in internal and MARKERS["contact_email"] in internal
    _, public, _ = export(
        capsys, "--format", "us-federal-2025", "--config", "mkdocs.yml", "--publication", "public"
    )
    assert markers_in({"csv": public.encode()}) == {}
    assert len(list(csv.DictReader(io.StringIO(public)))) == 2


def test_json_is_refused_for_a_format_that_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(write_portfolio(tmp_path / "src", "internal"))
    status, _, err = export(capsys, "--format", "csv", "--json")
    assert status == 2 and "--json is for the register formats" in err


@pytest.mark.slow
def test_the_site_offers_the_register_downloads_of_its_publication(tmp_path: Path) -> None:
    root = write_portfolio(tmp_path / "src", "public")
    config = root / "mkdocs.yml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    for plugin in data["plugins"]:
        if isinstance(plugin, dict) and "sweetspot" in plugin:
            plugin["sweetspot"]["regimes"] = ["rubric-classes", "eu-ai-act-2026", "uk-atrs"]
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    files = site_files(build_project(root))
    for fmt in REGISTER_FORMATS:
        assert f"publication/{fmt}.csv" in files and f"publication/{fmt}.json" in files
    federal = files["publication/us-federal-2025.csv"].decode()
    assert "Route benefit claims" in federal and len(federal.strip().splitlines()) == 2
    assert markers_in(files) == {}
    about = files["publication/index.html"].decode()
    assert 'href="atrs-tier1.csv"' in about or "atrs-tier1.csv" in about


@pytest.mark.slow
def test_a_register_format_is_offered_only_with_its_regime(tmp_path: Path) -> None:
    """A site that enables no EU or UK regime publishes none of their files."""
    files = site_files(build_project(write_portfolio(tmp_path / "src", "public")))
    assert not [name for name in files if name.startswith(("publication/atrs", "publication/eu"))]
    assert "publication/us-federal-2025.csv" in files  # imported in that format
