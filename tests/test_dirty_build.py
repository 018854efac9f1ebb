"""`mkdocs serve --dirty`: a rebuild after an edit gives the same pages as a full build.

Generated pages are files under the plugin's cache folder (``.cache/plugin/sweetspot/pages``),
rewritten only when their content changes, so MkDocs' dirty build (which rebuilds a page only
when its source is newer than its output) skips the unchanged ones; proposal pages whose
inputs did not change are not even rendered again (scoring/site/rebuild/pagefiles.py).

The comparison covers every HTML page, not the search index: Material's search plugin
rebuilds its index incrementally in dirty mode (it merges the rebuilt pages' entries into
the previous index, in another order), so the index of a dirty build legitimately differs
from a full build's in order, not in what a reader finds. Nothing else is normalised: the
pages carry no build date (sitemap.xml, which does, is not HTML).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from sitekit import write_site

from benchmarks.synthetic import write_proposals
from scoring.site.rebuild.pagefiles import BLOCKS_SUFFIX

pytestmark = pytest.mark.dirty  # full builds beside dirty rebuilds, compared page by page

N = 40
EDITED = "synthetic-00007"
NEW_TITLE = "Renamed while serving: forecast returns"
INVALID_YAML = "title: Half written\nsummary: x\nteam: Risk\nstage: someday\n"
PAGES = Path(".cache/plugin/sweetspot/pages")


def make_project(root: Path) -> Path:
    write_site(root, {"broken-idea": INVALID_YAML})
    write_proposals(root / "content" / "proposals", N, seed=3)
    return root


def edit_title(root: Path, answers: bool = False) -> None:
    """A new title; with ``answers``, also answers that move its scores, state, open
    pitfalls and rank (what the portfolio pages and downloads are made of)."""
    path = root / "content" / "proposals" / f"{EDITED}.yaml"
    text = path.read_text("utf-8")
    text, count = re.subn(r"(?m)^title: .*$", f"title: '{NEW_TITLE}'", text, count=1)
    assert count == 1
    if answers:
        block = re.search(r"(?m)^checklists:\n(?: .*\n?)*", text)  # that section alone
        assert block is not None
        answered, count = re.subn(
            r"(?m)^(    [a-z_]+): '?(no|partial|unknown)'?$", r"\1: 'yes'", block.group()
        )
        assert count >= 3
        text = text[: block.start()] + answered + text[block.end() :]
        text, count = re.subn(r"(?m)^(  [a-z_]+): [0-3]$", r"\1: 4", text)
        assert count >= 1
    path.write_text(text, encoding="utf-8")


def serve_build(root: Path, *, dirty: bool, startup: bool) -> Any:
    """One build as `mkdocs serve --dirty` runs it: the config loaded afresh each time, the
    plugin instance kept (MkDocs keeps it because it defines on_startup)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(config_file=str(root / "mkdocs.yml"))
    if startup:
        config.plugins.on_startup(command="serve", dirty=True)
    build(config, dirty=dirty)
    return config


def pages(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*.html"))}


def downloads(site: Path) -> dict[str, bytes]:
    """The generated data files: portfolio.json, rows.json, portfolio.csv, the schema. Not
    Material's search index or its tags plugin's tags.json: in dirty mode both list only
    the pages that run rebuilt (merged into the last index, for search)."""
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted([*site.rglob("*.json"), *site.rglob("*.csv")])
        if p.relative_to(site).parts[0] != "search" and p.name != "tags.json"
    }


def mtimes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module", params=["title", "answers"])
def dirty_and_fresh(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """A serve build, an edit (a title; or a title and answers that move the scores), a
    dirty rebuild; and a full build of the edited site to compare with."""
    from scoring.site import pages as pages_module

    root = make_project(tmp_path_factory.mktemp("dirty"))
    config = serve_build(root, dirty=True, startup=True)  # serve's first build: all pages
    site = Path(config.site_dir)
    before_pages = mtimes(root / PAGES)
    before_site = mtimes(site)
    before_html = pages(site)
    before_rows = (site / "portfolio" / "rows.json").read_text("utf-8")
    edit_title(root, answers=request.param == "answers")
    rendered: list[str] = []
    real = pages_module.SiteBuilder.proposal_page

    def counting(self: Any, card: Any) -> Any:
        rendered.append(card.proposal.id)
        return real(self, card)

    pages_module.SiteBuilder.proposal_page = counting  # type: ignore[method-assign]
    try:
        serve_build(root, dirty=True, startup=False)
    finally:
        pages_module.SiteBuilder.proposal_page = real  # type: ignore[method-assign]
    fresh_root = tmp_path_factory.mktemp("fresh")
    shutil.copytree(root / "content", fresh_root / "content")
    shutil.copy(root / "mkdocs.yml", fresh_root / "mkdocs.yml")
    fresh = serve_build(fresh_root, dirty=False, startup=True)
    return {
        "root": root,
        "site": site,
        "fresh": Path(fresh.site_dir),
        "rendered": rendered,
        "before_pages": before_pages,
        "before_site": before_site,
        "before_html": before_html,
        "before_rows": before_rows,
    }


def test_every_page_of_a_dirty_rebuild_matches_a_full_build(dirty_and_fresh: dict) -> None:
    dirty, fresh = pages(dirty_and_fresh["site"]), pages(dirty_and_fresh["fresh"])
    assert set(dirty) == set(fresh)
    assert len(dirty) > N  # proposal pages, portfolio pages, playbooks, the invalid one
    differing = sorted(path for path in fresh if dirty[path] != fresh[path])
    assert differing == []
    # The edit is visible where a reader looks: the proposal page and the portfolio table.
    proposal = dirty[f"proposals/{EDITED}/index.html"].decode("utf-8")
    assert NEW_TITLE in proposal
    assert NEW_TITLE in dirty["portfolio/index.html"].decode("utf-8")
    assert "broken-idea" in dirty["proposals/broken-idea/index.html"].decode("utf-8")


def test_the_downloads_of_a_dirty_rebuild_match_a_full_build(dirty_and_fresh: dict) -> None:
    """Under serve, portfolio.json entries, rows.json rows and table rows of unchanged
    proposals are kept from the last rebuild (scoring/site/rebuild/memo.py): they must be
    what a full build writes, byte for byte."""
    dirty, fresh = downloads(dirty_and_fresh["site"]), downloads(dirty_and_fresh["fresh"])
    assert {"portfolio/portfolio.json", "portfolio/rows.json", "portfolio/portfolio.csv"} <= set(
        fresh
    )
    assert set(dirty) == set(fresh)
    assert [path for path in fresh if dirty[path] != fresh[path]] == []
    rows = dirty["portfolio/rows.json"].decode("utf-8")
    assert NEW_TITLE in rows and rows != dirty_and_fresh["before_rows"]


def test_the_edit_re_renders_one_proposal_page_and_rewrites_only_changed_files(
    dirty_and_fresh: dict,
) -> None:
    assert dirty_and_fresh["rendered"] == [EDITED]
    root, site = dirty_and_fresh["root"], dirty_and_fresh["site"]
    after_pages = mtimes(root / PAGES)
    before_pages = dirty_and_fresh["before_pages"]
    assert set(after_pages) == set(before_pages)
    rewritten = {path for path in after_pages if after_pages[path] != before_pages[path]}
    assert f"proposals/{EDITED}.md" in rewritten
    assert "portfolio/index.md" in rewritten
    unchanged_proposals = [
        p
        for p in before_pages
        if p.startswith("proposals/") and p.endswith(".md") and p != f"proposals/{EDITED}.md"
    ]
    assert len(unchanged_proposals) == N  # 39 valid ones and the invalid one's page
    assert not rewritten & set(unchanged_proposals)
    # Their deferred HTML (pagefiles.py) is kept as it was, beside them.
    blocks = [p + BLOCKS_SUFFIX for p in unchanged_proposals if p + BLOCKS_SUFFIX in before_pages]
    assert blocks and not rewritten & set(blocks)
    # ... so MkDocs did not build their HTML again either.
    after_site = mtimes(site)
    before_site = dirty_and_fresh["before_site"]
    for path in unchanged_proposals:
        html = f"{path[:-3]}/index.html"
        assert after_site[html] == before_site[html], html
    assert (
        after_site[f"proposals/{EDITED}/index.html"]
        != before_site[f"proposals/{EDITED}/index.html"]
    )


def test_the_page_folder_is_neither_published_nor_in_docs_dir(dirty_and_fresh: dict) -> None:
    root, site = dirty_and_fresh["root"], dirty_and_fresh["site"]
    assert (root / PAGES / "portfolio" / "index.md").is_file()
    assert not any(".cache" in p.parts for p in site.rglob("*"))
    assert not any(".cache" in p.parts for p in (root / "content").rglob("*"))
    # Pages are published at their own URLs, not under the folder's name.
    assert not (site / "pages").exists()


def test_a_deleted_proposal_leaves_the_page_folder(tmp_path: Path) -> None:
    root = write_site(tmp_path, {})
    write_proposals(root / "content" / "proposals", 3, seed=1)
    serve_build(root, dirty=False, startup=True)
    assert (root / PAGES / "proposals" / "synthetic-00002.md").is_file()
    (root / "content" / "proposals" / "synthetic-00002.yaml").unlink()
    serve_build(root, dirty=True, startup=False)
    assert not (root / PAGES / "proposals" / "synthetic-00002.md").exists()
    assert (root / PAGES / "proposals" / "synthetic-00001.md").is_file()


def test_a_symlinked_cache_folder_gets_no_pages(tmp_path: Path) -> None:
    """A pull request could commit `.cache` as a link to any folder on the build machine:
    the pages then stay in memory and nothing is written through the link."""
    outside = tmp_path / "outside"
    outside.mkdir()
    root = write_site(tmp_path / "site", {})
    write_proposals(root / "content" / "proposals", 2, seed=1)
    (root / ".cache").symlink_to(outside, target_is_directory=True)
    config = serve_build(root, dirty=False, startup=True)
    assert (Path(config.site_dir) / "proposals" / "synthetic-00001" / "index.html").is_file()
    assert not list(outside.rglob("*.md"))


def test_a_proposal_scores_the_same_alone_as_in_the_portfolio() -> None:
    """Why a proposal page may be reused when other proposals change: everything on its
    card, the portfolio-wide what-if questions and suggestions included, is per proposal."""
    import tempfile

    from scoring.model.scorecard import score_intake
    from scoring.proposals.loading import load_proposals
    from scoring.rubric import load_rubric

    rubric = load_rubric(None)
    with tempfile.TemporaryDirectory() as folder:
        write_proposals(Path(folder), 30, seed=5)
        intake = load_proposals([Path(folder)], rubric)
    whole = score_intake(intake, rubric)
    for proposal in intake.proposals[::7]:
        alone = score_intake(type(intake)(proposals=[proposal]), rubric).cards[0]
        card = whole.card(proposal.id)
        assert card is not None
        assert (alone.scores, alone.ranges, alone.state, alone.flags, alone.priority) == (
            card.scores,
            card.ranges,
            card.state,
            card.flags,
            card.priority,
        )
        assert alone.questions == card.questions
        assert alone.suggestions == card.suggestions


def test_focus_serves_only_the_matching_proposals_and_never_narrows_a_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root = write_site(tmp_path, {})
    write_proposals(root / "content" / "proposals", 6, seed=1)
    monkeypatch.setenv("SWEETSPOT_FOCUS", "synthetic-00001, synthetic-0000[45]")
    for command, expected in (
        ("serve", {"synthetic-00001", "synthetic-00004", "synthetic-00005"}),
        ("build", {f"synthetic-0000{i}" for i in range(6)}),
    ):
        config = load_config(config_file=str(root / "mkdocs.yml"))
        config.plugins.on_startup(command=command, dirty=False)
        build(config)
        site = Path(config.site_dir)
        built = {p.parent.name for p in (site / "proposals").glob("*/index.html")}
        assert built == expected, command
        table = (site / "portfolio" / "index.html").read_text("utf-8")
        assert all(f"proposals/{pid}/" in table for pid in expected)
        assert ("synthetic-00002" in table) == (command == "build")
