"""A generated page, its front matter, and the large HTML it carries past Markdown.

Large HTML (tables, score bars) skips Markdown: the page's Markdown holds a marker where
each block goes, and the block is put back after Markdown has run (the plugin's
on_page_context), or inlined as a raw HTML block for other generators. Python-Markdown
parses raw HTML slowly, and these blocks are most of a proposal page. A marker names its
block by a hash of the block's HTML, so a page's Markdown changes only when its HTML does
(serve --dirty relies on it). Proposal text can never form a marker: every value is
escaped, and sanitised HTML drops comments.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

HTML_BLOCK_MARKER = "<!--sweetspot-html:{}-->"
HTML_BLOCK = re.compile(r"<!--sweetspot-html:([0-9a-f]{20})-->")

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's, when present


def block_key(html_text: str) -> str:
    return hashlib.blake2b(html_text.encode("utf-8"), digest_size=10).hexdigest()


def fill_html_blocks(text: str, blocks: Mapping[str, str]) -> str:
    """Put each block back in place of its marker (an unknown marker becomes nothing)."""
    if not blocks:
        return text
    return HTML_BLOCK.sub(lambda m: blocks.get(m[1], ""), text)


@dataclass(frozen=True)
class GeneratedPage:
    path: str
    content: str | bytes  # Markdown with block markers, or a download's text or bytes
    proposal_id: str | None = None
    in_nav: bool = True
    html_blocks: Mapping[str, str] = field(default_factory=dict)  # marker key → its HTML

    def inlined(self) -> str | bytes:
        """The page as one Markdown file, the blocks as raw HTML: for generators that read
        files (build-docs, render), where no plugin puts them back."""
        if not self.html_blocks or isinstance(self.content, bytes):
            return self.content
        return fill_html_blocks(
            self.content, {key: f"\n\n{block}\n\n" for key, block in self.html_blocks.items()}
        )

    def with_html_blocks(self, blocks: Mapping[str, str]) -> GeneratedPage:
        return replace(self, html_blocks=blocks)


def front_matter(meta: dict[str, Any]) -> str:
    """YAML front matter written by a YAML dumper, so no proposal text can break out of it."""
    text = yaml.dump(meta, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    return "---\n" + text + "---\n\n"


__all__ = [
    "HTML_BLOCK",
    "HTML_BLOCK_MARKER",
    "GeneratedPage",
    "block_key",
    "fill_html_blocks",
    "front_matter",
]
