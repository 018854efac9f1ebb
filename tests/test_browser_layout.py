"""Layout and accessibility of every generated page, in a real browser, at 1,400 and 390 px.

Issue #13 asks that nothing scrolls sideways on a 390 px phone, that the pages meet WCAG 2.2 AA
(text contrast, non-text contrast of markers and bars, keyboard use of the filter bar and table
sorting) and that the chart's text is legible. These tests check what a reader would meet:

- every HTML page of the demo build, loaded at both widths, must not scroll sideways;
- axe-core (vendored by the ``axe-playwright-python`` package, run locally: no CDN) finds no
  serious or critical WCAG 2.2 A/AA violation on the key pages, apart from a short, documented
  list of Material-theme defaults that also fail on a hand-written playbook page;
- the chart's text renders at a readable size, its markers and the score bars contrast 3:1
  with what surrounds them, and the filter bar and a sortable header work from the keyboard.

Selectors are deliberately loose (roles, accessible names, class-name fragments): the pages are
being redesigned, and these tests judge the result, not the markup.
Screenshots of the key pages go to tests/.artifacts/screenshots/ (``layout-<page>-<width>``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import Browser, Page, horizontal_overflow, save_screenshot, serve

from scoring.model.cardjson import expand

pytestmark = pytest.mark.browser

WIDTHS = (1400, 390)
HEIGHT = 900
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
CHART = "svg.ss-quadrant-chart"

# Rendered chart text, in CSS px. 12 px at 1,400 px is #13's own figure. On a 390 px phone the
# content column is about 358 px wide, so a chart laid out for 940 px shrinks ~2.6 times (the
# 9 px desktop text became the 6 px #13 reports). We ask for 10 px there: Material's own
# smallest running text is ~10-11 px on a phone, and below 10 px digits such as 6/8/9 in a point
# label stop being distinguishable. Meeting it means a phone layout (or larger text), not a
# scaled-down desktop chart.
MIN_CHART_TEXT = {1400: 12.0, 390: 10.0}
NON_TEXT_CONTRAST = 3.0  # WCAG 2.2 SC 1.4.11, for markers and bars

# axe findings we accept because they come from Material for MkDocs itself, not from anything
# this project renders or configures: (rule id, pattern on the node's CSS target, a hand-written
# playbook page where the same finding shows). test_theme_exclusions_are_still_needed checks
# that each one still shows there, so the list shrinks when the theme is fixed.
#   - .md-copyright: the footer's copyright line is #7f7f7f on #171717 (4.47:1), Material's
#     --md-footer-fg-color--lighter on its footer background, whatever the palette.
#   - code comments (.c, .c1, .cm, .ch, .cs, .sd in a code block): Material's
#     --md-code-hl-comment-color, #717171 on the code background #f5f5f5 (4.47:1).
# NOT excluded, although they also fail on playbook pages, because the project controls them:
#   - the teal primary colour (#009485) of the header title and of links (3.76:1): it is the
#     `palette: primary: teal` chosen in mkdocs.yml (a darker primary, or overriding
#     --md-primary-fg-color / --md-typeset-a-color in sweetspot.css, fixes it);
#   - the unlabelled checkboxes of pymdownx.tasklist, which generated pages choose to use.
THEME_EXCLUSIONS: list[tuple[str, re.Pattern[str], str]] = [
    (
        "color-contrast",
        re.compile(r"(^|[\s>])\.md-copyright($|[\s>.:\[])"),
        "playbooks/data-first/",
    ),
    (
        "color-contrast",
        re.compile(r"(^|[\s>])\.(c|c1|cm|ch|cs|sd)$"),
        "playbooks/designing-for-people/",
    ),
]


@pytest.fixture(scope="module")
def base_url(demo_site: Path) -> Iterator[str]:
    with serve(demo_site) as url:
        yield url


def page_url(site: Path, html: Path) -> str:
    """The path (relative to the site root) a reader would visit for a built HTML file."""
    relative = html.relative_to(site).as_posix()
    if relative == "index.html":
        return ""
    if relative.endswith("/index.html"):
        return relative[: -len("index.html")]
    return relative


def generated_pages(site: Path) -> list[str]:
    """Every HTML page of the build: proposals, portfolio (and any sub-pages), pitfalls,
    reference, intake problems, home, the hand-written playbooks and the 404 page."""
    pages = [
        page_url(site, p)
        for p in sorted(site.rglob("*.html"))
        if "assets" not in p.relative_to(site).parts
    ]
    return pages


def cards(site: Path) -> list[dict[str, Any]]:
    payload = json.loads((site / "portfolio" / "portfolio.json").read_text("utf-8"))
    return expand(payload)


def proposal_with_state(site: Path, state: str) -> str:
    chosen = [c for c in cards(site) if c.get("state") == state]
    assert chosen, f"the demo has no proposal in state {state!r}"
    return f"proposals/{chosen[0]['id']}/"


def team_page(site: Path) -> str:
    """A team page: one under portfolio/teams/ when the grouping redesign adds them, else the
    By-team index."""
    teams = sorted((site / "portfolio" / "teams").glob("*/index.html"))
    if teams:
        return page_url(site, teams[0])
    return "portfolio/by-team/"


def key_pages(site: Path) -> dict[str, str]:
    return {
        "home": "",
        "portfolio": "portfolio/",
        "proposal-needs-information": proposal_with_state(site, "needs_information"),
        "proposal-quick-win": proposal_with_state(site, "quick_win"),
        "pitfall": "pitfalls/data/",
        "format-reference": "reference/proposal-format/",
        "team": team_page(site),
    }


def open_page(browser: Browser, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": HEIGHT})
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def settle(page: Page, path: str) -> None:
    """Pages whose script may fetch data and re-render after `load` get a moment more."""
    if path in ("", "portfolio/"):
        page.wait_for_load_state("networkidle")


# --------------------------------------------------------------------------------------------
# 1. No horizontal overflow, anywhere
# --------------------------------------------------------------------------------------------

# The element reaching furthest right past the viewport, ignoring anything inside a box that
# clips or scrolls sideways on its own (a table in its own scroll wrapper is fine).
WIDEST_OFFENDER_JS = """() => {
  const limit = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') { return true; }
    }
    return false;
  };
  const name = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && parts.length < 5; e = e.parentElement) {
      let part = e.tagName.toLowerCase();
      if (e.id) { parts.unshift(part + '#' + e.id); break; }
      const classes = Array.from(e.classList).slice(0, 2);
      if (classes.length) { part += '.' + classes.join('.'); }
      parts.unshift(part);
    }
    return parts.join(' > ');
  };
  let worst = null;
  let right = limit + 0.5;
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) { continue; }
    const edge = box.right + window.scrollX;
    if (edge > right && !clipped(el)) { worst = el; right = edge; }
  }
  return worst ? {selector: name(worst), right: Math.round(right),
                  width: Math.round(worst.getBoundingClientRect().width)} : null;
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(
    browser: Browser, base_url: str, demo_site: Path, width: int
) -> None:
    pages = generated_pages(demo_site)
    assert len(pages) > 20 and "portfolio/" in pages, pages
    page = open_page(browser, width)
    failures = []
    try:
        for path in pages:
            page.goto(base_url + path, wait_until="load")
            settle(page, path)
            overflow = horizontal_overflow(page)
            if overflow > 0:
                worst = page.evaluate(WIDEST_OFFENDER_JS)
                where = (
                    f"widest: {worst['selector']} (right edge {worst['right']} px, "
                    f"{worst['width']} px wide)"
                    if worst
                    else "no single element found"
                )
                failures.append(f"/{path}: {overflow} px; {where}")
    finally:
        page.context.close()
    assert not failures, (
        f"{len(failures)} of {len(pages)} pages scroll sideways at {width} px:\n"
        + "\n".join(failures)
    )


# --------------------------------------------------------------------------------------------
# 2. WCAG 2.2 AA with axe-core
# --------------------------------------------------------------------------------------------


def axe_runner() -> Callable[[Page], dict[str, Any]]:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:  # a test dependency: a missing one must not pass silently
        pytest.fail(
            "axe-playwright-python is not installed (pip install -e '.[test]')", pytrace=False
        )
    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return lambda page: axe.run(page, options=options).response


def is_theme_issue(rule: str, node: dict[str, Any]) -> bool:
    return any(
        rule == excluded and pattern.search(str(target))
        for excluded, pattern, _ in THEME_EXCLUSIONS
        for target in node["target"]
    )


def colour_pairs(nodes: list[dict[str, Any]]) -> str:
    """' [#009485 on #ffffff (3.76:1) ×120, …]': which colours fail, most frequent first."""
    counts: dict[str, int] = {}
    for node in nodes:
        data = node["any"][0].get("data") if node.get("any") else None
        if isinstance(data, dict):
            key = f"{data.get('fgColor')} on {data.get('bgColor')} ({data.get('contrastRatio')}:1)"
            counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    return " [" + ", ".join(f"{pair} ×{count}" for pair, count in ranked) + "]" if ranked else ""


def blocking_violations(response: dict[str, Any]) -> list[str]:
    """'rule (impact): help' and up to 8 of its node targets, theme exclusions removed."""
    found = []
    for violation in response["violations"]:
        if violation.get("impact") not in BLOCKING_IMPACTS:
            continue
        nodes = [n for n in violation["nodes"] if not is_theme_issue(violation["id"], n)]
        if not nodes:
            continue
        shown = []
        for node in nodes[:8]:
            detail = node.get("any", [{}])[0].get("data") if node.get("any") else None
            extra = ""
            if violation["id"] == "color-contrast" and isinstance(detail, dict):
                extra = (
                    f" [{detail.get('fgColor')} on {detail.get('bgColor')}, "
                    f"{detail.get('contrastRatio')}:1]"
                )
            shown.append(f"      {' '.join(map(str, node['target']))}{extra}")
        more = f"\n      … and {len(nodes) - 8} more" if len(nodes) > 8 else ""
        pairs = colour_pairs(nodes) if violation["id"] == "color-contrast" else ""
        found.append(
            f"  {violation['id']} ({violation['impact']}, {len(nodes)} nodes): "
            f"{violation['help']}{pairs}\n" + "\n".join(shown) + more
        )
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_key_pages_meet_wcag_aa(
    browser: Browser, base_url: str, demo_site: Path, width: int
) -> None:
    run_axe = axe_runner()
    page = open_page(browser, width)
    failures = []
    try:
        for name, path in key_pages(demo_site).items():
            page.goto(base_url + path, wait_until="load")
            settle(page, path)
            found = blocking_violations(run_axe(page))
            if found:
                failures.append(f"{name} (/{path}):\n" + "\n".join(found))
    finally:
        page.context.close()
    assert not failures, (
        f"axe-core: serious/critical WCAG 2.2 AA violations at {width} px:\n" + "\n".join(failures)
    )


def test_theme_exclusions_are_still_needed(browser: Browser, base_url: str) -> None:
    """Each theme exclusion must still show on a hand-written playbook page (which the plugin
    does not render); when Material fixes it, the exclusion goes."""
    run_axe = axe_runner()
    page = open_page(browser, 1400)
    stale = []
    try:
        for rule, pattern, path in THEME_EXCLUSIONS:
            page.goto(base_url + path, wait_until="load")
            response = run_axe(page)
            if not any(
                v["id"] == rule and pattern.search(str(t))
                for v in response["violations"]
                for n in v["nodes"]
                for t in n["target"]
            ):
                stale.append(f"{rule} {pattern.pattern} on /{path}")
    finally:
        page.context.close()
    assert not stale, f"theme exclusions that no longer apply (remove them): {stale}"


# --------------------------------------------------------------------------------------------
# 3. Chart text size
# --------------------------------------------------------------------------------------------

# Rendered size of each visible <text>: its computed font size times the scale of its screen
# transform (viewBox scaling and any transforms on the way).
CHART_TEXT_JS = """(selector) => {
  const svg = document.querySelector(selector);
  if (!svg) { return null; }
  return Array.from(svg.querySelectorAll('text')).filter((t) => {
    const style = getComputedStyle(t);
    return t.textContent.trim() && style.display !== 'none' && style.visibility !== 'hidden'
      && t.getClientRects().length > 0;
  }).map((t) => {
    const m = t.getScreenCTM();
    const scale = m ? Math.sqrt(m.a * m.a + m.b * m.b) : 1;
    return {text: t.textContent.trim().slice(0, 40), cls: t.getAttribute('class') || '',
            px: parseFloat(getComputedStyle(t).fontSize) * scale};
  });
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_chart_text_is_legible(browser: Browser, base_url: str, width: int) -> None:
    """Every visible text of the portfolio chart renders at >= 12 px at 1,400 px and >= 10 px
    on a 390 px phone (see MIN_CHART_TEXT for why 10)."""
    page = open_page(browser, width)
    try:
        page.goto(base_url + "portfolio/", wait_until="load")
        settle(page, "portfolio/")
        texts = page.evaluate(CHART_TEXT_JS, CHART)
    finally:
        page.context.close()
    assert texts is not None, f"no {CHART} on the portfolio page"
    assert texts, "the chart has no visible text (axis labels, quadrant names, point labels)"
    minimum = MIN_CHART_TEXT[width]
    small = sorted((t for t in texts if t["px"] < minimum - 0.05), key=lambda t: t["px"])
    assert not small, (
        f"{len(small)} of {len(texts)} chart texts render below {minimum:g} px at {width} px:\n"
        + "\n".join(f"  {t['px']:.1f} px  .{t['cls']}  {t['text']!r}" for t in small[:15])
    )


# --------------------------------------------------------------------------------------------
# 4. Keyboard: the filter bar and a sortable header
# --------------------------------------------------------------------------------------------

FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const th = el.closest('th, [role=columnheader]');
  return {tag: el.tagName.toLowerCase(), key: el.dataset.ssFocusKey || null,
          header: th ? (th.dataset.ssFocusKey || null) : null};
}"""

# Marks the filter bar's keyboard-usable controls so focus can be matched to them.
MARK_CONTROLS_JS = """(bars) => {
  const controls = [];
  bars.forEach((bar) => {
    bar.querySelectorAll('input, select, button, textarea, [tabindex], a[href], summary')
      .forEach((el) => {
        const style = getComputedStyle(el);
        const usable = !el.disabled && el.tabIndex >= 0 && el.type !== 'hidden'
          && style.visibility !== 'hidden' && el.getClientRects().length > 0;
        if (usable) {
          el.dataset.ssFocusKey = 'control-' + controls.length;
          controls.push(el.getAttribute('aria-label') || el.name || el.id
                        || el.tagName.toLowerCase());
        }
      });
  });
  return controls;
}"""

# Marks the table headers that offer sorting (aria-sort, a button inside, or focusable).
MARK_HEADERS_JS = """() => {
  const headers = [];
  document.querySelectorAll('article th[aria-sort], article [role=columnheader][aria-sort], '
                            + 'article th:has(button), article th[tabindex]')
    .forEach((th) => { th.dataset.ssFocusKey = 'header-' + headers.length;
                       headers.push(th.textContent.trim()); });
  return headers;
}"""


def filter_bars(page: Page) -> Any:
    """The filter bar, found by role or name first and by class-name fragment last."""
    name = re.compile(r"filter", re.I)
    content = page.locator(".md-content")  # not Material's own search box in the header
    candidates = [
        content.get_by_role("search"),
        content.get_by_role("form", name=name),
        content.get_by_role("group", name=name),
        content.get_by_role("region", name=name),
        content.get_by_role("toolbar", name=name),
        content.locator(
            "[class*=filter-bar], [class*=filterbar], [data-ss-filter-bar], .ss-filter"
        ),
    ]
    for candidate in candidates:
        found = candidate.filter(visible=True)
        if found.count():
            return found
    return None


def tab_through(
    page: Page, done: Callable[[list[dict[str, Any]]], bool], limit: int = 400
) -> list[dict[str, Any]]:
    """Press Tab from the top of the page until ``done(focused so far)`` or ``limit`` presses
    (the header, navigation and one link per chart point come first); returns what got focus."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    focused: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUSED_JS)
        if now is not None:
            focused.append(now)
            if done(focused):
                break
    return focused


def test_filter_bar_is_reachable_by_tab(browser: Browser, base_url: str) -> None:
    page = open_page(browser, 1400)
    try:
        page.goto(base_url + "portfolio/", wait_until="load")
        settle(page, "portfolio/")
        bars = filter_bars(page)
        assert bars is not None, (
            "no filter bar on the portfolio page: #13 asks for one bar (text, stage, state, "
            "flags, risk class, tags, unit), looked for by role search/form/group/region/"
            "toolbar named 'filter…' in the content, or a class containing 'filter-bar'"
        )
        controls = bars.evaluate_all(MARK_CONTROLS_JS)
        assert len(controls) >= 2, (
            f"the filter bar has {len(controls)} keyboard-usable control(s) {controls}; #13 "
            "asks for text, stage, state, flags, risk class, tags and unit"
        )
        wanted = {f"control-{i}" for i in range(len(controls))}
        focused = tab_through(page, lambda seen: wanted <= {f["key"] for f in seen})
    finally:
        page.context.close()
    missing = [
        controls[int(key.split("-")[1])] for key in sorted(wanted - {f["key"] for f in focused})
    ]
    assert not missing, f"Tab never reaches these filter controls: {missing}"


def test_sortable_header_works_from_the_keyboard(browser: Browser, base_url: str) -> None:
    """Tab reaches a sortable header; Enter sorts by it and Space reverses the order, as a
    button does (aria-sort tells screen readers which way)."""
    page = open_page(browser, 1400)
    try:
        page.goto(base_url + "portfolio/", wait_until="load")
        settle(page, "portfolio/")
        headers = page.evaluate(MARK_HEADERS_JS)
        assert headers, (
            "no sortable table header on the portfolio page (a th with "
            "aria-sort, a button inside it, or a tabindex)"
        )
        focused = tab_through(page, lambda seen: bool(seen[-1]["header"]))
        reached = next((f["header"] for f in focused if f["header"]), None)
        assert reached, (
            f"Tab never reaches a sortable header (of {headers}); a click-only "
            "sort is unusable from the keyboard"
        )
        header = page.locator(f"[data-ss-focus-key={reached}]")
        label = header.inner_text().strip()
        states = [header.get_attribute("aria-sort")]
        for key in ("Enter", "Space"):
            page.keyboard.press(key)
            page.wait_for_timeout(100)
            states.append(header.get_attribute("aria-sort"))
    finally:
        page.context.close()
    assert states[1] in ("ascending", "descending") and states[1] != states[0], (
        f"Enter on the header {label!r} did not sort it (aria-sort {states})"
    )
    assert states[2] in ("ascending", "descending") and states[2] != states[1], (
        f"Space on the header {label!r} did not reverse the sort (aria-sort {states})"
    )


# --------------------------------------------------------------------------------------------
# 5. Non-text contrast of chart markers and score bars
# --------------------------------------------------------------------------------------------

# For each element: its fill, stroke (when drawn), opacity, and the colours behind it, topmost
# first, down to the first opaque one (page background as a last resort).
COLOURS_JS = """([selector, kind]) => {
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c || '');
    if (!m) { return null; }
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const opacity = (el) => {
    let o = 1;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      o *= parseFloat(getComputedStyle(e).opacity);
    }
    return o;
  };
  const pageBackground = () => {
    for (const el of [document.querySelector('.md-main, main'), document.body,
                      document.documentElement]) {
      const c = el && parse(getComputedStyle(el).backgroundColor);
      if (c && c[3] > 0) { return c; }
    }
    return [255, 255, 255, 1];
  };
  const layersBehind = (el) => {
    const layers = [];
    if (kind === 'marker') {
      const box = el.getBoundingClientRect();
      const x = box.left + box.width / 2, y = box.top + box.height / 2;
      const group = el.closest('a') || el;
      for (const under of document.elementsFromPoint(x, y)) {
        // skip the marker's own group, text, and other points' markers (overlap is a
        // placement problem, not a colour one): the chart's own background counts
        const otherPoint = under.closest && under.closest('svg a');
        if (under === el || group.contains(under) || otherPoint
            || under.tagName.toLowerCase() === 'text') {
          continue;
        }
        const s = getComputedStyle(under);
        const isShape = under instanceof SVGGeometryElement;
        const c = parse(isShape ? s.fill : s.backgroundColor);
        if (!c || c[3] === 0) { continue; }
        const alpha = c[3] * (isShape ? parseFloat(s.fillOpacity) : 1) * opacity(under);
        if (alpha <= 0) { continue; }
        layers.push([c[0], c[1], c[2], alpha]);
        if (alpha >= 1) { break; }
      }
    } else {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const c = parse(getComputedStyle(p).backgroundColor);
        if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) { break; } }
      }
    }
    layers.push(pageBackground());
    return layers;
  };
  return Array.from(document.querySelectorAll(selector)).filter(
    (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'
  ).slice(0, 400).map((el) => {
    const s = getComputedStyle(el);
    const isSvg = el instanceof SVGElement;
    const fill = parse(isSvg ? s.fill : s.backgroundColor);
    const fillAlpha = isSvg ? parseFloat(s.fillOpacity) : 1;
    const stroke = isSvg && s.stroke !== 'none' && parseFloat(s.strokeWidth) > 0
      ? parse(s.stroke) : null;
    const strokeAlpha = isSvg ? parseFloat(s.strokeOpacity) : 1;
    const owner = el.closest('a') && el.closest('a').getAttribute('data-proposal');
    const label = (el.getAttribute('class') || el.tagName.toLowerCase())
      + (owner ? ' of ' + owner : '');
    return {label, fill, fillAlpha, stroke, strokeAlpha, opacity: opacity(el),
            behind: layersBehind(el)};
  });
}"""

# Chart shapes that carry data: point markers, red-flag rings, density cells, and the range
# whiskers (#13 asks for ranges on the chart; SC 1.4.11 covers graphical objects needed to
# understand the content, and the chart shows the range only this way). Shapes only: text is
# axe's colour-contrast rule's business, and grouping elements carry no colour of their own.
SHAPES = ":is(path, circle, ellipse, polygon, polyline, rect, line, use)"
MARKERS = ", ".join(
    f"{CHART} {SHAPES}{part}"
    for part in (
        "[class*=marker]",
        "[class*=ring]",
        "[class*=cell]",
        "[class*=bin]",
        "[class*=hex]",
        "[class*=whisker]",
    )
)
BARS = "article [class*=bar-fill], article [class*=bar] > [class*=fill], article meter"

Rgba = tuple[float, float, float, float]


def composite(top: Rgba, *below: Rgba) -> tuple[float, float, float]:
    """Alpha-composite colours (topmost first) over an opaque bottom layer."""
    layers = [top, *below]
    red, green, blue = (float(v) for v in layers[-1][:3])
    for r, g, b, a in reversed(layers[:-1]):
        red, green, blue = (r * a + red * (1 - a), g * a + green * (1 - a), b * a + blue * (1 - a))
    return red, green, blue


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def best_contrast(item: dict[str, Any]) -> tuple[float, str]:
    """The better of fill and stroke against what lies behind (either makes the shape
    perceivable, per SC 1.4.11); with the colours, for the failure message."""
    behind = [tuple(c) for c in item["behind"]]
    backdrop = composite(*behind) if len(behind) > 1 else tuple(behind[0][:3])
    best, how = 0.0, "no fill or stroke"
    for part, alpha in (("fill", item["fillAlpha"]), ("stroke", item["strokeAlpha"])):
        colour = item[part]
        if not colour or colour[3] == 0:
            continue
        seen = composite(
            (colour[0], colour[1], colour[2], colour[3] * alpha * item["opacity"]), (*backdrop, 1.0)
        )
        ratio = contrast(seen, backdrop)
        if ratio > best:
            best, how = (
                ratio,
                (
                    f"{part} rgb{tuple(round(v) for v in seen)} on "
                    f"rgb{tuple(round(v) for v in backdrop)}"
                ),
            )
    return best, how


def low_contrast(items: list[dict[str, Any]]) -> list[str]:
    out = []
    for item in items:
        ratio, how = best_contrast(item)
        if ratio < NON_TEXT_CONTRAST:
            out.append(f"  {item['label']}: {ratio:.2f}:1 ({how})")
    return out


def test_markers_and_bars_contrast_3_to_1(browser: Browser, base_url: str, demo_site: Path) -> None:
    page = open_page(browser, 1400)
    try:
        page.goto(base_url + "portfolio/", wait_until="load")
        settle(page, "portfolio/")
        markers = page.evaluate(COLOURS_JS, [MARKERS, "marker"])
        page.goto(base_url + proposal_with_state(demo_site, "quick_win"), wait_until="load")
        bars = page.evaluate(COLOURS_JS, [BARS, "bar"])
    finally:
        page.context.close()
    assert markers, f"no chart markers found ({MARKERS})"
    assert bars, f"no score bars found on a proposal page ({BARS})"
    failures = low_contrast(markers)
    bar_failures = low_contrast(bars)
    assert not failures and not bar_failures, (
        f"non-text contrast below {NON_TEXT_CONTRAST:g}:1 (WCAG 2.2 SC 1.4.11):\n"
        + (
            f"chart markers ({len(failures)} of {len(markers)}):\n" + "\n".join(failures[:20])
            if failures
            else ""
        )
        + (
            f"\nscore bars ({len(bar_failures)} of {len(bars)}):\n" + "\n".join(bar_failures)
            if bar_failures
            else ""
        )
    )


# --------------------------------------------------------------------------------------------
# 6. Screenshots of the key pages (read them before calling a page done)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_key_page_screenshots(browser: Browser, base_url: str, demo_site: Path, width: int) -> None:
    pages = key_pages(demo_site)
    shots = {
        "home": pages["home"],
        "portfolio": pages["portfolio"],
        "proposal": pages["proposal-quick-win"],
        "team": pages["team"],
        "pitfall": pages["pitfall"],
        "format-reference": pages["format-reference"],
    }
    page = open_page(browser, width)
    try:
        for name, path in shots.items():
            response = page.goto(base_url + path, wait_until="load")
            assert response is not None and response.ok, f"/{path} did not load"
            settle(page, path)
            save_screenshot(page, f"layout-{name}-{width}")
    finally:
        page.context.close()
