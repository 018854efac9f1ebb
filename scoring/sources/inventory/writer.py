"""Write proposal files for imported rows.

A new file is written with PyYAML's fast dumper. A file that exists already is edited with
ruamel.yaml's round-trip mode, so the comments and fields a person added survive; that mode
is slow, so it is used only for files whose content actually changes.

Files are written without ever following a symlink: a new file is created with O_EXCL (so
any entry already at its name, a symlink included, makes the write fail), and a changed
file is written to a new temporary file beside it and renamed over it, which replaces the
entry itself and never what it points to.
"""

from __future__ import annotations

import io
import os
import secrets
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

HEADER = (
    "# yaml-language-server: $schema=proposal.schema.json\n"
    "# Imported by `sweetspot import` ({mapping}). A re-import rewrites the fields that\n"
    "# come from the inventory and keeps every field and comment you add.\n"
)

_RESOLVER = yaml.resolver.Resolver()

Path_ = tuple[str, ...]


def new_file_text(data: Mapping[str, Any], mapping_name: str) -> str:
    body = yaml.dump(
        dict(data),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )
    return HEADER.format(mapping=mapping_name) + body


class RewriteRefused(Exception):
    """An existing file this writer must not edit; the message says why and what to do."""


def _aliases(text: str) -> str | None:
    """The first alias in ``text``, if any. A round-trip edit walks every value, and an
    alias repeats a node wherever it stands: nine nested aliases of nine make a small file
    that takes hours to walk (an alias bomb), so such files are never edited."""
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                return str(event.anchor)
    except yaml.YAMLError:
        return None  # not YAML the round trip could edit either; it reports that itself
    return None


def _round_trip() -> Any:
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 100
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def rewrite(text: str, sets: Iterable[tuple[Path_, Any]], deletes: Iterable[Path_]) -> str:
    """The file's new text after setting and deleting the given field paths, keeping
    everything else (comments, order, hand-added fields) as it was."""
    sets, deletes = list(sets), list(deletes)
    alias = _aliases(text)
    if alias is not None:
        raise RewriteRefused(
            f"the file uses a YAML alias (*{alias}), so it is not rewritten; "
            "write the value out in full and import again"
        )
    out = _rewritten(text, sets, deletes, _WIDTH)
    expected = _expected(text, sets, deletes)
    if expected is not None and _load(out) != expected:
        # Whatever else the emitter folds badly: one line per value never loses text.
        out = _rewritten(text, sets, deletes, _NO_FOLDING)
    return out


_WIDTH, _NO_FOLDING = 100, 1 << 30


def _rewritten(text: str, sets: list[tuple[Path_, Any]], deletes: list[Path_], width: int) -> str:
    from ruamel.yaml.comments import CommentedMap

    rt = _round_trip()
    rt.width = width
    document = rt.load(text)
    if not isinstance(document, CommentedMap):
        document = CommentedMap()
    for parts, value in sets:
        node = document
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = CommentedMap()
                node[part] = child
            node = child
        node[parts[-1]] = _plain(value)
    for parts in deletes:
        _delete(document, parts)
    _quote_space_runs(document)
    out = io.StringIO()
    rt.dump(document, out)
    return out.getvalue()


def _quote_space_runs(node: Any) -> None:
    """ruamel folds a long plain scalar at a run of spaces and drops one of them, so the
    value read back differs (and every later import rewrites the file). Double-quoted
    scalars fold without loss: every plain text holding a run of spaces, in the whole file
    and not only in the fields set, is written that way."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in list(items):
        if isinstance(value, (dict, list)):
            _quote_space_runs(value)
        elif isinstance(value, str) and not isinstance(value, ScalarString) and "  " in value:
            node[key] = DoubleQuotedScalarString(value)


def _load(text: str) -> Any:
    try:  # only text without aliases gets here (see rewrite)
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        return None


def _expected(text: str, sets: list[tuple[Path_, Any]], deletes: list[Path_]) -> Any:
    """The data the rewritten file must read back as (None if the file is not a mapping)."""
    data = _load(text)
    if not isinstance(data, dict):
        return None
    for parts, value in sets:
        node = data
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1]] = value
    for parts in deletes:
        _delete(data, parts)
    return data


def _delete(node: Any, parts: Path_) -> None:
    if not isinstance(node, dict) or parts[0] not in node:
        return
    if len(parts) == 1:
        del node[parts[0]]
        return
    _delete(node[parts[0]], parts[1:])
    if isinstance(node[parts[0]], dict) and not node[parts[0]]:
        del node[parts[0]]


def _plain(value: Any) -> Any:
    """Lists and mappings as ruamel writes them in block style, like the rest of the file."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _plain(v)
        return out
    if isinstance(value, list):
        return CommentedSeq(_plain(v) for v in value)
    if (
        isinstance(value, str)
        and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != "tag:yaml.org,2002:str"
    ):
        # ruamel writes YAML 1.2, where `yes` or `2024-01` stay text unquoted; readers that
        # follow YAML 1.1 (PyYAML, and Sweetspot's own checks) would not. Quote them.
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString

        return DoubleQuotedScalarString(value)
    return value


# ---- writing without following links ------------------------------------------------------

_NEW_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
)


def _write_fd(handle: int, data: bytes) -> None:
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)


def create_file(path: Path, text: str) -> None:
    """Write a new file; an entry already at ``path`` (a symlink included) raises
    FileExistsError, so nothing is ever written through a link."""
    _write_fd(os.open(path, _NEW_FLAGS, 0o666), text.encode("utf-8"))


def replace_file(path: Path, text: str) -> None:
    """Replace the regular file at ``path`` with ``text``: written to a new file in the same
    folder, then renamed over it (the rename replaces the entry, never a link's target)."""
    mode = os.lstat(path).st_mode
    if not stat.S_ISREG(mode):
        raise IsADirectoryError(f"{path} is no longer a regular file")
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    handle = os.open(temporary, _NEW_FLAGS, 0o600)
    try:
        _write_fd(handle, text.encode("utf-8"))
        os.chmod(temporary, stat.S_IMODE(mode))
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
