"""The Jinja environments that render generated pages, with user-overridable templates.

Like mkdocstrings, the engine keeps its own environments instead of borrowing the theme's:
a site's template folders are searched first, then the built-in ``site_templates/``.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    meta,
)
from markupsafe import Markup

from scoring.site.markup import finalize, md_text
from scoring.site.rebuild.templates import bytecode_cache, kept_environments


def builtin_templates() -> Path:
    """The built-in ``site_templates/`` folder: ``pages/``, ``fragments/`` and ``assets/``."""
    return Path(str(resources.files("site_templates")))


# Whole generated pages, then the fragments they and the site builder put together. Names
# are flat across both (a template is found by its file name alone), so a site overrides
# any of them by putting a file of the same name in one of its own template folders.
TEMPLATE_FOLDERS = ("pages", "fragments")


def builtin_template_dirs() -> tuple[Path, ...]:
    root = builtin_templates()
    return tuple(root / folder for folder in TEMPLATE_FOLDERS)


def make_environment(
    template_dirs: Sequence[Path], cache_dir: Path | None = None, templates_key: str = ""
) -> tuple[Environment, Environment]:
    """Two environments over the same search path: Markdown pages and HTML/SVG fragments.

    User template folders come first, so a site can override any template by file name.
    The pair is reused across `mkdocs serve` rebuilds so templates compile once; Jinja's
    auto_reload still picks up an edited override. ``cache_dir`` keeps compiled templates
    on disk between builds. ``templates_key`` (a fingerprint of the template folders) gives
    a new pair when a file there comes or goes: Jinja would keep using the built-in template
    it loaded first after an override of the same name is added.
    """
    folders = tuple(Path(d).resolve() for d in template_dirs)
    return kept_environments(
        new_environments, folders, cache_dir.resolve() if cache_dir else None, templates_key
    )


def new_environments(
    template_dirs: tuple[Path, ...], cache_dir: Path | None
) -> tuple[Environment, Environment]:
    loader = ChoiceLoader(
        [FileSystemLoader([str(d) for d in (*template_dirs, *builtin_template_dirs())])]
    )
    templates = cache_dir / "templates" if cache_dir else None
    # Markdown headings use {#anchor} (attr_list), so Jinja comments become {## ... ##}.
    md_env = Environment(
        loader=loader,
        autoescape=False,
        finalize=finalize,
        comment_start_string="{##",
        comment_end_string="##}",
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
        bytecode_cache=bytecode_cache(templates, "markdown"),
    )
    html_env = Environment(
        loader=loader,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,
        bytecode_cache=bytecode_cache(templates, "html"),
    )
    for env in (md_env, html_env):
        env.filters["md"] = md_text
        env.filters["h"] = lambda v: Markup(html.escape("" if v is None else str(v)))
        env.filters["money"] = money
        # A total nobody gave a figure for: "unknown", never 0 or a dash.
        env.filters["known_money"] = lambda v, c="": "unknown" if v is None else money(v, c)
        env.filters["pct"] = lambda v: "–" if v is None else f"{float(v):.0%}"
        env.filters["num"] = lambda v, d=0: (
            "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{float(v):,.{d}f}"
        )
        env.filters["attr"] = lambda v: Markup(html.escape(str(v), quote=True))
        env.filters["id"] = html_id
        env.filters["anchor"] = anchor
        # Inline code that stays safe in tables: escaped text inside <code>.
        env.filters["code"] = lambda v: Markup(f"<code>{md_text(v)}</code>")
    return md_env, html_env


def template_names(env: Environment, names: Iterable[str]) -> set[str]:
    """The variables the given templates (and those they include or extend) read."""
    found: set[str] = set()
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen or env.loader is None:
            continue
        seen.add(name)
        try:
            source = env.loader.get_source(env, name)[0]
        except TemplateNotFound:
            continue
        parsed = env.parse(source)
        found |= meta.find_undeclared_variables(parsed)
        todo += [n for n in meta.find_referenced_templates(parsed) if isinstance(n, str)]
    return found


_NOT_IN_ID = re.compile(r"[^a-z0-9_-]+")


def html_id(value: Any) -> Markup:
    """An anchor id for `{#id}` headings: slug characters only, never escaped."""
    return _html_id(str(value))


@lru_cache(maxsize=4096)  # ids repeat on every page (criteria, factors, checklists)
def _html_id(text: str) -> Markup:
    slug = _NOT_IN_ID.sub("-", text.lower()).strip("-")
    return Markup(slug or "section")


def anchor(value: Any) -> Markup:
    """The anchor of a rubric id (`golden_set` → `golden-set`), as headings spell it."""
    return _html_id(str(value).replace("_", "-"))


def money(value: float | None, currency: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    prefix = f"{currency} " if currency else ""
    if abs(value) >= 1_000_000:
        return f"{prefix}{value / 1_000_000:,.2f} M"
    return f"{prefix}{value:,.0f}"
