"""`sweetspot diff` against real git repositories built in temporary folders."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring.cli.diff import MARKER, fetch_hint, md_text
from scoring.cli.main import main
from scoring.rubric import load_rubric

RUBRIC = load_rubric()
FOLDER = "content/proposals"


# ---- proposals --------------------------------------------------------------------------


def minimal(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "summary": "Something we might do one day.",
        "team": "Risk",
        "stage": "idea",
        **extra,
    }


def rich(title: str, **changes: Any) -> dict[str, Any]:
    """A well-answered proposal (a quick win with no flags); ``a__b=value`` edits a field,
    ``a__b=None`` removes it."""
    data: dict[str, Any] = {
        "schema_version": 1,
        "title": title,
        "summary": "Rank overdue invoices so collections calls the right customers first.",
        "team": "Risk",
        "stage": "proposed",
        "owner": "Dana Okafor",
        "sponsor": "Head of Credit Risk",
        "problem": {
            "decision": "Which overdue accounts the collections team calls first each day",
            "decision_owner": "Collections team leads",
            "user_need": "Team leads asked for a ranked list in the 2025 process review",
            "non_ml_alternative": "Sorting by amount overdue recovers 61% within 30 days",
            "automation": "augment",
            "stakeholders": "Credit risk committee agreed the goal in March",
            "business_metric": {
                "name": "Late invoices recovered within 30 days",
                "unit": "%",
                "baseline": 61,
                "target": 70,
                "direction": "increase",
            },
        },
        "value": {
            "currency": "EUR",
            "annual_value": 420000,
            "one_off_cost": 120000,
            "annual_running_cost": 40000,
            "confidence": "high",
            "months_to_value": 4,
            "basis": "2,400 late invoices a year; two engineers for four months",
        },
        "data": {
            "sources": [
                {"name": "Invoice ledger", "owner": "Finance systems", "access": "granted"}
            ],
            "labels": "available",
            "labelling_plan": "Outcomes come from the ledger; analysts check a monthly sample",
            "golden_set": "400 invoices from Q1 2026, never used for training",
            "representativeness": "All regions since 2021; small firms under-represented",
            "leakage_exposure": ["temporal"],
            "split_plan": "Train before 2025-07, test after; each customer on one side",
        },
        "roles": {
            "product_owner": "Dana Okafor",
            "data_scientist": "Lee Park",
            "data_engineer": "Sam Rivera",
            "backend_engineer": "Ana Costa",
            "qa_engineer": "Jo Smith",
            "research_engineer": "Kim Lee",
            "subject_matter_expert": "Senior collections agent",
        },
        "delivery": {
            "mvp": "A ranked list for one region; stop if it does not beat the rule in 8 weeks",
            "serving": "batch",
            "integration": "Collections CRM worklist",
            "uses_llm": False,
            "technical_evidence": "A prototype beat the amount rule by 9 points of recall",
            "online_metrics": ["Recovery within 30 days"],
            "guardrails": ["Complaints per 1000 calls"],
            "ab_plan": "Half the team uses the ranked list for six weeks",
            "home": "product_line",
        },
        "risks": {
            "human_oversight": "human-decides",
            "personal_data": True,
            "privacy_review": "done",
            "factors": {
                f.id: {"severity": 1, "likelihood": 1}
                for f in RUBRIC.risk_factors
                if f.kind == "rated"
            },
        },
        "evidence": {c.id: 3 for c in RUBRIC.criteria if c.kind == "evidence"},
        "checklists": {c.id: {i.id: "yes" for i in c.items} for c in RUBRIC.checklists},
    }
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = data
        for part in parents:
            target = target[part]
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return copy.deepcopy(data)


BROKEN = """\
title: A proposal with a mistake
summary: The stage below is not one of the allowed values.
team: Risk
stage: someday
"""


# ---- git helpers ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
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


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def write(repo: Path, name: str, content: dict[str, Any] | str) -> Path:
    path = repo / FOLDER / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def new_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def run(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    cwd: Path | None = None,
) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd or repo)
    code = main(["diff", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    """A repository with four proposals committed on main; returns (root, base commit)."""
    root = new_repo(tmp_path / "repo")
    (root / "README.md").write_text("proposals\n", encoding="utf-8")
    # alpha says its pipelines have no tests (a flag on what it says; a sparse file raises none)
    write(root, "alpha.yaml", minimal("Alpha idea", delivery={"pipeline_tests": "no"}))
    write(root, "beta.yaml", rich("Beta forecast"))
    write(root, "gamma.yaml", rich("Gamma to be removed", team="Operations"))
    write(root, "delta.yaml", minimal("Delta to be renamed", owner="Lee Park"))
    return root, commit(root, "base")


def make_changes(root: Path) -> None:
    """Edit, remove, rename and add proposals, leaving the changes in the working tree."""
    # alpha: filled in, moves quadrant, changes stage, clears its flag (untested pipelines).
    write(root, "alpha.yaml", rich("Alpha idea"))
    # beta: now uses an LLM and has no golden set, which raises a flag.
    write(
        root,
        "beta.yaml",
        rich(
            "Beta forecast",
            delivery__uses_llm=True,
            data__golden_set=None,
            checklists__data__golden_set="no",
        ),
    )
    git(root, "rm", "-q", f"{FOLDER}/gamma.yaml")
    git(root, "mv", f"{FOLDER}/delta.yaml", f"{FOLDER}/delta-renamed.yaml")
    write(root, "epsilon.yaml", rich("Epsilon | <script>alert(1)</script> @here", team="Ops <b>"))
    write(root, "broken.yaml", BROKEN)


def by_id(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in entries}


# ---- tests ------------------------------------------------------------------------------


def test_working_tree_against_ref_json(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, base = repo
    make_changes(root)
    code, out, _ = run(root, monkeypatch, capsys, "main", "--format", "json")
    assert code == 1  # broken.yaml is a changed file with problems
    report = json.loads(out)
    assert report["base"]["commit"] == base and report["head"]["commit"] is None
    assert report["path"] == FOLDER

    assert set(by_id(report["added"])) == {"epsilon", "broken"}
    assert by_id(report["added"])["broken"]["valid"] is False
    assert by_id(report["added"])["epsilon"]["quadrant"] == "quick_win"
    assert [r["id"] for r in report["removed"]] == ["gamma"]
    assert report["renamed"] == [
        {
            "from": f"{FOLDER}/delta.yaml",
            "to": f"{FOLDER}/delta-renamed.yaml",
            "from_id": "delta",
            "to_id": "delta-renamed",
            "detected_by": "git",
            "old_url": "proposals/delta/",
            "new_url": "proposals/delta-renamed/",
            "redirect": {"from": "proposals/delta.md", "to": "proposals/delta-renamed.md"},
        }
    ]

    changed = by_id(report["changed"])
    alpha = changed["alpha"]
    assert alpha["status"] == "modified"
    # A sparse idea is uncertain, not bad: some priority, and needs information.
    assert 0 < alpha["scores"]["priority"]["old"] < alpha["scores"]["priority"]["new"]
    assert alpha["scores"]["priority"]["new"] > 50
    assert alpha["scores"]["priority"]["delta"] == pytest.approx(
        alpha["scores"]["priority"]["new"] - alpha["scores"]["priority"]["old"], abs=0.05
    )
    assert set(alpha["scores"]) >= {"priority", "desirability", "profitability", "feasibility"}
    assert alpha["quadrant"] == {"old": "needs_information", "new": "quick_win"}
    assert alpha["stage"] == {"old": "idea", "new": "proposed"}
    assert "untested_pipeline" in {f["id"] for f in alpha["flags_cleared"]}
    assert alpha["flags_added"] == []

    beta = changed["beta"]
    assert [f["id"] for f in beta["flags_added"]] == ["llm_without_evaluation_set"]
    # A raised high-severity flag adds known risk, so beta may move state; its stage does not.
    assert beta["stage"] is None
    assert changed["delta-renamed"]["status"] == "renamed"

    summary = report["summary"]
    assert (summary["added"], summary["removed"], summary["renamed"]) == (2, 1, 1)
    assert summary["quadrant_moves"] >= 1 and summary["stage_changes"] == 1
    assert summary["flags_added"] == 1 and summary["flags_cleared"] >= 1

    assert report["invalid_files"] == [f"{FOLDER}/broken.yaml"]
    problem = report["problems"][0]
    assert problem["file"] == f"{FOLDER}/broken.yaml"
    assert (problem["line"], problem["field"]) == (4, "stage")


def test_markdown_report(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    make_changes(root)
    code, out, _ = run(root, monkeypatch, capsys, "main")  # markdown is the default
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == MARKER
    assert "**2 added · 1 removed · 1 renamed · 2 edited**" in out
    assert "1 validation problem in 1 file" in out
    # One summary line per notable change, before any details block.
    summary = out.split("<details")[0]
    assert "Removed `gamma`" in summary
    assert f"Renamed `{FOLDER}/delta.yaml` → `{FOLDER}/delta-renamed.yaml`" in summary
    assert re.search(r"`alpha`: priority \d+\.\d →", summary)
    assert "moves Needs information → Quick win" in summary
    assert "stage idea → proposed" in summary
    assert "new flag: LLM feature without an evaluation set (high)" in summary
    assert "cleared: " in summary
    # Details are folded, with tables.
    assert "<details><summary>Score changes (2)</summary>" in out
    assert "| Proposal | Priority | Desirability |" in out
    assert "<summary>Added and removed proposals (3)</summary>" in out
    assert "<summary>Flags raised and cleared" in out
    assert out.count("<details") == out.count("</details>") == 4
    # Problems are listed as file:line:col messages.
    assert f"{FOLDER}/broken.yaml:4:8: stage:" in out
    # Proposal text is escaped: no raw HTML, no table-breaking pipes, no mentions.
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out and "Ops &lt;b&gt;" in out
    assert "Epsilon \\| &lt;script&gt;" in out
    assert "@here" not in out
    for line in lines:
        if line.startswith("| added | `epsilon`"):
            cells = [c for c in line.replace("\\|", "").split("|") if c.strip()]
            assert len(cells) == 11


def test_ref_against_ref(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, base = repo
    make_changes(root)
    head = commit(root, "changes")
    # A later working-tree edit must not show up when two refs are compared.
    write(root, "zeta.yaml", minimal("Only in the working tree"))
    code, out, _ = run(root, monkeypatch, capsys, base, head, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["head"]["commit"] == head and report["head"]["ref"] == head
    assert set(by_id(report["added"])) == {"epsilon", "broken"}
    # git calls gamma -> epsilon a rename (the files are alike), but the titles differ.
    assert [r["id"] for r in report["removed"]] == ["gamma"]
    assert report["renamed"][0]["to"] == f"{FOLDER}/delta-renamed.yaml"
    assert by_id(report["changed"])["alpha"]["quadrant"]["new"] == "quick_win"

    code, out, _ = run(root, monkeypatch, capsys, "HEAD~1", "HEAD", "--format", "json")
    assert json.loads(out)["base"]["commit"] == base


def test_valid_changes_exit_0_and_unchanged_files_are_quiet(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    write(root, "alpha.yaml", minimal("Alpha idea", stage="proposed"))
    code, out, _ = run(root, monkeypatch, capsys, "main", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert [c["id"] for c in report["changed"]] == ["alpha"]
    assert report["changed"][0]["stage"] == {"old": "idea", "new": "proposed"}
    assert report["problems"] == []


def test_no_changes(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    code, out, _ = run(root, monkeypatch, capsys, "HEAD")
    assert code == 0
    assert out.startswith(MARKER + "\n")
    assert "No proposal changes." in out
    assert "**0 added · 0 removed · 0 renamed · 0 edited**" in out


def test_invalid_edit_of_an_existing_file_is_reported_with_its_line(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    path = write(root, "beta.yaml", rich("Beta forecast"))
    text = path.read_text(encoding="utf-8").replace("serving: batch", "serving: carrier-pigeon")
    path.write_text(text, encoding="utf-8")
    line = next(n for n, x in enumerate(text.splitlines(), 1) if "carrier-pigeon" in x)
    code, out, _ = run(root, monkeypatch, capsys, "main")
    assert code == 1
    assert f"{FOLDER}/beta.yaml:{line}:" in out
    assert "`beta` is no longer valid" in out


def test_rename_with_edits_keeps_the_history(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    git(root, "mv", f"{FOLDER}/beta.yaml", f"{FOLDER}/beta-v2.yaml")
    write(
        root,
        "beta-v2.yaml",
        rich(
            "Beta forecast",
            delivery__uses_llm=True,
            data__golden_set=None,
            checklists__data__golden_set="no",
        ),
    )
    code, out, _ = run(root, monkeypatch, capsys, "main", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["added"] == [] and report["removed"] == []
    entry = by_id(report["changed"])["beta-v2"]
    assert (entry["status"], entry["old_id"], entry["content_changed"]) == ("renamed", "beta", True)
    assert [f["id"] for f in entry["flags_added"]] == ["llm_without_evaluation_set"]


def test_untracked_rename_is_found_by_content(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    (root / FOLDER / "gamma.yaml").rename(root / FOLDER / "gamma-two.yaml")
    code, out, _ = run(root, monkeypatch, capsys, "main", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["added"] == [] and report["removed"] == []
    assert report["renamed"] == [
        {
            "from": f"{FOLDER}/gamma.yaml",
            "to": f"{FOLDER}/gamma-two.yaml",
            "from_id": "gamma",
            "to_id": "gamma-two",
            "detected_by": "content",
            "old_url": "proposals/gamma/",
            "new_url": "proposals/gamma-two/",
            "redirect": {"from": "proposals/gamma.md", "to": "proposals/gamma-two.md"},
        }
    ]


def test_duplicate_ids_name_repository_paths(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    write(root, "team/alpha.yaml", minimal("Second alpha"))
    code, out, _ = run(root, monkeypatch, capsys, "main", "--format", "json")
    assert code == 1
    report = json.loads(out)
    # The new file clashes, and the untouched alpha.yaml becomes invalid because of it.
    assert set(report["invalid_files"]) == {f"{FOLDER}/alpha.yaml", f"{FOLDER}/team/alpha.yaml"}
    messages = " ".join(p["message"] for p in report["problems"])
    assert f"{FOLDER}/team/alpha.yaml" in messages
    assert "sweetspot-diff-" not in out and str(root) not in messages


def test_runs_from_a_subfolder_with_a_custom_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = new_repo(tmp_path / "other")
    ideas = root / "ideas"
    ideas.mkdir()
    (ideas / "one.yaml").write_text(yaml.safe_dump(minimal("First idea")), encoding="utf-8")
    commit(root, "base")
    (ideas / "two.yml").write_text(yaml.safe_dump(minimal("Second idea")), encoding="utf-8")
    code, out, _ = run(
        root, monkeypatch, capsys, "HEAD", "--path", "ideas/", "--format", "json", cwd=ideas
    )
    assert code == 0
    report = json.loads(out)
    assert report["path"] == "ideas"
    assert [a["file"] for a in report["added"]] == ["ideas/two.yml"]


def test_missing_ref_exits_2_with_a_fetch_hint(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    code, out, err = run(root, monkeypatch, capsys, "origin/release")
    assert code == 2 and out == ""
    assert "'origin/release' does not exist" in err
    assert "git fetch origin release --depth=1" in err
    sha = "0123456789abcdef0123456789abcdef01234567"
    code, _, err = run(root, monkeypatch, capsys, "main", sha)
    assert code == 2 and f"git fetch --depth=1 origin {sha}" in err


def test_outside_a_repository_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    code, _, err = run(plain, monkeypatch, capsys, "main")
    assert code == 2 and "not inside a git repository" in err


def test_shallow_clone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = new_repo(tmp_path / "origin")
    write(origin, "alpha.yaml", minimal("Alpha idea"))
    write(origin, "beta.yaml", rich("Beta forecast"))
    base = commit(origin, "base")
    write(origin, "alpha.yaml", rich("Alpha idea"))
    commit(origin, "head")

    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{origin}", str(clone)],
        check=True,
        capture_output=True,
    )
    assert git(clone, "rev-parse", "--is-shallow-repository") == "true"

    code, _, err = run(clone, monkeypatch, capsys, base)
    assert code == 2
    assert f"git fetch --depth=1 origin {base}" in err

    git(clone, "fetch", "-q", "--depth", "1", "origin", base)
    code, out, _ = run(clone, monkeypatch, capsys, base, "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["base"]["commit"] == base
    alpha = by_id(report["changed"])["alpha"]
    assert alpha["quadrant"] == {"old": "needs_information", "new": "quick_win"}
    assert "beta" not in by_id(report["changed"])


def test_fetch_hints() -> None:
    assert fetch_hint("origin/main") == "git fetch origin main --depth=1"
    assert fetch_hint("refs/remotes/origin/dev") == "git fetch origin dev --depth=1"
    assert fetch_hint("abc1234") == "git fetch --depth=1 origin abc1234"
    assert fetch_hint("v1.0") == "git fetch origin v1.0 --depth=1"
    assert fetch_hint("HEAD~1") == "git fetch --unshallow"


def test_markdown_escaping() -> None:
    assert md_text("a | b") == "a \\| b"
    assert md_text("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert md_text("line\nbreak") == "line break"
    assert "@" not in md_text("ping @team")
    assert md_text("[link](javascript:alert(1))").startswith("\\[link\\]")


# ---- what comes first, renames as URLs, rounding, path and ref errors ---------------------

NO_ACCESS = [{"name": "Invoice ledger", "owner": "Finance systems", "access": "refused"}]


def test_serious_flags_and_risky_stage_moves_come_first(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    # beta moves to approved while losing data access: a red flag, open at approval.
    write(root, "beta.yaml", rich("Beta forecast", stage="approved", data__sources=NO_ACCESS))
    # gamma raises a high-severity flag and stays where it is.
    write(
        root,
        "gamma.yaml",
        rich(
            "Gamma to be removed",
            team="Operations",
            delivery__uses_llm=True,
            data__golden_set=None,
            checklists__data__golden_set="no",
        ),
    )
    code, out, _ = run(root, monkeypatch, capsys, "main")
    assert code == 0
    head, rest = out.split("**Needs attention**", 1)
    assert "\n- " not in head  # nothing is listed before the attention block
    block = rest.split("\n\n")[1].splitlines()
    assert block == [
        "- `beta` moves to **approved** with 1 serious flag open: No access to the data (red)",
        "- **Red flag raised** on `beta`: No access to the data (red)",
        "- **High-severity flag raised** on `gamma`: LLM feature without an evaluation set (high)",
    ]
    report = json.loads(run(root, monkeypatch, capsys, "main", "--format", "json")[1])
    kinds = [(a["kind"], a["id"]) for a in report["attention"]]
    assert kinds == [
        ("stage_with_flags", "beta"),
        ("flag_raised", "beta"),
        ("flag_raised", "gamma"),
    ]
    assert report["summary"]["attention"] == 3


def test_quiet_changes_have_no_attention_block(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    write(root, "beta.yaml", rich("Beta forecast", stage="approved"))  # no serious flags
    code, out, _ = run(root, monkeypatch, capsys, "main")
    assert code == 0 and "Needs attention" not in out
    assert "stage proposed → approved" in out


def test_a_rename_is_reported_as_a_changed_url_with_its_redirect(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    git(root, "mv", f"{FOLDER}/delta.yaml", f"{FOLDER}/delta-renamed.yaml")
    (root / FOLDER / "archive").mkdir()
    git(root, "mv", f"{FOLDER}/alpha.yaml", f"{FOLDER}/archive/alpha.yaml")
    _, out, _ = run(root, monkeypatch, capsys, "main")
    assert (
        f"- Renamed `{FOLDER}/delta.yaml` → `{FOLDER}/delta-renamed.yaml`: its page moves "
        "from `proposals/delta/` to `proposals/delta-renamed/`; add a redirect so old "
        "links keep working (mkdocs-redirects: `'proposals/delta.md'`: "
        "`'proposals/delta-renamed.md'` under `redirect_maps`)"
    ) in out
    assert (
        f"- Renamed `{FOLDER}/alpha.yaml` → `{FOLDER}/archive/alpha.yaml` (same id, so "
        "the page keeps its URL)"
    ) in out


def test_numbers_are_rounded_as_on_the_site(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    write(root, "alpha.yaml", rich("Alpha idea"))
    _, out, _ = run(root, monkeypatch, capsys, "main", "--format", "json")
    alpha = json.loads(out)["changed"][0]
    _, out, _ = run(root, monkeypatch, capsys, "main")
    priority = alpha["scores"]["priority"]
    assert (
        f"priority {priority['old']:.1f} → {priority['new']:.1f} (+{priority['delta']:.1f})"
    ) in out
    row = next(line for line in out.splitlines() if line.startswith("| `alpha`"))
    desirability = alpha["scores"]["desirability"]
    assert (
        f"| {desirability['old']:.0f} → {desirability['new']:.0f} (+{desirability['delta']:.0f}) |"
    ) in row
    # Every number in the score table has the site's decimals: scores none, priority one.
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert re.fullmatch(r"[\d.]+ → [\d.]+ \(\+[\d.]+\)", cells[1])
    assert all("." not in cell for cell in cells[2:6])


def test_path_errors_are_one_line_with_exit_2(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    cases = {
        f"{FOLDER}/alpha.yaml": "is a file, not a folder of proposals",
        "content/nowhere": "does not exist on either side of the comparison",
        "../outside": "is outside the repository",
    }
    for path, message in cases.items():
        code, out, err = run(root, monkeypatch, capsys, "main", "--path", path)
        assert code == 2 and out == "", path
        assert err.count("\n") == 1 and message in err, err


def test_ref_errors_are_one_line_with_exit_2(
    repo: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    root, _ = repo
    code, _, err = run(root, monkeypatch, capsys, "HEAD:content")
    assert code == 2 and err.count("\n") == 1
    assert "names a tree or a file, not a commit" in err
    code, _, err = run(root, monkeypatch, capsys, "no-such-branch")
    assert code == 2 and err.count("\n") == 1 and "git fetch origin no-such-branch" in err
    empty = new_repo(tmp_path / "empty")
    code, _, err = run(empty, monkeypatch, capsys, "HEAD")
    assert code == 2 and err.count("\n") == 1 and "no commits yet" in err


def test_symlinks_are_skipped_on_both_sides(
    repo: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    root, _ = repo
    outside = tmp_path / "outside.yaml"
    outside.write_text(yaml.safe_dump(minimal("Outside the repository")), encoding="utf-8")
    (root / FOLDER / "linked.yaml").symlink_to(outside)
    (root / FOLDER / "linked-folder").symlink_to(tmp_path)
    commit(root, "links")
    # A commit compared with its own checkout: nothing changed.
    code, out, _ = run(root, monkeypatch, capsys, "HEAD", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["added"] == [] and report["changed"] == []
    assert report["head"]["files"] == report["base"]["files"] == 4


def test_unreadable_file_is_a_one_line_error(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    path = write(root, "secret.yaml", minimal("Unreadable"))
    real_open = Path.open

    def open_(self: Path, *args: Any, **kwargs: Any) -> Any:  # as chmod 000 would, for root too
        if self.name == path.name:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)
    code, out, err = run(root, monkeypatch, capsys, "main")
    assert code == 2 and out == ""
    assert err == f"sweetspot: error: cannot read {FOLDER}/secret.yaml: Permission denied\n"


def test_a_file_name_that_is_not_utf8_gives_valid_output(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    name = os.fsdecode(b"caf\xe9.yaml")
    (root / FOLDER / name).write_text(yaml.safe_dump(minimal("Cafe idea")), encoding="utf-8")
    code, out, _ = run(root, monkeypatch, capsys, "main", "--format", "json")
    assert code == 1  # 'caf\xe9' is not a valid id
    out.encode("utf-8")  # no lone surrogates
    report = json.loads(out)
    assert [a["file"] for a in report["added"]] == [f"{FOLDER}/caf\ufffd.yaml"]
    code, out, _ = run(root, monkeypatch, capsys, "main")
    assert code == 1
    out.encode("utf-8")
    assert "caf\ufffd.yaml" in out
