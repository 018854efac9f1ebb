"""History under `mkdocs serve` (#30): the one memo keeps every scored version by blob id,
so a rebuild scores nothing unchanged, and a proposal page whose history moved (a commit
that left the file as it was) is written again."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from sitekit import MINIMAL_ID, MINIMAL_YAML, PILOT_ID, PILOT_YAML, build_project, write_site
from test_dirty_build import serve_build
from test_history import commit, git, pilot_file

from scoring.site.pages import history, versionscoring
from scoring.site.rebuild.versionstore import FILE


@pytest.fixture
def scored(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many versions each call of score_versions scored."""
    calls: list[int] = []
    real = versionscoring.score_versions

    def counting(files: Any, *args: Any) -> Any:
        calls.append(len(files))
        return real(files, *args)

    monkeypatch.setattr(versionscoring, "score_versions", counting)
    return calls


def served_repo(root: Path) -> Path:
    write_site(
        root,
        {PILOT_ID: PILOT_YAML.replace("stage: pilot", "stage: idea"), MINIMAL_ID: MINIMAL_YAML},
        plugin_options={"history_since": "2026-03-01"},
    )
    git(root, "init", "-q", "-b", "main")
    commit(root, "first", "2026-01-05")
    pilot_file(root).write_text(PILOT_YAML)
    commit(root, "to pilot", "2026-04-01")
    return root


@pytest.mark.dirty
def test_a_rebuild_scores_only_new_versions(tmp_path: Path, scored: list[int]) -> None:
    root = served_repo(tmp_path / "site")
    serve_build(root, dirty=False, startup=True)
    assert sum(scored) == 3  # the pilot's two versions and the minimal one's
    scored.clear()
    serve_build(root, dirty=False, startup=False)
    assert sum(scored) == 0  # nothing changed: nothing scored again
    pilot_file(root).write_text(PILOT_YAML.replace("labels: available", "labels: none"))
    commit(root, "labels lost", "2026-05-01")
    serve_build(root, dirty=False, startup=False)
    assert scored == [1]  # only the new blob


@pytest.mark.dirty
def test_a_page_follows_its_history_when_the_file_stays_the_same(tmp_path: Path) -> None:
    root = served_repo(tmp_path / "site")
    config = serve_build(root, dirty=False, startup=True)
    page = Path(config.site_dir) / "proposals" / PILOT_ID / "index.html"
    assert "2026-04-01" in page.read_text("utf-8")
    # The same file content, committed again on another date: only git changed.
    git(
        root,
        "commit",
        "-q",
        "--amend",
        "--no-edit",
        "--date=2026-04-20T10:00:00",
        date="2026-04-20",
    )
    serve_build(root, dirty=False, startup=False)
    shown = page.read_text("utf-8")
    assert "2026-04-20" in shown and "2026-04-01" not in shown


def test_only_the_versions_shown_are_scored(
    tmp_path: Path, scored: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = served_repo(tmp_path / "site")  # 2 pilot versions (one before 2026-03-01), 1 other
    for n in range(history.MAX_LINES + 3):
        pilot_file(root).write_text(PILOT_YAML + f"# revision {n}\n", encoding="utf-8")
        commit(root, f"revision {n}", f"2026-05-{n + 1:02d}")
    monkeypatch.chdir(root)
    from scoring.cli.main import main

    assert main(["build-docs", "--config", "mkdocs.yml", "--out", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "docs" / "proposals" / f"{PILOT_ID}.md").read_text()
    assert page.count("<li>2026-") == history.MAX_LINES
    assert "5 older commits not listed" in page  # 17 commits touch it
    # The listed lines (no rubric line among them needs an older version), the one on the
    # "since" date, and the other proposal's one version.
    assert sum(scored) == history.MAX_LINES + 1 + 1


@pytest.mark.slow
def test_a_later_build_takes_versions_from_the_cache_folder(
    tmp_path: Path, scored: list[int]
) -> None:
    root = served_repo(tmp_path / "site")
    site = build_project(root)
    page = site / "proposals" / PILOT_ID / "index.html"
    first = page.read_text("utf-8")
    assert sum(scored) == 3
    scored.clear()
    build_project(root)  # `mkdocs build` again: no memo, the cache folder's store
    assert sum(scored) == 0
    assert page.read_text("utf-8") == first
    # A damaged store is ignored and written again.
    store = root / ".cache" / "plugin" / "sweetspot" / FILE
    store.write_text(store.read_text("utf-8").replace("pilot", "retired"), encoding="utf-8")
    build_project(root)
    assert sum(scored) == 3
    assert page.read_text("utf-8") == first


@pytest.mark.slow
def test_a_store_over_its_cap_is_not_written_and_history_is_scored_again(
    tmp_path: Path, scored: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store larger than a reader would accept is not written (and an older one goes), so
    no build reads a stale or refused file: the pages are the same, scored afresh."""
    from scoring.site.rebuild import versionstore

    root = served_repo(tmp_path / "site")
    site = build_project(root)
    store = root / ".cache" / "plugin" / "sweetspot" / FILE
    assert store.is_file()
    first = (site / "proposals" / PILOT_ID / "index.html").read_text("utf-8")
    monkeypatch.setattr(versionstore, "MAX_BYTES", 64)
    # A new version to keep makes the build write the store again, now over the cap.
    pilot_file(root).write_text(PILOT_YAML.replace("labels: available", "labels: none"))
    commit(root, "labels lost", "2026-05-01")
    scored.clear()
    build_project(root)
    assert sum(scored) == 4  # the store is refused: every version shown is scored
    assert not store.exists()
    page = (site / "proposals" / PILOT_ID / "index.html").read_text("utf-8")
    assert "History" in page and page != first  # the new commit is listed


def test_a_kept_entry_of_the_wrong_shape_is_scored_again(tmp_path: Path) -> None:
    """Kept rows (flags, answers) are checked whole: anything but rows of three texts makes
    the entry unread, so its version is scored again rather than shown oddly."""
    from scoring.model.timeline import Facts, Version
    from scoring.site.rebuild.versionstore import VersionStore

    def entry(flags: Any, answers: Any) -> dict[str, Any]:
        facts = {
            "stage": "pilot",
            "state": "quick_win",
            "state_name": "Quick win",
            "risk_class": "minimal",
            "risk_label": "Minimal risk",
            "risk_head": "Risk 3 · Minimal risk",
            "priority": 54.8,
            "scores": [["impact", 61.0]],
            "flags": flags,
            "answers": answers,
        }
        return {"facts": facts}

    store = VersionStore(tmp_path, "key")
    store.entries = {
        "good": entry([["f", "high", "Flag"]], [["impact", "labels", "yes"]]),
        "light": entry([], None),
        "two": entry([], [["impact", "labels"]]),
        "number": entry([["f", "high", 3]], None),
        "text": entry([], ["abc"]),
        "not-rows": entry({"f": 1}, None),
    }
    good = store.get("good")
    assert good == Version(
        Facts(
            "pilot",
            "quick_win",
            "Quick win",
            "minimal",
            "Minimal risk",
            "Risk 3 · Minimal risk",
            54.8,
            (("impact", 61.0),),
            (("f", "high", "Flag"),),
            (("impact", "labels", "yes"),),
        )
    )
    light = store.get("light")
    assert light is not None and light.facts is not None and light.facts.answers is None
    assert [store.get(name) for name in ("two", "number", "text", "not-rows")] == [None] * 4


def test_a_timeline_line_says_what_its_version_is() -> None:
    from scoring.model.timeline import Facts, Line, Version

    facts = Facts(
        "pilot", "quick_win", "Quick win", "limited", "Limited risk", "Risk 12", 54.84, (), ()
    )
    assert Line("abc1234", "2026-03-01", Version(facts), True, False).words == (
        "pilot · Quick win · priority 54.8 · Risk 12"
    )
    unknown = Facts(
        "idea", "needs_information", "Needs information", "", "", "Risk 3", math.nan, (), ()
    )
    assert "priority – ·" in Line("abc1234", "2026-03-01", Version(unknown), True, False).words
    invalid = Version(None, "not valid under today's format: stage")
    assert Line("abc", "2026-03-01", invalid, True, False).words == invalid.problem
    assert Line("abc", "2026-03-01", None, True, False).words == "file removed"
