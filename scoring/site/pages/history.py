"""History from git: a timeline on each proposal page and the "What changed" page.

Computed from the repository's own git (scoring/sources/gitrevisions.py: fixed arguments, no
shell, blobs by id, symbolic links never read) and loaded with the proposal loader
(`load_one` on the blob's bytes, through yamlsource's ``load_bytes``: size cap, aliases
refused). Each version is scored with today's engine and rubric, so the lines compare like
with like. Commit authors are never read, only dates and short commit ids.

Under `mkdocs serve` the one memo keeps the log (by HEAD), each version (by blob id, the
rubric, the site's scoring options and the engine's version) and each "since" comparison
(by the very proposal object), so a rebuild scores nothing that did not change. In a plain
folder or a shallow clone the pages say "history unavailable"; the build never fails.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any
from weakref import WeakKeyDictionary

from markupsafe import Markup

from scoring.model.obligations import ComplianceContext
from scoring.model.scorecard import ScoreCard, score_intake
from scoring.model.timeline import (
    Line,
    Movement,
    Version,
    engine_version,
    facts_of,
    invalid_version,
    movement,
)
from scoring.proposals.loading import load_one
from scoring.proposals.proposal import Intake, Proposal
from scoring.proposals.publication import Publication, Visibility, redact, rules_for
from scoring.proposals.schema import proposal_schema
from scoring.rubric import Rubric
from scoring.site.pages.blocks import GeneratedPage, front_matter
from scoring.site.pages.context import SiteContext
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
from scoring.sources.validation import checker_for
from scoring.sources.yamlsections import SectionCache

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
WITHHELD = "not in the public register then"
# A worker process starts and imports the engine in about 1.5 s, the time this process takes
# to score some 800 versions: workers start only when there are enough beyond that to share.
WORKER_START = 1400
# Versions scored at a time, by a worker or this process: a batch's fixed cost is small
# against 200 versions, and the last batches end within a fifth of a second of each other.
BATCH = 200


def site_visibility(publication: Publication) -> Visibility:
    """The site's visibility rules, from the plain values a Publication keeps of them."""
    rules = publication.rules
    if isinstance(rules, tuple) and len(rules) == 2:
        return Visibility(dict(rules[0]), rules[1])
    return Visibility()


def score_versions(
    files: Sequence[tuple[str, bytes]],
    rubric: Rubric,
    state_name: Any,
    compliance: ComplianceContext | None = None,
    public: Visibility | None = None,
    lines_only: Sequence[bool] = (),
    sections: SectionCache | None = None,
) -> list[Version]:
    """Each (repository path, content) loaded as a proposal and scored with ``rubric`` and
    today's ``compliance`` (regimes and build date), as the page now is; a version invalid
    under today's format says so. A version ``lines_only`` marks (by position) is shown only
    on a timeline line, so what each score is made of is not worked out. For the public
    register (``public``: the site's visibility rules) each version is redacted as today's
    files are, a withheld one is not shown, and an invalid one does not name its field (it
    can quote what the file holds). ``sections`` keeps the top-level sections parsed so
    far: the versions of one file share most of them (yamlsections.py).
    Whatever goes wrong stays in its line."""
    checker = checker_for(proposal_schema(rubric))
    versions: list[Version | None] = [None] * len(files)
    valid: list[tuple[int, Proposal]] = []
    for n, (path, content) in enumerate(files):
        try:
            name = Path(PurePosixPath(path).name)
            loaded = load_one(name, rubric, path, checker, content, sections)
            if isinstance(loaded, Proposal) and public is not None:
                rules = rules_for(loaded.fields, public)
                if rules.withhold_rows is not None and rules.withhold_rows.withholds(loaded.fields):
                    versions[n] = Version(None, WITHHELD)
                    continue
                loaded = redact(loaded, rules)[0]
        except Exception:  # an input nobody foresaw: shown as such, never a traceback
            versions[n] = Version(None, "not valid under today's format")
            continue
        if isinstance(loaded, Proposal):
            # Unique ids: many versions of one proposal are scored together.
            valid.append((n, dataclasses.replace(loaded, id=f"{loaded.id}--v{n}")))
        elif public is not None:
            versions[n] = Version(None, "not valid under today's format")
        else:
            versions[n] = invalid_version(loaded)
    if valid:
        try:
            proposals = Intake(proposals=[p for _, p in valid])
            cards = score_intake(proposals, rubric, compliance).cards
            by_id = {card.proposal.id: card for card in cards}
            for n, proposal in valid:
                card = by_id[proposal.id]
                full = n >= len(lines_only) or not lines_only[n]
                versions[n] = Version(facts_of(card, state_name(card.state), answers=full))
        except Exception:
            for n, _ in valid:
                versions[n] = versions[n] or Version(None, "could not be scored today")
    return [v or Version(None, "could not be scored today") for v in versions]


def score_in_worker() -> None:
    """A worker process's whole job: the site's rubric, regimes and visibility rules read
    pickled from standard input, then one batch at a time (its files, and which of them
    only a timeline line shows), each answered with its versions pickled to standard
    output; None ends it. The input is this build's own (file contents read from git by the
    parent, and the site's rubric and rules)."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    rubric, compliance, public = pickle.load(stdin)
    pickle.dump(None, stdout)  # ready: a batch sent now is scored at once
    stdout.flush()
    sections = SectionCache()
    while (batch := pickle.load(stdin)) is not None:
        files, lines_only = batch
        part = score_versions(
            files, rubric, rubric.state_name, compliance, public, lines_only, sections
        )
        pickle.dump(part, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


class _Batches:
    """The batches of versions still to score, handed out in order to whoever asks first:
    this process or a worker's feeder thread. Each takes another as soon as it is done, so
    all finish together whatever their speed (a worker often shares a core with the build,
    or starts late)."""

    def __init__(self, count: int, size: int) -> None:
        self.bounds = [(start, min(start + size, count)) for start in range(0, count, size)]
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> tuple[int, int] | None:
        with self._lock:
            if self._next == len(self.bounds):
                return None
            self._next += 1
            return self.bounds[self._next - 1]


class _Worker:
    """One worker process, fed batches by a thread so that this process scores batches of
    its own meanwhile. A fresh interpreter started with fixed arguments (never a fork of a
    process that runs serve's threads, and never a re-run of the main script)."""

    def __init__(
        self, payload: bytes, batches: _Batches, request: Callable[[int, int], bytes]
    ) -> None:
        self.found: dict[int, list[Version]] = {}  # by the batch's first index
        self.busy = False  # a batch taken and not answered yet
        paths = [entry for entry in sys.path if entry]
        code = (
            f"import sys; sys.path[:0] = {paths!r}; "
            "from scoring.site.pages.history import score_in_worker; score_in_worker()"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.thread = threading.Thread(
            target=self._feed, args=(payload, batches, request), daemon=True
        )
        self.thread.start()

    def _feed(
        self, payload: bytes, batches: _Batches, request: Callable[[int, int], bytes]
    ) -> None:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(payload)
            stdin.flush()
            # One unpickler per answer: each answer is a pickle of its own, whose memo
            # numbers start again at 0.
            # No batch waits for a worker still starting: this process may score them all.
            if _VersionsUnpickler(stdout).load() is not None:
                return
            while (batch := batches.take()) is not None:
                self.busy = True
                stdin.write(request(*batch))  # its files go with it: each only where scored
                stdin.flush()
                part = _VersionsUnpickler(stdout).load()
                size = batch[1] - batch[0]
                if not isinstance(part, list) or len(part) != size:
                    return  # not versions: its batch is scored by this process
                if not all(isinstance(v, Version) for v in part):
                    return  # likewise
                self.found[batch[0]] = part
                self.busy = False
            stdin.write(pickle.dumps(None))
            stdin.flush()
        except Exception:  # it could not start, or stopped: its batch is scored here
            return

    def result(self, timeout: float) -> dict[int, list[Version]]:
        """The batches it scored; one it has not answered within ``timeout`` seconds is
        given up and scored here. The process is stopped either way: it has answered all
        it will (called once no batch is left to take, so an idle worker is not waited
        for, however late it starts)."""
        if self.busy:
            self.thread.join(timeout)
        self.process.kill()  # done (told to stop), failed, or too slow
        self.thread.join()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        return dict(self.found)


class _VersionsUnpickler(pickle.Unpickler):
    """Reads a worker's answer: versions and their facts, no other class."""

    def find_class(self, module: str, name: str) -> Any:
        if module != "scoring.model.timeline" or name not in ("Version", "Facts"):
            raise pickle.UnpicklingError(f"a worker's answer may not hold {module}.{name}")
        return super().find_class(module, name)


def scoring_processes() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def score_all(
    files: Sequence[tuple[str, bytes]],
    rubric: Rubric,
    compliance: ComplianceContext | None = None,
    public: Visibility | None = None,
    processes: int | None = None,
    lines_only: Sequence[bool] = (),
) -> list[Version]:
    """score_versions over every core: worker processes and this one take batches of
    versions in turn until none is left; the same versions in the same order as one
    process gives (each version is scored on its own). With few versions or one core, or
    where a worker cannot start or fails, its batches are scored here: the build never
    depends on a second process."""
    processes = scoring_processes() if processes is None else processes
    light = [n < len(lines_only) and lines_only[n] for n in range(len(files))]
    sections = SectionCache()

    def score(start: int, end: int) -> list[Version]:
        return score_versions(
            files[start:end],
            rubric,
            rubric.state_name,
            compliance,
            public,
            light[start:end],
            sections,
        )

    if processes < 2 or len(files) < WORKER_START:
        return score(0, len(files))
    batches = _Batches(len(files), BATCH)
    workers: list[_Worker] = []
    try:
        payload = pickle.dumps((rubric, compliance, public), pickle.HIGHEST_PROTOCOL)

        def request(start: int, end: int) -> bytes:
            batch = (list(files[start:end]), light[start:end])
            return pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)

        for _ in range(processes - 1):
            workers.append(_Worker(payload, batches, request))
    except Exception:  # no second process here (a sandbox), or unpicklable rules
        pass
    done: dict[int, list[Version]] = {}
    while (batch := batches.take()) is not None:
        done[batch[0]] = score(*batch)
    for worker in workers:
        # Its last batch takes about as long as one of ours: far less than a minute.
        done.update(worker.result(timeout=60.0))
    versions: list[Version] = []
    for start, end in batches.bounds:
        versions += done[start] if start in done else score(start, end)
    return versions


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
        self._open()

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
        file = Path(os.path.normpath(base / proposal.file))
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
        return (
            self.unavailable,
            self.since_for(proposal),
            tuple((c.commit, c.blob) for c in self.changes(proposal)),
            tuple(c.commit for c in self.rubric_changes()),
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

    @cached_property
    def versions(self) -> dict[tuple[str, str], Version]:
        """The versions of current proposals the pages show, by (path, blob): the one in
        force at each listed line (older lines are only counted) and the one on the "since"
        date. Under serve the memo keeps the last build's table: a reload whose log, files
        and dates are the same takes it whole, and otherwise only new versions are scored."""
        plan = [
            (path, self.since_for(card.proposal))
            for card in self.ctx.portfolio.cards
            if (path := self.path_of(card.proposal)) is not None
        ]
        head = self.repo.head if self.repo is not None else None
        made_from = fingerprint((head, self.folder_rel, self.rubric_rel, plan))
        memo = self.ctx.rebuild_memo
        key = ("history versions", self.scoring_key)
        previous = memo.get(key, ()) if memo is not None else None
        if isinstance(previous, ShownVersions) and previous.made_from == made_from:
            return previous.versions
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
        wanted = sorted(shown)
        found = {
            pair: known[pair]
            for pair in wanted
            if pair in known and (pair not in compared or _in_full(known[pair]))
        }
        found.update(self._score([pair for pair in wanted if pair not in found], compared))
        versions = {pair: found[pair] for pair in wanted}
        if memo is not None:
            memo.put(key, (), ShownVersions(made_from, versions))
        if self.store is not None:
            self.store.save(
                {
                    _stored_name(pair, pair in compared): version
                    for pair, version in versions.items()
                    if version.problem != NOT_IN_CLONE
                }
            )
        return versions

    def _score(
        self, chosen: list[tuple[str, str]], compared: set[tuple[str, str]]
    ) -> dict[tuple[str, str], Version]:
        """Versions by (path, blob): those kept in the cache folder, the others read from git
        and scored (in full for the ``compared`` ones); a blob this clone lacks says so."""
        if not chosen:
            return {}
        store = self.store
        on_disk = {
            pair: kept
            for pair in chosen
            # A name without ":line" is only ever written for a version scored in full.
            if store is not None
            and (kept := store.get(_stored_name(pair, pair in compared))) is not None
        }
        to_read = [pair for pair in chosen if pair not in on_disk]
        assert self.repo is not None  # versions are asked for only when git answered
        try:
            contents = read_blobs({blob for _, blob in to_read}, self.repo.root)
        except (GitError, OSError):
            contents = {}
        present = [(p, b) for p, b in to_read if b in contents]
        scored = dict(
            zip(
                present,
                score_all(
                    [(p, contents[b]) for p, b in present],
                    self.ctx.rubric,
                    self.ctx.portfolio.context,
                    self.public,
                    lines_only=[pair not in compared for pair in present],
                ),
                strict=True,
            )
        )
        scored.update(on_disk)
        return {pair: scored.get(pair, Version(None, NOT_IN_CLONE)) for pair in chosen}

    @cached_property
    def store(self) -> VersionStore | None:
        """Versions kept on disk in the plugin's cache folder (none without one)."""
        folder = self.options.cache_dir
        return VersionStore(folder, self.scoring_key) if folder is not None else None

    def version(self, path: str, change: FileChange) -> Version | None:
        return self.versions.get((path, change.blob)) if change.blob else None

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
        found = self._lines[path] = tuple(reversed(lines))
        return found

    def timeline(self, proposal: Proposal) -> tuple[Line, ...]:
        """Newest first: each commit that changed the proposal, and each that changed the
        rubric while the proposal existed (marked: by the rubric's blob ids)."""
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
            for line in self.line_changes(path)
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
            now = facts_of(card, self.ctx.quadrant_name(card.state))
            return movement(since, before, now)

        key = (
            "history since",
            path,
            since,
            tuple((c.commit, c.blob) for c in changes),
            self.scoring_key,
        )
        found: Movement = self.ctx.memo(key, (card.proposal,), make)
        self._movements[card.proposal.id] = found
        return found

    def proposal_history(self, card: ScoreCard) -> ProposalHistory:
        lines = self.timeline(card.proposal)
        return ProposalHistory(
            lines[:MAX_LINES],
            max(0, len(lines) - MAX_LINES),
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
    """The proposal page's History block as HTML ("" with history off)."""
    if not ctx.options.history:
        return Markup("")
    history = history_of(ctx)

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
    history.versions  # noqa: B018
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
    "history_of",
    "history_pages",
    "page_key",
    "proposal_block",
    "score_all",
    "score_in_worker",
    "score_versions",
]
