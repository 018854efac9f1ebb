"""Reading old versions of files from the repository's own git, safely.

Shared by `sweetspot diff` and the site's history. git is run with fixed arguments and no
shell; blobs are read by id, so nothing outside the repository is ever opened, and a
symbolic link (mode 120000) is never read as a file: git stores the link, not its target.
A blob is read up to the loader's cap plus one byte, so memory stays bounded however large
a file a commit holds (the loader calls it too large).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scoring.sources.yamlsource import MAX_BYTES

READ_CAP = MAX_BYTES + 1
SYMLINK_MODE = "120000"
NO_BLOB = "0" * 40


class GitError(Exception):
    """git is missing or refused a command; the message says which."""


def run_git(args: list[str], cwd: Path | str, stdin: bytes | None = None) -> bytes:
    """git's output for ``args`` (pathspecs taken literally), or GitError."""
    try:
        done = subprocess.run(
            ["git", "--literal-pathspecs", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError as error:
        raise GitError("git is not installed or not on PATH") from error
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise GitError(f"git {args[0]} failed: {message}")
    return done.stdout


def blob_start(sha: str, root: Path) -> bytes:
    """The first READ_CAP bytes of a blob, without reading the rest."""
    with subprocess.Popen(
        ["git", "cat-file", "blob", sha],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as reader:
        assert reader.stdout is not None
        start = reader.stdout.read(READ_CAP)
        reader.kill()
    return start


def read_small_blobs(shas: list[str], root: Path) -> dict[str, bytes]:
    """Blobs known to be at most READ_CAP bytes, in one `git cat-file --batch`."""
    if not shas:
        return {}
    out = run_git(["cat-file", "--batch"], root, stdin="".join(f"{s}\n" for s in shas).encode())
    found: dict[str, bytes] = {}
    position = 0
    for sha in shas:
        header_end = out.index(b"\n", position)
        header = out[position:header_end].split()
        if len(header) < 3 or header[1] != b"blob":  # "<sha> missing": a partial clone
            position = header_end + 1
            continue
        size = int(header[2])
        start = header_end + 1
        found[sha] = out[start : start + size]
        position = start + size + 1
    return found


def read_blobs(shas: Iterable[str], root: Path) -> dict[str, bytes]:
    """Each blob's content (of one over the cap, its first READ_CAP bytes); a blob this
    clone lacks is left out."""
    wanted = sorted(set(shas))
    if not wanted:
        return {}
    sizes: dict[str, int] = {}
    listing = run_git(
        ["cat-file", "--batch-check"], root, stdin="".join(f"{s}\n" for s in wanted).encode()
    )
    for line in listing.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "blob":
            sizes[parts[0]] = int(parts[2])
    small = [sha for sha in wanted if sha in sizes and sizes[sha] <= READ_CAP]
    found = read_small_blobs(small, root)
    found.update({sha: blob_start(sha, root) for sha in wanted if sizes.get(sha, 0) > READ_CAP})
    return found


# ---- the repository and its log -------------------------------------------------------------


@dataclass(frozen=True)
class Repository:
    root: Path  # the work tree's top folder
    head: str  # the commit checked out
    shallow: bool  # a shallow clone: older commits are missing


def repository_at(folder: Path) -> Repository | None:
    """The git repository ``folder`` is in, with at least one commit; None when there is
    none (a plain folder) or git is missing."""
    try:
        out = run_git(
            ["rev-parse", "--show-toplevel", "--is-shallow-repository", "--verify", "HEAD"],
            folder,
        )
    except (GitError, OSError):
        return None
    lines = out.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) != 3:
        return None
    return Repository(Path(lines[0]), lines[2].strip(), lines[1].strip() == "true")


@dataclass(frozen=True)
class FileChange:
    """One commit's change to one file: its new blob, or None when the commit removed it
    (or made it a symbolic link, which is never read)."""

    commit: str
    date: str  # YYYY-MM-DD, the committer's date (when the change landed)
    blob: str | None


@dataclass(frozen=True)
class Commit:
    id: str
    date: str


@dataclass(frozen=True)
class PathLog:
    """Every commit touching the given paths, newest first, and each file's changes."""

    commits: tuple[Commit, ...]
    changes: dict[str, tuple[FileChange, ...]]  # repository path -> changes, newest first


def path_log(repo: Repository, pathspecs: list[str]) -> PathLog:
    """One `git log` over ``pathspecs`` (repository-relative, taken literally). Renames are
    not followed: a renamed proposal starts a new history, as its URL does."""
    out = run_git(
        [
            "-c",
            "core.quotepath=off",
            "log",
            "-z",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "--no-ext-diff",
            "--format=%x01%H %cs",
            repo.head,
            "--",
            *pathspecs,
        ],
        repo.root,
    )
    commits: list[Commit] = []
    changes: dict[str, list[FileChange]] = {}
    for record in out.split(b"\x01"):
        if not record:
            continue
        header, _, rest = record.partition(b"\0")
        sha, _, day = header.decode("ascii", "replace").partition(" ")
        commit = Commit(sha, day)
        commits.append(commit)
        fields = rest.lstrip(b"\n").split(b"\0")
        for meta, raw_path in zip(fields[0::2], fields[1::2], strict=False):
            parts = meta.decode("ascii", "replace").lstrip(":").split()
            if len(parts) < 5:
                continue
            new_mode, new_blob = parts[1], parts[3]
            readable = new_blob != NO_BLOB and new_mode != SYMLINK_MODE
            path = raw_path.decode("utf-8", "surrogateescape")
            changes.setdefault(path, []).append(
                FileChange(sha, day, new_blob if readable else None)
            )
    return PathLog(tuple(commits), {path: tuple(found) for path, found in changes.items()})


__all__ = [
    "READ_CAP",
    "Commit",
    "FileChange",
    "GitError",
    "PathLog",
    "Repository",
    "blob_start",
    "path_log",
    "read_blobs",
    "read_small_blobs",
    "repository_at",
    "run_git",
]
