"""Large HTML on generated pages skips Markdown: the page's Markdown holds a marker, and the
block goes back after Markdown has run (plugin) or is inlined as raw HTML (render,
build-docs). Either way a reader sees the same page, and no marker is left over."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from sitekit import FULL_ID, FULL_YAML, MINIMAL_ID, MINIMAL_YAML, make_site

from scoring.cli.main import main
from scoring.site.pages import HTML_BLOCK_MARKER, GeneratedPage, block_key, fill_html_blocks

FORGED = HTML_BLOCK_MARKER.format(block_key("x"))


def score_bars(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [" ".join(b.get_text(" ").split()) for b in soup.select("article .ss-scores")]


@pytest.mark.slow
def test_the_plugin_puts_deferred_html_back_after_markdown(tmp_path: Path) -> None:
    site = make_site(tmp_path, {FULL_ID: FULL_YAML, MINIMAL_ID: MINIMAL_YAML})
    for proposal_id in (FULL_ID, MINIMAL_ID):
        html = (site / "proposals" / proposal_id / "index.html").read_text("utf-8")
        bars = score_bars(html)
        assert len(bars) == 1 and "Desirability" in bars[0] and "confidence" in bars[0]
        assert "sweetspot-html" not in html


def test_a_marker_written_in_a_proposal_is_only_text(tmp_path: Path) -> None:
    data = yaml.safe_load(FULL_YAML)
    data.update(title=f"Forged {FORGED} marker", summary=f"Text {FORGED} here", team=FORGED)
    site = make_site(tmp_path, {FULL_ID: yaml.safe_dump(data, sort_keys=False)})
    html = (site / "proposals" / FULL_ID / "index.html").read_text("utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert len(soup.select("article .ss-scores")) == 1  # not copied where the forgery was
    assert "Forged" in soup.select_one("article h1").get_text()


def test_inlined_pages_carry_the_blocks_as_raw_html() -> None:
    key = block_key("<div>b</div>")
    marker = HTML_BLOCK_MARKER.format(key)
    page = GeneratedPage("p.md", f"# T\n\n{marker}\n\nafter\n", html_blocks={key: "<div>b</div>"})
    assert page.inlined() == "# T\n\n\n\n<div>b</div>\n\n\n\nafter\n"
    assert fill_html_blocks(f"a{FORGED}b", {key: "x"}) == "ab"  # an unknown key: nothing
    assert GeneratedPage("d.csv", b"1,2").inlined() == b"1,2"


def test_render_writes_the_blocks_into_the_markdown(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "docs"
    assert main(["render", "--out", str(out), "--proposals", str(root / "content/proposals")]) == 0
    pages = list((out / "proposals").glob("*.md"))
    assert pages
    for page in pages:
        text = page.read_text("utf-8")
        assert "sweetspot-html" not in text
        assert 'class="ss-scores"' in text


def test_collapse_indentation_keeps_what_a_browser_shows() -> None:
    from scoring.site.markup import collapse_indentation

    page = (
        "<div>\n    <p>one\n\n      two</p>\n  <pre><code>  x = 1\n\n    y</code></pre>\n"
        "  <script>\n  var a = 1;\n</script>\n  <TEXTAREA>\n  t\n</TEXTAREA>"
    )
    assert collapse_indentation(page) == (
        "<div>\n<p>one\ntwo</p>\n<pre><code>  x = 1\n\n    y</code></pre>\n"
        "<script>\n  var a = 1;\n</script>\n<TEXTAREA>\n  t\n</TEXTAREA>"
    )


@pytest.mark.slow
def test_generated_pages_are_written_compact(tmp_path: Path) -> None:
    """Proposal pages lose the theme's indentation, but a code block in a summary keeps its
    own; hand-written pages are left as the theme wrote them."""
    data = yaml.safe_load(FULL_YAML)
    data["summary"] = "Intro.\n\n    indented   code\n        deeper\n"
    site = make_site(tmp_path, {FULL_ID: yaml.safe_dump(data, sort_keys=False)})
    html = (site / "proposals" / FULL_ID / "index.html").read_text("utf-8")
    assert "\n  <" not in html.split("<pre", 1)[0]
    code = BeautifulSoup(html, "html.parser").select_one("article pre code")
    assert code is not None and code.get_text() == "indented   code\n    deeper\n"
    home = (site / "index.html").read_text("utf-8")
    assert "\n  <" in home  # not ours to rewrite
    plain = make_site(
        tmp_path / "plain",
        {FULL_ID: yaml.safe_dump(data, sort_keys=False)},
        plugin_options={"compact_html": False},
    )
    loose = (plain / "proposals" / FULL_ID / "index.html").read_text("utf-8")
    assert "\n  <" in loose and len(loose) > len(html) * 1.1
    soup = BeautifulSoup
    assert soup(loose, "html.parser").select_one("article").get_text(" ", strip=True) == soup(
        html, "html.parser"
    ).select_one("article").get_text(" ", strip=True)
