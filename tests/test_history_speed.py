"""History's speed (#30): old versions scored over every core, with the very same result as
one process gives, and git asked once per build, however many proposals there are."""

from __future__ import annotations

import pickle
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from sitekit import MINIMAL_ID, MINIMAL_YAML, PILOT_ID, PILOT_YAML, REPO, write_site
from test_dirty_build import serve_build
from test_history import build_docs, commit, git, history_block, pilot_file, text_of

from scoring.proposals.publication import Visibility
from scoring.rubric import load_rubric
from scoring.site.pages import history, versionscoring
from scoring.sources import gitrevisions
from scoring.sources.yamlsections import SectionCache


def versions_to_score() -> list[tuple[str, bytes]]:
    """Valid versions, ones today's format refuses, and one that is no YAML at all."""
    path = f"content/proposals/{PILOT_ID}.yaml"
    variants = [
        PILOT_YAML,
        PILOT_YAML.replace("stage: pilot", "stage: idea"),
        PILOT_YAML.replace("stage: pilot", "stage: bogus"),
        PILOT_YAML.replace("labels: available", "labels: none"),
        "title: [unclosed\n",
    ]
    files = [(path, text.encode("utf-8")) for text in variants] * 3
    return [*files, (f"content/proposals/{MINIMAL_ID}.yaml", MINIMAL_YAML.encode("utf-8"))]


@pytest.mark.parametrize("public", [None, Visibility()], ids=["internal", "public"])
def test_versions_scored_over_several_processes_equal_those_scored_here(
    workers: list[Any], public: Visibility | None
) -> None:
    rubric = load_rubric(None)
    files = versions_to_score()
    alone = versionscoring.score_versions(files, rubric, rubric.state_name, None, public)
    shared = versionscoring.VersionScoring(files, rubric, None, public, processes=3).result()
    assert len(workers) == 2
    assert shared == alone
    assert repr(shared) == repr(alone)  # every float to the last digit, in the same order
    assert any(v.valid for v in shared) and any(not v.valid for v in shared)


@pytest.mark.parametrize("public", [None, Visibility()], ids=["internal", "public"])
def test_a_worker_scores_the_batches_it_takes_as_this_process_would(
    public: Visibility | None,
) -> None:
    rubric = load_rubric(None)
    files = versions_to_score()
    lines_only = [n % 2 == 0 for n in range(len(files))]
    alone = versionscoring.score_versions(
        files, rubric, rubric.state_name, None, public, lines_only
    )
    batches = versionscoring.Batches(len(files), 4)
    sent: list[int] = []

    def request(number: int) -> bytes:
        sent.append(number)
        start, end = batches.bounds[number]
        return pickle.dumps((files[start:end], lines_only[start:end]))

    worker = versionscoring.Worker(pickle.dumps((rubric, None, public)), batches, request)
    worker.thread.join(120)  # nobody else takes a batch: it scores them all
    worker.stop()
    found = [batches.done(number) for number in range(len(batches.bounds))]
    assert sent == list(range(len(batches.bounds)))  # each batch's files sent once
    scored = [version for part in found if part is not None for version in part]
    assert repr(scored) == repr(alone)
    # A version only a timeline line shows is scored without its answers, in a worker too.
    valid = [(n, v) for n, v in enumerate(scored) if v.facts is not None]
    assert valid and all((v.facts.answers is None) == lines_only[n] for n, v in valid)


@pytest.mark.parametrize("executable", ["/nonexistent/python", "/bin/false", "/bin/cat"])
def test_a_worker_that_cannot_start_fails_or_answers_nonsense_leaves_its_batches_here(
    workers: list[Any], monkeypatch: pytest.MonkeyPatch, executable: str
) -> None:
    """/bin/cat answers with what it is sent: the build's own pickled rubric, which a
    worker's answer may not hold (only versions and their facts are read back)."""
    rubric = load_rubric(None)
    files = versions_to_score()
    alone = versionscoring.score_versions(files, rubric, rubric.state_name)
    monkeypatch.setattr(sys, "executable", executable)
    assert repr(versionscoring.VersionScoring(files, rubric, processes=2).result()) == repr(alone)


def test_few_versions_or_one_core_start_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Any] = []
    monkeypatch.setattr(versionscoring, "Worker", lambda *args: started.append(args))
    rubric = load_rubric(None)
    files = versions_to_score()
    versionscoring.VersionScoring(
        files, rubric, processes=2
    ).result()  # far fewer than a worker's start costs
    monkeypatch.setattr(versionscoring, "WORKER_START", 0)
    versionscoring.VersionScoring(files, rubric, processes=1).result()
    assert started == []


def many_commits(root: Path, proposals: int = 6, commits: int = 3) -> Path:
    """A site of ``proposals`` copies of the pilot, each changed in ``commits`` commits."""
    folder = root / "content" / "proposals"
    write_site(
        root,
        {f"case-{n}": PILOT_YAML for n in range(proposals)},
        plugin_options={"history_since": "2026-03-01"},
    )
    git(root, "init", "-q", "-b", "main")
    for c in range(commits):
        for n in range(proposals):
            # The middle commit is one today's format refuses for half of them.
            stage = "bogus" if c == 1 and n % 2 == 0 else ("idea", "pilot")[(n + c) % 2]
            text = PILOT_YAML.replace("stage: pilot", f"stage: {stage}")
            (folder / f"case-{n}.yaml").write_text(text + f"# {c}\n", encoding="utf-8")
        commit(root, f"revision {c}", f"2026-0{c + 1}-05")
    return root


def test_one_git_log_and_one_blob_batch_per_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = many_commits(tmp_path / "site")
    calls: list[str] = []
    real = gitrevisions.run_git

    def counting(args: list[str], *rest: Any, **named: Any) -> bytes:
        calls.append(next(a for a in args if not a.startswith("-") and "=" not in a))
        return real(args, *rest, **named)

    monkeypatch.setattr(gitrevisions, "run_git", counting)
    out = tmp_path / "out"
    assert build_docs(root, out, monkeypatch) == 0
    page = (out / "docs" / "proposals" / "case-0.md").read_text(encoding="utf-8")
    assert "not valid under today's format: stage" in text_of(page)  # old versions were read
    # One log for all six proposals (and the rubric), one listing and one read of the blobs.
    assert calls.count("log") == 1
    assert calls.count("cat-file") == 2
    assert len(calls) <= 4, calls


@pytest.mark.slow
def test_a_build_scoring_in_a_worker_writes_the_same_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: list[Any]
) -> None:
    root = many_commits(tmp_path / "site")
    shared = tmp_path / "shared"
    assert build_docs(root, shared, monkeypatch) == 0
    assert workers, "the build scored no version in a worker"
    monkeypatch.setattr(versionscoring, "WORKER_START", 10**9)  # one process
    alone = tmp_path / "alone"
    assert build_docs(root, alone, monkeypatch) == 0
    files = sorted(p.relative_to(alone) for p in alone.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(shared) for p in shared.rglob("*") if p.is_file())
    for name in files:
        assert (shared / name).read_bytes() == (alone / name).read_bytes(), name
    assert "History unavailable" not in (alone / "docs" / "what-changed.md").read_text()


def test_a_listed_rubric_line_scores_the_version_in_force_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The twelfth line is a rubric change: it shows the version before every listed edit,
    which is scored; no other unlisted version is."""
    root = tmp_path / "site"
    rubric = (REPO / "scoring" / "data" / "rubric.yaml").read_text(encoding="utf-8")
    write_site(
        root,
        {PILOT_ID: PILOT_YAML.replace("stage: pilot", "stage: idea")},
        plugin_options={"history_since": "2026-01-07", "rubric": "rubric.yaml"},
        extra_files={"rubric.yaml": rubric},
    )
    git(root, "init", "-q", "-b", "main")
    commit(root, "first", "2026-01-05")
    (root / "rubric.yaml").write_text(
        rubric.replace("  risk_discount: 0.5\n", "  risk_discount: 0.4\n")
    )
    commit(root, "rubric only", "2026-01-10")
    for n in range(history.MAX_LINES - 1):
        pilot_file(root).write_text(PILOT_YAML + f"# revision {n}\n", encoding="utf-8")
        commit(root, f"revision {n}", f"2026-02-{n + 1:02d}")
    scored: list[int] = []
    real = versionscoring.score_versions

    def counting(files: Any, *args: Any) -> Any:
        scored.append(len(files))
        return real(files, *args)

    monkeypatch.setattr(versionscoring, "score_versions", counting)
    out = tmp_path / "out"
    assert build_docs(root, out, monkeypatch) == 0
    block = history_block((out / "docs" / "proposals" / f"{PILOT_ID}.md").read_text())
    line = re.search(r"2026-01-10 [0-9a-f]{7} (.*?) rubric changed", block)
    assert line is not None and line.group(1).startswith("idea · Quick win · priority")
    assert "2026-01-05" not in block  # the first commit is the 13th line: counted, not listed
    assert "1 older commit" in block
    assert sum(scored) == history.MAX_LINES  # the 11 edits listed and the first version


@pytest.mark.dirty
def test_a_reload_with_the_same_log_takes_the_last_table_of_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under `serve --dirty` an edit to one proposal file changes neither the log nor the
    dates: the versions shown are not worked out again for every proposal."""
    root = many_commits(tmp_path / "site")
    walked: list[str] = []
    real = history.History.line_changes

    def counting(self: history.History, path: str) -> Any:
        walked.append(path)
        return real(self, path)

    monkeypatch.setattr(history.History, "line_changes", counting)
    config = serve_build(root, dirty=True, startup=True)
    assert len(set(walked)) == 6
    edited = root / "content" / "proposals" / "case-2.yaml"
    edited.write_text(edited.read_text("utf-8").replace("Route", "Now route"), encoding="utf-8")
    walked.clear()
    serve_build(root, dirty=True, startup=False)
    assert set(walked) <= {"content/proposals/case-2.yaml"}  # its own page only
    page = Path(config.site_dir) / "proposals" / "case-2" / "index.html"
    assert "Now route" in page.read_text("utf-8")
    assert "not valid under today" in page.read_text("utf-8")  # its history is still shown


def test_a_workers_answer_is_read_as_versions_only() -> None:
    """The answer is unpickled with versions and facts as its only classes: anything else
    (here a callable a crafted answer would run) is refused, and the part scored here."""
    import io
    import os
    import pickle

    rubric = load_rubric(None)
    versions = versionscoring.score_versions(versions_to_score(), rubric, rubric.state_name)
    answer = versionscoring._VersionsUnpickler(io.BytesIO(pickle.dumps(versions))).load()
    assert answer == versions
    with pytest.raises(pickle.UnpicklingError, match="may not hold posix"):
        versionscoring._VersionsUnpickler(io.BytesIO(pickle.dumps([os.system]))).load()


def test_old_versions_score_the_same_without_their_positions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """History loads old versions without recording where each value is (no page shows it):
    every version, the demo's proposals among them, scores exactly as with positions."""
    demo = sorted((REPO / "content" / "proposals").glob("*.yaml"))
    files = versions_to_score() + [(f"content/proposals/{p.name}", p.read_bytes()) for p in demo]
    rubric = load_rubric(None)
    bare = versionscoring.score_versions(
        files, rubric, rubric.state_name, None, None, (), SectionCache()
    )
    real = versionscoring.load_one

    def with_positions(*args: Any, positions: bool = True, **kwargs: Any) -> Any:
        return real(*args, positions=True, **kwargs)

    monkeypatch.setattr(versionscoring, "load_one", with_positions)
    placed = versionscoring.score_versions(
        files, rubric, rubric.state_name, None, None, (), SectionCache()
    )
    assert len(demo) > 5 and sum(v.valid for v in bare) > len(demo)
    assert repr(bare) == repr(placed)


def test_a_file_with_no_rubric_change_has_the_lines_the_full_walk_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quick way to a timeline (no rubric change to merge in) gives what walking the
    commits gives, for a file edited, removed and added again."""
    root = tmp_path / "site"
    write_site(root, {PILOT_ID: PILOT_YAML, MINIMAL_ID: MINIMAL_YAML})
    git(root, "init", "-q", "-b", "main")
    commit(root, "first", "2026-01-05")
    pilot_file(root).write_text(PILOT_YAML + "# edited\n")
    commit(root, "edited", "2026-02-01")
    pilot_file(root).unlink()
    commit(root, "removed", "2026-03-01")
    pilot_file(root).write_text(PILOT_YAML)
    commit(root, "back", "2026-04-01")
    compared: list[int] = []
    real = history.History._own_lines

    def both(self: history.History, own: dict[str, Any]) -> Any:
        quick = real(self, own)
        assert quick == self._merged_lines(own, set())
        compared.append(len(quick))
        return quick

    monkeypatch.setattr(history.History, "_own_lines", both)
    assert build_docs(root, tmp_path / "out", monkeypatch) == 0
    assert sorted(compared) == [1, 4]  # the minimal proposal's one commit; the pilot's four


@pytest.mark.parametrize("where", ["site", "proposals folder"])
def test_history_is_found_whether_the_repository_is_the_site_or_the_proposals_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A proposal's path in git is worked out with string operations: the same whether the
    proposals folder is deep in the repository or is its very root."""
    root = tmp_path / "site"
    write_site(root, {PILOT_ID: PILOT_YAML})
    repository = root if where == "site" else root / "content" / "proposals"
    git(repository, "init", "-q", "-b", "main")
    commit(repository, "first", "2026-01-05")
    pilot_file(root).write_text(PILOT_YAML + "# edited\n")
    commit(repository, "edited", "2026-02-01")
    out = tmp_path / "out"
    assert build_docs(root, out, monkeypatch) == 0
    block = text_of(history_block((out / "docs" / "proposals" / f"{PILOT_ID}.md").read_text()))
    assert "No commit holds this file yet" not in block
    assert re.search(r"2026-02-01 [0-9a-f]{7} pilot · ", block)
    assert re.search(r"2026-01-05 [0-9a-f]{7} pilot · ", block)
