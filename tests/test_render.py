"""`sweetspot render` and `sweetspot build-docs` write plain Markdown (and, for build-docs, a
ready mkdocs.yml) that plain MkDocs, without the sweetspot plugin, builds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from mkdocs.commands.build import build
from mkdocs.config import load_config
from sitekit import FULL_ID, INVALID_ID, INVALID_YAML, SAMPLE_PROPOSALS, build_project, write_site

from scoring.cli.main import main
from scoring.site.generated_site import (
    EXTRA_CSS,
    EXTRA_JAVASCRIPT,
    Tagged,
    read_config,
    resolve_source,
    write_project,
)

ROOT = Path(__file__).resolve().parent.parent

PLAIN_MKDOCS = """\
site_name: Rendered portfolio
docs_dir: docs
theme:
  name: material
  font: false
plugins: [search]
extra_css: [assets/sweetspot/sweetspot.css]
extra_javascript:
  - assets/sweetspot/sweetspot.js
markdown_extensions:
  - admonition
  - attr_list
  - md_in_html
  - tables
  - toc
  - pymdownx.superfences
  - pymdownx.tasklist
validation:
  anchors: warn
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("render")
    docs = root / "docs"
    code = main(
        [
            "render",
            "--out",
            str(docs),
            "--proposals",
            str(ROOT / "content/proposals"),
            "--content",
            str(ROOT / "content"),
        ]
    )
    assert code == 0
    (root / "mkdocs.yml").write_text(PLAIN_MKDOCS, encoding="utf-8")
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    config = load_config(str(root / "mkdocs.yml"), strict=True)
    assert "sweetspot" not in config.plugins
    build(config)
    return root / "site"


@pytest.mark.slow
def test_render_writes_every_generated_page(rendered: Path) -> None:
    docs = rendered.parent / "docs"
    proposals = sorted(p.stem for p in (ROOT / "content/proposals").glob("*.yaml"))
    for proposal_id in proposals:
        assert (docs / "proposals" / f"{proposal_id}.md").is_file()
    for page in (
        "portfolio/index.md",
        "portfolio/by-team.md",
        "pitfalls/index.md",
        "reference/scoring-method.md",
        "reference/proposal-format.md",
        "intake-problems.md",
        "portfolio/portfolio.csv",
        "schema/proposal.schema.json",
    ):
        assert (docs / page).is_file(), page
    home = (docs / "index.md").read_text(encoding="utf-8")
    assert "<!-- sweetspot:summary -->" not in home
    assert "Top priorities" in home


@pytest.mark.slow
def test_plain_mkdocs_builds_the_rendered_pages(rendered: Path) -> None:
    """The strict build in the fixture passed; the pages carry the scores a reader sees."""
    soup = BeautifulSoup(
        (rendered / "portfolio/index.html").read_text(encoding="utf-8"), "html.parser"
    )
    assert soup.select_one("svg.ss-quadrant-chart") is not None
    links = {a["href"] for a in soup.select("svg a")}
    assert links and all(
        (rendered / "portfolio" / href / "index.html").resolve().is_file() for href in links
    )
    page = BeautifulSoup(
        (rendered / "proposals/credit-scorecard-challenger/index.html").read_text(encoding="utf-8"),
        "html.parser",
    )
    assert page.find(id="breakdown") is not None
    assert (rendered / "assets/sweetspot/sweetspot.js").is_file()


def test_render_refuses_a_missing_folder(tmp_path: Path) -> None:
    assert (
        main(["render", "--out", str(tmp_path / "o"), "--proposals", str(tmp_path / "missing")])
        == 2
    )


def test_render_prints_the_css_and_scripts_to_add(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "render",
                "--out",
                str(tmp_path / "docs"),
                "--proposals",
                str(ROOT / "content/proposals"),
            ]
        )
        == 0
    )
    printed = yaml.safe_load(capsys.readouterr().out.split("instead):\n", 1)[1])
    assert printed == {"extra_css": list(EXTRA_CSS), "extra_javascript": list(EXTRA_JAVASCRIPT)}
    for asset in (*EXTRA_CSS, *EXTRA_JAVASCRIPT):
        assert (tmp_path / "docs" / asset).is_file()


# -- sweetspot build-docs ------------------------------------------------------------------------


def build_docs(root: Path, *args: str) -> int:
    """Run `sweetspot build-docs` from ``root``, as a user in their site's folder would."""
    cwd = Path.cwd()
    os.chdir(root)
    try:
        return main(["build-docs", *args])
    finally:
        os.chdir(cwd)


def article_text(site: Path, folder: str) -> str:
    node = BeautifulSoup(
        (site / folder / "index.html").read_text(encoding="utf-8"), "html.parser"
    ).select_one("article")
    assert node is not None
    for edit in node.select("a[rel~=edit]"):  # edit links differ: see the README
        edit.decompose()
    return " ".join(node.get_text(" ", strip=True).split())


def test_build_docs_config_is_the_sites_own_without_the_plugin(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build_docs(ROOT, "--out", str(out)) == 0
    ours = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    written = yaml.safe_load((out / "mkdocs.yml").read_text(encoding="utf-8"))
    assert written["docs_dir"] == "docs"
    assert written["nav"] == ours["nav"] and written["theme"] == ours["theme"]
    assert written["markdown_extensions"] == ours["markdown_extensions"]
    assert written["plugins"] == ["search", "tags"]
    assert written["extra_css"] == [*ours.get("extra_css", []), *EXTRA_CSS]  # the site's first
    assert written["extra_javascript"] == list(EXTRA_JAVASCRIPT)
    # As the plugin keeps them: proposal pages, the portfolio's paged tables, each team's
    # and stage's page and each regime's governance page.
    assert set(written["not_in_nav"].splitlines()) == {
        "/governance/*.md",
        "/proposals/*.md",
        "/portfolio/proposals/*.md",
        "/portfolio/states/*.md",
        "/portfolio/stages/*.md",
        "/portfolio/teams/*.md",
    }
    home = (out / "docs/index.md").read_text(encoding="utf-8")
    assert "sweetspot:" not in home and "pages are missing" not in home
    assert "Top priorities" in home
    for proposal in (ROOT / "content/proposals").glob("*.yaml"):
        assert (out / "docs/proposals" / proposal.name).read_bytes() == proposal.read_bytes()
        assert (out / "docs/proposals" / f"{proposal.stem}.md").is_file()


@pytest.mark.slow
def test_build_docs_follows_the_plugin_options(tmp_path: Path) -> None:
    """The same site built by the plugin and from build-docs output: the same pages, and the
    same text on them, with the plugin's options (output_dir, thresholds) applied."""
    options = {"output_dir": "kb", "impact_threshold": 80, "risk_threshold": 20, "cache": False}
    root = write_site(tmp_path / "site", SAMPLE_PROPOSALS, plugin_options=options)
    plugin_site = build_project(root)
    out = tmp_path / "out"
    assert build_docs(root, "--out", str(out)) == 0
    assert (out / "docs/kb/portfolio/index.md").is_file()
    # Not strict: the test home page links portfolio/index.md, which output_dir moves.
    config = load_config(str(out / "mkdocs.yml"))
    assert "sweetspot" not in config.plugins
    build(config)
    generated_site = out / "site"

    def pages(site: Path) -> set[str]:
        return {p.relative_to(site).as_posix() for p in site.rglob("*.html")}

    assert pages(generated_site) == pages(plugin_site)
    for folder in (
        "kb/portfolio",
        "kb/reference/scoring-method",
        "kb/pitfalls/data",
        f"kb/proposals/{FULL_ID}",
        "",
    ):
        assert article_text(generated_site, folder) == article_text(plugin_site, folder), folder
    assert "80" in article_text(generated_site, "kb/reference/scoring-method")


@pytest.mark.slow
def test_build_docs_rewrites_only_what_changed(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", SAMPLE_PROPOSALS)
    source = resolve_source(root / "mkdocs.yml")
    out = tmp_path / "out"
    _, first = write_project(source, out)
    assert "docs/portfolio/index.md" not in first  # paths are relative to each folder
    assert "portfolio/index.md" in first and "mkdocs.yml" in first
    page = out / "docs/proposals" / f"{FULL_ID}.md"
    before = page.stat().st_mtime_ns
    _, second = write_project(source, out)
    assert second == []
    assert page.stat().st_mtime_ns == before
    (root / "content/proposals" / f"{FULL_ID}.yaml").unlink()
    _, third = write_project(source, out)
    assert f"proposals/{FULL_ID}.md" in third and not page.exists()
    assert "portfolio/index.md" in third  # the portfolio lost a row


def test_build_docs_refuses_folders_it_would_damage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_site(tmp_path / "site", SAMPLE_PROPOSALS)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    assert build_docs(root, "--out", str(mine)) == 2
    assert "not written by `sweetspot build-docs`" in capsys.readouterr().err
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"
    for inside in (root / "content/build", root):
        assert build_docs(root, "--out", str(inside)) == 2
        assert "--out" in capsys.readouterr().err
    assert not (root / "content/build").exists()


def test_build_docs_reports_invalid_proposals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_site(tmp_path / "site", {**SAMPLE_PROPOSALS, INVALID_ID: INVALID_YAML})
    out = tmp_path / "out"
    assert build_docs(root, "--out", str(out)) == 1
    err = capsys.readouterr().err
    assert f"{INVALID_ID}.yaml:" in err and "stage" in err
    problems = (out / "docs/intake-problems.md").read_text(encoding="utf-8")
    assert (
        f"content/proposals/{INVALID_ID}.yaml".replace("-", "\\-").replace(".", "\\.") in problems
    )
    assert "intake-problems.md" in (out / "docs/index.md").read_text(encoding="utf-8")


def test_build_docs_keeps_yaml_tags_it_does_not_read(tmp_path: Path) -> None:
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: !ENV [SITE_NAME, Tagged]\ndocs_dir: content\nplugins: [search, sweetspot]\n"
        "markdown_extensions:\n  - pymdownx.emoji:\n"
        "      emoji_generator: !!python/name:material.extensions.emoji.to_svg\n",
        encoding="utf-8",
    )
    (tmp_path / "content/proposals").mkdir(parents=True)
    source = resolve_source(config)
    out = tmp_path / "out"
    write_project(source, out)
    written = read_config(out / "mkdocs.yml")
    assert written["site_name"] == Tagged("!ENV", ["SITE_NAME", "Tagged"])
    assert written["plugins"] == ["search"]
    assert "!!python/name:material.extensions.emoji.to_svg" in (out / "mkdocs.yml").read_text(
        encoding="utf-8"
    )
    assert load_config(str(out / "mkdocs.yml")).site_name == "Tagged"  # MkDocs reads it


def test_build_docs_techdocs_config(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build_docs(ROOT, "--techdocs", "--out", str(out)) == 0
    written = yaml.safe_load((out / "mkdocs.yml").read_text(encoding="utf-8"))
    assert written["plugins"] == ["techdocs-core", "tags"]
    assert written["docs_dir"] == "docs"


def test_build_docs_never_copies_what_a_link_points_to_outside(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for publishing", encoding="utf-8")
    (tmp_path / "secrets").mkdir()
    root = write_site(tmp_path / "site", SAMPLE_PROPOSALS)
    (root / "content/leak.md").symlink_to(secret)
    (root / "content/leaks").symlink_to(tmp_path / "secrets", target_is_directory=True)
    (tmp_path / "secrets/inner.md").write_text("not for publishing", encoding="utf-8")
    out = tmp_path / "out"
    assert build_docs(root, "--out", str(out)) == 0
    assert (out / "docs/index.md").is_file()
    written = [
        p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file()
    ]
    assert not any("not for publishing" in text for text in written)


@pytest.mark.parametrize(
    "options",
    [
        {"output_dir": "../outside"},
        {"home_page": "/etc/x.md"},
        {"impact_threshold": 120},
        {"colour": "red"},
    ],
)
def test_build_docs_refuses_bad_plugin_options(
    tmp_path: Path, options: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_site(tmp_path / "site", SAMPLE_PROPOSALS, plugin_options=options)
    assert build_docs(root, "--out", str(tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert "mkdocs.yml: " in err and next(iter(options)) in err
    assert not (tmp_path / "outside").exists() and not (tmp_path / "out").exists()
