"""`sweetspot diff`: what a change to the proposals folder does to the portfolio.

Both sides are read from git (or the working tree), written to a temporary folder and
loaded with the same `load_proposals` and `score_intake` the site uses, so problems and
scores in the report are exactly the ones `sweetspot validate` and `sweetspot score` give.
Both sides are scored with the same rubric, so the report shows what the proposal edits
changed, not what a rubric edit changed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from scoring.cli.common import (
    DEFAULT_PROPOSALS,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    add_command,
    md_code,
    md_text,
    one_line,
    plural,
    printable,
    rubric_from,
)
from scoring.cli.decisions_diff import DecisionChanges, decision_changes
from scoring.cli.decisions_diff import markdown_lines as decisions_markdown
from scoring.cli.score import add_compliance_arguments, compliance_from
from scoring.cli.select import chosen_set_moves_here
from scoring.model.clock import build_date
from scoring.model.engine import SCORE_COLUMNS
from scoring.model.obligations import ComplianceContext
from scoring.model.scorecard import ScoreCard, score_intake
from scoring.proposals.loading import SUFFIXES, display_path, load_proposals, printable_name
from scoring.proposals.proposal import Intake, InvalidFile, Proposal
from scoring.rubric import Rubric
from scoring.sources.gitrevisions import (
    READ_CAP as _READ_CAP,
)
from scoring.sources.gitrevisions import (
    GitError,
    blob_start,
    read_small_blobs,
    run_git,
)
from scoring.sources.problems import Problem

MARKER = "<!-- sweetspot-diff -->"
METRICS = ("priority", *SCORE_COLUMNS)
# Decimals as the site shows them: priority with one (the portfolio table), scores with none.
DECIMALS = {"priority": 1, **{metric: 0 for metric in SCORE_COLUMNS}}
ATTENTION = ("red", "high")  # flag severities that head the report
RISKY_STAGES = ("approved", "production")  # moving here with such flags open is called out
WORKING_TREE = "working tree"
MAX_SUMMARY_LINES = 25
RENAME_SIMILARITY = 90  # git similarity needed to pair files that do not load
MAX_MARKDOWN = 60_000  # GitHub refuses comments over 65,536 characters


class DiffError(Exception):
    """A usage problem (no repository, unknown ref): printed, exit status 2."""


# ---- git --------------------------------------------------------------------------------


def _git(args: list[str], cwd: Path | str, stdin: bytes | None = None) -> bytes:
    try:
        return run_git(args, cwd, stdin)
    except GitError as error:
        raise DiffError(str(error)) from error


def repo_root(cwd: Path | str | None = None) -> Path:
    try:
        out = _git(["rev-parse", "--show-toplevel"], cwd or os.getcwd())
    except DiffError as error:
        raise DiffError(
            "not inside a git repository; run sweetspot diff from a clone of "
            "the proposals repository"
        ) from error
    return Path(out.decode("utf-8").strip())


def fetch_hint(ref: str) -> str:
    """The command that makes ``ref`` available in a shallow or partial clone."""
    if re.fullmatch(r"[0-9a-fA-F]{7,40}", ref):
        return f"git fetch --depth=1 origin {ref}"
    if re.search(r"[~^@{]", ref):  # relative to another commit: the history is needed
        return "git fetch --unshallow"
    for prefix in ("refs/remotes/origin/", "origin/"):
        if ref.startswith(prefix):
            return f"git fetch origin {ref[len(prefix) :]} --depth=1"
    return f"git fetch origin {ref} --depth=1"


def _rev_parse(ref: str, root: Path) -> str | None:
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", ref],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else None


def _object_type(ref: str, root: Path) -> str | None:
    # rev-parse --verify accepts any 40-digit id; cat-file says whether the object is here.
    sha = _rev_parse(ref, root)
    if sha is None:
        return None
    done = subprocess.run(
        ["git", "cat-file", "-t", sha], cwd=root, capture_output=True, check=False
    )
    return done.stdout.decode().strip() if done.returncode == 0 else None


def resolve(ref: str, root: Path) -> str:
    """The commit id ``ref`` names, or a one-line DiffError that says what to do."""
    shown = one_line(ref)
    if not ref or ref.startswith("-"):
        raise DiffError(f"'{shown}' is not a git ref")
    commit = _rev_parse(f"{ref}^{{commit}}", root)
    if commit:
        return commit
    if _rev_parse("HEAD", root) is None and not _git(["rev-list", "-n", "1", "--all"], root):
        raise DiffError(
            "the repository has no commits yet; commit the proposals first, "
            "then compare with a branch, tag or commit"
        )
    if _object_type(ref, root) in ("tree", "blob"):  # such as HEAD:content
        raise DiffError(
            f"'{shown}' names a tree or a file, not a commit; give a branch, tag or commit"
        )
    raise DiffError(
        f"the git ref '{shown}' does not exist in this clone; a shallow clone (such as a CI "
        f"checkout) may not have it yet: run `{fetch_hint(ref)}` and try again (in GitHub "
        "Actions, actions/checkout with fetch-depth: 0 fetches every branch)"
    )


def normalise_folder(path: str, root: Path) -> str:
    """``path`` as a POSIX path relative to the repository root ("" for the root itself)."""
    shown = one_line(path)
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.resolve().relative_to(root.resolve())
        except ValueError as error:
            raise DiffError(
                f"--path {shown} is outside the repository {one_line(str(root))}"
            ) from error
    text = os.path.normpath(candidate.as_posix()).replace(os.sep, "/")
    if text == ".":
        return ""
    if text.startswith("../") or text == "..":
        raise DiffError(f"--path {shown} is outside the repository")
    return text


def _kind_at(commit: str, folder: str, root: Path) -> str | None:
    """'tree', 'blob' (or another object type) for ``folder`` at ``commit``; None if absent."""
    if not folder:
        return "tree"
    done = subprocess.run(
        ["git", "cat-file", "-t", f"{commit}:{folder}"], cwd=root, capture_output=True, check=False
    )
    return done.stdout.decode().strip() if done.returncode == 0 else None


def check_folder(folder: str, root: Path, commits: list[str], working_tree: bool) -> None:
    """The proposals folder must be a folder on at least one side; a file, or a folder that
    is on neither side (a typo), is a usage error rather than "no changes"."""
    label = one_line(folder or ".")
    kinds = [_kind_at(commit, folder, root) for commit in commits]
    if working_tree:
        place = root / folder if folder else root
        if place.is_symlink():
            raise DiffError(f"--path {label} is a symbolic link; give the real folder")
        kinds.append("tree" if place.is_dir() else "blob" if place.exists() else None)
    if any(kind not in (None, "tree") for kind in kinds):
        raise DiffError(f"--path {label} is a file, not a folder of proposals")
    if all(kind is None for kind in kinds):
        raise DiffError(f"--path {label} does not exist on either side of the comparison")


def _is_proposal_file(path: str) -> bool:
    return PurePosixPath(path).suffix in SUFFIXES


def files_at_ref(commit: str, folder: str, root: Path) -> dict[str, bytes]:
    """Every proposal file under ``folder`` at ``commit``: repository path -> content (of a
    file over the size cap, its first bytes only)."""
    listing = _git(["ls-tree", "-r", "-z", "-l", "--full-tree", commit, "--", folder or "."], root)
    blobs: list[tuple[str, str]] = []
    large: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, sha, listed_size = meta.decode().split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if kind == "blob" and mode != "120000" and _is_proposal_file(path):
            (large if int(listed_size) > _READ_CAP else blobs).append((path, sha))
    files: dict[str, bytes] = {path: blob_start(sha, root) for path, sha in large}
    try:
        found = read_small_blobs([sha for _, sha in blobs], root)
    except GitError as error:
        raise DiffError(str(error)) from error
    files.update({path: found[sha] for path, sha in blobs if sha in found})
    return dict(sorted(files.items()))


def files_in_tree(folder: str, root: Path) -> dict[str, bytes]:
    """Every proposal file under ``folder`` in the working tree (of a file over the size
    cap, its first bytes only).

    Symbolic links are skipped, files and folders alike, exactly as `files_at_ref` skips
    them in a commit (git stores a link, not what it points to), so a commit compared with
    its own checkout shows no change. So is anything that is not a regular file: a FIFO
    would block the read.
    """
    base = root / folder if folder else root
    if not base.is_dir() or base.is_symlink():
        return {}
    files: dict[str, bytes] = {}
    for current, dirs, names in os.walk(base, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(names):
            path = Path(current) / name
            if path.suffix not in SUFFIXES or path.is_symlink() or not path.is_file():
                continue
            key = path.relative_to(root).as_posix()
            try:
                with path.open("rb") as handle:
                    files[key] = handle.read(_READ_CAP)
            except OSError as error:
                raise DiffError(
                    f"cannot read {one_line(printable(key))}: {error.strerror or error}"
                ) from None
    return dict(sorted(files.items()))


def git_renames(base: str, head: str | None, folder: str, root: Path) -> dict[str, tuple[str, int]]:
    """Renames git detects between the two sides: old path -> (new path, similarity %)."""
    args = ["diff", "--no-ext-diff", "--name-status", "-z", "-M", base]
    if head:
        args.append(head)
    out = _git([*args, "--", folder or "."], root)
    fields = out.split(b"\0")
    renames: dict[str, tuple[str, int]] = {}
    index = 0
    while index < len(fields) and fields[index]:
        status = fields[index].decode()
        if status[:1] in ("R", "C"):
            old = fields[index + 1].decode("utf-8", "surrogateescape")
            new = fields[index + 2].decode("utf-8", "surrogateescape")
            if status[0] == "R":
                renames[old] = (new, int(status[1:] or 0))
            index += 3
        else:
            index += 2
    return renames


# ---- loading one side -------------------------------------------------------------------


@dataclass
class Side:
    label: str  # the ref as given, or "working tree"
    commit: str | None
    files: dict[str, bytes]
    intake: Intake
    proposals: dict[str, Proposal]  # valid proposals by repository path
    invalid: dict[str, InvalidFile]  # by repository path
    cards: dict[str, ScoreCard] = field(default_factory=dict)  # the scored ones, by path
    # The regimes and build date obligations are judged against: the same on both sides.
    compliance: ComplianceContext | None = None

    def score(self, paths: Iterable[str], rubric: Rubric) -> None:
        """Score the proposals at ``paths``. Scores depend on nothing but the proposal and
        the rubric, so files identical on both sides need no scoring."""
        wanted = [self.proposals[p] for p in sorted(set(paths)) if p in self.proposals]
        portfolio = score_intake(Intake(proposals=wanted), rubric, self.compliance)
        self.cards.update({card.proposal.file: card for card in portfolio.cards})


def _rename_file(problem: Problem, names: dict[str, str]) -> Problem:
    message = problem.message
    if problem.code == "duplicate-id":
        for shown, real in names.items():
            message = message.replace(shown, real)
    return dataclasses.replace(problem, file=names.get(problem.file, problem.file), message=message)


def load_side(
    label: str, commit: str | None, files: dict[str, bytes], folder: str, rubric: Rubric
) -> Side:
    """Load ``files`` exactly as `sweetspot validate` would (scoring comes later)."""
    with tempfile.TemporaryDirectory(prefix="sweetspot-diff-") as tmp:
        top = Path(tmp)
        base = top / folder if folder else top
        base.mkdir(parents=True, exist_ok=True)
        names: dict[str, str] = {}
        for path, content in files.items():
            target = top / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            # The loader shows a name that is not UTF-8 with \xNN escapes.
            names[printable_name(display_path(target))] = path
        raw = load_proposals([base], rubric)
    intake = Intake(
        proposals=[dataclasses.replace(p, file=names.get(p.file, p.file)) for p in raw.proposals],
        invalid=[
            InvalidFile(
                names.get(bad.file, bad.file),
                bad.id,
                tuple(_rename_file(p, names) for p in bad.problems),
            )
            for bad in raw.invalid
        ],
    )
    return Side(
        label,
        commit,
        files,
        intake,
        {p.file: p for p in intake.proposals},
        {bad.file: bad for bad in intake.invalid},
    )


# ---- comparing --------------------------------------------------------------------------


def _title_of(side: Side, path: str) -> str | None:
    proposal = side.proposals.get(path)
    return proposal.title if proposal else None


def _same_proposal(base: Side, old: str, head: Side, new: str, similarity: int) -> bool:
    """Whether a file that disappeared and one that appeared are the same proposal.

    Proposals drafted from the same template look alike to git, so its rename detection
    alone would pair a removed proposal with an unrelated new one. A rename must keep the
    content or the title; for files that do not load, git's similarity must be high.
    """
    if base.files[old] == head.files[new]:
        return True
    old_title, new_title = _title_of(base, old), _title_of(head, new)
    if old_title is not None and new_title is not None:
        return old_title == new_title
    return similarity >= RENAME_SIMILARITY


def pair_files(
    base: Side, head: Side, renames: dict[str, tuple[str, int]]
) -> tuple[list[tuple[str, str]], list[str], list[str], dict[str, str]]:
    """(kept or renamed pairs, added paths, removed paths, how each rename was found)."""
    removed = sorted(set(base.files) - set(head.files))
    added = sorted(set(head.files) - set(base.files))
    found: dict[str, str] = {}
    pairs: list[tuple[str, str]] = [(p, p) for p in sorted(set(base.files) & set(head.files))]
    for old, (new, similarity) in renames.items():
        if old in removed and new in added and _same_proposal(base, old, head, new, similarity):
            pairs.append((old, new))
            found[new] = "git"
            removed.remove(old)
            added.remove(new)
    # Renames git could not see, such as untracked files: same content, then same title.
    for old in list(removed):
        match = next((new for new in added if head.files[new] == base.files[old]), None)
        if match is None:
            title = _title_of(base, old)
            same = [new for new in added if title and _title_of(head, new) == title]
            match = same[0] if len(same) == 1 else None
        if match is not None:
            pairs.append((old, match))
            found[match] = "content" if head.files[match] == base.files[old] else "title"
            removed.remove(old)
            added.remove(match)
    return sorted(pairs, key=lambda pair: pair[1]), added, removed, found


def _stem(path: str) -> str:
    return PurePosixPath(path).stem


def _card_summary(card: ScoreCard | None, bad: InvalidFile | None, path: str) -> dict[str, Any]:
    if card is None:
        return {
            "id": bad.id if bad else _stem(path),
            "file": path,
            "valid": False,
            "title": None,
            "team": None,
            "stage": None,
            "quadrant": None,
            "priority": None,
            "scores": None,
            "flags": [],
            "problems": len(bad.problems) if bad else 0,
        }
    p = card.proposal
    return {
        "id": p.id,
        "file": path,
        "valid": True,
        "title": p.title,
        "team": p.team,
        "stage": p.stage,
        "quadrant": card.state,
        "priority": card.priority,
        "scores": dict(card.scores),
        "flags": [f.id for f in card.flags],
        "problems": 0,
    }


def _flag_json(flag: Any) -> dict[str, str]:
    return {"id": flag.id, "severity": flag.severity, "title": flag.title}


def compare_pair(old: str, new: str, base: Side, head: Side) -> dict[str, Any] | None:
    """What changed for one proposal kept (or renamed) on both sides; None when nothing."""
    was, now = base.proposals.get(old), head.proposals.get(new)
    before, after = base.cards.get(old), head.cards.get(new)  # scored only when it differs
    content_changed = base.files[old] != head.files[new]
    status = "renamed" if old != new else ("modified" if content_changed else "unchanged")
    entry: dict[str, Any] = {
        "id": now.id if now else _stem(new),
        "old_id": was.id if was else _stem(old),
        "file": new,
        "old_file": old,
        "status": status,
        "content_changed": content_changed,
        "title": now.title if now else (was.title if was else None),
        "valid_before": was is not None,
        "valid_after": now is not None,
        "scores": {},
        "quadrant": None,
        "stage": None,
        "flags_added": [],
        "flags_cleared": [],
        "gaps_opened": [],
        "gaps_closed": [],
    }
    if before and after:
        for metric in METRICS:
            old_value = before.priority if metric == "priority" else before.scores[metric]
            new_value = after.priority if metric == "priority" else after.scores[metric]
            places = DECIMALS[metric]
            if round(old_value, places) != round(new_value, places):  # visible on the site
                entry["scores"][metric] = {
                    "old": old_value,
                    "new": new_value,
                    "delta": round(round(new_value, places) - round(old_value, places), places),
                }
        # "quadrant" carries the state: a quadrant, or needs information.
        if before.state != after.state:
            entry["quadrant"] = {"old": before.state, "new": after.state}
        if before.proposal.stage != after.proposal.stage:
            entry["stage"] = {"old": before.proposal.stage, "new": after.proposal.stage}
        old_flags = {f.id: f for f in before.flags}
        new_flags = {f.id: f for f in after.flags}
        entry["flags_added"] = [_flag_json(f) for i, f in new_flags.items() if i not in old_flags]
        entry["flags_cleared"] = [_flag_json(f) for i, f in old_flags.items() if i not in new_flags]
        old_gaps, new_gaps = _gaps(before), _gaps(after)
        entry["gaps_opened"] = [g for key, g in new_gaps.items() if key not in old_gaps]
        entry["gaps_closed"] = [g for key, g in old_gaps.items() if key not in new_gaps]
    interesting = (
        status != "unchanged"
        or entry["valid_before"] != entry["valid_after"]
        or entry["scores"]
        or entry["quadrant"]
        or entry["stage"]
        or entry["flags_added"]
        or entry["flags_cleared"]
        or entry["gaps_opened"]
        or entry["gaps_closed"]
    )
    return entry if interesting else None


def _gaps(card: ScoreCard) -> dict[str, dict[str, str]]:
    """The obligations in a gap (issue 27), keyed "regime:obligation"."""
    return {
        f"{r.profile.id}:{o.id}": {
            "id": f"{r.profile.id}:{o.id}",
            "regime": r.profile.short,
            "text": o.obligation.text,
            "rule": o.obligation.rule,
        }
        for r in card.compliance
        for o in r.gaps
    }


@dataclass
class DiffReport:
    base: Side
    head: Side
    folder: str
    rubric: Rubric
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    invalid_files: list[str] = field(default_factory=list)
    # Serious flags raised, and moves to approved or production with such flags open.
    attention: list[dict[str, Any]] = field(default_factory=list)
    decisions: DecisionChanges | None = None  # #29; None without a decisions folder
    # Budget scenarios whose chosen set the change moves (scoring/portfolio/selection/).
    chosen_set: list[dict[str, Any]] = field(default_factory=list)

    @property
    def renamed(self) -> list[dict[str, Any]]:
        return [c for c in self.changed if c["status"] == "renamed"]

    def summary(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "renamed": len(self.renamed),
            "modified": sum(1 for c in self.changed if c["status"] == "modified"),
            "score_changes": sum(1 for c in self.changed if c["scores"]),
            "quadrant_moves": sum(1 for c in self.changed if c["quadrant"]),
            "stage_changes": sum(1 for c in self.changed if c["stage"]),
            "flags_added": sum(len(c["flags_added"]) for c in self.changed),
            "flags_cleared": sum(len(c["flags_cleared"]) for c in self.changed),
            "gaps_opened": sum(len(c["gaps_opened"]) for c in self.changed),
            "gaps_closed": sum(len(c["gaps_closed"]) for c in self.changed),
            "invalid_files": len(self.invalid_files),
            "problems": len(self.problems),
            "attention": len(self.attention),
        }


def build_report(
    base: Side, head: Side, renames: dict[str, tuple[str, int]], folder: str, rubric: Rubric
) -> DiffReport:
    pairs, added, removed, how = pair_files(base, head, renames)
    differ = [(old, new) for old, new in pairs if old != new or base.files[old] != head.files[new]]
    base.score([*removed, *(old for old, _ in differ)], rubric)
    head.score([*added, *(new for _, new in differ)], rubric)
    report = DiffReport(base, head, folder, rubric)
    report.added = [_card_summary(head.cards.get(p), head.invalid.get(p), p) for p in added]
    report.removed = [_card_summary(base.cards.get(p), base.invalid.get(p), p) for p in removed]
    for old, new in pairs:
        entry = compare_pair(old, new, base, head)
        if entry is not None:
            if entry["status"] == "renamed":
                entry["rename_detected_by"] = how.get(new, "git")
            report.changed.append(entry)
    report.attention = attention(report, added)
    # Problems count for files this change touched, and for files it made invalid (for
    # example a new file that reuses an existing id).
    touched = set(added) | {
        new for old, new in pairs if base.files[old] != head.files[new] or old != new
    }
    touched |= {new for old, new in pairs if old in base.proposals and new not in head.proposals}
    for path in sorted(touched):
        bad = head.invalid.get(path)
        if bad is not None:
            report.invalid_files.append(path)
            report.problems.extend(bad.problems)
    return report


def attention(report: DiffReport, added: list[str]) -> list[dict[str, Any]]:
    """What a reviewer must not miss, most serious first: a proposal that moves to approved
    or production (or arrives there) with red or high-severity flags open, then each red or
    high-severity flag the change raised."""
    head = report.head
    moves: list[dict[str, Any]] = []
    raised: list[dict[str, Any]] = []
    for c in report.changed:
        card = head.cards.get(c["file"])
        if c["stage"] and c["stage"]["new"] in RISKY_STAGES and card is not None:
            open_flags = [_flag_json(f) for f in card.flags if f.severity in ATTENTION]
            if open_flags:
                moves.append(
                    {
                        "kind": "stage_with_flags",
                        "id": c["id"],
                        "file": c["file"],
                        "stage": c["stage"],
                        "flags": open_flags,
                    }
                )
        raised += [
            {"kind": "flag_raised", "id": c["id"], "file": c["file"], "flag": f}
            for f in c["flags_added"]
            if f["severity"] in ATTENTION
        ]
    for path in added:
        card = head.cards.get(path)
        if card is None:
            continue
        serious = [_flag_json(f) for f in card.flags if f.severity in ATTENTION]
        if serious and card.proposal.stage in RISKY_STAGES:
            moves.append(
                {
                    "kind": "stage_with_flags",
                    "id": card.proposal.id,
                    "file": path,
                    "stage": {"old": None, "new": card.proposal.stage},
                    "flags": serious,
                }
            )
        raised += [
            {"kind": "flag_raised", "id": card.proposal.id, "file": path, "flag": f}
            for f in serious
        ]
    rank = {severity: index for index, severity in enumerate(ATTENTION)}
    raised.sort(key=lambda a: (rank[a["flag"]["severity"]], a["id"], a["flag"]["id"]))
    return moves + raised


def page_url(proposal_id: str) -> str:
    """Where the site publishes a proposal (with MkDocs' default directory URLs)."""
    return f"proposals/{proposal_id}/"


def redirect_for(change: dict[str, Any]) -> dict[str, str] | None:
    """The redirect a rename needs, as mkdocs-redirects' redirect_maps spells it; None
    when the id (and so the URL) stays the same."""
    if change["old_id"] == change["id"]:
        return None
    return {"from": f"proposals/{change['old_id']}.md", "to": f"proposals/{change['id']}.md"}


# ---- output -----------------------------------------------------------------------------


def _fence(lines: Iterable[str]) -> list[str]:
    body = list(lines)
    longest = max((len(run) for line in body for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *body, fence]


def _num(value: float | None, places: int = 0) -> str:
    """A number as the site shows it (see DECIMALS); "–" when there is none."""
    if value is None:
        return "–"
    text = f"{value:,.{places}f}"
    return text.lstrip("-") if text.strip("-0.,") == "" else text  # "0.0", never "-0.0"


def _delta(change: dict[str, Any], metric: str = "priority") -> str:
    places = DECIMALS[metric]
    sign = "+" if change["delta"] > 0 else ""
    return (
        f"{_num(change['old'], places)} → {_num(change['new'], places)} "
        f"({sign}{_num(change['delta'], places)})"
    )


def _side_label(side: Side) -> str:
    if side.commit is None:
        return "the working tree"
    return f"{md_code(side.label)} ({md_code(side.commit[:10])})"


def _quadrant(report: DiffReport, key: str | None) -> str:
    return "–" if key is None else report.rubric.state_name(key)


def render_markdown(report: DiffReport) -> str:
    s = report.summary()
    out: list[str] = [MARKER, "### Sweetspot: proposal changes", ""]
    folder = md_code(report.folder or ".")
    out.append(f"Compared {_side_label(report.base)} with {_side_label(report.head)} in {folder}.")
    out.append("")
    counts = [
        f"{s['added']} added",
        f"{s['removed']} removed",
        f"{s['renamed']} renamed",
        f"{s['modified']} edited",
    ]
    status = (
        f"**{plural(s['problems'], 'validation problem')} in {plural(s['invalid_files'], 'file')}**"
        if s["problems"]
        else "all changed files are valid"
    )
    out.append(f"**{' · '.join(counts)}** · {status}")
    out.append("")
    if report.attention:
        out += ["**Needs attention**", "", *attention_lines(report), ""]
    if report.decisions is not None:
        out += decisions_markdown(report.decisions, md_text, md_code)
    if report.chosen_set:
        out += ["**Moves the chosen set**", "", *chosen_set_lines(report.chosen_set), ""]
    nothing = not (report.added or report.removed or report.changed or report.problems)
    if nothing:
        out.append("No proposal changes.")
        return "\n".join(out) + "\n"

    lines: list[str] = []
    for a in report.added:
        if a["valid"]:
            lines.append(
                f"- Added {md_code(a['id'])}: {md_text(a['title'])} "
                f"({_quadrant(report, a['quadrant'])}, priority "
                f"{_num(a['priority'], 1)})"
            )
        else:
            lines.append(f"- Added {md_code(a['file'])}, which is not valid yet")
    for r in report.removed:
        title = f": {md_text(r['title'])}" if r["title"] else ""
        lines.append(f"- Removed {md_code(r['id'])}{title}")
    for c in report.changed:
        name = md_code(c["id"])
        if c["status"] == "renamed":
            redirect = redirect_for(c)
            moved = (
                f": its page moves from {md_code(page_url(c['old_id']))} to "
                f"{md_code(page_url(c['id']))}; add a redirect so old links keep working "
                f"(mkdocs-redirects: {md_code(repr(redirect['from']))}: "
                f"{md_code(repr(redirect['to']))} under `redirect_maps`)"
                if redirect
                else " (same id, so the page keeps its URL)"
            )
            lines.append(f"- Renamed {md_code(c['old_file'])} → {md_code(c['file'])}{moved}")
        if c["valid_before"] and not c["valid_after"]:
            lines.append(f"- {name} is no longer valid")
        elif c["valid_after"] and not c["valid_before"]:
            lines.append(f"- {name} is valid again")
        notes = []
        if "priority" in c["scores"]:
            notes.append(f"priority {_delta(c['scores']['priority'])}")
        if c["quadrant"]:
            notes.append(
                f"moves {_quadrant(report, c['quadrant']['old'])} → "
                f"{_quadrant(report, c['quadrant']['new'])}"
            )
        if c["stage"]:
            notes.append(f"stage {c['stage']['old']} → {c['stage']['new']}")
        # A gap's own flag is said once, as the gap opened or closed.
        opened = {g["id"] for g in c.get("gaps_opened", ())}
        closed = {g["id"] for g in c.get("gaps_closed", ())}
        new_flags = [f for f in c["flags_added"] if f["id"].rsplit(":", 1)[0] not in opened]
        gone_flags = [f for f in c["flags_cleared"] if f["id"].rsplit(":", 1)[0] not in closed]
        for verb, gaps in (
            ("gap opened", c.get("gaps_opened", ())),
            ("gap closed", c.get("gaps_closed", ())),
        ):
            notes += [
                f"{verb}: {md_text(g['text'])} ({md_text(g['regime'])}, {md_text(g['rule'])})"
                for g in gaps
            ]
        if new_flags:
            notes.append(
                ("new flag: " if len(new_flags) == 1 else "new flags: ")
                + ", ".join(f"{md_text(f['title'])} ({md_text(f['severity'])})" for f in new_flags)
            )
        if gone_flags:
            notes.append("cleared: " + ", ".join(md_text(f["title"]) for f in gone_flags))
        if notes:
            lines.append(f"- {name}: " + "; ".join(notes))
        elif c["scores"]:
            lines.append(f"- {name}: scores changed, priority unchanged")
        elif c["status"] == "modified" and not c["valid_before"] and not c["valid_after"]:
            lines.append(f"- {name}: edited, still not valid")
        elif c["status"] == "modified" and c["valid_before"] and c["valid_after"]:
            lines.append(f"- {name}: edited, scores unchanged")
    if len(lines) > MAX_SUMMARY_LINES:
        extra = len(lines) - MAX_SUMMARY_LINES
        lines = [*lines[:MAX_SUMMARY_LINES], f"- … and {extra} more (see the details below)"]
    out += lines
    out.append("")
    sections: list[list[str]] = []

    scored = [c for c in report.changed if c["scores"] or c["quadrant"] or c["stage"]]
    if scored:
        section = [
            f"<details><summary>Score changes ({len(scored)})</summary>",
            "",
            "| Proposal | Priority | Desirability | Profitability | Feasibility | "
            "Risk | Quadrant | Stage |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in scored:
            cells = [f"{md_code(c['id'])} {md_text(c['title'] or '')}"]
            for metric in METRICS:
                change = c["scores"].get(metric)
                cells.append(_delta(change, metric) if change else "no change")
            cells.append(
                f"{_quadrant(report, c['quadrant']['old'])} → "
                f"{_quadrant(report, c['quadrant']['new'])}"
                if c["quadrant"]
                else "no change"
            )
            cells.append(
                f"{c['stage']['old']} → {c['stage']['new']}" if c["stage"] else "no change"
            )
            section.append("| " + " | ".join(cells) + " |")
        section += [
            "",
            "Risk runs the other way (higher is riskier); priority already discounts it.",
            "",
            "</details>",
            "",
        ]
        sections.append(section)

    if report.added or report.removed:
        section = [
            f"<details><summary>Added and removed proposals "
            f"({len(report.added) + len(report.removed)})</summary>",
            "",
            "| Change | Proposal | Team | Stage | Quadrant | Priority | D | P | F | R | Flags |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for change, rows in (("added", report.added), ("removed", report.removed)):
            for row in rows:
                scores = row["scores"] or {}
                cells = [
                    change,
                    f"{md_code(row['id'])} {md_text(row['title'] or '')}".strip(),
                    md_text(row["team"] or "–"),
                    md_text(row["stage"] or "–"),
                    _quadrant(report, row["quadrant"]) if row["valid"] else "invalid",
                    _num(row["priority"], 1),
                    *(_num(scores.get(d)) for d in SCORE_COLUMNS),
                    md_text(", ".join(row["flags"])) or "–",
                ]
                section.append("| " + " | ".join(cells) + " |")
        section += ["", "</details>", ""]
        sections.append(section)

    flagged = [(c, f, "raised") for c in report.changed for f in c["flags_added"]]
    flagged += [(c, f, "cleared") for c in report.changed for f in c["flags_cleared"]]
    if flagged:
        section = [
            f"<details><summary>Flags raised and cleared ({len(flagged)})</summary>",
            "",
            "| Proposal | Flag | Severity | Change |",
            "|---|---|---|---|",
        ]
        for c, f, how in flagged:
            section.append(
                f"| {md_code(c['id'])} | {md_text(f['title'])} | {md_text(f['severity'])} | {how} |"
            )
        section += ["", "</details>", ""]
        sections.append(section)

    if report.problems:
        section = [
            f"<details open><summary>Validation problems ({len(report.problems)} in "
            f"{plural(len(report.invalid_files), 'file')})</summary>",
            "",
        ]
        section += _fence(p.as_text() for p in report.problems)
        section += [
            "",
            "Run `sweetspot validate` locally to see the same list.",
            "",
            "</details>",
            "",
        ]
        sections.insert(0, section)  # problems first: they block the merge
    text = "\n".join(out)
    for section in sections:
        chunk = "\n".join(section)
        if len(text) + len(chunk) > MAX_MARKDOWN:
            text += (
                "\n_Some details were left out to keep this comment short; run "
                "`sweetspot diff` locally for the full report._\n"
            )
            break
        text += "\n" + chunk
    return text.rstrip("\n") + "\n"


def attention_lines(report: DiffReport) -> list[str]:
    def flag_text(flag: dict[str, Any]) -> str:
        return f"{md_text(flag['title'])} ({md_text(flag['severity'])})"

    lines = []
    for item in report.attention:
        name = md_code(item["id"])
        if item["kind"] == "stage_with_flags":
            verb = "moves to" if item["stage"]["old"] else "is added at stage"
            flags = item["flags"]
            lines.append(
                f"- {name} {verb} **{md_text(item['stage']['new'])}** with "
                f"{plural(len(flags), 'serious flag')} open: "
                + ", ".join(flag_text(f) for f in flags)
            )
        else:
            label = "Red flag" if item["flag"]["severity"] == "red" else "High-severity flag"
            lines.append(f"- **{label} raised** on {name}: {flag_text(item['flag'])}")
    return lines


def chosen_set_lines(moves: list[dict[str, Any]]) -> list[str]:
    lines = []
    for move in moves:
        parts = []
        if move["now_funds"]:
            parts.append("now funds " + ", ".join(md_code(i) for i in move["now_funds"]))
        if move["no_longer_funds"]:
            parts.append(
                "no longer funds " + ", ".join(md_code(i) for i in move["no_longer_funds"])
            )
        lines.append(f"- Budget scenario {md_text(move['scenario'])}: {'; '.join(parts)}")
    return lines


def render_json(report: DiffReport) -> str:
    def side(s: Side) -> dict[str, Any]:
        return {
            "ref": None if s.commit is None else s.label,
            "commit": s.commit,
            "files": len(s.files),
            "valid": len(s.intake.proposals),
            "invalid": len(s.intake.invalid),
        }

    payload = {
        "base": side(report.base),
        "head": side(report.head),
        "path": report.folder,
        "rubric": report.rubric.name,
        "summary": report.summary(),
        "added": report.added,
        "removed": report.removed,
        "renamed": [
            {
                "from": c["old_file"],
                "to": c["file"],
                "from_id": c["old_id"],
                "to_id": c["id"],
                "detected_by": c.get("rename_detected_by", "git"),
                "old_url": page_url(c["old_id"]),
                "new_url": page_url(c["id"]),
                "redirect": redirect_for(c),
            }
            for c in report.renamed
        ],
        "attention": report.attention,
        "chosen_set": report.chosen_set,
        "changed": report.changed,
        "invalid_files": report.invalid_files,
        "problems": [p.as_dict() for p in report.problems],
    }
    if report.decisions is not None:
        payload["decisions"] = report.decisions.as_json()
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


# ---- the command ------------------------------------------------------------------------


def diff(
    base_ref: str,
    head_ref: str | None,
    folder_arg: str,
    rubric: Rubric,
    cwd: Path | str | None = None,
    compliance: ComplianceContext | None = None,
    decisions_folder: str | None = None,
    today: date | None = None,
) -> DiffReport:
    root = repo_root(cwd)
    folder = normalise_folder(folder_arg, root)
    base_commit = resolve(base_ref, root)
    head_commit = resolve(head_ref, root) if head_ref else None
    check_folder(
        folder,
        root,
        [base_commit, *([head_commit] if head_commit else [])],
        working_tree=head_commit is None,
    )
    base = load_side(base_ref, base_commit, files_at_ref(base_commit, folder, root), folder, rubric)
    head_files = (
        files_at_ref(head_commit, folder, root) if head_commit else files_in_tree(folder, root)
    )
    head = load_side(head_ref or WORKING_TREE, head_commit, head_files, folder, rubric)
    base.compliance = head.compliance = compliance
    renames = git_renames(base_commit, head_commit, folder, root)
    report = build_report(base, head, renames, folder, rubric)
    if decisions_folder is not None:
        where = normalise_folder(decisions_folder, root)
        changed = {c["id"] for c in [*report.added, *report.changed] if c.get("id")}
        report.decisions = decision_changes(
            files_at_ref(base_commit, where, root),
            files_at_ref(head_commit, where, root) if head_commit else files_in_tree(where, root),
            where,
            rubric,
            base.intake,
            head.intake,
            changed,
            today or build_date(),
        )
    return report


def run_diff(args: argparse.Namespace, rubric: Rubric) -> int:
    compliance = compliance_from(args, rubric)
    try:
        report = diff(
            args.base,
            args.head,
            args.path,
            rubric,
            compliance=compliance,
            decisions_folder=getattr(args, "decisions", None) or "decisions",
            today=compliance.as_of,  # the build date (--as-of), as obligations use it
        )
    except DiffError as error:
        print(f"sweetspot: error: {one_line(printable(str(error)))}", file=sys.stderr)
        return EXIT_USAGE
    report.chosen_set = chosen_set_moves_here(report.base.intake, report.head.intake, rubric)
    text = render_json(report) if args.format == "json" else render_markdown(report)
    sys.stdout.write(printable(text))
    lapsed = (
        report.decisions.lapsed_touched()
        if report.decisions is not None and getattr(args, "decisions_expired", "warn") == "fail"
        else []
    )
    decided_badly = report.decisions is not None and bool(report.decisions.problems)
    return EXIT_INVALID if report.problems or lapsed or decided_badly else EXIT_OK


def run(args: argparse.Namespace) -> int:
    return run_diff(args, rubric_from(args))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    diff = add_command(
        sub, "diff", "Compare the proposals at a git ref with the working tree or another ref."
    )
    diff.add_argument("base", metavar="BASE", help="the git ref to compare from, e.g. origin/main")
    diff.add_argument(
        "head",
        metavar="HEAD",
        nargs="?",
        default=None,
        help="the git ref to compare to (default: the working tree)",
    )
    diff.add_argument(
        "--path", default=str(DEFAULT_PROPOSALS), help="the proposals folder inside the repository"
    )
    diff.add_argument(
        "--format",
        choices=["markdown", "json"],
        default="markdown",
        help="markdown for a pull-request comment, json for tools",
    )
    diff.add_argument(
        "--decisions",
        metavar="DIR",
        help="the decisions folder inside the repository (default: decisions)",
    )
    diff.add_argument(
        "--decisions-expired",
        choices=["fail", "warn"],
        default="warn",
        help="fail: exit 1 when a decision the change touches (its file or its proposal) has "
        "expired or needs renewal at the build date",
    )
    add_compliance_arguments(diff)
    diff.set_defaults(func=run)
