"""Obligations wherever the command line shows scores (issue 27, item 5): `sweetspot score`
as a table, CSV and JSON with --regime and --as-of, and `sweetspot diff` naming a gap that
opened or closed. Each runs the real command on files in a temporary folder."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring.cli.main import main

FOLDER = "content/proposals"
CLAIMS: dict[str, Any] = {
    "schema_version": 1,
    "title": "Screen benefit claims for fraud",
    "summary": "Ranks benefit claims for a fraud review by caseworkers.",
    "team": "Benefits",
    "stage": "production",
    "stakes": {"declared_class": "high", "declared_basis": "Listed as rights-impacting"},
    "problem": {"automation": "augment"},
    "governance": {
        "impact_assessment": "none",
        "real_world_testing": "done",
        "independent_review": "done",
        "monitoring": "done",
        "notice": "done",
        "testing_by_group": "done",
        "appeal": "done",
        "consent": "opt_out",
    },
}


def write(folder: Path, name: str, body: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_score_json_carries_each_obligation_and_the_compliance_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "claims", CLAIMS)
    code, out, err = run(
        capsys,
        "score",
        str(path),
        "--format",
        "json",
        "--regime",
        "omb-m-24-10",
        "--as-of",
        "2026-12-07",
    )
    assert code == 0, err
    entry = json.loads(out)["proposals"][0]
    assert entry["compliance"] == "gap"
    assert entry["regimes"] == [
        {
            "regime": "omb-m-24-10",
            "determination": "Safety- or rights-impacting",
            "outcome": "impacting",
            "needs_grounds": False,
            "state": "gap",
            "as_of": "2026-12-07",
        }
    ]
    assessment = next(o for o in entry["obligations"] if o["id"] == "impact-assessment")
    assert (assessment["status"], assessment["gap"], assessment["flag"]) == ("missing", True, "red")
    assert assessment["rule"] == "section 5(c)(iv)(A)"
    assert "omb-m-24-10:impact-assessment:missing" in [f["id"] for f in entry["flags"]]


def test_score_csv_and_table_show_the_gap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "claims", CLAIMS)
    _, out, _ = run(capsys, "score", str(path), "--format", "csv", "--regime", "omb-m-24-10")
    row = next(csv.DictReader(io.StringIO(out)))
    assert (row["compliance"], row["obligation_gaps"]) == ("gap", "omb-m-24-10:impact-assessment")
    assert "omb-m-24-10:impact-assessment:missing" in row["flags"].split()
    _, out, _ = run(capsys, "score", str(path), "--regime", "omb-m-24-10")
    assert "omb-m-24-10:impact-assessment:missing" in out


def test_as_of_before_the_due_date_turns_a_past_due_gap_into_work_in_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {**CLAIMS, "stage": "pilot"}
    body["governance"] = {**CLAIMS["governance"], "impact_assessment": "in_progress"}
    path = write(tmp_path, "claims", body)
    states = {}
    for day in ("2024-11-30", "2024-12-01"):
        _, out, _ = run(
            capsys,
            "score",
            str(path),
            "--format",
            "json",
            "--regime",
            "omb-m-24-10",
            "--as-of",
            day,
        )
        states[day] = json.loads(out)["proposals"][0]["compliance"]
    assert states == {"2024-11-30": "in_progress", "2024-12-01": "gap"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--regime", "eu-ai-act-2099"], "unknown regime 'eu-ai-act-2099'"),
        (["--as-of", "2026-13-01"], "--as-of must be a date written YYYY-MM-DD"),
        (["--regime", "../outside.yaml"], "inside the site's folder"),
    ],
)
def test_a_bad_regime_or_date_is_one_line_and_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    site = tmp_path / "site"
    path = write(site, "claims", CLAIMS)
    monkeypatch.chdir(site)
    code, _, err = run(capsys, "score", str(path), *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_bad_build_date_in_the_environment_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "claims", CLAIMS)
    monkeypatch.setenv("SWEETSPOT_BUILD_DATE", "soon")
    code, _, err = run(capsys, "export", str(path), "--format", "csv")
    assert code == 2
    assert "SWEETSPOT_BUILD_DATE must be a date" in err
    assert "Traceback" not in err


# ---- diff -----------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "gitconfig"
    empty.write_text("", encoding="utf-8")
    for name, value in {
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_GLOBAL": str(empty),
        "GIT_CONFIG_NOSYSTEM": "1",
    }.items():
        monkeypatch.setenv(name, value)
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    monkeypatch.chdir(root)
    return root


def commit(root: Path) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change")


def test_diff_names_a_gap_that_opened_and_one_that_closed(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = {**CLAIMS, "governance": {**CLAIMS["governance"], "impact_assessment": "done"}}
    write(repo / FOLDER, "claims", done)
    write(repo / FOLDER, "triage", CLAIMS)  # a gap at first
    commit(repo)
    write(repo / FOLDER, "claims", CLAIMS)  # its impact assessment is gone
    write(repo / FOLDER, "triage", done)  # its gap is closed
    args = ["diff", "HEAD", "--regime", "omb-m-24-10", "--as-of", "2026-12-07"]
    code, out, err = run(capsys, *args, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    by_id = {c["id"]: c for c in report["changed"]}
    assert [g["id"] for g in by_id["claims"]["gaps_opened"]] == ["omb-m-24-10:impact-assessment"]
    assert [g["id"] for g in by_id["triage"]["gaps_closed"]] == ["omb-m-24-10:impact-assessment"]
    assert (report["summary"]["gaps_opened"], report["summary"]["gaps_closed"]) == (1, 1)
    code, out, _ = run(capsys, *args)
    lines = {line.split(":")[0]: line for line in out.splitlines() if line.startswith("- `")}
    gap = "Complete an AI impact assessment (OMB M-24-10, section 5(c)(iv)(A))"
    assert f"gap opened: {gap}" in lines["- `claims`"]
    assert f"gap closed: {gap}" in lines["- `triage`"]


def test_export_csv_judges_the_regimes_it_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sweetspot export --format csv` writes the portfolio download's columns, so its
    compliance columns take --regime and --as-of as `score` does."""
    path = write(tmp_path, "claims", CLAIMS)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "export", str(path), "--format", "csv", "--regime", "omb-m-24-10")
    assert code == 0, err
    row = next(csv.DictReader(io.StringIO(out)))
    assert (row["compliance"], row["obligation_gaps"]) == ("gap", "omb-m-24-10:impact-assessment")
    _, out, _ = run(capsys, "export", str(path), "--format", "csv")
    assert "omb-m-24-10" not in next(csv.DictReader(io.StringIO(out)))["obligation_gaps"]
    code, _, err = run(capsys, "export", str(path), "--format", "csv", "--regime", "nope")
    assert code == 2 and "unknown regime 'nope'" in err
