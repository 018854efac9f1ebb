"""History blocks filled after MkDocs renders the page (#30, speed): in a plugin build, old
versions are scored by worker processes while MkDocs renders, and each proposal page's
History block is put in once its page is rendered. The pages read exactly as those a
build that scores everything first (`mkdocs serve`, `build-docs`) makes."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from mkdocs.config.defaults import MkDocsConfig
from sitekit import MINIMAL_ID, MINIMAL_YAML, PILOT_YAML, build_project, write_site
from test_dirty_build import serve_build
from test_history import build_docs, commit, git, history_block, text_of

from scoring.site.pages import history
from scoring.site.rebuild.pagefiles import BLOCKS_SUFFIX

PROPOSALS = 4


@pytest.fixture(autouse=True)
def fresh_plugin() -> Iterator[None]:
    """Serve's builds here leave no plugin (and memo) behind for the next test file."""
    yield
    MkDocsConfig.plugins.plugin_cache.pop("sweetspot", None)


def several_proposals(root: Path) -> Path:
    """Pilots and a minimal proposal, each changed in a few commits, one edit a stage move."""
    files = {f"case-{n}": PILOT_YAML.replace("stage: pilot", "stage: idea") for n in range(3)}
    write_site(
        root, {**files, MINIMAL_ID: MINIMAL_YAML}, plugin_options={"history_since": "2026-02-15"}
    )
    git(root, "init", "-q", "-b", "main")
    commit(root, "first", "2026-01-05")
    folder = root / "content" / "proposals"
    for day, n in ((2, 0), (3, 1), (4, 0)):
        (folder / f"case-{n}.yaml").write_text(PILOT_YAML + f"# revision {day}\n")
        commit(root, f"case {n}", f"2026-03-0{day}")
    (folder / "case-2.yaml").write_text(PILOT_YAML.replace("labels: available", "labels: none"))
    commit(root, "labels lost", "2026-03-05")
    return root


def history_html(site: Path, pid: str) -> str:
    soup = BeautifulSoup(
        (site / "proposals" / pid / "index.html").read_text("utf-8"), "html.parser"
    )
    heading = soup.find(id="history")
    assert heading is not None, pid
    parts = []
    for sibling in heading.find_next_siblings():
        if sibling.name == "h2":
            break
        parts.append(str(sibling))
    return "".join(parts)


@pytest.mark.slow
def test_a_plugin_build_fills_each_block_as_serve_and_build_docs_do(
    tmp_path: Path, workers: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = several_proposals(tmp_path / "site")
    late = build_project(root)
    assert workers, "the versions were scored with a worker process"
    assert all(w.process.poll() is not None for w in workers)  # all stopped at the end
    pids = [f"case-{n}" for n in range(3)] + [MINIMAL_ID]
    blocks = {pid: history_html(late, pid) for pid in pids}
    assert all("<!--sweetspot" not in html for html in blocks.values())
    assert re.search(r"2026-03-04 [0-9a-f]{7} pilot · ", text_of(blocks["case-0"]))
    assert "labels: available → none" in text_of(blocks["case-2"])

    # The same blocks from a build that scores every version before making the pages.
    shutil.rmtree(root / ".cache")
    config = serve_build(root, dirty=False, startup=True)
    served = Path(config.site_dir)
    for pid in pids:
        assert history_html(served, pid) == blocks[pid], pid
    out = tmp_path / "out"
    assert build_docs(root, out, monkeypatch) == 0
    for pid in pids:
        markdown = (out / "docs" / "proposals" / f"{pid}.md").read_text("utf-8")
        assert text_of(history_block(markdown)).endswith(text_of(blocks[pid])), pid

    # The portfolio's view was made while the versions were still being scored.
    changed = (late / "what-changed" / "index.html").read_text("utf-8")
    assert all(f"proposals/{pid}/" in changed for pid in ("case-0", "case-1", "case-2"))


@pytest.mark.slow
def test_a_failed_build_leaves_no_worker_running(
    tmp_path: Path, workers: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = several_proposals(tmp_path / "site")
    real = history.fill_late_blocks

    def failing(ctx: Any, page: str, html: str) -> str:
        if "<!--sweetspot-history:" in html:
            raise RuntimeError("a page failed")
        return real(ctx, page, html)

    monkeypatch.setattr(history, "fill_late_blocks", failing)
    with pytest.raises(Exception, match="a page failed"):
        build_project(root)
    assert workers
    for worker in workers:
        assert worker.process.wait(timeout=10) is not None


@pytest.mark.slow
def test_a_marker_typed_into_a_proposal_stays_text(tmp_path: Path) -> None:
    """A proposal's text cannot form a marker (it is escaped): it reads as typed, and the
    page's one History block is its own."""
    root = several_proposals(tmp_path / "site")
    marker = history.LATE_BLOCK_MARKER.format("0" * 20)
    pilot = root / "content" / "proposals" / "case-1.yaml"
    text = pilot.read_text()
    pilot.write_text(text.replace("summary: Two", f"summary: {marker} Two", 1))
    commit(root, "a marker in the summary", "2026-03-06")
    site = build_project(root)
    page = (site / "proposals" / "case-1" / "index.html").read_text("utf-8")
    assert marker not in page  # never raw in the HTML
    assert marker in BeautifulSoup(page, "html.parser").get_text()  # shown as text
    assert page.count('id="history"') == 1
    assert "2026-03-06" in text_of(history_html(site, "case-1"))


@pytest.mark.slow
def test_a_block_goes_only_to_its_own_page(tmp_path: Path) -> None:
    """A page that copies a proposal page's marker (a playbook a pull request adds) gets
    nothing, and the proposal page keeps its block."""
    root = several_proposals(tmp_path / "site")
    build_project(root)
    blocks = next((root / ".cache").rglob(f"case-0.md{BLOCKS_SUFFIX}")).read_text("utf-8")
    found = history.LATE_BLOCK.search(blocks)
    assert found is not None
    playbook = root / "content" / "playbooks" / "copied.md"
    playbook.write_text(f"# Copied\n\nBefore.\n\n{found[0]}\n\nAfter.\n", encoding="utf-8")
    commit(root, "a copied marker", "2026-03-07")
    site = build_project(root)
    copied = (site / "playbooks" / "copied" / "index.html").read_text("utf-8")
    assert "Each commit, newest first" not in copied
    assert "Each commit, newest first" in text_of(history_html(site, "case-0"))
