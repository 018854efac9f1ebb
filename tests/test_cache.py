"""The cache a build keeps beside mkdocs.yml: loaded proposals and compiled templates.

A build with a warm cache must give exactly what a build without it gives; a changed file,
a broken cache or an unwritable cache folder must never give stale or missing results.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jinja2.bccache import bc_magic
from sitekit import (
    CORPUS,
    FULL_ID,
    FULL_YAML,
    INVALID_ID,
    INVALID_YAML,
    MINIMAL_ID,
    MINIMAL_YAML,
    build_project,
    counting_compiles,
    logged_build,
    page_of,
    write_site,
)

import scoring.proposals.loading as proposals_module
from scoring.proposals.loading import load_proposals
from scoring.proposals.proposal import Intake
from scoring.rubric import Rubric, load_rubric
from scoring.site.environment import make_environment
from scoring.site.rebuild.templates import kept_environments
from scoring.sources.filestore import STORE_FILE, FileStore

RUBRIC: Rubric = load_rubric(None)
CACHE = Path(".cache/plugin/sweetspot")


def counting_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every file that is really parsed and validated (not taken from a cache)."""
    loads: list[str] = []
    real: Callable[..., Any] = proposals_module.load_one
    monkeypatch.setattr(
        proposals_module,
        "load_one",
        lambda path, *a, **k: loads.append(path.name) or real(path, *a, **k),
    )
    return loads


def corpus_copy(tmp_path: Path) -> Path:
    """Valid and invalid files together, so both kinds of result go through the cache."""
    folder = tmp_path / "proposals"
    shutil.copytree(CORPUS, folder)
    return folder


def load(folder: Path, store: Path) -> Intake:
    return load_proposals([folder], RUBRIC, root=folder.parent, store_dir=store)


# --------------------------------------------------------------------------------------------
# Loaded proposals (engine)
# --------------------------------------------------------------------------------------------


def test_warm_load_gives_the_same_intake_without_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, store = corpus_copy(tmp_path), tmp_path / "cache"
    fresh = load_proposals([folder], RUBRIC, root=tmp_path)
    cold = load(folder, store)
    assert (store / STORE_FILE).is_file()
    loads = counting_loads(monkeypatch)
    warm = load(folder, store)
    assert loads == [], f"files were parsed again: {loads}"
    assert fresh.proposals and fresh.invalid  # the corpus holds both kinds
    for intake in (cold, warm):
        assert intake.proposals == fresh.proposals
        assert intake.invalid == fresh.invalid


def test_an_edited_file_is_loaded_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, store = tmp_path / "proposals", tmp_path / "cache"
    folder.mkdir()
    (folder / f"{FULL_ID}.yaml").write_text(FULL_YAML, encoding="utf-8")
    (folder / f"{MINIMAL_ID}.yaml").write_text(MINIMAL_YAML, encoding="utf-8")
    load(folder, store)
    edited = FULL_YAML.replace("team: Credit Risk", "team: Collections")
    assert edited != FULL_YAML
    (folder / f"{FULL_ID}.yaml").write_text(edited, encoding="utf-8")
    loads = counting_loads(monkeypatch)
    warm = load(folder, store)
    assert loads == [f"{FULL_ID}.yaml"]
    assert {p.id: p.team for p in warm.proposals}[FULL_ID] == "Collections"

    # Breaking the file is noticed too, with the same problems a fresh load reports.
    (folder / f"{FULL_ID}.yaml").write_text(INVALID_YAML, encoding="utf-8")
    broken = load(folder, store)
    fresh = load_proposals([folder], RUBRIC, root=tmp_path)
    assert [bad.problems for bad in broken.invalid] == [bad.problems for bad in fresh.invalid]
    assert [bad.id for bad in broken.invalid] == [FULL_ID]


def test_deleted_and_renamed_files_leave_the_cache(tmp_path: Path) -> None:
    folder, store = tmp_path / "proposals", tmp_path / "cache"
    folder.mkdir()
    (folder / f"{FULL_ID}.yaml").write_text(FULL_YAML, encoding="utf-8")
    (folder / f"{MINIMAL_ID}.yaml").write_text(MINIMAL_YAML, encoding="utf-8")
    load(folder, store)
    (folder / f"{MINIMAL_ID}.yaml").unlink()
    (folder / f"{FULL_ID}.yaml").rename(folder / "renamed-proposal.yaml")
    intake = load(folder, store)
    assert [p.id for p in intake.proposals] == ["renamed-proposal"]
    stored = json.loads((store / STORE_FILE).read_text(encoding="utf-8"))
    assert sorted(stored["files"]) == ["proposals/renamed-proposal.yaml"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: "{ not json",
        lambda text: "[]",
        # Records are stored as JSON text inside the cache file, hence the escaped quotes.
        lambda text: text.replace('\\"kind\\":\\"proposal\\"', '\\"kind\\":\\"surprise\\"'),
        lambda text: text.replace('\\"fields\\":', '\\"no_fields\\":'),
        lambda text: text.replace('\\"line_of\\":{', '\\"line_of\\":\\"x\\",\\"ignored\\":{'),
    ],
    ids=["not-json", "wrong-shape", "unknown-kind", "missing-fields", "line-map-not-a-mapping"],
)
def test_a_damaged_cache_is_ignored(tmp_path: Path, damage: Callable[[str], str]) -> None:
    folder, store = corpus_copy(tmp_path), tmp_path / "cache"
    fresh = load(folder, store)
    path = store / STORE_FILE
    text = path.read_text(encoding="utf-8")
    assert damage(text) != text, "the damage must change the file"
    path.write_text(damage(text), encoding="utf-8")
    again = load(folder, store)
    assert again.proposals == fresh.proposals
    assert again.invalid == fresh.invalid


def test_the_cache_belongs_to_one_schema(tmp_path: Path) -> None:
    store = FileStore(tmp_path, "schema-a")
    store.put("a.yaml", "digest", {"kind": "invalid", "problems": []})
    store.save()
    assert FileStore(tmp_path, "schema-a").get("a.yaml", "digest") is not None
    assert FileStore(tmp_path, "schema-a").get("a.yaml", "other-digest") is None
    assert FileStore(tmp_path, "schema-b").get("a.yaml", "digest") is None


def test_text_that_cannot_be_saved_only_skips_the_cache(tmp_path: Path) -> None:
    store = FileStore(tmp_path, "schema")
    store.put(
        "a.yaml", "digest", {"kind": "proposal", "fields": {"title": "\ud800"}, "line_of": {}}
    )
    store.save()  # a lone surrogate cannot be written as UTF-8
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_unwritable_cache_folder_only_costs_speed(tmp_path: Path) -> None:
    folder = corpus_copy(tmp_path)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    intake = load(folder, blocker / "cache")
    fresh = load_proposals([folder], RUBRIC, root=tmp_path)
    assert intake.proposals == fresh.proposals and intake.invalid == fresh.invalid


# --------------------------------------------------------------------------------------------
# Compiled templates (engine)
# --------------------------------------------------------------------------------------------


def test_compiled_templates_are_reused_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    kept_environments.cache_clear()
    md_env, _ = make_environment((), cache)
    md_env.get_template("proposal.md.j2")
    assert list((cache / "templates").iterdir()), "nothing was cached"
    kept_environments.cache_clear()  # as a new process would start
    compiled = counting_compiles(monkeypatch)
    md_env, _ = make_environment((), cache)
    md_env.get_template("proposal.md.j2")
    assert compiled == []


def test_an_edited_override_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, overrides = tmp_path / "cache", tmp_path / "overrides"
    overrides.mkdir()
    template = overrides / "banner.md.j2"
    template.write_text("first version {{ 1 + 1 }}\n", encoding="utf-8")
    kept_environments.cache_clear()
    md_env, _ = make_environment((overrides,), cache)
    assert md_env.get_template("banner.md.j2").render() == "first version 2\n"
    template.write_text("second version {{ 2 + 2 }}\n", encoding="utf-8")
    kept_environments.cache_clear()
    compiled = counting_compiles(monkeypatch)
    md_env, _ = make_environment((overrides,), cache)
    assert md_env.get_template("banner.md.j2").render() == "second version 4\n"
    assert compiled == ["banner.md.j2"]


def test_the_two_environments_never_share_compiled_code(tmp_path: Path) -> None:
    """The Markdown environment escapes for Markdown, the HTML one for HTML: code compiled by
    one must never be reused by the other, whichever renders a template first."""
    cache, overrides = tmp_path / "cache", tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "shared.j2").write_text("<b>{{ v }}</b>\n", encoding="utf-8")
    hostile = "| [x](javascript:alert(1)) *y*"

    def render_both() -> tuple[str, str]:
        kept_environments.cache_clear()
        md_env, html_env = make_environment((overrides,), cache)
        return (
            md_env.get_template("shared.j2").render(v=hostile),
            html_env.get_template("shared.j2").render(v=hostile),
        )

    kept_environments.cache_clear()
    md_env, html_env = make_environment((overrides,), None)  # no cache: the reference
    expected = (
        md_env.get_template("shared.j2").render(v=hostile),
        html_env.get_template("shared.j2").render(v=hostile),
    )
    assert "\\[x\\]" in expected[0] and "&lt;" not in expected[0]
    assert render_both() == expected  # compiles both into the cache
    assert render_both() == expected  # both from the cache


def test_a_damaged_template_cache_entry_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    kept_environments.cache_clear()
    md_env, _ = make_environment((), cache)
    expected = md_env.get_template("banner.md.j2").render(problems_link="x", invalid=[1])
    entries = list((cache / "templates").rglob("__jinja2_*.cache"))
    assert entries
    for entry in entries:  # a valid header, then a truncated body
        entry.write_bytes(entry.read_bytes()[: len(bc_magic)] + b"\x80")
    kept_environments.cache_clear()
    compiled = counting_compiles(monkeypatch)
    md_env, _ = make_environment((), cache)
    assert md_env.get_template("banner.md.j2").render(problems_link="x", invalid=[1]) == expected
    assert compiled == ["banner.md.j2"]


def test_templates_render_without_a_writable_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder", encoding="utf-8")
    kept_environments.cache_clear()
    md_env, _ = make_environment((), blocker / "cache")
    assert md_env.get_template("banner.md.j2") is not None


# --------------------------------------------------------------------------------------------
# The plugin's cache option
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_build_keeps_its_cache_beside_mkdocs_yml(tmp_path: Path) -> None:
    root = write_site(tmp_path, {FULL_ID: FULL_YAML, MINIMAL_ID: MINIMAL_YAML})
    before = sorted(p.relative_to(root / "content") for p in (root / "content").rglob("*"))
    build_project(root)
    assert (root / CACHE / STORE_FILE).is_file()
    assert any((root / CACHE / "templates").iterdir())
    after = sorted(p.relative_to(root / "content") for p in (root / "content").rglob("*"))
    assert after == before, "the cache must never land in docs_dir"


@pytest.mark.slow
def test_a_warm_build_gives_the_same_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.config import load_config

    root = write_site(
        tmp_path, {FULL_ID: FULL_YAML, MINIMAL_ID: MINIMAL_YAML, INVALID_ID: INVALID_YAML}
    )
    site = build_project(root)
    first = {
        path: page_of(site, path).read_bytes()
        for path in (
            f"proposals/{FULL_ID}.md",
            f"proposals/{MINIMAL_ID}.md",
            "portfolio/index.md",
            "intake-problems.md",
        )
    }
    # Forget what the shared plugin instance remembers, as a new `mkdocs build` would.
    load_config(config_file=str(root / "mkdocs.yml")).plugins["sweetspot"].cache.clear()
    loads = counting_loads(monkeypatch)
    site = build_project(root)
    assert loads == [], f"a warm build parsed files again: {loads}"
    for path, html in first.items():
        assert page_of(site, path).read_bytes() == html, path


@pytest.mark.slow
def test_the_cache_can_be_turned_off(tmp_path: Path) -> None:
    root = write_site(tmp_path, {MINIMAL_ID: MINIMAL_YAML}, plugin_options={"cache": False})
    site = build_project(root)
    assert page_of(site, f"proposals/{MINIMAL_ID}.md").is_file()
    assert not (root / ".cache").exists()


def test_a_cache_inside_docs_dir_is_refused(tmp_path: Path, build_failure) -> None:
    write_site(tmp_path, {MINIMAL_ID: MINIMAL_YAML}, plugin_options={"cache_dir": "content/.cache"})
    outcome = build_failure(tmp_path, strict=False)
    assert "cache_dir 'content/.cache' is inside docs_dir" in str(outcome.error) + outcome.text


@pytest.mark.slow
def test_an_unwritable_cache_does_not_fail_the_build(tmp_path: Path) -> None:
    root = write_site(
        tmp_path,
        {MINIMAL_ID: MINIMAL_YAML},
        plugin_options={"cache_dir": "blocker/cache"},
        extra_files={"blocker": "a file, not a folder"},
    )
    outcome = logged_build(root, strict=True)
    assert outcome.error is None, outcome.text
    assert page_of(outcome.site_dir, f"proposals/{MINIMAL_ID}.md").is_file()
