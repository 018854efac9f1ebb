"""Generated pages as files on disk that `mkdocs serve --dirty` can skip.

MkDocs counts every in-memory generated file (``File.generated(content=...)``) as modified,
so a dirty build re-renders all of them. Written to a folder of their own instead (beside
mkdocs.yml, under the plugin's cache folder, never in docs_dir), and rewritten only when
their bytes change, they keep their modification time, and ``File.is_modified`` (the
source's time against the built page's) skips the unchanged ones.

``ProposalPages`` saves the rendering too: under serve, a proposal page whose inputs did not
change is not rendered again (the memo's rule, in this package's __init__); its file on disk,
checked by size and time, already holds it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from scoring.site.diskwrite import write_if_changed
from scoring.site.rebuild.memo import RebuildMemo

PAGES_FOLDER = "pages"
BLOCKS_SUFFIX = ".blocks.json"  # beside a page: the HTML its block markers stand for


class PageFolder:
    """A folder that holds exactly this build's generated files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.written: set[str] = set()  # what this build kept or wrote (relative paths)
        self.changed: list[str] = []
        self._pruned: set[str] | None = None  # what the folder held after the last prune

    def path_of(self, relative: str) -> Path:
        target = self.folder / relative
        # Generated paths come from slugs and rubric ids; refuse anything else outright.
        if os.path.isabs(relative) or ".." in Path(relative).parts:
            raise ValueError(f"not a path inside the site: {relative!r}")
        return target

    def write(self, relative: str, content: str | bytes) -> Path:
        """Write ``content`` at ``relative`` unless the file already holds exactly it (its
        modification time then stays, which is what lets a dirty build skip it)."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        target = self.path_of(relative)
        self.written.add(relative)
        if write_if_changed(target, data):
            self.changed.append(relative)
        return target

    def keep(self, relative: str) -> Path:
        """Count a file written by an earlier build as this build's, unchanged (and the
        deferred HTML beside it, if it has any: a name that is not there costs nothing)."""
        self.written.add(relative)
        self.written.add(relative + BLOCKS_SUFFIX)
        return self.path_of(relative)

    def write_page(self, page: WrittenPage) -> Path:
        """Write a page and, beside it, the deferred HTML blocks its Markdown refers to
        (read back by the plugin's on_page_content only for pages MkDocs rebuilds)."""
        if page.html_blocks:
            self.write(
                page.path + BLOCKS_SUFFIX, json.dumps(dict(page.html_blocks), ensure_ascii=False)
            )
        return self.write(page.path, page.content)

    def html_blocks(self, relative: str) -> dict[str, str]:
        try:
            data = json.loads(self.path_of(relative + BLOCKS_SUFFIX).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def prune(self) -> list[str]:
        """Delete the files this build did not write (deleted or renamed proposals)."""
        removed: list[str] = []
        if not self.folder.is_dir() or self.written == self._pruned:
            # The same files as last time (a serve rebuild after an edit): nothing to walk.
            self.written, self.changed = set(), []
            return removed
        for path in sorted(self.folder.rglob("*"), reverse=True):
            if path.is_symlink():
                continue  # we never make links; leave one alone rather than follow it
            relative = path.relative_to(self.folder).as_posix()
            if path.is_file() and relative not in self.written:
                path.unlink()
                removed.append(relative)
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        self._pruned = self.written
        self.written = set()
        self.changed = []
        return removed


@dataclass(frozen=True)
class PageRecord:
    """What a proposal page on disk was rendered with, and the file as it was written."""

    key: object  # everything the page depends on besides its proposal object
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, key: object, path: Path) -> PageRecord:
        stat = path.stat()
        return cls(key, stat.st_size, stat.st_mtime_ns)

    def holds(self, key: object, path: Path) -> bool:
        """True when the file is still as written, for this very key."""
        if key != self.key:
            return False
        try:
            stat = path.stat()
        except OSError:
            return False
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns


class WrittenPage(Protocol):
    """A generated page as the folder writes it (pages.blocks.GeneratedPage)."""

    @property
    def path(self) -> str: ...
    @property
    def content(self) -> str | bytes: ...
    @property
    def html_blocks(self) -> Mapping[str, str]: ...


class ProposalPages:
    """Proposal pages written straight to a PageFolder as they are rendered (the build never
    holds every page's text at once) and, under serve, not rendered again while nothing
    they depend on changed: the memo keeps, for each page, the proposal object it was
    rendered from and a record of the key and the file written (``PageRecord``).

    A proposal page depends on its proposal, the rubric, the options, the templates and,
    only when its templates read them, the portfolio-wide ``summary`` and ``invalid``
    (the key the caller gives, pages/builder.py). Scoring is per proposal (the what-if
    questions and suggestions too, computed for all at once but row by row), so another
    proposal's edit never changes this page: tests/test_dirty_build.py compares with a full
    build.
    """

    def __init__(self, folder: PageFolder) -> None:
        self.folder = folder  # kept across builds; this object lives for one build
        self.on_disk: dict[str, Path] = {}

    def page(
        self,
        relative: str,
        source: object,
        key: object,
        memo: RebuildMemo | None,
        render: Callable[[], WrittenPage],
    ) -> Path:
        """The file of the page at ``relative``: kept when the memo holds it for this very
        ``source`` and ``key`` and the file is as written, else ``render()``'s, written."""
        target = self.folder.path_of(relative)
        record = memo.get(("proposal page", relative), (source,)) if memo is not None else None
        if record is not None and record.holds(key, target):
            self.folder.keep(relative)
        else:
            self.folder.write_page(render())
            if memo is not None:
                memo.put(("proposal page", relative), (source,), PageRecord.of(key, target))
        self.on_disk[relative] = target
        return target


__all__ = [
    "BLOCKS_SUFFIX",
    "PAGES_FOLDER",
    "PageFolder",
    "PageRecord",
    "ProposalPages",
    "WrittenPage",
]
