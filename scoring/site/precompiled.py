"""Jinja's translation of the built-in templates, shipped with the package.

Jinja turns each template into Python source before Python compiles it. For our templates
that translation takes about 0.1 s, the largest fixed cost of a site's first build (later
builds load compiled code from the cache folder). So the package ships the translated
source of every built-in template in ``scoring/data/compiled_templates.json``, written by

    python -m scoring.site.precompiled

An entry is used only when it provably matches what Jinja would produce here: the same
Jinja release, the same environment settings (the key environment.py gives each
environment) and the same template source (by SHA-256). Anything else (an overridden
template, another Jinja release, an entry not regenerated after an edit) is compiled by
Jinja as usual, so a stale file costs speed, never correctness.
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import lru_cache
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "compiled_templates.json"


def source_digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def shipped_entries() -> dict[str, Any]:
    """The shipped entries by "<environment key>/<template name>", or none if unusable."""
    try:
        data = json.loads(DATA_FILE.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("jinja") != jinja2.__version__:
        return {}
    entries = data.get("templates")
    return entries if isinstance(entries, dict) else {}


def shipped_code(settings_key: str, name: str, source: str,
                 filename: str | None) -> CodeType | None:
    """Compiled code for a built-in template, if the shipped translation matches it."""
    entry = shipped_entries().get(f"{settings_key}/{name}")
    if not isinstance(entry, dict) or entry.get("sha256") != source_digest(source):
        return None
    try:
        return compile(entry["code"], filename or name, "exec")
    except (KeyError, TypeError, ValueError, SyntaxError):
        return None


def generate() -> dict[str, Any]:
    """Translate every built-in template with the environment that renders it."""
    from .environment import builtin_templates, make_environment, settings_key

    markdown_env, html_env = make_environment((), None)
    templates: dict[str, Any] = {}
    for path in sorted(builtin_templates().glob("*.j2")):
        # Page templates (*.md.j2) render Markdown; fragments (HTML, SVG) render markup.
        flavour, env = ("markdown", markdown_env) if path.name.endswith(".md.j2") \
            else ("html", html_env)
        source = path.read_text("utf-8")
        code = env.compile(source, path.name, raw=True)
        templates[f"{settings_key(flavour)}/{path.name}"] = {
            "sha256": source_digest(source), "code": code}
    return {"jinja": jinja2.__version__, "templates": templates}


def write(target: Path = DATA_FILE) -> Path:
    text = json.dumps(generate(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    target.write_text(text, encoding="utf-8")
    shipped_entries.cache_clear()
    return target


if __name__ == "__main__":
    print(f"wrote {write()} for Jinja {jinja2.__version__}", file=sys.stderr)
