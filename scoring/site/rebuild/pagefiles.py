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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, TemplateError, TemplateNotFound, meta

from scoring.model.cardjson import release
from scoring.model.scorecard import ScoreCard
from scoring.site.diskwrite import write_if_changed
from scoring.site.environment import builtin_templates
from scoring.site.pages.blocks import GeneratedPage
from scoring.site.pages.context import SiteContext
from scoring.site.rebuild.keys import fingerprint

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


# Names in a proposal page's templates whose values come from the whole portfolio.
PORTFOLIO_NAMES = ("summary", "invalid")
PROPOSAL_TEMPLATES = ("proposal", "score_bars")  # names starting so make a proposal page


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


class ProposalPages:
    """Proposal pages written straight to a PageFolder as they are rendered (the build never
    holds every page's text at once) and, under serve, not rendered again while nothing
    they depend on changed.

    A proposal page depends on its proposal, the rubric, the options, the templates and,
    only when its templates read them, the portfolio-wide ``summary`` and ``invalid``
    (checked from the templates' source). Scoring is per proposal (the what-if questions
    and suggestions too, computed for all at once but row by row), so another proposal's
    edit never changes this page: tests/test_dirty_build.py compares with a full build.
    """

    def __init__(self, folder: PageFolder) -> None:
        self.folder = folder  # kept across builds; this object lives for one build
        self.on_disk: dict[str, Path] = {}
        self._context_key: str | None = None

    def page(self, ctx: SiteContext, card: ScoreCard,
             render: Callable[[ScoreCard], GeneratedPage]) -> GeneratedPage:
        proposal = card.proposal
        relative = ctx.proposal_path(proposal.id)
        target = self.folder.path_of(relative)
        memo = ctx.rebuild_memo
        key = (self.context_key(ctx), ctx.options.source_links.get(proposal.id)) \
            if memo is not None else None
        record = memo.get(("proposal page", relative), (proposal,)) \
            if memo is not None else None
        if record is not None and record.holds(key, target):
            self.folder.keep(relative)
        else:
            page = render(card)
            release(card)  # its explanation tables, built for this page only
            self.folder.write_page(page)
            ctx.drop_blocks(page)  # on disk beside the page now; a later page re-adds its own
            if memo is not None:
                memo.put(("proposal page", relative), (proposal,), PageRecord.of(key, target))
        self.on_disk[relative] = target
        # The text is on disk; the list all_pages() returns holds only the name.
        return GeneratedPage(relative, "", proposal.id, in_nav=False)

    def context_key(self, ctx: SiteContext) -> str:
        """The rubric, options and templates and, when the templates read them, the
        portfolio-wide names: the same for every proposal page of a build."""
        if self._context_key is None:
            reads = ctx.memo(("proposal templates read",), (), lambda: template_reads(ctx))
            options = ctx.options
            portfolio = [repr(ctx.summary) if "summary" in reads else None,
                         repr(ctx.portfolio.intake.invalid) if "invalid" in reads else None]
            self._context_key = fingerprint((
                repr(ctx.rubric), (options.output_dir, options.use_directory_urls,
                                   options.template_dirs, options.source_root),
                portfolio, ctx.templates_fingerprint))
        return self._context_key


def template_reads(ctx: SiteContext) -> frozenset[str]:
    """The names the proposal page's templates read (parsing them takes a while)."""
    # Only the top-level templates named so (list_templates would walk the assets too).
    listed = sorted({path.name for folder in (*ctx.options.template_dirs, builtin_templates())
                     for start in PROPOSAL_TEMPLATES
                     for path in Path(folder).glob(f"{start}*.j2")})
    try:
        pages = [n for n in listed if n.endswith(".md.j2")]
        fragments = [n for n in listed if not n.endswith(".md.j2")]
        return frozenset(template_names(ctx.md_env, pages)
                         | template_names(ctx.html_env, fragments))
    except TemplateError:  # the page's own rendering reports it; assume it reads all
        return frozenset(PORTFOLIO_NAMES)


__all__ = ["BLOCKS_SUFFIX", "PAGES_FOLDER", "PageFolder", "PageRecord", "ProposalPages",
           "template_names"]
