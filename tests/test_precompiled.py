"""Shipped template code: used only when it is exactly what Jinja would compile here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2 import Environment
from sitekit import FULL_YAML, build_project, counting_compiles, write_site

from scoring.site import environment as environment_module
from scoring.site import precompile, precompiled
from scoring.site.environment import builtin_templates, make_environment

TEMPLATES = sorted(path.name for path in builtin_templates().glob("*.j2"))


@pytest.fixture(autouse=True)
def fresh_environments() -> Any:
    """Each test starts as a new process would: no environments, no loaded entries."""
    environment_module._environments.cache_clear()
    precompiled.shipped_entries.cache_clear()
    yield
    environment_module._environments.cache_clear()
    precompiled.shipped_entries.cache_clear()


def load_all(env_pair: tuple[Environment, Environment]) -> None:
    markdown_env, html_env = env_pair
    for name in TEMPLATES:
        (markdown_env if name.endswith(".md.j2") else html_env).get_template(name)


def test_the_shipped_code_is_what_this_jinja_compiles() -> None:
    """Regenerate with `python -m scoring.site.precompile` after editing a template or
    environment.py. Under another Jinja release the file must be ignored instead."""
    shipped = json.loads(precompiled.DATA_FILE.read_text("utf-8"))
    if shipped["jinja"] != jinja2.__version__:
        assert precompiled.shipped_entries() == {}
        return
    assert shipped == precompile.generate(), \
        "stale: run python -m scoring.site.precompile"
    assert len(shipped["templates"]) == len(TEMPLATES)


def test_built_in_templates_load_without_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    if not precompiled.shipped_entries():
        pytest.fail(f"no usable shipped code for Jinja {jinja2.__version__}: regenerate it")
    compiled = counting_compiles(monkeypatch)
    load_all(make_environment((), None))
    assert compiled == []


def test_an_overridden_template_is_compiled_by_jinja(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "banner.md.j2").write_text("Our own banner: {{ 6 * 7 }}\n", encoding="utf-8")
    compiled = counting_compiles(monkeypatch)
    markdown_env, _ = make_environment((tmp_path,), None)
    assert markdown_env.get_template("banner.md.j2").render() == "Our own banner: 42\n"
    markdown_env.get_template("proposal.md.j2")
    assert compiled == ["banner.md.j2"]


@pytest.mark.parametrize("damage", ["other source", "other jinja", "broken code"])
def test_unmatched_shipped_code_is_never_used(tmp_path: Path, damage: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Code for an edited template, another Jinja release or garbage falls back to Jinja."""
    data = json.loads(precompiled.DATA_FILE.read_text("utf-8"))
    data["jinja"] = jinja2.__version__
    for entry in data["templates"].values():
        if damage == "other source":
            entry["sha256"] = "0" * 64
            entry["code"] = "raise SystemExit('stale code ran')"
        elif damage == "broken code":
            entry["code"] = "def root(:"
    if damage == "other jinja":
        data["jinja"] = "0.0.1"
    fake = tmp_path / "compiled_templates.json"
    fake.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(precompiled, "DATA_FILE", fake)
    compiled = counting_compiles(monkeypatch)
    markdown_env, _ = make_environment((), None)
    page = markdown_env.get_template("banner.md.j2").render(problems_link="x", invalid=[1])
    assert "x" in page
    assert compiled == ["banner.md.j2"]


@pytest.mark.slow
def test_a_site_built_from_shipped_code_matches_one_compiled_by_jinja(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def build(folder: Path) -> dict[str, str]:
        project = write_site(folder, {"full": FULL_YAML}, plugin_options={"cache": False})
        site = build_project(project)
        return {str(p.relative_to(site)): p.read_text("utf-8")
                for p in sorted(site.rglob("*.html")) if "search" not in p.parts}

    shipped = build(tmp_path / "shipped")
    environment_module._environments.cache_clear()
    monkeypatch.setattr(precompiled, "shipped_entries", lambda: {})
    compiled = counting_compiles(monkeypatch)
    from_jinja = build(tmp_path / "jinja")
    assert compiled, "the second build should have compiled the templates itself"
    assert shipped.keys() == from_jinja.keys()
    for name, html in shipped.items():
        assert html == from_jinja[name], name
