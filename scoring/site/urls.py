"""Relative links between site pages, in Markdown form and as final URLs for raw HTML."""

from __future__ import annotations

import posixpath
from functools import lru_cache


def md_link(from_page: str, target: str) -> str:
    """A relative .md link (MkDocs rewrites and checks it), anchors kept."""
    return _md_link_from(posixpath.dirname(from_page) or ".", target)


@lru_cache(maxsize=65536)
def _md_link_from(directory: str, target: str) -> str:
    path, _, anchor = target.partition("#")
    rel = posixpath.relpath(path, directory)
    return f"{rel}#{anchor}" if anchor else rel


def page_url(src_path: str, use_directory_urls: bool) -> str:
    """The URL MkDocs gives a page built from ``src_path``."""
    stem = src_path[:-3] if src_path.endswith(".md") else src_path
    if not use_directory_urls:
        return stem + ".html" if src_path.endswith(".md") else stem
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


# Small: a proposal page's links start from that page alone, so its entries are reused
# only within the page (about 2% hits at 2,000 proposals); at 65,536 entries the cache
# held about 20 MB at 5,000 proposals for nothing.
@lru_cache(maxsize=2048)
def html_link(from_page: str, target: str, use_directory_urls: bool) -> str:
    """A final relative URL for links inside raw HTML or SVG, which MkDocs does not rewrite."""
    path, _, anchor = target.partition("#")
    here_url = page_url(from_page, use_directory_urls)
    here = here_url.rstrip("/") if use_directory_urls else posixpath.dirname(here_url)
    there = page_url(path, use_directory_urls) if path.endswith(".md") else path
    rel = posixpath.relpath(there or ".", here or ".")
    if (there.endswith("/") or (use_directory_urls and path.endswith(".md"))) and not rel.endswith(
        "/"
    ):
        rel += "/"
    return f"{rel}#{anchor}" if anchor else rel
