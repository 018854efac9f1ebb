"""History from git: a timeline on each proposal page and the "What changed" page.

Computed from the repository's own git (scoring/sources/gitrevisions.py: fixed arguments, no
shell, blobs by id, symbolic links never read) and loaded with the proposal loader
(`load_one` on the blob's bytes, through yamlsource's ``load_bytes``: size cap, aliases
refused). Each version is scored with today's engine and rubric, so the lines compare like
with like (versionscoring.py, in batches shared with worker processes). Commit authors are
never read, only dates and short commit ids.

In a plugin build (``history_late``) each proposal page's History block is a marker until
MkDocs has rendered the page (``fill_late_blocks``), so workers score old versions while
MkDocs renders; the versions "since the last review" compares with are scored first, as the
roll-ups and the "What changed" page need them while the pages are made.

Under `mkdocs serve` the one memo keeps the log (by HEAD), each version (by blob id, the
rubric, the site's scoring options and the engine's version) and each "since" comparison
(by the very proposal object), so a rebuild scores nothing that did not change. In a plain
folder or a shallow clone the pages say "history unavailable"; the build never fails.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from weakref import WeakKeyDictionary

from markupsafe import Markup, escape

from scoring.model.collector import inputs_held
from scoring.model.scorecard import ScoreCard
from scoring.model.timeline import (
    Line,
    Movement,
    Version,
    engine_version,
    facts_of,
    movement,
    scores_moved,
)
from scoring.proposals.proposal import Proposal
from scoring.proposals.publication import Publication, Visibility
from scoring.site.pages.blocks import GeneratedPage, block_key, front_matter
from scoring.site.pages.context import SiteContext
from scoring.site.pages.versionscoring import VersionScoring
from scoring.site.rebuild.keys import fingerprint
from scoring.site.rebuild.versionstore import VersionStore
from scoring.sources.gitrevisions import (
    Commit,
    FileChange,
    GitError,
    PathLog,
    Repository,
    path_log,
    read_blobs,
    repository_at,
)

PAGE = "what-changed.md"
MAX_LINES = 12  # timeline lines on a proposal page; older ones are counted, not listed
NOT_A_REPOSITORY = (
    "History unavailable: the site was not built from a git repository, so there is no "
    "record of earlier versions."
)
SHALLOW = (
    "History unavailable: the site was built from a shallow clone, which holds only the "
    "latest commit (a publishing workflow needs `fetch-depth: 0`)."
)
GIT_FAILED = "History unavailable: git could not read the repository's log."
NOT_IN_CLONE = "not in this clone (a partial clone)"
NOT_READ = Version(None, NOT_IN_CLONE)  # a version git could not give


def site_visibility(publication: Publication) -> Visibility:
    """The site's visibility rules, from the plain values a Publication keeps of them."""
    rules = publication.rules
    if isinstance(rules, tuple) and len(rules) == 2:
        return Visibility(dict(rules[0]), rules[1])
    return Visibility()


def version_name(pair: tuple[str, str]) -> str:
    """A version's name in the cache folder: its blob id and file name."""
    path, blob = pair
    return f"{blob}:{path.rpartition('/')[2]}"  # a repository path: "/" separates


def _stored_name(pair: tuple[str, str], full: bool) -> str:
    """A version's name in the cache folder, marked when only a timeline line shows it (so
    a version later compared "since the last review" is never taken without its answers)."""
    return version_name(pair) if full else f"{version_name(pair)}:line"


def _in_full(version: Version) -> bool:
    """Whether a version holds what "since the last review" reads (an invalid one does)."""
    return version.facts is None or version.facts.answers is not None


@dataclass(frozen=True)
class ShownVersions:
    """The versions one build's pages showed, and a fingerprint of what decided them."""

    made_from: str
    versions: dict[tuple[str, str], Version]


@dataclass
class _VersionTable:
    """The versions the pages show, while they are being scored."""

    made_from: str  # what decided which versions these are
    wanted: set[tuple[str, str]]  # each (path, blob) the pages show
    compared: set[tuple[str, str]]  # those "since the last review" reads, in full
    found: dict[tuple[str, str], Version]  # known so far
    # Those being scored, each with its place in ``scoring``'s files.
    index: dict[tuple[str, str], int] = dataclasses.field(default_factory=dict)
    scoring: VersionScoring | None = None
    # Every version, once all are known (at once: the last build's table, under serve).
    finished: dict[tuple[str, str], Version] | None = None


@dataclass(frozen=True)
class LineChange:
    """A timeline line before its version is scored."""

    commit: Commit
    change: FileChange | None  # the proposal's change in force at this commit
    own: bool  # the commit changed the proposal
    rubric: bool  # the commit changed the rubric


@dataclass(frozen=True)
class ProposalHistory:
    """What the proposal page's History block shows."""

    lines: tuple[Line, ...]  # newest first, at most MAX_LINES
    older: int  # lines left out
    since: Movement
    committed: bool  # the file has at least one commit


class History:
    """One build's history; made once per SiteContext (see ``history_of``)."""

    def __init__(self, ctx: SiteContext) -> None:
        self.ctx = ctx
        self.options = ctx.options
        self.since = self.options.history_since.isoformat() if self.options.history_since else ""
        self.unavailable: str | None = None
        self.log = PathLog((), {})
        self.folder_rel = ""
        self.rubric_rel: str | None = None
        self.repo: Repository | None = None
        self._movements: dict[str, Movement] = {}
        self._paths: dict[str, str | None] = {}
        self._lines: dict[str, tuple[LineChange, ...]] = {}
        self._table: _VersionTable | None = None
        self._since: dict[str, str] = {}  # since_for, by proposal id
        self._open()
        # A plugin build fills each History block after MkDocs has rendered its page, so
        # old versions are scored by worker processes meanwhile (``fill_late_blocks``).
        self.late = self.options.history_late and self.unavailable is None
        self.late_blocks: dict[str, tuple[ScoreCard, str]] = {}  # marker key → (card, page)

    def _open(self) -> None:
        folder = self.options.proposals_dir
        repo = repository_at(folder) if folder is not None and folder.is_dir() else None
        if folder is None or repo is None:
            self.unavailable = NOT_A_REPOSITORY
            return
        if repo.shallow:
            self.unavailable = SHALLOW
            return
        root = repo.root.resolve()
        try:
            self.folder_rel = folder.resolve().relative_to(root).as_posix()
        except ValueError:  # never read outside the repository
            self.unavailable = NOT_A_REPOSITORY
            return
        rubric = self.options.rubric_path
        if rubric is not None and not rubric.is_symlink():
            try:
                self.rubric_rel = rubric.resolve().relative_to(root).as_posix()
            except ValueError:
                self.rubric_rel = None
        specs = [self.folder_rel or ".", *([self.rubric_rel] if self.rubric_rel else [])]
        self.repo = found = dataclasses.replace(repo, root=root)
        try:
            self.log = self.ctx.memo(
                ("history log", str(root), repo.head, tuple(specs)),
                (),
                lambda: path_log(found, specs),
            )
        except (GitError, OSError):
            self.unavailable = GIT_FAILED

    # -- where each proposal is in git -----------------------------------------------------
    def path_of(self, proposal: Proposal) -> str | None:
        """The proposal's path in the repository, or None when it is not under the folder."""
        if proposal.file not in self._paths:
            self._paths[proposal.file] = self._path_of(proposal)
        return self._paths[proposal.file]

    def _path_of(self, proposal: Proposal) -> str | None:
        folder = self.options.proposals_dir
        if folder is None or self.unavailable:
            return None
        base = self.options.source_root or Path.cwd()
        file_text = os.path.normpath(os.path.join(base, proposal.file))
        prefix = os.path.join(folder, "")
        if file_text.startswith(prefix):  # the usual case, in string operations (serve)
            inside_text = file_text[len(prefix) :].replace(os.sep, "/")
            folder_rel = self.folder_rel
            return inside_text if folder_rel in ("", ".") else f"{folder_rel}/{inside_text}"
        file = Path(file_text)
        try:
            inside = file.relative_to(folder)
        except ValueError:
            try:
                inside = file.resolve().relative_to(folder.resolve())
            except ValueError:
                return None
        return PurePosixPath(self.folder_rel, inside.as_posix()).as_posix()

    def changes(self, proposal: Proposal) -> tuple[FileChange, ...]:
        path = self.path_of(proposal)
        return self.log.changes.get(path, ()) if path else ()

    def rubric_changes(self) -> tuple[FileChange, ...]:
        return self.log.changes.get(self.rubric_rel, ()) if self.rubric_rel else ()

    def page_key(self, proposal: Proposal) -> tuple[object, ...]:
        """What the proposal's History block depends on besides the proposal file."""
        if not self.options.history:
            return ()
        return (self.unavailable, self.since_for(proposal), *self.newest(proposal))

    def newest(self, proposal: Proposal) -> tuple[tuple[str, str | None] | None, str | None]:
        """The newest commit of the proposal's file (with its blob) and of the rubric: they
        stand for every commit before them, as a commit's id covers its parents."""
        changes, rubric = self.changes(proposal), self.rubric_changes()
        return (
            (changes[0].commit, changes[0].blob) if changes else None,
            rubric[0].commit if rubric else None,
        )

    # -- versions, scored once ---------------------------------------------------------------
    @cached_property
    def scoring_key(self) -> str:
        """The rubric with the site's scoring options, the regimes and build date
        obligations are judged against, and the engine's version."""
        context = self.ctx.portfolio.context
        return fingerprint(
            (
                repr(self.ctx.rubric),
                repr(context.key()) if context else None,
                self.options.publication.key,  # a public build's versions are redacted
                engine_version(),
            )
        )

    @cached_property
    def public(self) -> Visibility | None:
        """The site's visibility rules when this is the public register, else None."""
        publication = self.options.publication
        return site_visibility(publication) if publication.public else None

    def start(self) -> None:
        """Work out which versions of current proposals the pages show (the one in force at
        each listed line, older lines being only counted, and the one on the "since" date)
        and start scoring those not known yet. In a plugin build (``history_late``) they are
        scored in the background while MkDocs renders the pages; otherwise they are scored
        now and the table is finished. Under serve the memo keeps the last build's table: a
        reload whose log, files and dates are the same takes it whole, and otherwise only
        new versions are scored."""
        if self._table is None:
            self._table = self._plan()
            if not self.late:
                self._finish()

    def _plan(self) -> _VersionTable:
        plan = [
            (path, self.since_for(card.proposal))
            for card in self.ctx.portfolio.cards
            if (path := self.path_of(card.proposal)) is not None
        ]
        head = self.repo.head if self.repo is not None else None
        made_from = fingerprint((head, self.folder_rel, self.rubric_rel, plan))
        memo = self.ctx.rebuild_memo
        previous = memo.get(self._memo_key, ()) if memo is not None else None
        if isinstance(previous, ShownVersions) and previous.made_from == made_from:
            versions = previous.versions
            return _VersionTable(made_from, set(versions), set(), versions, finished=versions)
        known = previous.versions if isinstance(previous, ShownVersions) else {}
        shown: set[tuple[str, str]] = set()
        # The versions "since the last review" compares with: only theirs are worked out in
        # full (what each score is made of); a timeline line shows no reasons.
        compared: set[tuple[str, str]] = set()
        for path, since in plan:
            changes = self.log.changes.get(path, ())
            then = next((c for c in changes if c.date <= since), None)
            # Each listed line shows the version in force at its commit.
            for line in self.line_changes(path)[:MAX_LINES]:
                if line.change is not None and line.change.blob:
                    shown.add((path, line.change.blob))
            if then is not None and then.blob:
                shown.add((path, then.blob))
                compared.add((path, then.blob))
        found = {
            pair: known[pair]
            for pair in shown
            if pair in known and (pair not in compared or _in_full(known[pair]))
        }
        table = _VersionTable(made_from, shown, compared, found)
        chosen = sorted(pair for pair in shown if pair not in found)
        store = self.store
        if store is not None and chosen:
            # The kept file is read here: thousands of entries, which the cycle collector
            # would otherwise walk again and again while they are read (collector.py).
            with inputs_held():
                for pair in chosen:
                    # A name without ":line" is only ever written for a version in full.
                    kept = store.get(_stored_name(pair, pair in compared))
                    if kept is not None:
                        found[pair] = kept
                store.release()  # every version it holds for this build is read now
        to_read = [pair for pair in chosen if pair not in found]
        if not to_read:
            return table
        assert self.repo is not None  # versions are asked for only when git answered
        try:
            contents = read_blobs({blob for _, blob in to_read}, self.repo.root)
        except (GitError, OSError):
            contents = {}
        # Those "since the last review" reads first: the roll-ups and the "What changed"
        # page need them while the pages are made, the timelines only once rendered.
        scored = sorted(
            (pair for pair in to_read if pair[1] in contents), key=lambda pair: pair not in compared
        )
        table.index = {pair: n for n, pair in enumerate(scored)}
        table.scoring = VersionScoring(
            [(path, contents[blob]) for path, blob in scored],
            self.ctx.rubric,
            self.ctx.portfolio.context,
            self.public,
            lines_only=[pair not in compared for pair in scored],
        )
        return table

    def _finish(self) -> dict[tuple[str, str], Version]:
        """The whole table, once every version is scored; kept in the memo and the cache
        folder."""
        table = self._table
        assert table is not None
        if table.finished is not None:
            return table.finished
        if table.scoring is not None:
            table.found.update(zip(table.index, table.scoring.result(), strict=True))
            table.scoring = None
        versions = {pair: table.found.get(pair, NOT_READ) for pair in sorted(table.wanted)}
        table.finished = versions
        memo = self.ctx.rebuild_memo
        if memo is not None:
            memo.put(self._memo_key, (), ShownVersions(table.made_from, versions))
        if self.store is not None:
            self.store.save(
                {
                    _stored_name(pair, pair in table.compared): version
                    for pair, version in versions.items()
                    if version.problem != NOT_IN_CLONE
                }
            )
        return versions

    def close(self, *, failed: bool = False) -> None:
        """The end of the build: the table finished (and kept) if it was started; after a
        failed build, the workers stopped and nothing kept."""
        table = self._table
        if table is None:
            return
        if not failed:
            self._finish()
        elif table.scoring is not None:
            table.scoring.stop()

    @property
    def _memo_key(self) -> tuple[str, str]:
        return ("history versions", self.scoring_key)

    @cached_property
    def store(self) -> VersionStore | None:
        """Versions kept on disk in the plugin's cache folder (none without one)."""
        folder = self.options.cache_dir
        return VersionStore(folder, self.scoring_key) if folder is not None else None

    def version(self, path: str, change: FileChange) -> Version | None:
        """The version ``change`` made, if the pages show it (waiting, in the background
        case, only for the batch that holds it)."""
        if not change.blob:
            return None
        self.start()
        table = self._table
        assert table is not None
        pair = (path, change.blob)
        if pair not in table.wanted:
            return None
        found = table.found.get(pair)
        if found is None:
            if table.scoring is None or pair not in table.index:
                return NOT_READ
            found = table.found[pair] = table.scoring.version(table.index[pair])
        return found

    # -- one proposal ---------------------------------------------------------------------
    @cached_property
    def commit_order(self) -> dict[str, int]:
        """Each commit's place in the log, newest first."""
        return {commit.id: n for n, commit in enumerate(self.log.commits)}

    def line_changes(self, path: str) -> tuple[LineChange, ...]:
        """Newest first: each commit that changed the file at ``path``, and each that changed
        the rubric while the file existed, with the file's change in force then. Only those
        commits are visited, not the whole log."""
        known = self._lines.get(path)
        if known is not None:
            return known
        own = {c.commit: c for c in self.log.changes.get(path, ())}
        # The rubric's first commit added it: nothing moved then.
        rubric = {c.commit for c in self.rubric_changes()[:-1]}
        found = self._lines[path] = (
            self._merged_lines(own, rubric) if rubric else self._own_lines(own)
        )
        return found

    def _own_lines(self, own: dict[str, FileChange]) -> tuple[LineChange, ...]:
        """A line per change of the file, newest first: ``_merged_lines`` with no rubric
        change, without its walk (the commonest case)."""
        order, commits = self.commit_order, self.log.commits
        newest_first = sorted(own.values(), key=lambda c: order[c.commit])
        return tuple(LineChange(commits[order[c.commit]], c, True, False) for c in newest_first)

    def _merged_lines(self, own: dict[str, FileChange], rubric: set[str]) -> tuple[LineChange, ...]:
        """The file's changes and the rubric's while the file existed, newest first."""
        order = self.commit_order
        lines: list[LineChange] = []
        current: FileChange | None = None
        exists = False
        oldest_first = sorted(own.keys() | rubric, key=order.__getitem__, reverse=True)
        for commit_id in oldest_first:
            change = own.get(commit_id)
            if change is not None:
                current = change
                exists = change.blob is not None
            if change is None and not exists:
                continue
            commit = self.log.commits[order[commit_id]]
            lines.append(LineChange(commit, current, change is not None, commit_id in rubric))
        return tuple(reversed(lines))

    def timeline(self, proposal: Proposal) -> tuple[Line, ...]:
        """Newest first, at most MAX_LINES: each commit that changed the proposal, and each
        that changed the rubric while the proposal existed (marked: by the rubric's blob
        ids)."""
        path = self.path_of(proposal)
        if path is None:
            return ()
        return tuple(
            Line(
                line.commit.id[:7],
                line.commit.date,
                self.version(path, line.change) if line.change is not None else None,
                line.own,
                line.rubric,
            )
            for line in self.line_changes(path)[:MAX_LINES]
        )

    @cached_property
    def moved_ids(self) -> frozenset[str]:
        """The proposals that moved since their start date, found once per build (the roll-ups
        of teams, stages and units all count them)."""
        return frozenset(entry.card.proposal.id for entry in change_entries(self))

    def since_for(self, proposal: Proposal) -> str:
        """The date "what moved since" starts for ``proposal`` (YYYY-MM-DD): the date of its
        last decision on record up to the build date (its last review), else the site's
        history_since."""
        found = self._since.get(proposal.id)
        if found is None:
            found = self._since[proposal.id] = self._since_for(proposal)
        return found

    def _since_for(self, proposal: Proposal) -> str:
        card = self.ctx.portfolio.card(proposal.id)
        ledger = card.ledger if card is not None else None
        if ledger is not None:
            dates = [s.decision.date for s in ledger.states if s.decision.date <= ledger.today]
            if dates:
                return max(dates).isoformat()
        return self.since

    def movement(self, card: ScoreCard) -> Movement:
        """What moved since ``history_since``: the version then against the page now."""
        known = self._movements.get(card.proposal.id)
        if known is not None:
            return known
        changes = self.changes(card.proposal)
        path = self.path_of(card.proposal) or ""

        since = self.since_for(card.proposal)

        def make() -> Movement:
            then = next((c for c in changes if c.date <= since), None)
            before = self.version(path, then) if then is not None else None
            name = self.ctx.quadrant_name(card.state)
            now = facts_of(card, name, answers=False)
            if before is not None and before.facts is not None and scores_moved(before.facts, now):
                now = facts_of(card, name)  # the moves' reasons read both sides' answers
            return movement(since, before, now)

        key = (
            "history since",
            path,
            since,
            self.newest(card.proposal)[0],
            self.scoring_key,
        )
        found: Movement = self.ctx.memo(key, (card.proposal,), make)
        self._movements[card.proposal.id] = found
        return found

    def proposal_history(self, card: ScoreCard) -> ProposalHistory:
        path = self.path_of(card.proposal)
        every = len(self.line_changes(path)) if path is not None else 0
        return ProposalHistory(
            self.timeline(card.proposal),
            max(0, every - MAX_LINES),
            self.movement(card),
            bool(self.changes(card.proposal)),
        )

    def removed(self) -> list[tuple[str, str, str]]:
        """(date, short commit, file name) of proposals removed since the start date; none
        in the public register (a withheld proposal's file name can be its title)."""
        if self.public is not None:
            return []
        current = {self.path_of(card.proposal) for card in self.ctx.portfolio.cards}
        gone = []
        for path, changes in self.log.changes.items():
            if path == self.rubric_rel or path in current or not changes:
                continue
            last = changes[0]
            if last.blob is None and last.date > self.since and path.endswith((".yaml", ".yml")):
                gone.append((last.date, last.commit[:7], PurePosixPath(path).name))
        return sorted(gone, reverse=True)


_histories: WeakKeyDictionary[SiteContext, History] = WeakKeyDictionary()


def history_of(ctx: SiteContext) -> History:
    found = _histories.get(ctx)
    if found is None:
        found = _histories[ctx] = History(ctx)
    return found


def page_key(ctx: SiteContext, proposal: Proposal) -> tuple[object, ...]:
    """For the proposal page's cache key (builder.py)."""
    return history_of(ctx).page_key(proposal) if ctx.options.history else ()


def proposal_block(ctx: SiteContext, card: ScoreCard, page: str) -> Markup:
    """The proposal page's History block as HTML ("" with history off); in a plugin build, a
    marker the plugin fills once MkDocs has rendered the page (``fill_late_blocks``)."""
    if not ctx.options.history:
        return Markup("")
    history = history_of(ctx)
    if history.late:
        history.start()  # scored meanwhile
        # Named by what the block shows, as a block is by its HTML (a dirty build rebuilds
        # a page whose text changed).
        key = block_key(
            repr((page, history.page_key(card.proposal), history.scoring_key, history.since))
        )
        history.late_blocks[key] = (card, page)
        return Markup(LATE_BLOCK_MARKER.format(key))
    return _rendered_block(ctx, history, card, page)


def _rendered_block(ctx: SiteContext, history: History, card: ScoreCard, page: str) -> Markup:
    def render() -> Markup:
        view = None if history.unavailable else history.proposal_history(card)
        return ctx.render_html(
            "history.html.j2",
            page,
            view="proposal",
            unavailable=history.unavailable,
            history=view,
            rubric_file=history.rubric_rel,
            since=history.since,
            changes_page=ctx.path(PAGE),
        )

    # Kept under serve for this very proposal while its history and the scoring stay.
    key = ("history block", page, history.page_key(card.proposal), history.scoring_key)
    block: Markup = ctx.memo(key, (card.proposal,), render)
    return block


LATE_BLOCK_MARKER = "<!--sweetspot-history:{}-->"
LATE_BLOCK = re.compile(r"<!--sweetspot-history:([0-9a-f]{20})-->")


def fill_late_blocks(ctx: SiteContext, page: str, html: str) -> str:
    """The HTML of the rendered ``page`` with its History block in place of its marker. A
    marker this build did not make for this very page becomes nothing (proposal text can
    never form one: it is escaped, and sanitised HTML drops comments)."""
    if "<!--sweetspot-history:" not in html or not ctx.options.history:
        return html
    history = history_of(ctx)

    def block(match: re.Match[str]) -> str:
        found = history.late_blocks.get(match[1])
        if found is None or found[1] != page:
            return ""
        del history.late_blocks[match[1]]
        card, _ = found
        try:
            return str(_rendered_block(ctx, history, card, page))
        except Exception as error:  # a site's own template: the page still builds
            return str(escape(f"History could not be shown: {error}"))

    return LATE_BLOCK.sub(block, html)


def close_history(ctx: SiteContext, *, failed: bool = False) -> None:
    """The end of a build: versions still being scored are finished and kept (or, after a
    failed build, abandoned)."""
    history = _histories.get(ctx)
    if history is not None:
        history.close(failed=failed)


# -- the portfolio's view -------------------------------------------------------------------

FILTERS = (
    ("stage", "Stage moved", lambda m: m.stage),
    ("state", "State moved", lambda m: m.state),
    ("class", "Class changed", lambda m: m.risk_class),
    ("raised", "Flags raised", lambda m: bool(m.flags_raised)),
    ("cleared", "Flags cleared", lambda m: bool(m.flags_cleared)),
    ("scores", "Scores moved", lambda m: bool(m.scores)),
    ("new", "New or newly valid", lambda m: m.new or m.was_invalid),
)


@dataclass(frozen=True)
class ChangeEntry:
    card: ScoreCard
    date: str  # the latest commit touching it; "" when not committed
    commit: str
    movement: Movement
    kinds: tuple[str, ...]  # the FILTERS it appears under


def change_entries(history: History) -> list[ChangeEntry]:
    """Proposals that moved since the start date, newest first (uncommitted ones first)."""
    entries = []
    for card in history.ctx.portfolio.cards:
        moved = history.movement(card)
        if not moved.moved:
            continue
        changes = history.changes(card.proposal)
        latest = changes[0] if changes else None
        entries.append(
            ChangeEntry(
                card,
                latest.date if latest else "",
                latest.commit[:7] if latest else "",
                moved,
                tuple(name for name, _, test in FILTERS if test(moved)),
            )
        )
    entries.sort(key=lambda e: (e.date or "9999", e.card.proposal.id), reverse=True)
    return entries


def history_pages(ctx: SiteContext) -> list[GeneratedPage]:
    """The "What changed" page; with history off it says so, so a navigation that links to
    it still builds."""
    page = ctx.path(PAGE)
    if not ctx.options.history:
        body = (
            "# What changed\n\nHistory is turned off for this site (`history: false` in "
            "`mkdocs.yml`), so no change is listed here.\n"
        )
        return [GeneratedPage(page, front_matter({"title": "What changed"}) + body)]
    history = history_of(ctx)
    # Asked for every build, so the memo keeps the versions of pages kept on disk too.
    history.start()
    entries = [] if history.unavailable else change_entries(history)
    filters = [(name, label, [e for e in entries if name in e.kinds]) for name, label, _ in FILTERS]
    teams: dict[str, list[ChangeEntry]] = {}
    for entry in entries:
        teams.setdefault(entry.card.proposal.team, []).append(entry)
    removed = [] if history.unavailable else history.removed()

    def make() -> GeneratedPage:
        body = ctx.render(
            "history.md.j2",
            page,
            view="portfolio",
            unavailable=history.unavailable,
            since=history.since,
            entries=entries,
            filters=[f for f in filters if f[2]],
            teams=sorted(teams.items()),
            removed=removed,
            proposal_url=lambda pid: ctx.url(page, ctx.proposal_path(pid)),
        )
        return GeneratedPage(page, front_matter({"title": "What changed"}) + body)

    # Under serve, kept while what it shows is the same.
    shown = [
        (e.card.proposal.id, e.card.proposal.title, e.card.proposal.team, e.date, e.commit)
        for e in entries
    ]
    key = (
        "what changed",
        history.unavailable,
        history.since,
        fingerprint((shown, [e.movement for e in entries], removed)),
    )
    return [ctx.memo_page(key, make)]


__all__ = [
    "History",
    "ProposalHistory",
    "close_history",
    "fill_late_blocks",
    "history_of",
    "history_pages",
    "page_key",
    "proposal_block",
]
