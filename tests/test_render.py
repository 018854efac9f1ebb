"""`sweetspot render` writes plain Markdown that plain MkDocs (no sweetspot plugin) builds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from mkdocs.commands.build import build
from mkdocs.config import load_config

from scoring.cli.main import main

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
  - assets/sweetspot/vendor/tablesort/tablesort.min.js
  - assets/sweetspot/vendor/tablesort/tablesort.number.min.js
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
    code = main(["render", "--out", str(docs), "--proposals", str(ROOT / "content/proposals"),
                 "--content", str(ROOT / "content")])
    assert code == 0
    (root / "mkdocs.yml").write_text(PLAIN_MKDOCS, encoding="utf-8")
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    config = load_config(str(root / "mkdocs.yml"), strict=True)
    assert "sweetspot" not in config.plugins
    build(config)
    return root / "site"


def test_render_writes_every_generated_page(rendered: Path) -> None:
    docs = rendered.parent / "docs"
    proposals = sorted(p.stem for p in (ROOT / "content/proposals").glob("*.yaml"))
    for proposal_id in proposals:
        assert (docs / "proposals" / f"{proposal_id}.md").is_file()
    for page in ("portfolio/index.md", "portfolio/by-team.md", "pitfalls/index.md",
                 "reference/scoring-method.md", "reference/proposal-format.md",
                 "intake-problems.md", "portfolio/portfolio.csv", "schema/proposal.schema.json"):
        assert (docs / page).is_file(), page
    home = (docs / "index.md").read_text(encoding="utf-8")
    assert "<!-- sweetspot:summary -->" not in home
    assert "Top priorities" in home


def test_plain_mkdocs_builds_the_rendered_pages(rendered: Path) -> None:
    """The strict build in the fixture passed; the pages carry the scores a reader sees."""
    soup = BeautifulSoup((rendered / "portfolio/index.html").read_text(encoding="utf-8"),
                         "html.parser")
    assert soup.select_one("svg.ss-quadrant-chart") is not None
    links = {a["href"] for a in soup.select("svg a")}
    assert links and all((rendered / "portfolio" / href / "index.html").resolve().is_file()
                         for href in links)
    page = BeautifulSoup((rendered / "proposals/credit-scorecard-challenger/index.html")
                         .read_text(encoding="utf-8"), "html.parser")
    assert page.find(id="breakdown") is not None
    assert (rendered / "assets/sweetspot/vendor/tablesort/LICENCE").is_file()


def test_render_refuses_a_missing_folder(tmp_path: Path) -> None:
    assert main(["render", "--out", str(tmp_path / "o"), "--proposals",
                 str(tmp_path / "missing")]) == 2
