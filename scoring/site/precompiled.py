"""Jinja's translation of the built-in templates, shipped with the package.

Jinja turns each template into Python source before Python compiles it. For our templates
that translation takes about 0.1 s, the largest fixed cost of a site's first build (later
builds load compiled code from the cache folder). So the package ships the translated
source of every built-in template in ``scoring/data/compiled_templates.json``, written by

    python -m scoring.site.precompile

An entry is used only when it provably matches what Jinja would produce here: the same
Jinja release, the same environment settings (the key environment.py gives each
environment) and the same template source (by SHA-256). Anything else (an overridden
template, another Jinja release, an entry not regenerated after an edit) is compiled by
Jinja as usual, so a stale file costs speed, never correctness.
"""

from __future__ import annotations

import hashlib
import json
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
