"""Old versions of proposals scored with today's engine, in batches shared between this
process and worker processes (history.py shows them).

Each version is loaded with the proposal loader (``load_one`` on the blob's bytes, through
yamlsource's safe loader) and scored on its own, so the same versions give the same result
however the batches fall: tests/test_history_speed.py compares them with one process.

``VersionScoring`` hands batches out in order to whoever asks first. Scored for a whole
table at once (``result``), this process takes batches too; in the background (a plugin
build, which fills History blocks after MkDocs has rendered the pages) it scores only the
batch holding a version it needs now and the workers take the rest meanwhile.
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
from pathlib import Path, PurePosixPath
from typing import Any

from scoring.model.obligations import ComplianceContext
from scoring.model.scorecard import score_intake
from scoring.model.timeline import Version, facts_of, invalid_version
from scoring.proposals.loading import load_one
from scoring.proposals.proposal import Intake, Proposal
from scoring.proposals.publication import Visibility, redact, rules_for
from scoring.proposals.schema import proposal_schema
from scoring.rubric import Rubric
from scoring.sources.validation import checker_for
from scoring.sources.yamlsections import SectionCache

WITHHELD = "not in the public register then"
# A worker process starts and imports the engine in about 1.5 s, the time this process takes
# to score some 800 versions: workers start only when there are enough beyond that to share.
WORKER_START = 1400
# Versions scored at a time, by a worker or this process: a batch's fixed cost is small
# against 200 versions, and the last batches end within a fifth of a second of each other.
BATCH = 200
# How long this process waits for a worker's batch before scoring it itself: a batch takes
# well under a second, so only a stuck worker is ever waited for this long.
WORKER_PATIENCE = 60.0


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
            # No lines: no timeline or comparison shows where a value is.
            loaded = load_one(name, rubric, path, checker, content, sections, positions=False)
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


class Batches:
    """The batches of versions to score, each taken by one scorer (this process or a
    worker's feeder thread) and then done. Workers take the first batch nobody has taken;
    this process may also claim the very batch it needs next."""

    def __init__(self, count: int, size: int) -> None:
        self.size = size
        self.bounds = [(start, min(start + size, count)) for start in range(0, count, size)]
        self._taken = [False] * len(self.bounds)
        self._done: dict[int, list[Version]] = {}  # by batch number
        self._changed = threading.Condition()

    def take(self) -> int | None:
        """The first batch nobody has taken, now taken; None when every batch is."""
        with self._changed:
            for number, taken in enumerate(self._taken):
                if not taken:
                    self._taken[number] = True
                    return number
            return None

    def claim(self, number: int) -> bool:
        """Take batch ``number`` if nobody has."""
        with self._changed:
            if self._taken[number]:
                return False
            self._taken[number] = True
            return True

    def put(self, number: int, versions: list[Version]) -> None:
        """A batch's versions (the first answer counts: a late worker's is dropped)."""
        with self._changed:
            self._done.setdefault(number, versions)
            self._changed.notify_all()

    def give_back(self, number: int) -> None:
        """A batch its scorer could not finish, for another to take."""
        with self._changed:
            if number not in self._done:
                self._taken[number] = False
            self._changed.notify_all()

    def wait(self, number: int, timeout: float) -> list[Version] | None:
        """Batch ``number``'s versions, waiting while another scorer has it; None when
        nobody has it (given back) or after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: number in self._done or not self._taken[number], timeout)
            return self._done.get(number)

    def done(self, number: int) -> list[Version] | None:
        with self._changed:
            return self._done.get(number)


class Worker:
    """One worker process, fed batches by a thread so that this process goes on meanwhile.
    A fresh interpreter started with fixed arguments (never a fork of a process that runs
    serve's threads, and never a re-run of the main script)."""

    def __init__(self, payload: bytes, batches: Batches, request: Callable[[int], bytes]) -> None:
        paths = [entry for entry in sys.path if entry]
        code = (
            f"import sys; sys.path[:0] = {paths!r}; "
            "from scoring.site.pages.versionscoring import score_in_worker; score_in_worker()"
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

    def _feed(self, payload: bytes, batches: Batches, request: Callable[[int], bytes]) -> None:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        number: int | None = None
        try:
            stdin.write(payload)
            stdin.flush()
            # One unpickler per answer: each answer is a pickle of its own, whose memo
            # numbers start again at 0.
            # No batch waits for a worker still starting: this process may score them all.
            if _VersionsUnpickler(stdout).load() is not None:
                return
            while (number := batches.take()) is not None:
                stdin.write(request(number))  # its files go with it: each only where scored
                stdin.flush()
                part = _VersionsUnpickler(stdout).load()
                start, end = batches.bounds[number]
                if not isinstance(part, list) or len(part) != end - start:
                    return  # not versions: its batch is scored by this process
                if not all(isinstance(v, Version) for v in part):
                    return  # likewise
                batches.put(number, part)
            stdin.write(pickle.dumps(None))
            stdin.flush()
        except Exception:  # it could not start, or stopped: its batch is scored here
            return
        finally:
            if number is not None:
                batches.give_back(number)  # nothing if it was answered

    def stop(self) -> None:
        """Stop the process (done, failed or too slow: nothing more is asked of it)."""
        self.process.kill()
        self.thread.join()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


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


class VersionScoring:
    """``files`` being scored over every core: worker processes take batches in turn, and
    this process takes those it needs (``version``) or, for the whole table (``result``),
    the rest. The same versions in the same order as one process gives. With few versions
    or one core, or where a worker cannot start or fails, its batches are scored here: the
    build never depends on a second process."""

    def __init__(
        self,
        files: Sequence[tuple[str, bytes]],
        rubric: Rubric,
        compliance: ComplianceContext | None = None,
        public: Visibility | None = None,
        processes: int | None = None,
        lines_only: Sequence[bool] = (),
    ) -> None:
        self.files = files
        self.rubric = rubric
        self.compliance = compliance
        self.public = public
        self.light = [n < len(lines_only) and lines_only[n] for n in range(len(files))]
        self.sections = SectionCache()
        self.batches = Batches(len(files), BATCH)
        self.workers: list[Worker] = []
        processes = scoring_processes() if processes is None else processes
        if processes < 2 or len(files) < WORKER_START:
            return
        try:
            payload = pickle.dumps((rubric, compliance, public), pickle.HIGHEST_PROTOCOL)
            for _ in range(processes - 1):
                self.workers.append(Worker(payload, self.batches, self._request))
        except Exception:  # no second process here (a sandbox), or unpicklable rules
            pass

    def _request(self, number: int) -> bytes:
        start, end = self.batches.bounds[number]
        batch = (list(self.files[start:end]), self.light[start:end])
        return pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)

    def _score(self, number: int) -> list[Version]:
        start, end = self.batches.bounds[number]
        versions = score_versions(
            self.files[start:end],
            self.rubric,
            self.rubric.state_name,
            self.compliance,
            self.public,
            self.light[start:end],
            self.sections,
        )
        self.batches.put(number, versions)
        return versions

    def batch(self, number: int) -> list[Version]:
        """Batch ``number``'s versions: scored here unless a worker has it, whose answer is
        waited for (a worker that fails or stalls leaves it to this process)."""
        while True:
            if self.batches.claim(number):
                return self._score(number)
            found = self.batches.wait(number, WORKER_PATIENCE)
            if found is not None:
                return found
            # Given back (now claimed here), or still not answered: its worker is stuck.
            if self.batches.claim(number) or self.batches.done(number) is None:
                return self._score(number)

    def version(self, index: int) -> Version:
        """The version of ``files[index]``."""
        number = index // self.batches.size
        return self.batch(number)[index - self.batches.bounds[number][0]]

    def result(self) -> list[Version]:
        """Every version, in order; the workers are stopped."""
        try:
            while (number := self.batches.take()) is not None:
                self._score(number)
            versions: list[Version] = []
            for number in range(len(self.batches.bounds)):
                versions += self.batch(number)
            return versions
        finally:
            self.stop()

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers = []


__all__ = [
    "BATCH",
    "WORKER_START",
    "Batches",
    "VersionScoring",
    "Worker",
    "score_in_worker",
    "score_versions",
    "scoring_processes",
]
