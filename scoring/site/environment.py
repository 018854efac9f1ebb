"""The Jinja environments that render generated pages, with user-overridable templates.

Like mkdocstrings, the engine keeps its own environments instead of borrowing the theme's:
a site's template folders are searched first, then the built-in ``site_templates/``.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import logging
import math
import os
import re
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
)
from jinja2.bccache import Bucket
from markupsafe import Markup

from scoring.site.markup import finalize, md_text
from scoring.site.precompiled import shipped_code

log = logging.getLogger(__name__)


def builtin_templates() -> Path:
    return Path(str(resources.files("site_templates")))


class QuietBytecodeCache(FileSystemBytecodeCache):
    """Jinja's own on-disk cache of compiled templates, keyed by each template's source.

    Later builds load compiled code from it instead of compiling overrides or turning the
    shipped source into bytecode again. Each entry starts with a SHA-256 of the rest,
    written with it and checked before anything in it is unpickled or unmarshalled: a
    damaged entry (a flipped bit could crash the interpreter or change a page) is compiled
    afresh, and bytecode is never loaded unverified. A cache that cannot be written
    (read-only checkout, full disk) is skipped with a debug message, never a failed build.
    """

    MAGIC = b"sweetspot-bytecode-sha256\n"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            with open(self._get_cache_filename(bucket), "rb") as entry:
                data = entry.read()
        except OSError:  # missing or unreadable: a miss
            return
        head = len(self.MAGIC)
        payload = data[head + 32:]
        if data[:head] != self.MAGIC or data[head:head + 32] != hashlib.sha256(payload).digest():
            log.debug("sweetspot: template cache entry for %s failed its checksum", bucket.key)
            return
        try:
            bucket.load_bytecode(io.BytesIO(payload))
        except Exception as error:  # verified, yet written by another Jinja: a miss
            log.debug("sweetspot: template cache entry ignored: %s", error)
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        buffer = io.BytesIO()
        bucket.write_bytecode(buffer)
        payload = buffer.getvalue()
        name = self._get_cache_filename(bucket)
        temporary: str | None = None
        try:
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(name),
                                                 prefix=os.path.basename(name), suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(self.MAGIC + hashlib.sha256(payload).digest() + payload)
            os.replace(temporary, name)  # readers never see a half-written entry
        except OSError as error:
            log.debug("sweetspot: template cache not written: %s", error)
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)


@lru_cache(maxsize=4)
def settings_key(flavour: str) -> str:
    """Jinja keys compiled code by template name and source only, yet the code also depends
    on the environment's settings (escaping, finalize, delimiters), which live in this
    module. Each environment therefore gets its own key, from those settings and the Jinja
    version, which names its cache folder and its shipped code (precompiled.py)."""
    digest = hashlib.sha256(f"{flavour}:{jinja2.__version__}:".encode())
    digest.update(Path(__file__).read_bytes())
    return f"{flavour}-{digest.hexdigest()[:16]}"


class TemplateCodeCache(BytecodeCache):
    """Where compiled templates come from before Jinja compiles one itself: the cache
    folder (when caching is on), then the code shipped for the built-in templates."""

    def __init__(self, key: str, disk: QuietBytecodeCache | None) -> None:
        self.key = key  # the environment's settings key
        self.disk = disk

    def load_bytecode(self, bucket: Bucket) -> None:
        if self.disk is not None:
            self.disk.load_bytecode(bucket)

    def dump_bytecode(self, bucket: Bucket) -> None:
        if self.disk is not None:
            self.disk.dump_bytecode(bucket)

    def get_bucket(self, environment: Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        bucket = super().get_bucket(environment, name, filename, source)
        if bucket.code is None:
            code = shipped_code(self.key, name, source, filename)
            if code is not None:
                bucket.code = code
                self.set_bucket(bucket)  # the cache folder keeps it as bytecode
        return bucket


def bytecode_cache(folder: Path | None, flavour: str) -> TemplateCodeCache | None:
    try:
        key = settings_key(flavour)
    except OSError:  # no source to fingerprint (a bytecode-only install): Jinja compiles
        return None
    return TemplateCodeCache(key, _disk_cache(folder / key if folder else None))


def _disk_cache(folder: Path | None) -> QuietBytecodeCache | None:
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        log.debug("sweetspot: template cache disabled: %s", error)
        return None
    return QuietBytecodeCache(str(folder))


def make_environment(template_dirs: Sequence[Path],
                     cache_dir: Path | None = None) -> tuple[Environment, Environment]:
    """Two environments over the same search path: Markdown pages and HTML/SVG fragments.

    User template folders come first, so a site can override any template by file name.
    The pair is reused across `mkdocs serve` rebuilds so templates compile once; Jinja's
    auto_reload still picks up an edited override. ``cache_dir`` keeps compiled templates
    on disk between builds.
    """
    folders = tuple(Path(d).resolve() for d in template_dirs)
    return _environments(folders, cache_dir.resolve() if cache_dir else None)


@lru_cache(maxsize=8)
def _environments(template_dirs: tuple[Path, ...],
                  cache_dir: Path | None) -> tuple[Environment, Environment]:
    loader = ChoiceLoader([FileSystemLoader([str(d) for d in (*template_dirs,
                                                                builtin_templates())])])
    templates = cache_dir / "templates" if cache_dir else None
    # Markdown headings use {#anchor} (attr_list), so Jinja comments become {## ... ##}.
    md_env = Environment(loader=loader, autoescape=False, finalize=finalize,
                         comment_start_string="{##", comment_end_string="##}",
                         undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                         keep_trailing_newline=True, auto_reload=True,
                         bytecode_cache=bytecode_cache(templates, "markdown"))
    html_env = Environment(loader=loader, autoescape=True, undefined=StrictUndefined,
                           trim_blocks=True, lstrip_blocks=True, auto_reload=True,
                           bytecode_cache=bytecode_cache(templates, "html"))
    for env in (md_env, html_env):
        env.filters["md"] = md_text
        env.filters["h"] = lambda v: Markup(html.escape("" if v is None else str(v)))
        env.filters["money"] = money
        env.filters["pct"] = lambda v: "–" if v is None else f"{float(v):.0%}"
        env.filters["num"] = lambda v, d=0: "–" if v is None or (
            isinstance(v, float) and math.isnan(v)) else f"{float(v):,.{d}f}"
        env.filters["attr"] = lambda v: Markup(html.escape(str(v), quote=True))
        env.filters["id"] = html_id
        env.filters["anchor"] = anchor
        # Inline code that stays safe in tables: escaped text inside <code>.
        env.filters["code"] = lambda v: Markup(f"<code>{md_text(v)}</code>")
    return md_env, html_env


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
