"""Generated pages as files on disk that `mkdocs serve --dirty` can skip.

MkDocs counts every in-memory generated file (``File.generated(content=...)``) as modified,
so a dirty build re-renders all of them. Written to a folder of their own instead (beside
mkdocs.yml, under the plugin's cache folder, never in docs_dir), and rewritten only when
their bytes change, they keep their modification time, and ``File.is_modified`` (the
source's time against the built page's) skips the unchanged ones.

``RenderMemo`` saves the rendering too: under serve, a page whose inputs did not change
(the same proposal object from the load cache, the same rubric, options and templates) is
not rendered again; its file on disk, checked by size and time, already holds it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, TemplateError, TemplateNotFound, meta

from scoring.model.cardjson import release
from scoring.model.scorecard import ScoreCard, ScoredPortfolio
from scoring.site.diskwrite import write_if_changed
from scoring.site.environment import builtin_templates
from scoring.site.pages import GeneratedPage, SiteBuilder, SiteOptions
from scoring.site.rebuildmemo import RebuildMemo, fingerprint

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
        target = (self.folder / relative)
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

    def write_page(self, page: GeneratedPage) -> Path:
        """Write a page and, beside it, the deferred HTML blocks its Markdown refers to
        (read back by the plugin's on_page_content only for pages MkDocs rebuilds)."""
        if page.html_blocks:
            self.write(page.path + BLOCKS_SUFFIX,
                       json.dumps(dict(page.html_blocks), ensure_ascii=False))
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
class Memo:
    source: object   # the object the page was rendered from (held, so identity is safe)
    key: object      # everything else the page depends on
    size: int        # the file as written, to notice it changed or vanished
    mtime_ns: int


class RenderMemo:
    """Per-page memory of what a page was rendered from, for `mkdocs serve` rebuilds."""

    def __init__(self) -> None:
        self._memo: dict[str, Memo] = {}

    def fresh(self, relative: str, source: object, key: object, path: Path) -> bool:
        """True when the page at ``path`` was rendered from this very ``source`` object and
        ``key`` and the file is still as written."""
        memo = self._memo.get(relative)
        if memo is None or memo.source is not source or memo.key != key:
            return False
        try:
            stat = path.stat()
        except OSError:
            return False
        return stat.st_size == memo.size and stat.st_mtime_ns == memo.mtime_ns

    def remember(self, relative: str, source: object, key: object, path: Path) -> None:
        stat = path.stat()
        self._memo[relative] = Memo(source, key, stat.st_size, stat.st_mtime_ns)

    def retain(self, relatives: set[str]) -> None:
        self._memo = {k: v for k, v in self._memo.items() if k in relatives}

    def clear(self) -> None:
        self._memo.clear()


# Names in a proposal page's templates whose values come from the whole portfolio.
PORTFOLIO_NAMES = ("summary", "invalid")
PROPOSAL_TEMPLATES = ("proposal", "score_bars")  # names starting so make a proposal page
# What those templates read, by the templates' fingerprint: kept across serve rebuilds.
_READS: dict[tuple[str, tuple[Path, ...]], frozenset[str]] = {}


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


class FileBackedBuilder(SiteBuilder):
    """A SiteBuilder whose proposal pages go straight to a PageFolder as they are rendered
    (the build never holds every page's text at once), and, with a RenderMemo, are not
    rendered again while nothing they depend on changed.

    A proposal page depends on its proposal, the rubric, the options, the templates and,
    only when its templates read them, the portfolio-wide ``summary`` and ``invalid``
    (checked from the templates' source). Scoring is per proposal (the what-if questions
    and suggestions too, computed for all at once but row by row), so another proposal's
    edit never changes this page: tests/test_dirty_build.py compares with a full build.
    """

    def __init__(self, portfolio: ScoredPortfolio, options: SiteOptions, folder: PageFolder,
                 memo: RenderMemo | None = None,
                 rebuild_memo: RebuildMemo | None = None) -> None:
        super().__init__(portfolio, options, rebuild_memo)
        self.folder = folder
        self.memo = memo
        self.on_disk: dict[str, Path] = {}
        self.context_key = self._context_key() if memo is not None else ""

    def _key(self, card: ScoreCard) -> tuple[str, str | None]:
        return self.context_key, self.options.source_links.get(card.proposal.id)

    def _context_key(self) -> str:
        tree = self.ctx.templates_fingerprint
        reads = _READS.get((tree, self.options.template_dirs))
        if reads is None:
            reads = self._template_reads()
            _READS.clear()  # only the templates as they are now
            _READS[(tree, self.options.template_dirs)] = reads
        portfolio = [repr(self.ctx.summary) if "summary" in reads else None,
                     repr(self.portfolio.intake.invalid) if "invalid" in reads else None]
        options = (self.options.output_dir, self.options.use_directory_urls,
                   self.options.template_dirs, self.options.source_root)
        return fingerprint((repr(self.ctx.rubric), options, portfolio, tree))

    def _template_reads(self) -> frozenset[str]:
        """The names the proposal page's templates read (parsing them takes a while)."""
        # Only the top-level templates named so (list_templates would walk the assets too).
        listed = sorted({path.name for folder in (*self.options.template_dirs,
                                                   builtin_templates())
                         for start in PROPOSAL_TEMPLATES
                         for path in Path(folder).glob(f"{start}*.j2")})
        try:
            pages = [n for n in listed if n.endswith(".md.j2")]
            fragments = [n for n in listed if not n.endswith(".md.j2")]
            return frozenset(template_names(self.ctx.md_env, pages)
                             | template_names(self.ctx.html_env, fragments))
        except TemplateError:  # the page's own rendering reports it; assume it reads all
            return frozenset(PORTFOLIO_NAMES)

    def proposal_page(self, card: ScoreCard) -> GeneratedPage:
        proposal = card.proposal
        relative = self.ctx.proposal_path(proposal.id)
        target = self.folder.path_of(relative)
        key = self._key(card)
        if self.memo is not None and self.memo.fresh(relative, proposal, key, target):
            self.folder.keep(relative)
        else:
            page = super().proposal_page(card)
            release(card)  # its explanation tables, built for this page only
            self.folder.write_page(page)
            self.ctx.drop_blocks(page)  # on disk beside the page now; a later page re-adds its own
            if self.memo is not None:
                self.memo.remember(relative, proposal, key, target)
        self.on_disk[relative] = target
        # The text is on disk; the list all_pages() returns holds only the name.
        return GeneratedPage(relative, "", proposal.id, in_nav=False)


__all__ = ["BLOCKS_SUFFIX", "PAGES_FOLDER", "FileBackedBuilder", "PageFolder", "RenderMemo",
           "template_names"]
