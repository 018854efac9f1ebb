"""Decisions in review (#29): `sweetspot diff` lists decisions added, revoked, expiring,
expired and invalidated, and can fail a pull request that touches a lapsed one."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sitekit import REPO

from scoring.cli.main import main

LLM = "support-reply-drafts-llm"
ACCEPTANCE = f"""\
proposal: {LLM}
kind: risk_acceptance
requested_by: Camille Laurent
decided_by: Frederik Aalto
date: 2026-11-20
expires: 2027-05-31
scope:
  flag: labels_without_guidelines
"""


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
    (root / "content" / "proposals").mkdir(parents=True)
    shutil.copy(REPO / "content" / "proposals" / f"{LLM}.yaml", root / "content" / "proposals")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    monkeypatch.chdir(root)
    return root


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=root, check=True)


def add_acceptance(root: Path) -> None:
    (root / "decisions").mkdir(exist_ok=True)
    (root / "decisions" / "accept.yaml").write_text(ACCEPTANCE, encoding="utf-8")


def test_diff_lists_a_decision_added_and_when_it_expires(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_acceptance(repo)
    assert main(["diff", "HEAD", "--as-of", "2027-05-10"]) == 0
    out = capsys.readouterr().out
    assert "**Decisions**" in out
    assert (
        "- `accept` (risk acceptance of flag labels\\_without\\_guidelines, "
        f"`{LLM}`): added; in force until 2027-05-31" in out
    )
    assert "expires on 2027-05-31, within 30 days" in out


def test_a_lapsed_decision_the_change_touches_fails_only_when_asked(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_acceptance(repo)
    assert main(["diff", "HEAD", "--as-of", "2027-06-01", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    expired = report["decisions"]["expired"]
    assert [(d["id"], d["status"], d["touched"]) for d in expired] == [("accept", "expired", True)]
    assert main(["diff", "HEAD", "--as-of", "2027-06-01", "--decisions-expired", "fail"]) == 1


def test_an_edit_to_the_fields_a_decision_covers_invalidates_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_acceptance(repo)
    assert main(["validate", "--as-of", "2026-12-07"]) == 0
    hint = capsys.readouterr().out
    basis = hint.split("add `basis: ")[1][:12]
    with (repo / "decisions" / "accept.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"basis: {basis}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "accept")
    source = repo / "content" / "proposals" / f"{LLM}.yaml"
    source.write_text(
        source.read_text("utf-8").replace("privacy_review: planned", "privacy_review: done"),
        encoding="utf-8",
    )
    status = main(
        ["diff", "HEAD", "--as-of", "2026-12-07", "--format", "json", "--decisions-expired", "fail"]
    )
    report = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in report["decisions"]["invalidated"]] == ["accept"]
    assert (
        "risks, stakes, governance, data changed" in report["decisions"]["invalidated"][0]["reason"]
    )
    assert status == 1


def test_the_digest_lists_expired_due_and_needs_review_with_owners(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_acceptance(repo)
    (repo / "decisions" / "approval.yaml").write_text(
        f"""\
proposal: {LLM}
kind: approval
requested_by: Camille Laurent
decided_by: "@frederik"
date: 2026-11-02
scope:
  stage: pilot
conditions:
  - id: eval-set
    text: A golden evaluation set of 300 tickets
    due: 2027-05-15
  - id: dpo
    text: The DPO review is done
    due: 2027-06-20
""",
        encoding="utf-8",
    )
    assert main(["decisions-digest", "--as-of", "2027-06-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<!-- sweetspot-decisions-digest -->\n## Decisions as of 2027-06-01\n")
    assert "Expired or needing renewal: 1 · due within 30 days: 1 · needs review: 1" in out
    expired = out.split("### Expired or needing renewal")[1].split("###")[0]
    assert "`accept`: risk acceptance of flag labels\\_without\\_guidelines" in expired
    assert "owner Camille Laurent" in expired and "decided by Frederik Aalto" in expired
    due = out.split("### Due within 30 days")[1].split("###")[0]
    assert "condition `dpo` of `approval`" in due and "due 2027-06-20" in due
    review = out.split("### Needs review")[1]
    assert "condition 'eval-set' of approval" in review
    assert "@frederik" not in out  # no one is notified by a name in a file
    assert "&#64;<!-- -->frederik" in out
