"""Words a newcomer tripped over in the build log and the import report (issue 32)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from sitekit import MINIMAL_ID, MINIMAL_YAML, TINY_MAPPING, logged_build, write_site

from scoring.cli.main import main


def test_the_build_log_names_the_plugin_once(tmp_path: Path) -> None:
    # MkDocs' plugin logger puts "sweetspot: " before every message already.
    root = write_site(
        tmp_path,
        {MINIMAL_ID: MINIMAL_YAML},
        extra_files={"content/proposals/notes.html": "<p>not a proposal</p>"},
    )
    outcome = logged_build(root)
    assert outcome.error is None
    published = [m for m in outcome.messages if "not published from the proposals folder" in m]
    assert published, outcome.text
    assert not [m for m in outcome.messages if "sweetspot: sweetspot:" in m], outcome.text


def test_a_dry_run_report_says_invalid_rows_would_be_written(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(TINY_MAPPING, encoding="utf-8")
    source = tmp_path / "inventory.csv"
    # A one-letter summary is too short to be a valid proposal: the row is invalid.
    source.write_text(
        "Id,Name,Purpose,Dept,Unit,Stage,Vendor\nA-1,Route tickets,x,Ops,Support,Live,\n",
        encoding="utf-8",
    )
    reports = []
    for extra in (["--dry-run"], []):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            args = ["import", str(source), "--mapping", str(mapping), "--out", str(tmp_path / "o")]
            code = main([*args, *extra])
        assert code == 1
        reports.append(out.getvalue())
    dry, real = reports
    assert "their files would be written anyway" in dry
    assert "their files are written anyway" in real
    assert "are would be" not in dry


def test_the_method_page_reads_as_sentences(tmp_path: Path) -> None:
    # Obligations are sentences: joined with "; " they read "outside the team.; Results".
    # And a reader cannot follow "via seed 004", a file name of this repository's sources.
    from bs4 import BeautifulSoup

    root = write_site(tmp_path, {MINIMAL_ID: MINIMAL_YAML})
    outcome = logged_build(root)
    assert outcome.site_dir is not None
    page = outcome.site_dir / "reference" / "scoring-method" / "index.html"
    text = BeautifulSoup(page.read_text("utf-8"), "html.parser").get_text(" ")
    assert "Results tested separately for each group" in text
    assert ".;" not in text
    assert "seed 0" not in text


def test_the_method_page_says_when_balance_is_judged(tmp_path: Path) -> None:
    from bs4 import BeautifulSoup

    root = write_site(tmp_path, {MINIMAL_ID: MINIMAL_YAML})
    outcome = logged_build(root)
    assert outcome.site_dir is not None
    page = outcome.site_dir / "reference" / "scoring-method" / "index.html"
    text = " ".join(BeautifulSoup(page.read_text("utf-8"), "html.parser").get_text(" ").split())
    assert "only once at least 10 active proposals are placed" in text
