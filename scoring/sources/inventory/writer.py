"""Write proposal files for imported rows.

A new file is written with PyYAML's fast dumper. A file that exists already is edited with
ruamel.yaml's round-trip mode, so the comments and fields a person added survive; that mode
is slow, so it is used only for files whose content actually changes.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

HEADER = ("# yaml-language-server: $schema=proposal.schema.json\n"
          "# Imported by `sweetspot import` ({mapping}). A re-import rewrites the fields that\n"
          "# come from the inventory and keeps every field and comment you add.\n")

_RESOLVER = yaml.resolver.Resolver()

Path_ = tuple[str, ...]


def new_file_text(data: Mapping[str, Any], mapping_name: str) -> str:
    body = yaml.dump(dict(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=100, default_flow_style=False)
    return HEADER.format(mapping=mapping_name) + body


def read_plain(path: Path) -> Any:
    """The data of an existing file, fast; None when it cannot be parsed."""
    try:
        return yaml.load(path.read_bytes(), Loader=_Loader)
    except (OSError, yaml.YAMLError):
        return None


def _round_trip() -> Any:
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 100
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def rewrite(path: Path, sets: Iterable[tuple[Path_, Any]], deletes: Iterable[Path_]) -> str:
    """The file's new text after setting and deleting the given field paths, keeping
    everything else (comments, order, hand-added fields) as it was."""
    from ruamel.yaml.comments import CommentedMap

    rt = _round_trip()
    document = rt.load(path.read_text(encoding="utf-8"))
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
    out = io.StringIO()
    rt.dump(document, out)
    return out.getvalue()


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
    if isinstance(value, str) and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) \
            != "tag:yaml.org,2002:str":
        # ruamel writes YAML 1.2, where `yes` or `2024-01` stay text unquoted; readers that
        # follow YAML 1.1 (PyYAML, and Sweetspot's own checks) would not. Quote them.
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString

        return DoubleQuotedScalarString(value)
    return value
