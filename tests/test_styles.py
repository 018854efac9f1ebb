"""The site's templates and styles stay readable, and one sorter sorts every table.

- sweetspot.css names every colour once, as a custom property in the :root block at its top;
  the rules below it use var() only, so a site restyles by overriding the properties.
- No template line is longer than TEMPLATE_LINE_LIMIT characters.
- sweetspot.js alone sorts tables (no vendored tablesort): Markdown tables and the engine's
  proposal tables, by mouse and keyboard, numbers high first, with aria-sort. The browser
  tests load the shipped script into a small page, as a built site does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_support import Browser, Page, pw_expect, serve

from scoring.site.environment import builtin_templates

TEMPLATES = builtin_templates()
ASSETS = TEMPLATES / "assets" / "sweetspot"
CSS = ASSETS / "sweetspot.css"
JS = ASSETS / "sweetspot.js"
TEMPLATE_LINE_LIMIT = 120

# A colour written out: #rgb, #rrggbb (with alpha too), or rgb()/hsl() with a literal number.
LITERAL_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(\s*\d")
ROOT_BLOCK = re.compile(r"^:root\s*\{(?P<body>[^}]*)\}", re.MULTILINE)
DEFINED = re.compile(r"(--ss-[a-z0-9-]+)\s*:")
USED = re.compile(r"var\(\s*(--ss-[a-z0-9-]+)")


def without_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), css, flags=re.DOTALL)


def colour_block(css: str) -> re.Match[str]:
    block = ROOT_BLOCK.search(css)
    assert block is not None, f"{CSS.name}: no :root block of colour properties"
    return block


def test_css_colours_are_custom_properties_defined_once_at_the_top() -> None:
    css = without_comments(CSS.read_text("utf-8"))
    block = colour_block(css)
    assert not css[: block.start()].strip(), (
        f"{CSS.name}: the :root block of colours must come before every other rule"
    )
    rules = css[: block.start()] + css[block.end() :]
    first, last = css.count("\n", 0, block.start()) + 1, css.count("\n", 0, block.end()) + 1
    literal = [
        f"{CSS.name}:{number}: {text.strip()}"
        for number, text in enumerate(css.splitlines(), 1)
        if not first <= number <= last and LITERAL_COLOUR.search(text)
    ]
    assert not literal, (
        "colours written outside the :root block (use var(--ss-...)):\n" + "\n".join(literal)
    )
    names = DEFINED.findall(block.group("body"))
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"{CSS.name}: defined more than once: {duplicates}"
    used = set(USED.findall(rules))
    assert not used - set(names), f"{CSS.name}: used but never defined: {sorted(used - set(names))}"
    assert not set(names) - used, f"{CSS.name}: defined but never used: {sorted(set(names) - used)}"


def test_no_template_line_is_over_the_limit() -> None:
    templates = sorted(TEMPLATES.rglob("*.j2"))
    assert templates, f"no templates under {TEMPLATES}"
    long = [
        f"{path.relative_to(TEMPLATES)}:{number}: {len(line)} characters"
        for path in templates
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if len(line) > TEMPLATE_LINE_LIMIT
    ]
    assert not long, (
        f"template lines over {TEMPLATE_LINE_LIMIT} characters (end a line with "
        "a dashed empty comment to continue it without a line break):\n" + "\n".join(long)
    )


def test_the_sorter_needs_no_vendored_library() -> None:
    script = JS.read_text("utf-8")
    assert "Tablesort" not in script, f"{JS.name} still hands tables to tablesort"


# --------------------------------------------------------------------------------------------
# In a browser: the shipped sweetspot.js on a page with a Markdown table and a proposal table
# --------------------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sorting</title></head>
<body><article class="md-typeset">
<table id="markdown">
<thead><tr><th>Proposal</th><th>Value</th><th>Share</th></tr></thead>
<tbody>
<tr><td>Beta</td><td>$300</td><td>5%</td></tr>
<tr><td>alpha</td><td>$1,250</td><td>40%</td></tr>
<tr><td>Gamma</td><td>—</td><td>12%</td></tr>
<tr><td>Delta</td><td>$75.5</td><td>100%</td></tr>
</tbody>
</table>
<div class="ss-ptable-wrap"><table class="ss-ptable">
<thead><tr><th scope="col" data-key="rank" data-type="num">#</th>
<th scope="col" data-key="title">Proposal</th>
<th scope="col" data-key="priority" data-type="num">Priority</th></tr></thead>
<tbody>
<tr><td data-sort="1">1</td><td>3D parts forecast</td><td data-sort="88.5">89</td></tr>
<tr><td data-sort="2">2</td><td>Churn</td><td data-sort="9">9</td></tr>
<tr><td data-sort="3">3</td><td>Alerts</td><td data-sort="41">41</td></tr>
</tbody>
</table></div>
</article>
<script src="sweetspot.js"></script>
</body></html>
"""


@pytest.fixture(scope="module")
def sorting_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("sorting")
    (root / "index.html").write_text(PAGE, "utf-8")
    (root / "sweetspot.js").write_bytes(JS.read_bytes())
    with serve(root) as url:
        yield url


def column(page: Page, table: str, index: int) -> list[str]:
    return page.locator(f"{table} tbody tr td:nth-child({index})").all_inner_texts()


def open_sorting_page(browser: Browser, url: str) -> Page:
    page = browser.new_context(viewport={"width": 1000, "height": 700}).new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")
    assert not errors, f"sweetspot.js failed: {errors}"
    return page


@pytest.mark.browser
def test_a_markdown_table_sorts_by_keyboard_numbers_high_first(
    browser: Browser, sorting_url: str
) -> None:
    page = open_sorting_page(browser, sorting_url)
    try:
        header = page.locator("#markdown th").nth(1)
        button = header.get_by_role("button", name="Value")
        pw_expect(button).to_be_visible()
        assert header.get_attribute("role") == "columnheader"  # Material's sort icons
        button.focus()
        page.keyboard.press("Enter")
        pw_expect(header).to_have_attribute("aria-sort", "descending")
        # "$1,250" is a thousand and more, not 1; a cell without a number comes last.
        assert column(page, "#markdown", 2) == ["$1,250", "$300", "$75.5", "—"]
        page.keyboard.press("Space")
        pw_expect(header).to_have_attribute("aria-sort", "ascending")
        assert column(page, "#markdown", 2) == ["—", "$75.5", "$300", "$1,250"]
        page.locator("#markdown th").nth(0).click()
        pw_expect(page.locator("#markdown th").nth(0)).to_have_attribute("aria-sort", "ascending")
        assert header.get_attribute("aria-sort") is None
        assert column(page, "#markdown", 1) == ["alpha", "Beta", "Delta", "Gamma"]
        page.locator("#markdown th").nth(2).click()
        assert column(page, "#markdown", 3) == ["100%", "40%", "12%", "5%"]
    finally:
        page.context.close()


@pytest.mark.browser
def test_a_proposal_table_sorts_by_its_declared_column_types(
    browser: Browser, sorting_url: str
) -> None:
    page = open_sorting_page(browser, sorting_url)
    try:
        headers = page.locator(".ss-ptable th")
        headers.nth(2).get_by_role("button").click()
        pw_expect(headers.nth(2)).to_have_attribute("aria-sort", "descending")
        assert column(page, ".ss-ptable", 3) == ["89", "41", "9"]
        # A title that starts with a digit is still text: A to Z on the first press.
        headers.nth(1).get_by_role("button").click()
        pw_expect(headers.nth(1)).to_have_attribute("aria-sort", "ascending")
        assert column(page, ".ss-ptable", 2) == ["3D parts forecast", "Alerts", "Churn"]
        assert headers.nth(1).get_attribute("role") is None  # its own ▲/▼, not Material's
    finally:
        page.context.close()
