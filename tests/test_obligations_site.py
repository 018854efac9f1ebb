"""Obligations on the site (issue 27): the proposal page's block per enabled regime, the
downloads, the build-docs path, a page that follows the build date under `mkdocs serve`,
and a regime the build cannot use. Real sites built in temporary folders."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sitekit import build_project, logged_build, page_of, write_site
from test_dirty_build import serve_build

from scoring.cli.main import main

pytestmark = pytest.mark.slow

CLAIMS: dict[str, Any] = {
    "schema_version": 1,
    "title": "Screen benefit claims for fraud",
    "summary": "Ranks benefit claims for a fraud review by caseworkers.",
    "team": "Benefits",
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
OPTIONS = {"regimes": ["omb-m-24-10", "eu-ai-act-2026"], "build_date": "2026-12-07"}
HOSTILE_PROFILE = {
    "profile_version": 1,
    "id": "our-policy",
    "title": "Our <b>AI</b> policy",
    "short": "Policy <script>alert(1)</script>",
    "source": {"name": "Policy <img src=x onerror=alert(1)>"},
    "determination": {
        "question": "In scope",
        "outcomes": [{"id": "in-scope", "label": "In <i>scope</i>", "flags": True}],
    },
    "obligations": [
        {
            "id": "card",
            "text": "Publish a <script>model card</script>",
            "rule": "section <u>4</u>",
            "evidence": [{"governance": "impact_assessment"}],
        }
    ],
}


def site(tmp_path: Path, options: dict[str, Any] | None = None, **extra: Any) -> Path:
    return write_site(
        tmp_path,
        {"claims": yaml.safe_dump(CLAIMS)},
        plugin_options=options if options is not None else OPTIONS,
        **extra,
    )


def obligations_html(site_dir: Path) -> str:
    html = page_of(site_dir, "proposals/claims.md").read_text(encoding="utf-8")
    start = html.index('id="obligations"')
    return html[start : html.index('id="breakdown"', start)]


def test_the_proposal_page_shows_each_regimes_determination_and_obligations(
    tmp_path: Path,
) -> None:
    built = build_project(site(tmp_path), strict=True)
    block = obligations_html(built)
    assert 'id="obligations-omb-m-24-10" open' in block  # a gap opens its block
    assert "OMB M-24-10</b>: Safety- or rights-impacting" in block
    assert (
        "<span>Missing</span> <div>Complete an AI impact assessment (section 5(c)(iv)(A)); "
        in block
    )
    assert "due 2024-12-01 (passed): <b>a gap</b>" in block
    assert "<span>Waived, no record</span>" in block
    assert "EU AI Act</b>: High-risk (Annex III)" in block
    assert "falls due 2027-12-02" in block  # the regulatory clock, from the build date
    assert "Falls due next:</b> 2027-12-02" in block
    assert "as of 2026-12-07 (the build date)" in block


def test_the_downloads_carry_obligations_and_the_compliance_state(tmp_path: Path) -> None:
    built = build_project(site(tmp_path))
    payload = json.loads((built / "portfolio" / "portfolio.json").read_text(encoding="utf-8"))
    entry = payload["proposals"][0]
    assert entry["compliance"] == "gap"
    assert [r["regime"] for r in entry["regimes"]] == ["omb-m-24-10", "eu-ai-act-2026"]
    table = (built / "portfolio" / "portfolio.csv").read_text(encoding="utf-8")
    row = next(csv.DictReader(io.StringIO(table)))
    assert row["compliance"] == "gap"
    assert "omb-m-24-10:impact-assessment" in row["obligation_gaps"].split()


def test_build_docs_writes_the_same_obligations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = site(tmp_path / "site")
    monkeypatch.chdir(root)
    status = main(["build-docs", "--config", "mkdocs.yml", "--out", str(tmp_path / "out")])
    assert status == 0, capsys.readouterr().err
    page = (tmp_path / "out" / "docs" / "proposals" / "claims.md").read_text(encoding="utf-8")
    assert "## Obligations {#obligations data-search-exclude}" in page
    blocks = "".join(
        p.read_text(encoding="utf-8") for p in (tmp_path / "out" / "docs").rglob("*") if p.is_file()
    )
    assert "Complete an AI impact assessment" in blocks


def test_under_serve_the_page_follows_the_build_date(tmp_path: Path) -> None:
    options = {**OPTIONS, "regimes": ["eu-ai-act-2026"], "build_date": "2027-12-01"}
    root = site(tmp_path, options)
    config = serve_build(root, dirty=False, startup=True)
    before = obligations_html(Path(config.site_dir))
    assert "falls due 2027-12-02" in before
    assert "<b>a gap</b>" not in before  # missing in production, but not due yet
    mkdocs_yml = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    for plugin in mkdocs_yml["plugins"]:
        if isinstance(plugin, dict) and "sweetspot" in plugin:
            plugin["sweetspot"]["build_date"] = "2027-12-02"
    (root / "mkdocs.yml").write_text(yaml.safe_dump(mkdocs_yml), encoding="utf-8")
    config = serve_build(root, dirty=True, startup=False)
    after = obligations_html(Path(config.site_dir))
    assert "due 2027-12-02 (passed)" in after
    assert "<b>a gap</b>" in after


def test_an_unknown_regime_stops_the_build_with_one_line_naming_it(tmp_path: Path) -> None:
    outcome = logged_build(site(tmp_path, {"regimes": ["omb-m-24-11"]}))
    assert outcome.error is not None
    [line] = [m for m in outcome.messages if "omb-m-24-11" in m]
    assert line.startswith("sweetspot: regimes: unknown regime 'omb-m-24-11'; the built-in")
    assert "\n" not in line


def test_an_organisations_profile_is_escaped_everywhere_on_the_page(tmp_path: Path) -> None:
    extra = {"profiles/ours.yaml": yaml.safe_dump(HOSTILE_PROFILE)}
    root = site(tmp_path, {"regimes": ["profiles/ours.yaml"]}, extra_files=extra)
    block = obligations_html(build_project(root))
    assert "<script>" not in block and "<img" not in block and "<i>scope" not in block
    assert "Publish a &lt;script&gt;model card&lt;/script&gt;" in block
    assert "Policy &lt;script&gt;" in block


def test_the_regulatory_profiles_page_lists_each_enabled_regimes_obligations(
    tmp_path: Path,
) -> None:
    built = build_project(site(tmp_path), strict=True)
    html = (built / "reference" / "regulatory-profiles" / "index.html").read_text(encoding="utf-8")
    assert 'id="omb-m-24-10"' in html and 'id="eu-ai-act-2026"' in html
    assert 'id="canada-dadm"' not in html  # not enabled on this site
    assert "Complete an AI impact assessment</strong> (section 5(c)(iv)(A))" in html
    assert "Evidence: governance.impact_assessment. Due 2024-12-01." in html
    assert 'href="https://eur-lex.europa.eu/eli/reg/2024/1689/oj"' in html
    proposal = page_of(built, "proposals/claims.md").read_text(encoding="utf-8")
    assert 'href="../../reference/regulatory-profiles/#omb-m-24-10"' in proposal
