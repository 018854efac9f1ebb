"""The site layer's seams: one settings object for the plugin's options (read by the plugin
and by `sweetspot build-docs` alike), and the keys of what `mkdocs serve` rebuilds keep."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sitekit import MINIMAL_ID, MINIMAL_YAML, build_project, logged_build, write_site

from plugins.config import SweetspotConfig
from scoring.cli.main import main
from scoring.rubric import load_rubric
from scoring.site.settings import DEFAULTS, OPTION_NAMES, SettingsError, SiteSettings


def plugin_defaults() -> dict[str, Any]:
    """Every option the MkDocs plugin declares, with its default."""
    return {name: option.default for name, option in SweetspotConfig._schema}


def test_the_plugin_declares_exactly_the_settings_options_with_the_same_defaults() -> None:
    declared = plugin_defaults()
    assert set(declared) == OPTION_NAMES
    for name, default in declared.items():
        expected = DEFAULTS[name]
        assert default == (list(expected) if isinstance(expected, tuple) else expected), name


def every_option_set() -> dict[str, Any]:
    """Every plugin option, each given a value a real site could write."""
    values = {name: value for name, value in plugin_defaults().items() if value is not None}
    values.update(impact_threshold=60, risk_threshold=40, balance_tolerance=0.2,
                  target_mix={"quick_win": 0.5}, compact_html=False, strict=False,
                  focus=["churn-*"], custom_templates="overrides")
    assert set(values) == OPTION_NAMES - {"rubric"}  # the built-in rubric: no file to name
    return values


def test_build_docs_accepts_every_plugin_option(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """`compact_html: false` in mkdocs.yml once made build-docs exit 2 ("unknown option")."""
    root = write_site(tmp_path / "site", {MINIMAL_ID: MINIMAL_YAML},
                      plugin_options=every_option_set())
    (root / "overrides").mkdir()
    monkeypatch.chdir(root)
    status = main(["build-docs", "--config", "mkdocs.yml", "--out", str(tmp_path / "out")])
    assert status == 0, capsys.readouterr().err
    assert (tmp_path / "out" / "docs" / "proposals" / f"{MINIMAL_ID}.md").is_file()


def test_the_plugin_builds_with_every_option_set(tmp_path: Path) -> None:
    root = write_site(tmp_path, {MINIMAL_ID: MINIMAL_YAML}, plugin_options=every_option_set())
    (root / "overrides").mkdir()
    site = build_project(root)
    assert (site / "proposals" / MINIMAL_ID / "index.html").is_file()


def test_build_docs_still_refuses_an_unknown_option(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    root = write_site(tmp_path / "site", {MINIMAL_ID: MINIMAL_YAML},
                      plugin_options={"compact_htm": False})
    monkeypatch.chdir(root)
    status = main(["build-docs", "--config", "mkdocs.yml", "--out", str(tmp_path / "out")])
    assert status == 2
    assert "mkdocs.yml: plugins: sweetspot: unknown option(s) compact_htm" in \
        capsys.readouterr().err


@pytest.mark.parametrize(("options", "message"), [
    ({"impact_threshold": 150}, "impact_threshold must be between 0 and 100, not 150"),
    ({"balance_tolerance": 2}, "balance_tolerance must be between 0 and 1, not 2"),
    ({"target_mix": {"quick_wins": 0.5}}, "target_mix: unknown quadrant(s) quick_wins"),
    ({"target_mix": {"quick_win": 1.5}}, "target_mix: quick_win must be a share between 0 "
                                         "and 1, not 1.5"),
])
def test_plugin_and_build_docs_refuse_a_bad_value_with_the_same_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        options: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        SiteSettings.from_options(options).quadrants_of(load_rubric(None))
    assert str(refused.value).startswith(message)
    root = write_site(tmp_path / "site", {MINIMAL_ID: MINIMAL_YAML}, plugin_options=options)
    outcome = logged_build(root)
    assert outcome.error is not None
    assert any(m.startswith(f"sweetspot: {message}") for m in outcome.messages), outcome.text
    monkeypatch.chdir(root)
    status = main(["build-docs", "--config", "mkdocs.yml", "--out", str(tmp_path / "out")])
    assert status == 2
    assert f"mkdocs.yml: sweetspot: {message}" in capsys.readouterr().err


def test_settings_from_a_config_file_keep_what_was_written(tmp_path: Path) -> None:
    config = yaml.safe_load("focus: [a-*, b]\ncompact_html: false\nrubric: null\n")
    settings = SiteSettings.from_options(config)
    assert settings.focus == ("a-*", "b")
    assert settings.compact_html is False and settings.rubric is None
    assert settings.cache_dir == DEFAULTS["cache_dir"]


def test_one_pager_pages_every_list_with_the_urls_it_always_had() -> None:
    from scoring.site.pager import paginate

    lists = paginate(list(range(201)), "portfolio/proposals/index.md", in_folder=True)
    assert [p.path for p in lists] == ["portfolio/proposals/index.md",
                                       "portfolio/proposals/page-2.md",
                                       "portfolio/proposals/page-3.md"]
    assert (lists[2].first_row, lists[2].last_row, lists[2].prev_path, lists[2].next_path) \
        == (201, 201, "portfolio/proposals/page-2.md", None)
    groups = paginate(list(range(101)), "portfolio/units/index.md")
    assert [p.path for p in groups] == ["portfolio/units/index.md",
                                        "portfolio/units/index-page-2.md"]
    empty = paginate([], "portfolio/states/quick_win.md", in_folder=True)
    assert [(p.path, p.start, p.end, p.total) for p in empty] == [
        ("portfolio/states/quick_win.md", 1, 0, 0)]
