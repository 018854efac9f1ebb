"""Make untrusted proposal text safe for Markdown pages.

Plain fields are escaped for both HTML and Markdown, so a title can never become a link,
an image or a script. Fields that allow Markdown are rendered, then cleaned by nh3 (a
well-kept HTML sanitiser) against a short allow-list: no raw HTML, scripts, event
handlers or javascript: links survive.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import markdown
import nh3
from markupsafe import Markup

_ALLOWED_TAGS = {"p", "em", "strong", "code", "ul", "ol", "li", "a", "br", "blockquote", "pre"}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
_URL_SCHEMES = {"http", "https", "mailto"}


# One translation table does both escapes in a single C-level pass: HTML first (so no tag
# survives), then a backslash before each character Markdown would read as syntax.
_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&#x27;",
        **{ch: "\\" + ch for ch in "\\`*_{}[]()#+-.!|"},
    }
)


def md_text(value: Any) -> Markup:
    """Escape any value for use inline in a Markdown page (headings, tables, lists)."""
    if isinstance(value, Markup):
        return value
    if type(value) is str:
        return _escaped(value)
    return _escape(str(value))


def _escape(text: str) -> Markup:
    one_line = " ".join(text.split())  # one line: no accidental blocks or table breaks
    return Markup(one_line.translate(_ESCAPES))


# Most text on generated pages repeats (rubric questions, checklist items, answers), and
# escaping was a third of the rendering time; a bounded memo makes repeats nearly free.
_escaped = lru_cache(maxsize=16384)(_escape)


_MARKDOWN = markdown.Markdown(extensions=["sane_lists"])  # reused: building one is costly


def rich_text(value: str) -> Markup:
    """Render a Markdown field to sanitised HTML."""
    # Raw HTML in the source is escaped before rendering, and nh3 cleans the result too.
    rendered = _MARKDOWN.reset().convert(html.escape(value, quote=False))
    cleaned = nh3.clean(
        rendered,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener nofollow",
    )
    return Markup(cleaned)


def safe_url(url: str) -> Markup | None:
    """Only http(s) links leave a proposal, percent-encoded so no character can end the
    Markdown link early (a ')' or ']' in a URL could otherwise start a second link)."""
    if not re.match(r"^https?://[^\s]+$", url):
        return None
    return Markup(quote(url, safe=":/?#&=%+~,;@!$*-._"))


def finalize(value: Any) -> Any:
    """Jinja finalize hook: every {{ }} in a Markdown template is escaped unless Markup."""
    # Called for every expression on every page: exact types first, the common ones cheaply.
    kind = type(value)
    if kind is str:
        return _escaped(value)
    if kind is Markup or kind is int or kind is float:
        return value
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return md_text(value)


# Whitespace is kept as written inside these; everywhere else a browser collapses it.
_VERBATIM = re.compile(r"(<(pre|textarea|script)\b.*?</\2\s*>)", re.S | re.I)
_INDENT = re.compile(r"\n[ \t]*(?:\n[ \t]*)*")


def collapse_indentation(page_html: str) -> str:
    """Drop the indentation and blank lines a theme's templates leave (about a fifth of a
    proposal page), keeping one line break wherever there was one, so nothing a browser
    shows changes; <pre>, <textarea> and <script> are left exactly as they are."""
    parts = _VERBATIM.split(page_html)
    # split() with two groups yields text, whole match, tag name, text, ...
    out = []
    for index in range(0, len(parts), 3):
        out.append(_INDENT.sub("\n", parts[index]))
        if index + 1 < len(parts):
            out.append(parts[index + 1])
    return "".join(out)
