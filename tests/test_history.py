"""History from git (#30): a real repository with commits on fixed dates, built into a site,
read as a user reads it: the History block on a proposal page and the What changed page."""

from __future__ import annotations

import html
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from sitekit import MINIMAL_ID, MINIMAL_YAML, PILOT_ID, PILOT_YAML, REPO, write_site

from scoring.cli.main import main

AUTHOR = "Ann Example"
EMAIL = "ann@example.org"
SINCE = "2026-03-01"


def git(root: Path, *args: str, date: str = "2026-01-05") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": f"{date}T10:00:00+00:00",
        "GIT_COMMITTER_DATE": f"{date}T10:00:00+00:00",
        "GIT_AUTHOR_NAME": AUTHOR,
        "GIT_AUTHOR_EMAIL": EMAIL,
        "GIT_COMMITTER_NAME": AUTHOR,
        "GIT_COMMITTER_EMAIL": EMAIL,
    }
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, check=True, text=True
    )
    return done.stdout.strip()


def commit(root: Path, message: str, date: str) -> str:
    git(root, "add", "-A", date=date)
    git(root, "commit", "-q", "-m", message, date=date)
    return git(root, "rev-parse", "--short=7", "HEAD")


def pilot_file(root: Path) -> Path:
    return root / "content" / "proposals" / f"{PILOT_ID}.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A site whose pilot proposal went idea → invalid → pilot → labels lost, with a
    rubric-only commit in between; the minimal proposal never changed."""
    root = tmp_path / "site"
    rubric = (REPO / "scoring" / "data" / "rubric.yaml").read_text(encoding="utf-8")
    write_site(
        root,
        {PILOT_ID: PILOT_YAML.replace("stage: pilot", "stage: idea"), MINIMAL_ID: MINIMAL_YAML},
        plugin_options={"history_since": SINCE, "rubric": "rubric.yaml"},
        extra_files={"rubric.yaml": rubric},
    )
    git(root, "init", "-q", "-b", "main")
    commit(root, "first", "2026-01-05")
    pilot_file(root).write_text(PILOT_YAML.replace("stage: pilot", "stage: bogus"))
    commit(root, "a stage today's format refuses", "2026-02-01")
    pilot_file(root).write_text(PILOT_YAML)
    commit(root, "to pilot", "2026-04-01")
    (root / "rubric.yaml").write_text(
        rubric.replace("  risk_discount: 0.5\n", "  risk_discount: 0.4\n"), encoding="utf-8"
    )
    commit(root, "rubric only", "2026-04-15")
    pilot_file(root).write_text(PILOT_YAML.replace("labels: available", "labels: none"))
    commit(root, "labels lost", "2026-05-01")
    return root


def build_docs(root: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.chdir(root)
    return main(["build-docs", "--config", "mkdocs.yml", "--out", str(out)])


def text_of(markdown: str) -> str:
    """What a reader sees: tags dropped, entities read, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markdown)).split())


def history_block(page: str) -> str:
    start = page.index("## History {#history")
    return text_of(page[start : page.index("## Links", start)])


def test_the_timeline_shows_every_commit_scored_today(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert build_docs(repo, out, monkeypatch) == 0
    page = (out / "docs" / "proposals" / f"{PILOT_ID}.md").read_text(encoding="utf-8")
    block = history_block(page)
    commits = git(repo, "log", "--format=%h %cs", "--abbrev=7").splitlines()
    dates = [line.split()[1] for line in commits]
    shown = re.findall(r"(\d{4}-\d\d-\d\d) ([0-9a-f]{7}) ", block)
    assert [d for d, _ in shown] == dates  # newest first, one line per commit
    assert [c for _, c in shown] == [line.split()[0] for line in commits]
    # An old version that today's format refuses is shown as such, not as an error.
    assert "2026-02-01" in block
    assert re.search(r"2026-02-01 [0-9a-f]{7} not valid under today's format: stage", block)
    assert re.search(r"2026-01-05 [0-9a-f]{7} idea · Quick win · priority \d+\.\d · Risk", block)
    assert "scored with today's engine and rubric" in block


def test_a_rubric_only_change_is_marked(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert build_docs(repo, out, monkeypatch) == 0
    block = history_block((out / "docs" / "proposals" / f"{PILOT_ID}.md").read_text())
    line = re.search(r"2026-04-15 [0-9a-f]{7} (.*?)(?= 2026-04-01)", block)
    assert line is not None
    assert "rubric changed (not the proposal)" in line.group(1)
    lines = block[block.index("2026-05-01") :]
    assert "rubric changed" not in lines.split("2026-04-15")[0]  # the later edit is not marked
    assert "rubric changed" not in lines.split("2026-01-05")[1]  # nor the rubric's first commit
    # The minimal proposal existed then too: the rubric change is on its timeline as well.
    other = history_block((out / "docs" / "proposals" / f"{MINIMAL_ID}.md").read_text())
    assert "rubric changed (not the proposal)" in other


def test_since_the_last_review_in_plain_words(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Make the version on the review date a valid idea, so every kind of move shows.
    git(repo, "commit", "-q", "--allow-empty", "-m", "noop", date="2026-05-02")
    pilot_file(repo).write_text(PILOT_YAML.replace("stage: pilot", "stage: idea"))
    commit(repo, "back to idea", "2026-05-03")
    out = tmp_path / "out"
    (repo / "mkdocs.yml").write_text(
        (repo / "mkdocs.yml").read_text().replace(SINCE, "2026-05-10"), encoding="utf-8"
    )
    pilot_file(repo).write_text(PILOT_YAML.replace("labels: available", "labels: none"))
    assert build_docs(repo, out, monkeypatch) == 0
    block = history_block((out / "docs" / "proposals" / f"{PILOT_ID}.md").read_text())
    assert "Since 2026-05-10" in block
    assert "Stage: idea → pilot." in block
    assert "State: Quick win → Needs information." in block
    assert "Flags raised: No labels and no labelling plan (high)." in block
    # The score that moved most, with the answer that moved it.
    assert re.search(r"Risk factors: \d+ → \d+ \(\+\d+\) \(labels: available → none\)\.", block)


def test_the_what_changed_page_filters_without_javascript(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "content" / "proposals" / f"{MINIMAL_ID}.yaml").unlink()
    commit(repo, "minimal retired", "2026-05-05")
    out = tmp_path / "out"
    assert build_docs(repo, out, monkeypatch) == 0
    page = (out / "docs" / "what-changed.md").read_text(encoding="utf-8")
    assert page.startswith("---\ntitle: What changed\n")
    seen = text_of(page).replace("\\", "")  # Markdown escapes in the intro
    assert f"since {SINCE}" in seen
    # Plain anchors filter: every link to #name has a section with that id.
    targets = set(re.findall(r'href="#([^"]+)"', page))
    assert {"all", "new", "removed"} <= targets
    for target in targets:
        assert f'id="{target}"' in page
    assert f"{MINIMAL_ID}.yaml" in seen.split("Removed (1)")[-1]
    assert "Route support tickets to the right queue" in seen
    assert "<script" not in page


def test_authors_are_never_shown(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert build_docs(repo, out, monkeypatch) == 0
    for path in (out / "docs").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert AUTHOR not in text and EMAIL not in text, path


def test_a_plain_folder_says_history_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_site(tmp_path / "site", {MINIMAL_ID: MINIMAL_YAML})
    out = tmp_path / "out"
    assert build_docs(root, out, monkeypatch) == 0
    block = history_block((out / "docs" / "proposals" / f"{MINIMAL_ID}.md").read_text())
    assert "exclude} History unavailable: the site was not built from a git repository" in block
    assert "History unavailable" in text_of((out / "docs" / "what-changed.md").read_text())


def test_a_shallow_clone_says_history_unavailable(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(clone)],
        check=True,
        capture_output=True,
    )
    out = tmp_path / "out"
    assert build_docs(clone, out, monkeypatch) == 0
    block = history_block((out / "docs" / "proposals" / f"{PILOT_ID}.md").read_text())
    assert "History unavailable: the site was built from a shallow clone" in block
    assert "fetch-depth: 0" in block


def test_an_old_version_that_was_a_symlink_is_never_read(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("title: SECRET-TEXT\n", encoding="utf-8")
    pilot_file(repo).unlink()
    pilot_file(repo).symlink_to(secret)
    commit(repo, "a link", "2026-05-05")
    pilot_file(repo).unlink()
    pilot_file(repo).write_text(PILOT_YAML)
    commit(repo, "a file again", "2026-05-06")
    out = tmp_path / "out"
    assert build_docs(repo, out, monkeypatch) == 0
    block = history_block((out / "docs" / "proposals" / f"{PILOT_ID}.md").read_text())
    assert re.search(r"2026-05-05 [0-9a-f]{7} file removed", block)
    assert "SECRET-TEXT" not in block


def test_history_since_must_be_a_date(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = repo / "mkdocs.yml"
    config.write_text(config.read_text().replace(SINCE, "last spring"), encoding="utf-8")
    assert build_docs(repo, tmp_path / "out", monkeypatch) == 2
    err = capsys.readouterr().err
    assert "history_since must be a date written YYYY-MM-DD, not 'last spring'" in err
    assert "Traceback" not in err


def test_history_off_leaves_no_block_and_says_so_on_the_page(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = repo / "mkdocs.yml"
    data = yaml.safe_load(config.read_text())
    for plugin in data["plugins"]:
        if isinstance(plugin, dict) and "sweetspot" in plugin:
            plugin["sweetspot"]["history"] = False
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    assert build_docs(repo, out, monkeypatch) == 0
    assert "## History" not in (out / "docs" / "proposals" / f"{PILOT_ID}.md").read_text()
    # The page stays, so a navigation that links to it builds; it lists nothing.
    changed = (out / "docs" / "what-changed.md").read_text(encoding="utf-8")
    assert "History is turned off" in changed and "`history: false`" in changed


def test_the_publishing_workflow_fetches_full_history() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "publish.yml").read_text())
    checkouts = [
        step
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if str(step.get("uses", "")).startswith("actions/checkout")
    ]
    assert checkouts
    assert all((step.get("with") or {}).get("fetch-depth") == 0 for step in checkouts)


def test_old_versions_are_escaped(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = PILOT_YAML.replace(
        "labels: available", "labels: available\n  '<img src=x onerror=alert(1)>': 1"
    ).replace("  split_plan:", "  '<script>alert(2)</script>': 2\n  split_plan:")
    pilot_file(repo).write_text(hostile, encoding="utf-8")
    commit(repo, "hostile keys", "2026-05-04")
    pilot_file(repo).write_text(PILOT_YAML, encoding="utf-8")
    out = tmp_path / "out"
    assert build_docs(repo, out, monkeypatch) == 0
    page = (out / "docs" / "proposals" / f"{PILOT_ID}.md").read_text(encoding="utf-8")
    block = page[page.index("## History") : page.index("## Links")]
    assert "<img" not in block and "<script" not in block
    assert "not valid under today&#39;s format: data.&lt;" in block


def test_the_public_register_shows_no_internal_history(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = "Zedmarkerton"
    # An old version names an internal owner and holds a key that makes it invalid (its
    # field path would quote it); a withheld-looking proposal is added and removed.
    pilot_file(repo).write_text(
        PILOT_YAML.replace("owner: Dario Esposito", f"owner: {marker}")
        + f"{marker.lower()}_note: 1\n",
        encoding="utf-8",
    )
    commit(repo, "internal names", "2026-05-02")
    other = repo / "content" / "proposals" / f"{marker.lower()}-secret.yaml"
    other.write_text(MINIMAL_YAML, encoding="utf-8")
    commit(repo, "a proposal", "2026-05-03")
    other.unlink()
    pilot_file(repo).write_text(PILOT_YAML, encoding="utf-8")
    commit(repo, "gone", "2026-05-04")
    config = repo / "mkdocs.yml"
    data = yaml.safe_load(config.read_text())
    for plugin in data["plugins"]:
        if isinstance(plugin, dict) and "sweetspot" in plugin:
            plugin["sweetspot"]["publication"] = "public"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    assert build_docs(repo, out, monkeypatch) == 0
    block = history_block((out / "docs" / "proposals" / f"{PILOT_ID}.md").read_text())
    assert re.search(r"2026-05-02 [0-9a-f]{7} not valid under today's format ", block)
    for path in (out / "docs").rglob("*"):
        if path.is_file():
            assert marker.lower() not in path.read_bytes().decode("utf-8", "replace").lower()


def test_since_the_last_decision_on_record(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a decision on record, "what moved since" starts at its date, the proposal's
    last review, not at history_since."""
    config = repo / "mkdocs.yml"
    data = yaml.safe_load(config.read_text())
    for plugin in data["plugins"]:
        if isinstance(plugin, dict) and "sweetspot" in plugin:
            plugin["sweetspot"]["deciders"] = ["Ada Byron"]
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    (repo / "decisions").mkdir()
    (repo / "decisions" / "pilot-approval.yaml").write_text(
        f"proposal: {PILOT_ID}\n"
        "kind: approval\n"
        "requested_by: Grace Hopper\n"
        "decided_by: Ada Byron\n"
        'date: "2026-04-20"\n'
        "scope: {stage: pilot}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert build_docs(repo, out, monkeypatch) == 0
    block = history_block((out / "docs" / "proposals" / f"{PILOT_ID}.md").read_text())
    assert "Since 2026-04-20" in block and f"Since {SINCE}" not in block
    # The proposal without a decision keeps the site's date.
    other = history_block((out / "docs" / "proposals" / f"{MINIMAL_ID}.md").read_text())
    assert f"Since {SINCE}" in other
