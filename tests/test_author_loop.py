"""The author's loop: an invalid proposal keeps its page, checklist booleans are forgiven,
YAML syntax errors name their usual cause with a caret, and the CLI behaves like a
well-kept command-line tool (help, version, exit codes, colour, pipes, plurals, progress)."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from sitekit import (
    FULL_ID,
    FULL_YAML,
    MINIMAL_ID,
    MINIMAL_YAML,
    PILOT_ID,
    PILOT_YAML,
    REPO,
    logged_build,
    page_of,
    write_site,
)

from scoring.cli import common
from scoring.cli.main import build_parser, main
from scoring.proposals.loading import load_one
from scoring.proposals.proposal import InvalidFile, Proposal
from scoring.rubric import load_rubric

RUBRIC = load_rubric(None)
BROKEN_ID = "broken-forecast"
# A file with a schema problem (line 4) next to text that must never be published raw.
BROKEN_YAML = """\
title: Forecast weekly pick volume <script>alert(1)</script>
summary: SECRET-SUMMARY-TEXT planners guess staffing from last year's numbers.
team: Logistics
stage: pilott <b>bold</b>
"""


def article(site: Path, src: str) -> Tag:
    page = page_of(site, src)
    assert page.is_file(), f"{src} was not built"
    node = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one("article")
    assert node is not None
    return node


def text_of(node: Tag) -> str:
    return " ".join(node.get_text(" ", strip=True).split())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- an invalid proposal keeps its page ---------------------------------------------------


@pytest.mark.slow
def test_invalid_proposal_page_in_a_build_lists_problems_without_the_source(tmp_path: Path) -> None:
    root = write_site(tmp_path, {FULL_ID: FULL_YAML, BROKEN_ID: BROKEN_YAML})
    outcome = logged_build(root)
    assert outcome.error is None, outcome.text
    assert outcome.site_dir is not None
    node = article(outcome.site_dir, f"proposals/{BROKEN_ID}.md")
    text = text_of(node)
    assert f"Proposal {BROKEN_ID} is not published yet" in text
    assert "Line 4, column 8: stage" in text
    assert "'pilott <b>bold</b>' is not one of 'idea'" in text  # shown as text
    assert "How to fix: Use one of the values the message lists." in text
    # The intake banner, and links to the intake page and to this file's entry on it.
    assert node.select_one(".admonition.failure") is not None
    hrefs = [a["href"] for a in node.find_all("a", href=True)]
    assert any(h.endswith("intake-problems/#file-1") for h in hrefs), hrefs
    assert any("reference/proposal-format/" in h for h in hrefs), hrefs
    # A published build never shows the file's text: no source block, no other fields.
    assert node.select("pre.ss-source") == []
    html = page_of(outcome.site_dir, f"proposals/{BROKEN_ID}.md").read_text(encoding="utf-8")
    assert "SECRET-SUMMARY-TEXT" not in html
    assert "<script>alert(1)</script>" not in html and "<b>bold</b>" not in html
    # The page is kept out of the navigation and of the proposal listings.
    portfolio = json.loads((outcome.site_dir / "portfolio" / "portfolio.json").read_text())
    assert [p["id"] for p in portfolio["proposals"]] == [FULL_ID]


@pytest.mark.slow
def test_invalid_proposal_page_under_serve_shows_the_escaped_line(tmp_path: Path) -> None:
    hostile = BROKEN_YAML.replace(
        "stage: pilott <b>bold</b>", "stage: <img src=x onerror=alert(1)>"
    )
    root = write_site(tmp_path, {FULL_ID: FULL_YAML, BROKEN_ID: hostile})
    outcome = logged_build(root, command="serve")
    assert outcome.error is None, outcome.text
    assert outcome.site_dir is not None
    node = article(outcome.site_dir, f"proposals/{BROKEN_ID}.md")
    blocks = node.select("pre.ss-source")
    assert len(blocks) == 1
    shown = blocks[0].get_text().splitlines()
    assert shown[0] == "stage: <img src=x onerror=alert(1)>"  # as text, not as markup
    assert shown[1] == " " * 7 + "^"
    assert node.find("img") is None
    assert "SECRET-SUMMARY-TEXT" not in text_of(node)  # only the offending line
    # Fixing the file turns the page into the proposal's own page on the next rebuild.
    (root / "content" / "proposals" / f"{BROKEN_ID}.yaml").write_text(MINIMAL_YAML)
    outcome = logged_build(root, command="serve")
    assert outcome.site_dir is not None
    node = article(outcome.site_dir, f"proposals/{BROKEN_ID}.md")
    assert "not published yet" not in text_of(node)
    assert node.find(id="scores") is not None


def test_a_syntax_error_page_under_serve_points_at_the_colon(tmp_path: Path) -> None:
    broken = MINIMAL_YAML.replace("team: Field Service", "team: Field Service: north")
    root = write_site(tmp_path, {BROKEN_ID: broken})
    outcome = logged_build(root, command="serve")
    assert outcome.site_dir is not None
    node = article(outcome.site_dir, f"proposals/{BROKEN_ID}.md")
    assert "put the whole value in quotes" in text_of(node)
    line, caret = node.select_one("pre.ss-source").get_text().splitlines()
    assert line == "team: Field Service: north"
    assert line[caret.index("^")] == ":" and caret.index("^") == 19


@pytest.mark.slow
def test_strict_build_still_fails_on_an_invalid_proposal(tmp_path: Path) -> None:
    root = write_site(tmp_path, {FULL_ID: FULL_YAML, BROKEN_ID: BROKEN_YAML})
    outcome = logged_build(root, strict=True)
    assert outcome.error is not None
    assert any(f"{BROKEN_ID}.yaml:4:8: stage" in w for w in outcome.warnings)


@pytest.mark.slow
def test_no_page_for_a_file_name_that_is_not_an_id(tmp_path: Path) -> None:
    root = write_site(tmp_path, {FULL_ID: FULL_YAML, "Bad Name.yaml": MINIMAL_YAML})
    outcome = logged_build(root)
    assert outcome.site_dir is not None
    built = sorted(p.name for p in (outcome.site_dir / "proposals").iterdir() if p.is_dir())
    assert built == [FULL_ID]


# ---- booleans in checklist answers ----------------------------------------------------------

BOOLEAN_CHECKLIST = (
    MINIMAL_YAML
    + """\
checklists:
  data:
    golden_set: yes
    representative: No
    sources_and_owners: true
  team:
    domain_expert: false
"""
)


def test_checklist_booleans_are_accepted_as_words(tmp_path: Path) -> None:
    path = tmp_path / f"{MINIMAL_ID}.yaml"
    path.write_text(BOOLEAN_CHECKLIST)
    loaded = load_one(path, RUBRIC)
    assert isinstance(loaded, Proposal), loaded
    assert loaded.get("checklists.data") == {
        "golden_set": "yes",
        "representative": "no",
        "sources_and_owners": "yes",
    }
    assert loaded.get("checklists.team.domain_expert") == "no"
    assert [(h.line, h.field, h.severity) for h in loaded.hints] == [
        (7, "checklists.data.golden_set", "info"),
        (8, "checklists.data.representative", "info"),
        (9, "checklists.data.sources_and_owners", "info"),
        (11, "checklists.team.domain_expert", "info"),
    ]


def test_validate_text_reports_checklist_booleans_as_style_hints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"{MINIMAL_ID}.yaml"
    path.write_text(BOOLEAN_CHECKLIST)
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith(
        "checklists.data.golden_set: style hint: unquoted yes is "
        "accepted as 'yes'; quoting it ('yes') keeps other YAML tools "
        "from reading it as true"
    )
    assert ":9:25: checklists.data.sources_and_owners: style hint: true is accepted" in lines[2]
    assert lines[-1] == "1 proposal file checked: 1 valid, 0 invalid, 0 problems, 4 style hints"
    code, out, _ = run(capsys, "validate", str(path), "--format", "github")
    assert code == 0 and out.startswith("::notice file=")
    code, out, _ = run(capsys, "validate", str(path), "--format", "json")
    payload = json.loads(out)
    assert payload["problems"] == [] and len(payload["hints"]) == 4


@pytest.mark.slow
def test_checklist_booleans_never_warn_in_a_strict_build(tmp_path: Path) -> None:
    root = write_site(tmp_path, {MINIMAL_ID: BOOLEAN_CHECKLIST})
    outcome = logged_build(root, strict=True)
    assert outcome.error is None, outcome.text
    assert outcome.warnings == []
    assert outcome.site_dir is not None
    node = article(outcome.site_dir, f"proposals/{MINIMAL_ID}.md")
    assert "not published yet" not in text_of(node)


@pytest.mark.parametrize("line", ["team: no", "team: yes", "owner: No", "sponsor: off"])
def test_the_norway_problem_is_still_an_error_where_text_is_expected(
    tmp_path: Path, line: str
) -> None:
    text = (
        MINIMAL_YAML.replace("team: Field Service", line)
        if line.startswith("team")
        else MINIMAL_YAML + line + "\n"
    )
    path = tmp_path / f"{MINIMAL_ID}.yaml"
    path.write_text(text)
    loaded = load_one(path, RUBRIC)
    assert isinstance(loaded, InvalidFile)
    assert any(p.code == "yaml11-boolean" and p.severity == "error" for p in loaded.problems)


def test_new_template_no_longer_asks_for_quoted_yes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        "new",
        "churn-forecast",
        "--dir",
        str(tmp_path),
        "--title",
        "Forecast subscriber churn",
        "--team",
        "Marketing",
        "--no-input",
    )
    assert code == 0, err
    text = (tmp_path / "churn-forecast.yaml").read_text()
    assert "in quotes" not in text
    assert "an unquoted yes or no is accepted" in text


# ---- YAML syntax hints --------------------------------------------------------------------

HEAD = "title: Forecast weekly pick volume\nsummary: Planners guess staffing by feel today.\n"
SYNTAX_CASES = {
    "colon-in-value": (
        HEAD + "team: Logistics: north\nstage: idea\n",
        3,
        "team: Logistics: north",
        ":",
        'put the whole value in quotes: team: "Logistics: north"',
    ),
    "no-space": (
        HEAD + "team:Logistics\nstage: idea\n",
        3,
        "team:Logistics",
        "L",
        "put a space after the colon: team: Logistics",
    ),
    "unclosed-quote": (
        HEAD + 'team: "Logistics\nstage: idea\n',
        3,
        'team: "Logistics',
        '"',
        'the quote " that starts here is never closed',
    ),
    "apostrophe": (
        HEAD + "team: 'Don't panic'\nstage: idea\n",
        3,
        "team: 'Don't panic'",
        "t",
        "write an apostrophe twice (Don''t)",
    ),
    "list-indent": (
        HEAD + "team: Logistics\nstage: idea\nlinks:\n  - title: Notes\n"
        "   url: https://example.com\n",
        7,
        "   url: https://example.com",
        "u",
        "every key of one item lines up under the first key after '- ' (column 5)",
    ),
    "tab": (
        HEAD + "team: Logistics\nstage: idea\nproblem:\n\tdecision: Which stores\n",
        6,
        "→decision: Which stores",
        "→",
        "a tab is used for indentation",
    ),
}


@pytest.mark.parametrize("case", sorted(SYNTAX_CASES))
def test_syntax_errors_name_the_cause_and_show_a_caret(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text, line, source, under, hint = SYNTAX_CASES[case]
    monkeypatch.chdir(tmp_path)
    Path("draft.yaml").write_text(text)
    code, out, _ = run(capsys, "validate", "draft.yaml")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"draft.yaml:{line}:"), lines[0]
    assert hint in lines[0]
    assert lines[1] == f"    | {source}"
    caret = lines[2][len("    | ") :]
    assert caret.strip() == "^" and lines[2].startswith("    | ")
    column = int(lines[0].split(":")[2])
    assert len(caret) == column and source[column - 1] == under


# ---- CLI conventions ----------------------------------------------------------------------


def test_version_and_bare_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out == f"sweetspot {metadata.version('sweetspot-kb')}\n"
    code, out, err = run(capsys)
    assert code == 0 and err == ""
    assert out.startswith("usage: sweetspot") and "validate" in out and "exit status" in out


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize(
    "name", ["validate", "schema", "score", "new", "diff", "compare", "build-docs", "render"]
)
def test_every_option_has_help_and_exit_codes_are_documented(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    command = _subparsers(build_parser())[name]
    undocumented = [a.dest for a in command._actions if not a.help]
    assert not undocumented
    code, out, _ = run(capsys, name, "--help")
    assert code == 0
    assert "exit status:\n  0    success" in out
    assert "\n  1    some proposal files are invalid\n" in out
    assert "\n  2    usage error" in out and "\n  141  the output pipe was closed" in out
    assert "--color {auto,always,never}" in out


def test_new_stage_lists_its_choices(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "new", "--help")
    flat = " ".join(out.split())
    assert "--stage {idea,proposed,approved,incubating,pilot,production,retired,rejected}" in flat
    assert "(default: content/proposals)" in flat


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert common.use_colour(FakeTerminal()) is True
    assert common.use_colour(io.StringIO()) is False
    assert common.use_colour(io.StringIO(), "always") is True
    assert common.use_colour(FakeTerminal(), "never") is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert common.use_colour(FakeTerminal()) is False
    assert common.use_colour(FakeTerminal(), "always") is True


def test_colour_in_validate_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    path = tmp_path / f"{MINIMAL_ID}.yaml"
    path.write_text(MINIMAL_YAML)
    _, out, _ = run(capsys, "validate", str(path))
    assert "\x1b[" not in out  # not a terminal
    _, out, _ = run(capsys, "validate", str(path), "--color", "always")
    assert out.startswith("\x1b[32m1 proposal file checked")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys, "stdout", FakeTerminal())
    main(["validate", str(path)])
    assert "\x1b[" not in sys.stdout.getvalue()


@pytest.mark.slow
def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    folder = tmp_path / "proposals"
    folder.mkdir()
    for number in range(300):  # enough JSON to overflow the pipe's buffer
        (folder / f"bad-{number}.yaml").write_text("title: x\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "scoring.cli.main", "validate", "--format", "json", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().strip() == b"{"
    process.stdout.close()  # as `| head -1` does
    err = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert process.returncode == 141


def test_plurals_and_the_one_file_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = tmp_path / "one"
    one.mkdir()
    (one / f"{MINIMAL_ID}.yaml").write_text(MINIMAL_YAML)
    code, out, _ = run(capsys, "score", str(one))
    assert code == 0
    assert "\n1 proposal. " in out
    assert "portfolio" not in out.lower() and "balance" not in out.lower()
    _, out, _ = run(capsys, "validate", str(one))
    assert out.strip() == "1 proposal file checked: 1 valid, 0 invalid, 0 problems"
    (one / f"{PILOT_ID}.yaml").write_text(PILOT_YAML)
    _, out, _ = run(capsys, "score", str(one))
    assert "\n2 proposals. " in out
    assert "2 active proposals, 1 placed; the balance cannot be judged yet" in out
    assert "(s)" not in out


def test_score_table_names_the_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A flag fires on what a proposal says (issue 26): untested pipelines, said.
    said = MINIMAL_YAML + 'delivery:\n  pipeline_tests: "no"\n'
    (tmp_path / f"{MINIMAL_ID}.yaml").write_text(said)
    payload = json.loads(run(capsys, "score", str(tmp_path), "--format", "json")[1])
    flags = [f["id"] for f in payload["proposals"][0]["flags"]]
    assert flags, "the proposal should raise flags"
    _, out, _ = run(capsys, "score", str(tmp_path))
    row = next(line for line in out.splitlines() if line.startswith(MINIMAL_ID))
    assert row.endswith(", ".join(flags))


def test_progress_line_only_on_a_terminal() -> None:
    quiet = io.StringIO()
    assert list(common.progress(range(500), "Scoring", stream=quiet, every=0)) == list(range(500))
    assert quiet.getvalue() == ""
    terminal = FakeTerminal()
    assert len(list(common.progress(range(500), "Scoring", stream=terminal, every=0))) == 500
    shown = terminal.getvalue()
    assert "\rScoring 1/500" in shown and "\rScoring 500/500" in shown
    assert shown.endswith("\r\x1b[K")  # the line is cleared at the end
    short = FakeTerminal()
    list(common.progress(range(5), "Scoring", stream=short, every=0))
    assert short.getvalue() == ""


def test_plural_and_one_line() -> None:
    assert common.plural(1, "proposal") == "1 proposal"
    assert common.plural(0, "proposal") == "0 proposals"
    assert common.plural(2, "file has", "files have") == "2 files have"
    assert common.one_line("::error file=x::boom") == " ::error file=x::boom"
    assert common.one_line("a\nb\rc") == "a\\nb\\rc"


def test_new_in_a_script_without_a_summary_writes_a_placeholder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal
    code, out, err = run(
        capsys,
        "new",
        "churn-forecast",
        "--dir",
        str(tmp_path),
        "--title",
        "Forecast subscriber churn",
        "--team",
        "Marketing",
    )
    assert code == 0, err
    assert "placeholder summary" in err
    target = tmp_path / "churn-forecast.yaml"
    assert out.startswith(f"Wrote {target}")
    loaded = load_one(target, RUBRIC)
    assert isinstance(loaded, Proposal)
    assert loaded.summary.startswith("To be written")
    # Title and team are still required without a terminal.
    code, _, err = run(
        capsys, "new", "other-idea", "--dir", str(tmp_path), "--title", "Another idea here"
    )
    assert code == 2 and "missing --team:" in err and "--summary" not in err
    assert not (tmp_path / "other-idea.yaml").exists()
