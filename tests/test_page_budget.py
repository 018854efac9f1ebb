"""Page-size budgets of #14 at 5,000 synthetic proposals (the contract's figures).

One site with ``SWEETSPOT_BUDGET_N`` synthetic proposals (default and CI: 5,000) is built once
for the module, with the same Material configuration as benchmarks/bench_build.py, the
repository's playbooks and a home page with the summary marker. Then:

- the portfolio page is under 1 MB of HTML;
- a proposal page's ``<article>`` averages at most 20 KB;
- the search index holds at most 3 KB per proposal;
- the whole site holds at most 50 KB per proposal, shared theme assets (``assets/``: Material's
  scripts, styles and images, and ``assets/sweetspot``) aside;
- no pitfall page exceeds 200 KB (counts, the top ten and a link to the filtered table, never
  every proposal), and no other page exceeds the portfolio page's 1 MB;
- in a browser at 1,400 px the 5,000-proposal portfolio page does not scroll sideways and its
  chart text renders at 12 px or more.

Sizes are in decimal units (1 KB = 1,000 bytes, 1 MB = 1,000,000 bytes), the stricter reading.
Set ``SWEETSPOT_BUDGET_N`` lower (say 500) for a quick local run; the budgets per proposal still
apply, the absolute ones are then easy to meet.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser_support import Browser, horizontal_overflow, serve
from sitekit import REPO, build_project

pytestmark = pytest.mark.budget  # one 5,000-proposal site

N = int(os.environ.get("SWEETSPOT_BUDGET_N", "5000"))
SEED = 13
KB = 1_000
MB = 1_000_000

PORTFOLIO_PAGE_MAX = 1 * MB
ARTICLE_MEAN_MAX = 20 * KB
SEARCH_PER_PROPOSAL_MAX = 3 * KB
SITE_PER_PROPOSAL_MAX = 50 * KB
PITFALL_PAGE_MAX = 200 * KB
ANY_PAGE_MAX = PORTFOLIO_PAGE_MAX
MIN_CHART_TEXT = 12.0

HOME = (
    "# Synthetic portfolio\n\nA generated site for the page budgets.\n\n"
    "<!-- sweetspot:summary -->\n\nRead the [portfolio](portfolio/index.md).\n"
)


def _synthetic() -> Any:
    """benchmarks/synthetic.py, loaded by path (benchmarks/ is not a package on sys.path)."""
    spec = importlib.util.spec_from_file_location(
        "sweetspot_synthetic", REPO / "benchmarks" / "synthetic.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def budget_config() -> dict[str, Any]:
    """As benchmarks/bench_build.py's ``base_config(plugin=True)``: a realistic Material site."""
    return {
        "site_name": "Sweetspot page budgets",
        "site_url": "https://budget.example.test/",
        "docs_dir": "content",
        "edit_uri": "https://git.example.test/org/repo/edit/main/content/",
        "theme": {
            "name": "material",
            "font": False,
            "features": [
                "navigation.sections",
                "navigation.indexes",
                "content.action.edit",
                "search.highlight",
            ],
        },
        "plugins": ["search", "tags", {"sweetspot": {"proposals_dir": "content/proposals"}}],
        "markdown_extensions": [
            "admonition",
            "attr_list",
            "md_in_html",
            "tables",
            {"toc": {"permalink": True}},
            "pymdownx.details",
            "pymdownx.superfences",
            {"pymdownx.tasklist": {"custom_checkbox": True}},
        ],
        "validation": {"anchors": "warn", "unrecognized_links": "warn"},
    }


@dataclass
class BudgetSite:
    site: Path
    n: int
    seconds: float  # wall-clock time of writing the proposals and building


@pytest.fixture(scope="module")
def budget_site(tmp_path_factory: pytest.TempPathFactory) -> BudgetSite:
    root = tmp_path_factory.mktemp(f"budget-{N}")
    start = time.perf_counter()
    content = root / "content"
    _synthetic().write_proposals(content / "proposals", N, SEED)
    shutil.copytree(REPO / "content" / "playbooks", content / "playbooks")
    (content / "index.md").write_text(HOME, encoding="utf-8")
    (root / "mkdocs.yml").write_text(
        yaml.safe_dump(budget_config(), sort_keys=False), encoding="utf-8"
    )
    site = build_project(root)
    seconds = time.perf_counter() - start
    print(f"\n[page budget] {N} proposals: wrote and built the site in {seconds:.0f} s")
    return BudgetSite(site, N, seconds)


def html_of(site: Path, path: str) -> Path:
    found = site / path
    assert found.is_file(), f"{path} is missing from the {N}-proposal build"
    return found


def article(html: str) -> str:
    start, end = html.find("<article"), html.rfind("</article>")
    assert start >= 0 and end > start, "a page without an <article>"
    return html[start : end + len("</article>")]


def proposal_pages(site: Path) -> list[Path]:
    pages = sorted((site / "proposals").glob("*/index.html"))
    assert len(pages) == N, f"{len(pages)} proposal pages for {N} proposals"
    return pages


def kb(size: float) -> str:
    return f"{size / KB:,.1f} KB"


def test_portfolio_page_is_under_1_mb(budget_site: BudgetSite) -> None:
    size = html_of(budget_site.site, "portfolio/index.html").stat().st_size
    assert size < PORTFOLIO_PAGE_MAX, (
        f"portfolio/index.html is {kb(size)} at {N} proposals (budget < {kb(PORTFOLIO_PAGE_MAX)})"
    )


def test_proposal_articles_average_20_kb(budget_site: BudgetSite) -> None:
    sizes = {
        p.parent.name: len(article(p.read_text("utf-8")).encode())
        for p in proposal_pages(budget_site.site)
    }
    mean = sum(sizes.values()) / len(sizes)
    largest = sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
    assert mean <= ARTICLE_MEAN_MAX, (
        f"proposal <article> averages {kb(mean)} (budget {kb(ARTICLE_MEAN_MAX)}); largest: "
        + ", ".join(f"{name} {kb(size)}" for name, size in largest)
    )


def test_search_index_is_at_most_3_kb_per_proposal(budget_site: BudgetSite) -> None:
    size = html_of(budget_site.site, "search/search_index.json").stat().st_size
    assert size / N <= SEARCH_PER_PROPOSAL_MAX, (
        f"search_index.json is {size / MB:,.1f} MB, {kb(size / N)} per proposal "
        f"(budget {kb(SEARCH_PER_PROPOSAL_MAX)})"
    )


def test_site_is_at_most_50_kb_per_proposal(budget_site: BudgetSite) -> None:
    site = budget_site.site
    sizes: dict[str, int] = {}
    for path in site.rglob("*"):
        relative = path.relative_to(site)
        if path.is_file() and relative.parts[0] != "assets":  # shared theme assets aside
            top = relative.parts[0] if len(relative.parts) > 1 else "(root files)"
            sizes[top] = sizes.get(top, 0) + path.stat().st_size
    total = sum(sizes.values())
    by_folder = ", ".join(
        f"{name} {total_size / MB:,.1f} MB"
        for name, total_size in sorted(sizes.items(), key=lambda kv: -kv[1])[:6]
    )
    assert total / N <= SITE_PER_PROPOSAL_MAX, (
        f"the site is {total / MB:,.1f} MB without assets/, {kb(total / N)} per proposal "
        f"(budget {kb(SITE_PER_PROPOSAL_MAX)}); by folder: {by_folder}"
    )


def test_pitfall_pages_stay_within_200_kb(budget_site: BudgetSite) -> None:
    pages = sorted((budget_site.site / "pitfalls").rglob("*.html"))
    assert len(pages) >= 2, "no pitfall pages in the build"
    large = {
        p.relative_to(budget_site.site).as_posix(): p.stat().st_size
        for p in pages
        if p.stat().st_size > PITFALL_PAGE_MAX
    }
    assert not large, f"pitfall pages over {kb(PITFALL_PAGE_MAX)} at {N} proposals: " + ", ".join(
        f"{name} {kb(size)}" for name, size in large.items()
    )


def test_no_page_exceeds_the_portfolio_budget(budget_site: BudgetSite) -> None:
    """A page that grows with the portfolio needs a stated budget; none may pass the largest
    one the contract states (the portfolio page's 1 MB)."""
    large = {
        p.relative_to(budget_site.site).as_posix(): p.stat().st_size
        for p in budget_site.site.rglob("*.html")
        if p.stat().st_size >= ANY_PAGE_MAX
    }
    assert not large, f"pages of {kb(ANY_PAGE_MAX)} or more at {N} proposals: " + ", ".join(
        f"{name} {size / MB:,.1f} MB" for name, size in sorted(large.items(), key=lambda kv: -kv[1])
    )


@pytest.fixture(scope="module")
def budget_url(budget_site: BudgetSite) -> Iterator[str]:
    with serve(budget_site.site) as url:
        yield url


@pytest.mark.browser
def test_large_portfolio_fits_and_its_chart_is_legible(browser: Browser, budget_url: str) -> None:
    from test_browser_layout import CHART, CHART_TEXT_JS, WIDEST_OFFENDER_JS

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        page.goto(budget_url + "portfolio/", wait_until="load")
        page.wait_for_load_state("networkidle")
        overflow = horizontal_overflow(page)
        worst = page.evaluate(WIDEST_OFFENDER_JS) if overflow > 0 else None
        texts = page.evaluate(CHART_TEXT_JS, CHART)
    finally:
        context.close()
    assert overflow == 0, (
        f"the {N}-proposal portfolio page scrolls sideways by {overflow} px "
        f"at 1,400 px; widest: {worst}"
    )
    assert texts, f"no {CHART} with visible text on the {N}-proposal portfolio page"
    small = sorted((t for t in texts if t["px"] < MIN_CHART_TEXT - 0.05), key=lambda t: t["px"])
    assert not small, (
        f"{len(small)} of {len(texts)} chart texts render below {MIN_CHART_TEXT:g} px:\n"
        + "\n".join(f"  {t['px']:.1f} px  .{t['cls']}  {t['text']!r}" for t in small[:15])
    )
