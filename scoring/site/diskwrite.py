"""Writing generated files: only when their bytes change, so that watchers and `--dirty`
builds see only real changes, and, inside an output folder, never through a symlink.

An ``OutputFolder`` reaches every file through folder handles opened with ``O_NOFOLLOW``
from the folder itself down, creates temporary files with ``O_EXCL | O_NOFOLLOW``, and
replaces or deletes directory entries (a rename or unlink acts on a link, never on what it
points to). So a symlink planted anywhere below the folder, for example committed to git
beside the folder's marker file, can never redirect a write or a delete outside it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC
# O_NONBLOCK: opening a FIFO planted at a file's name must not wait for a writer.
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC


class OutputError(Exception):
    """A write or delete in an output folder that cannot be done safely; the message names
    the entry and says why."""


def _holds(folder_fd: int, name: str, data: bytes) -> bool:
    """Whether the regular file ``name`` holds exactly ``data`` (a link is never read)."""
    try:
        handle = os.open(name, _READ, dir_fd=folder_fd)
    except OSError:
        return False  # missing, a symlink (ELOOP) or unreadable: write it
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
            return False
        return stream.read(len(data) + 1) == data


def _new_file(folder_fd: int, name: str) -> int:
    """A fresh file at ``name`` for writing; whatever entry was there (a file left by a
    crash, or a link planted there) is removed first, never followed."""
    try:
        return os.open(name, _NEW, 0o666, dir_fd=folder_fd)
    except FileExistsError:
        os.unlink(name, dir_fd=folder_fd)
        return os.open(name, _NEW, 0o666, dir_fd=folder_fd)


def write_at(folder_fd: int, name: str, data: bytes) -> bool:
    """Write ``data`` as ``name`` in the open folder unless the file already holds exactly
    it (its modification time then stays, which is what live reload and dirty builds go
    by). The new file replaces the old in one step, so a reader never sees half of it.
    Returns whether it wrote."""
    if _holds(folder_fd, name, data):
        return False
    temporary = f".{name}.sweetspot-tmp"
    handle = _new_file(folder_fd, temporary)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder_fd)
        raise
    return True


def write_if_changed(target: Path, data: bytes) -> bool:
    """``write_at`` for a path: its folder is made if missing, and neither the file's name
    nor its temporary file's is ever followed if it is a link."""
    target.parent.mkdir(parents=True, exist_ok=True)
    folder_fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
    try:
        return write_at(folder_fd, target.name, data)
    finally:
        os.close(folder_fd)


def linked_part(path: Path, base: Path) -> Path | None:
    """The first part of ``path`` that is a symlink: the path itself, or, when it is written
    relative to ``base`` or lies below it, a folder on the way to it from ``base``. Folders
    above ``base`` are the machine's business (``/tmp`` is a link on macOS)."""
    whole = path if path.is_absolute() else base / path
    below = whole.parts[: len(base.parts)] == base.parts
    for end in range(len(base.parts) + 1 if below else len(whole.parts), len(whole.parts) + 1):
        part = Path(*whole.parts[:end])
        if whole.parts[end - 1] not in (".", "..") and part.is_symlink():
            return part
    return None


def _parts(relative: str) -> tuple[str, ...]:
    parts = PurePosixPath(relative).parts
    # Relative paths come from generated page paths and the content folder's own files.
    if not parts or parts[0] == "/" or any(p in (".", "..") for p in parts):
        raise ValueError(f"not a path inside the output folder: {relative!r}")
    return parts


class OutputFolder:
    """One output folder, opened without following a symlink at its own name, in which
    every write and delete stays inside and follows no symlink. Use it as a context
    manager; failures are ``OutputError`` naming the entry below ``shown``."""

    def __init__(self, root: Path, shown: str | None = None) -> None:
        self.root = root
        self.shown = shown or str(root)
        self._folders: dict[tuple[str, ...], int] = {}

    def __enter__(self) -> OutputFolder:
        try:
            self._folders[()] = os.open(self.root, _FOLDER)
        except OSError as error:
            raise OutputError(self._why(self.root, error)) from None
        return self

    def __exit__(self, *_: object) -> None:
        for handle in self._folders.values():
            os.close(handle)
        self._folders.clear()

    def _why(self, path: Path, error: OSError) -> str:
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            mode = 0
        if stat.S_ISLNK(mode):
            return (
                f"{path} is a symlink; Sweetspot never writes through a link (it could "
                "point outside the folder): delete the link and run again"
            )
        if mode and not stat.S_ISDIR(mode) and error.errno in (errno.ENOTDIR, errno.ELOOP):
            return f"{path} is a file where a folder belongs: delete it and run again"
        if stat.S_ISDIR(mode) and error.errno == errno.EISDIR:
            return f"{path} is a folder where a file belongs: delete it and run again"
        return f"cannot write {path}: {error.strerror or error}"

    def _shown(self, parts: tuple[str, ...]) -> Path:
        return Path(self.shown, *parts)

    def _folder(self, parts: tuple[str, ...], create: bool) -> int | None:
        """The open handle of a folder below the root, made when ``create``; None when it
        does not exist and ``create`` is false."""
        if parts in self._folders:
            return self._folders[parts]
        parent = self._folder(parts[:-1], create)
        if parent is None:
            return None
        name = parts[-1]
        try:
            try:
                handle = os.open(name, _FOLDER, dir_fd=parent)
            except FileNotFoundError:
                if not create:
                    return None
                os.mkdir(name, dir_fd=parent)
                handle = os.open(name, _FOLDER, dir_fd=parent)
        except OSError as error:
            raise OutputError(self._why(self.root.joinpath(*parts), error)) from None
        self._folders[parts] = handle
        return handle

    def write(self, relative: str, data: bytes) -> bool:
        """Write one file (see ``write_at``); returns whether it changed."""
        parts = _parts(relative)
        folder = self._folder(parts[:-1], create=True)
        assert folder is not None
        try:
            return write_at(folder, parts[-1], data)
        except OSError as error:
            raise OutputError(self._why(self.root.joinpath(*parts), error)) from None

    def entries(self, under: str = "") -> Iterator[tuple[str, os.DirEntry[str]]]:
        """Every entry below ``under``, parents before children, as (path relative to
        ``under``, entry); links are listed, never followed."""
        base = _parts(under) if under else ()
        if self._folder(base, create=False) is None:
            return
        pending: list[tuple[str, ...]] = [()]
        while pending:
            inner = pending.pop()
            handle = self._folder(base + inner, create=False)
            assert handle is not None
            try:
                with os.scandir(handle) as listing:
                    found = sorted(listing, key=lambda entry: entry.name)
            except OSError as error:
                raise OutputError(self._why(self.root.joinpath(*base, *inner), error)) from None
            for entry in found:
                yield "/".join((*inner, entry.name)), entry
                if entry.is_dir(follow_symlinks=False):
                    pending.append((*inner, entry.name))

    def first_link(self) -> str | None:
        """The first symlink anywhere below the folder, or None."""
        return next((relative for relative, entry in self.entries() if entry.is_symlink()), None)

    def prune(self, under: str, keep: set[str]) -> list[str]:
        """Delete every entry below ``under`` that is not a folder and not in ``keep``
        (paths relative to ``under``), then the folders left empty; returns what went. A
        link is deleted as a link: what it points to is never touched."""
        base = _parts(under) if under else ()
        listed = list(self.entries(under))
        removed: list[str] = []
        for relative, entry in reversed(listed):  # children before their folders
            parts = tuple(relative.split("/"))
            parent = self._folder(base + parts[:-1], create=False)
            assert parent is not None
            try:
                if entry.is_dir(follow_symlinks=False):
                    with os.scandir(self._folders[base + parts]) as inside:
                        empty = next(inside, None) is None
                    if empty:
                        os.close(self._folders.pop(base + parts))
                        os.rmdir(parts[-1], dir_fd=parent)
                elif relative not in keep:
                    os.unlink(parts[-1], dir_fd=parent)
                    removed.append(relative)
            except OSError as error:
                raise OutputError(self._why(self.root.joinpath(*base, *parts), error)) from None
        return sorted(removed)
