"""Regenerate the shipped template code: ``python -m scoring.site.precompile``.

Run it after editing a template in site_templates/ or scoring/site/environment.py;
tests/test_precompiled.py fails until the shipped file matches what Jinja compiles.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jinja2

from scoring.site.environment import builtin_templates, make_environment
from scoring.site.precompiled import DATA_FILE, shipped_entries, source_digest
from scoring.site.rebuild.templates import settings_key


def generate() -> dict[str, Any]:
    """Translate every built-in template with the environment that renders it."""
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
