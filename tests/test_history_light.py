"""History's versions in two weights (#30, speed): a version that only a timeline line shows
is scored without what each score is made of (a line shows no reasons), and the one "since
the last review" compares with is scored in full, from git or from the cache folder, even
when an earlier build kept it light."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mkdocs.config.defaults import MkDocsConfig
from sitekit import MINIMAL_ID, MINIMAL_YAML, PILOT_ID, PILOT_YAML, build_project, write_site
from test_dirty_build import serve_build
from test_history import commit, git, pilot_file, text_of

from scoring.site.pages import versionscoring
from scoring.site.rebuild.versionstore import FILE


@pytest.fixture(autouse=True)
def fresh_plugin() -> Iterator[None]:
    """MkDocs keeps the sweetspot plugin (and its memo) for the whole process, as serve
    does; these builds leave no memo behind for the next test file's first build."""
    yield
    MkDocsConfig.plugins.plugin_cache.pop("sweetspot", None)


MOVE = re.compile(r"Risk factors: \d+ → \d+ \(\+\d+\) \(labels: available → none\)\.")


@pytest.fixture
def scored(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many versions each call of score_versions scored in full."""
    calls: list[int] = []
    real = versionscoring.score_versions

    def counting(files: Any, *args: Any) -> Any:
        lines_only = args[4] if len(args) > 4 else ()
        calls.append(sum(1 for n in range(len(files)) if not (lines_only and lines_only[n])))
        return real(files, *args)

    monkeypatch.setattr(versionscoring, "score_versions", counting)
    return calls


def three_versions(root: Path, since: str) -> Path:
    """The pilot: an idea (2026-01-05), a pilot (2026-04-01), a pilot whose labels were lost
    (2026-05-01, today's file)."""
    write_site(
        root,
        {PILOT_ID: PILOT_YAML.replace("stage: pilot", "stage: idea"), MINIMAL_ID: MINIMAL_YAML},
        plugin_options={"history_since": since},
    )
    git(root, "init", "-q", "-b", "main")
    commit(root, "first", "2026-01-05")
    pilot_file(root).write_text(PILOT_YAML)
    commit(root, "to pilot", "2026-04-01")
    pilot_file(root).write_text(PILOT_YAML.replace("labels: available", "labels: none"))
    commit(root, "labels lost", "2026-05-01")
    return root


def stored(root: Path) -> dict[str, Any]:
    raw = (root / ".cache" / "plugin" / "sweetspot" / FILE).read_bytes()
    entries: dict[str, Any] = json.loads(raw.partition(b"\n")[2])
    return entries


def history_text(site: Path) -> str:
    page = (site / "proposals" / PILOT_ID / "index.html").read_text("utf-8")
    start = page.index('id="history"')
    return text_of(page[start : page.index('id="links"', start)])


def set_since(root: Path, since: str) -> None:
    config = root / "mkdocs.yml"
    text = config.read_text("utf-8")
    config.write_text(re.sub(r"history_since: '?[0-9-]+'?", f"history_since: '{since}'", text))


@pytest.mark.slow
def test_only_the_compared_version_is_scored_in_full(tmp_path: Path, scored: list[int]) -> None:
    root = three_versions(tmp_path / "site", since="2026-03-01")
    site = build_project(root)
    assert sum(scored) == 2  # the pilot's version on 2026-03-01 and the minimal one's
    entries = stored(root)
    light = {name: e for name, e in entries.items() if name.endswith(":line")}
    full = {name: e for name, e in entries.items() if not name.endswith(":line")}
    assert len(light) == 2 and len(full) == 2  # 2 pilot lines only; 2 compared versions
    assert all(e["facts"]["answers"] is None for e in light.values())
    assert all(e["facts"]["answers"] for e in full.values())
    # The lines still show each version's stage, state, priority and risk.
    block = history_text(site)
    assert re.search(r"2026-04-01 [0-9a-f]{7} pilot · [A-Z][a-z ]+ · priority \d+\.\d", block)
    assert re.search(r"2026-05-01 [0-9a-f]{7} pilot · [A-Z][a-z ]+ · priority \d+\.\d", block)


@pytest.mark.slow
def test_a_version_kept_light_is_scored_in_full_once_it_is_compared(
    tmp_path: Path, scored: list[int]
) -> None:
    """Moving the start date to a version an earlier build kept only for its line: the
    reasons of the score that moved come from that version's answers."""
    root = three_versions(tmp_path / "site", since="2026-03-01")
    build_project(root)
    scored.clear()
    set_since(root, "2026-04-15")
    site = build_project(root)
    assert sum(scored) == 1  # the 2026-04-01 version, now in full; nothing else again
    block = history_text(site)
    assert "Since 2026-04-15" in block
    assert MOVE.search(block), block
    compared = [e for name, e in stored(root).items() if not name.endswith(":line")]
    assert len(compared) == 2
    assert all(e["facts"]["answers"] for e in compared)


@pytest.mark.dirty
def test_under_serve_a_version_kept_light_is_scored_in_full_once_it_is_compared(
    tmp_path: Path, scored: list[int]
) -> None:
    """The same under `mkdocs serve`, where the memo keeps the last build's versions."""
    root = three_versions(tmp_path / "site", since="2026-03-01")
    serve_build(root, dirty=False, startup=True)
    scored.clear()
    set_since(root, "2026-04-15")
    config = serve_build(root, dirty=False, startup=False)
    assert sum(scored) == 1
    block = history_text(Path(config.site_dir))
    assert "Since 2026-04-15" in block
    assert MOVE.search(block), block
