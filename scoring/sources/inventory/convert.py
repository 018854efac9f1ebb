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
        # type() first: the abstract-class check is slow, and this runs for every field
        if (type(node) is not dict and not isinstance(node, Mapping)) or part not in node:
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
    if rule.unlisted == "keep":
        return _read(rule.kind if rule.kind not in ("list", "tag") else "text", text)
    if rule.unlisted == "default":
        return True, rule.default
    return False, None


def read_date(text: str, formats: tuple[str, ...]) -> str:
    """An ISO date (or year-month, when the format has no day) if ``text`` is in one of
    the formats; otherwise the text as it is, since a date field also takes words."""
    for fmt in formats:
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if "%d" in fmt or "%j" in fmt:
            return parsed.date().isoformat()
        # A format without a month gives a year alone: no month is invented.
        return parsed.strftime("%Y-%m") if _has_month(fmt) else f"{parsed.year:04d}"
    return text


def _has_month(fmt: str) -> bool:
    return any(code in fmt for code in ("%m", "%b", "%B"))


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
    outcome: Outcome,
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
            outcome.miss(binding, number, name, text, cells)
        for url in urls:
            link = {"title": rule.link_title or "Link", "url": url}
            if link not in found:
                found.append(link)
    if found:
        data["links"] = found


def python_list(text: str) -> list[str] | None:
    """The items of a stringified Python list of strings (['a) x', "b) y"]), or None when
    the text is not one. Read by a linear pattern, never evaluated."""
    inner = text.strip()
    if not (inner.startswith("[") and inner.endswith("]")):
        return None
    inner = inner[1:-1].strip()
    if not inner:
        return []
    items: list[str] = []
    position = 0
    while position < len(inner):
        found = _LIST_ITEM.match(inner, position)
        if found is None:
            return None
        quoted = found.group(1)
        items.append(_UNESCAPE.sub(r"\1", quoted[1:-1]))
        position = found.end()
    return items


_LIST_ITEM = re.compile(r"""\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*(?:,|$)""", re.DOTALL)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)


def reshape(rule: Rule, text: str) -> str:
    """The text transforms of a rule: a known prefix stripped, then one part taken."""
    if rule.strip_prefix:
        folded = text.casefold()
        for prefix in rule.strip_prefix:
            if folded.startswith(prefix.casefold()):
                text = text[len(prefix) :].strip()
                break
    if rule.take is not None:
        separator, part = rule.take
        parts = [p.strip() for p in text.split(separator)]
        if len(parts) > 1 and -len(parts) <= part < len(parts) and parts[part]:
            text = parts[part]
    return text


def cut(text: str, limit: int) -> str:
    """A text of at most ``limit`` characters: cut at a word where one is near, with …"""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:.-") + "…"


def _cell_items(rule: Rule, raw: str) -> list[str]:
    """The texts a list rule reads from one cell."""
    text = cell_text(raw)
    if is_empty(text):
        return []
    items = python_list(text) if rule.python_list else None
    if items is not None:
        parts = items
    elif rule.split:  # also a python_list cell that is not one: "a; b"
        parts = text.split(rule.split)
    else:
        parts = [text]
    return [t for p in parts if (t := reshape(rule, p.strip()))]


def _usable(rule: Rule, text: str) -> bool:
    return not is_empty(text) and len(text) >= rule.min_length


@dataclass
class Outcome:
    """What one rule made of a row: values it set, values it could not translate."""

    unmapped: list[Unmapped] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)

    def miss(self, binding: Binding, number: int, name: str, text: str, cells: list[str]) -> None:
        label = header_label(binding, name)
        self.unmapped.append(Unmapped(number, label, text, ""))
        self.raw.setdefault(label, cells[binding.index[name]].strip())


def apply_rule(
    rule: Rule,
    cells: list[str],
    binding: Binding,
    number: int,
    data: dict[str, Any],
    outcome: Outcome,
    use_default: bool = True,
) -> None:
    if rule.link_title is not None:
        _links(rule, cells, binding, number, data, outcome)
        return
    index = binding.index
    if rule.join is not None:
        texts = [reshape(rule, cell_text(cells[index[name]])) for name in rule.columns]
        joined = rule.join.join(t for t in texts if _usable(rule, t))
        if joined:
            _set_text(rule, data, joined)
        elif use_default and rule.default is not None:
            set_path(data, rule.target, rule.default)
        return
    if len(rule.columns) > 1 or rule.kind in ("list", "tag"):
        items: list[Any] = []
        full: list[str] = []
        for name in rule.columns:
            for text in _cell_items(rule, cells[index[name]]):
                found, value = (
                    _translate(rule, text)
                    if rule.values is not None
                    else _read("tag" if rule.kind == "tag" else "text", text)
                )
                if not found:
                    outcome.miss(binding, number, name, text, cells)
                elif value is not None and value not in items:
                    if rule.max_length and isinstance(value, str):
                        full.append(value)
                        value = cut(value, rule.max_length)
                    items.append(value)
        if items:
            set_path(data, rule.target, items)
            if rule.full_text and any(len(t) > (rule.max_length or 0) for t in full):
                set_path(data, rule.full_text, full)
        elif use_default and rule.default is not None:
            set_path(data, rule.target, rule.default)
        return
    column = rule.columns[0]
    text = reshape(rule, cell_text(cells[index[column]]))
    if not _usable(rule, text) and rule.fallback:
        column = rule.fallback
        text = reshape(rule, cell_text(cells[index[column]]))
    if not _usable(rule, text):
        if use_default and rule.default is not None:
            set_path(data, rule.target, rule.default)
        return
    found, value = _translate(rule, text)
    if not found:
        outcome.miss(binding, number, column, text, cells)
        value = rule.default if use_default else None
    if isinstance(value, str):
        _set_text(rule, data, value)
    elif value is not None:
        set_path(data, rule.target, value)


def _set_text(rule: Rule, data: dict[str, Any], text: str) -> None:
    """A text value, cut to the rule's max_length with the whole kept in full_text."""
    if rule.max_length and len(text) > rule.max_length:
        set_path(data, rule.target, cut(text, rule.max_length))
        if rule.full_text:
            set_path(data, rule.full_text, text)
        return
    set_path(data, rule.target, text)


def apply_chain(
    chain: list[Rule],
    cells: list[str],
    binding: Binding,
    number: int,
    data: dict[str, Any],
    unmapped: list[Unmapped],
    raw_unmapped: dict[str, str],
) -> None:
    """The rules of one field in order: the first that gives a value wins. Links add up.
    What no rule could translate is reported only when no rule gave a value."""
    target = chain[0].target
    if len(chain) == 1 or target == "links":
        for rule in chain:
            outcome = Outcome()
            apply_rule(rule, cells, binding, number, data, outcome)
            _report(outcome, rule, unmapped, raw_unmapped)
        return
    tried: list[tuple[Outcome, Rule]] = []
    for rule in chain:
        outcome = Outcome()
        apply_rule(rule, cells, binding, number, data, outcome, use_default=False)
        if get_path(data, target) is not None:
            return
        tried.append((outcome, rule))
    for outcome, rule in tried:
        _report(outcome, rule, unmapped, raw_unmapped)
    default = next((r.default for r in chain if r.default is not None), None)
    if default is not None:
        set_path(data, target, default)


def _report(
    outcome: Outcome, rule: Rule, unmapped: list[Unmapped], raw_unmapped: dict[str, str]
) -> None:
    unmapped += [Unmapped(u.row, u.column, u.value, rule.target) for u in outcome.unmapped]
    for label, raw in outcome.raw.items():
        raw_unmapped.setdefault(label, raw)


def convert_row(binding: Binding, cells: list[str], number: int) -> RowResult:
    mapping = binding.mapping
    data: dict[str, Any] = {}
    unmapped: list[Unmapped] = []
    raw_unmapped: dict[str, str] = {}
    for chain in mapping.chains():
        apply_chain(chain, cells, binding, number, data, unmapped, raw_unmapped)
    _single_lines(data)
    warnings = hidden_characters(data)
    index = binding.index
    own_id = cell_text(cells[index[mapping.external_id]]) if mapping.external_id else ""
    qualified = False
    if own_id:
        data["external_id"] = own_id
        qualified = bool(mapping.qualify)
        key_text = _joined(cells, index, mapping.qualify) + f" | {own_id}" if qualified else own_id
        match = id_match(key_text)
    else:  # no id of its own (or a blank one): a key derived from the row
        key_text = _joined(cells, index, mapping.key)
        match = key_match(key_text)
    slug = slugify(" ".join(cell_text(cells[index[c]]) for c in mapping.slug))
    source: dict[str, Any] = {
        "inventory": mapping.name,
        "file": _base(binding.table.file),
        "row": number,
    }
    if not own_id or qualified:
        source["key"] = key_text
    if raw_unmapped:
        source["unmapped"] = raw_unmapped
    data["source"] = source
    return RowResult(number, data, match, key_text, slug, unmapped, warnings)


def _joined(cells: list[str], index: dict[str, int], columns: tuple[str, ...]) -> str:
    return " | ".join(" ".join(cell_text(cells[index[c]]).split()) for c in columns)


def id_match(text: str) -> str:
    """What a re-import matches a row with an id of its own by (exactly, as given)."""
    return f"id:{text}"


def key_match(text: str) -> str:
    """What a re-import matches a row without an id by (its derived key, normalised)."""
    return f"key:{normalise(text)}"


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
