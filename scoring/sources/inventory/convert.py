"""Turn one inventory row into proposal data, following a bound mapping.

Every value the mapping cannot translate is returned as an ``Unmapped`` (row, column,
value, field) and kept verbatim under ``source.unmapped``, so nothing is lost.

Names (title, team, owner, sponsor, org units, tags) are one line on every page: line
breaks and tabs in them become spaces, as `validate` would otherwise warn (and a strict
build fail) on a fresh import. Bidi, zero-width and other control characters are kept, as
the source has them, and listed as the row's warnings so the report names them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scoring.sources.characters import suspicious
from scoring.sources.inventory.mapping import (
    Binding,
    Rule,
    header_label,
    is_empty,
    normalise,
    slugify,
)

_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}


@dataclass(frozen=True)
class Unmapped:
    row: int
    column: str
    value: str
    field: str


@dataclass
class RowResult:
    number: int
    data: dict[str, Any]
    match: str  # what a re-import matches this row by: its external id or derived key
    key_text: str  # the derived key as written in the file (or the external id)
    slug: str
    unmapped: list[Unmapped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # hidden characters, by field


# Fields shown as one-line names; `links` titles come from the mapping, not from cells.
SINGLE_LINE = ("title", "team", "owner", "sponsor", "org", "tags")
_BREAKS = re.compile(r"[ ]*[\r\n\t\v\f\x85\u2028\u2029]+[ ]*")
# Where text may run over several lines, these are not hidden characters.
_LAYOUT = ("U+0009", "U+000A", "U+000D")


def one_line_text(text: str) -> str:
    """Line breaks and tabs (with the spaces around them) as one space."""
    return _BREAKS.sub(" ", text).strip()


def _single_lines(data: dict[str, Any]) -> None:
    for name in SINGLE_LINE:
        value = data.get(name)
        if isinstance(value, str):
            data[name] = one_line_text(value)
        elif isinstance(value, list):
            data[name] = list(
                dict.fromkeys(one_line_text(v) if isinstance(v, str) else v for v in value)
            )


def hidden_characters(data: dict[str, Any], prefix: str = "") -> list[str]:
    """Every field holding bidi, zero-width or control characters, with their code points
    (line breaks and tabs count only in one-line names)."""
    found: list[str] = []
    for name, value in data.items():
        dotted = f"{prefix}{name}"
        if dotted == "source":
            continue  # raw cells kept as they were, never shown as names
        if isinstance(value, dict):
            found += hidden_characters(value, f"{dotted}.")
            continue
        texts = (
            [value]
            if isinstance(value, str)
            else [v for v in value if isinstance(v, str)]
            if isinstance(value, list)
            else []
        )
        codes: list[str] = []
        for text in texts:
            for code in suspicious(text):
                layout = code.split(" ", 1)[0] in _LAYOUT and dotted not in SINGLE_LINE
                if not layout and code not in codes:
                    codes.append(code)
        if codes:
            found.append(
                f"{dotted}: holds invisible or direction-changing characters "
                f"({', '.join(codes)}), which can make text read differently from "
                "what it is"
            )
    return found


def cell_text(raw: str) -> str:
    """A cell's text without surrounding spaces, and without the quote that a formula-safe
    export puts before a cell starting with = + - or @."""
    text = raw.strip()
    if text.startswith("'") and text[1:].lstrip(" ")[:1] in (
        "=",
        "+",
        "-",
        "@",
        "\uff1d",
        "\uff0b",
        "\uff0d",
        "\uff20",
    ):
        text = text[1:]
    return text


def set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def get_path(data: Mapping[str, Any], dotted: str, default: Any = None) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def _translate(rule: Rule, text: str) -> tuple[bool, Any]:
    """(found, value) for one non-empty source text."""
    if rule.values is None:
        return (
            (True, read_date(text, rule.formats)) if rule.kind == "date" else _read(rule.kind, text)
        )
    key = normalise(text)
    if key in rule.values:
        return True, rule.values[key]
    for prefix, value in rule.prefixes:
        if key.startswith(prefix):
            return True, value
    if rule.kind == "date":  # the table only names special words such as N/A
        return True, read_date(text, rule.formats)
    return False, None


def read_date(text: str, formats: tuple[str, ...]) -> str:
    """An ISO date (or year-month, when the format has no day) if ``text`` is in one of
    the formats; otherwise the text as it is, since a date field also takes words."""
    for fmt in formats:
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.date().isoformat() if "%d" in fmt else parsed.strftime("%Y-%m")
    return text


def _read(kind: str, text: str) -> tuple[bool, Any]:
    if kind == "integer":
        try:
            return True, int(text.replace(",", ""))
        except ValueError:
            return False, None
    if kind == "number":
        try:
            value = float(text.replace(",", ""))
        except ValueError:
            return False, None
        # "nan", "inf" and "1e400" parse as floats, but no score can be computed from them:
        # such a cell is kept as an untranslated value instead.
        return (True, value) if math.isfinite(value) else (False, None)
    if kind == "boolean":
        word = normalise(text)
        return (True, True) if word in _TRUE else (True, False) if word in _FALSE else (False, None)
    if kind == "tag":
        return True, slugify(text)[:40].strip("-") or None
    return True, text


_URL = re.compile(r"https?://[^\s,;]+")


def _links(
    rule: Rule,
    cells: list[str],
    binding: Binding,
    number: int,
    data: dict[str, Any],
    unmapped: list[Unmapped],
    raw_unmapped: dict[str, str],
) -> None:
    """Every http(s) address in the rule's cells, as links titled ``rule.link_title``."""
    found: list[dict[str, str]] = list(data.get("links", []))
    for name in rule.columns:
        text = cell_text(cells[binding.index[name]])
        if is_empty(text):
            continue
        if rule.values is not None:
            known, _ = _translate(rule, text)
            if known:
                continue  # listed in the values table: understood, not a link
        urls = [u.rstrip(".)") for u in _URL.findall(text)]
        if not urls:
            label = header_label(binding, name)
            unmapped.append(Unmapped(number, label, text, rule.target))
            raw_unmapped.setdefault(label, cells[binding.index[name]].strip())
        for url in urls:
            link = {"title": rule.link_title or "Link", "url": url}
            if link not in found:
                found.append(link)
    if found:
        data["links"] = found


def apply_rule(
    rule: Rule,
    cells: list[str],
    binding: Binding,
    number: int,
    data: dict[str, Any],
    unmapped: list[Unmapped],
    raw_unmapped: dict[str, str],
) -> None:
    if rule.link_title is not None:
        _links(rule, cells, binding, number, data, unmapped, raw_unmapped)
        return
    index = binding.index
    column = rule.columns[0]
    if len(rule.columns) > 1 or rule.kind in ("list", "tag"):
        texts: list[tuple[str, str]] = []
        for name in rule.columns:
            text = cell_text(cells[index[name]])
            if is_empty(text):
                continue
            parts = [p.strip() for p in text.split(rule.split)] if rule.split else [text]
            texts += [(name, p) for p in parts if p]
        items: list[Any] = []
        for name, text in texts:
            found, value = (
                _translate(rule, text)
                if rule.values is not None
                else _read("tag" if rule.kind == "tag" else "text", text)
            )
            if not found:
                label = header_label(binding, name)
                unmapped.append(Unmapped(number, label, text, rule.target))
                raw_unmapped.setdefault(label, cells[index[name]].strip())
            elif value is not None and value not in items:
                items.append(value)
        if items:
            set_path(data, rule.target, items)
        elif rule.default is not None:
            set_path(data, rule.target, rule.default)
        return
    text = cell_text(cells[index[column]])
    if is_empty(text) and rule.fallback:
        column = rule.fallback
        text = cell_text(cells[index[column]])
    if is_empty(text):
        if rule.default is not None:
            set_path(data, rule.target, rule.default)
        return
    found, value = _translate(rule, text)
    if not found:
        label = header_label(binding, column)
        unmapped.append(Unmapped(number, label, text, rule.target))
        raw_unmapped.setdefault(label, cells[index[column]].strip())
        value = rule.default
    if value is not None:
        set_path(data, rule.target, value)


def convert_row(binding: Binding, cells: list[str], number: int) -> RowResult:
    mapping = binding.mapping
    data: dict[str, Any] = {}
    unmapped: list[Unmapped] = []
    raw_unmapped: dict[str, str] = {}
    for rule in mapping.rules:
        apply_rule(rule, cells, binding, number, data, unmapped, raw_unmapped)
    _single_lines(data)
    warnings = hidden_characters(data)
    index = binding.index
    if mapping.external_id:
        key_text = cell_text(cells[index[mapping.external_id]])
        match = key_text
        data["external_id"] = key_text
    else:
        key_text = " | ".join(" ".join(cell_text(cells[index[c]]).split()) for c in mapping.key)
        match = normalise(key_text)
    slug = slugify(" ".join(cell_text(cells[index[c]]) for c in mapping.slug))
    source: dict[str, Any] = {
        "inventory": mapping.name,
        "file": _base(binding.table.file),
        "row": number,
    }
    if not mapping.external_id:
        source["key"] = key_text
    if raw_unmapped:
        source["unmapped"] = raw_unmapped
    data["source"] = source
    return RowResult(number, data, match, key_text, slug, unmapped, warnings)


def _base(file: str) -> str:
    return file.replace("\\", "/").rsplit("/", 1)[-1]


def ordered(
    data: Mapping[str, Any], schema: Mapping[str, Any], last: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The data with keys in the schema's order (then any others, then ``last``)."""
    props = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
    keys = (
        [k for k in props if k in data and k not in last]
        + [k for k in data if k not in props and k not in last]
        + [k for k in last if k in data]
    )
    out: dict[str, Any] = {}
    for key in keys:
        value = data[key]
        out[key] = ordered(value, props.get(key, {})) if isinstance(value, Mapping) else value
    return out
