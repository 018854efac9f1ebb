"""Proposals back out as an inventory: the inverse of a mapping.

Each column is filled by the first rule that names it (rules marked ``export: false`` are
skipped); a translated field is written as the first source text its mapping gives for
that value, and a value the mapping could not translate on import (kept under
``source.unmapped``) is written back exactly. So importing an export gives the same fields.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from scoring.sources.inventory.convert import get_path
from scoring.sources.inventory.mapping import InventoryMapping, Rule, column_label

# As scoring/portfolio/csvfile.py, full-width forms included. Its writer also turns line
# breaks into spaces, which an inventory export cannot do without changing the answers.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def export_columns(mapping: InventoryMapping) -> list[str]:
    """The columns an export writes: the mapping's ``columns`` in order, or else every
    column its rules name."""
    return list(mapping.column_names) or mapping.referenced()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_DATE_SHAPES = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "day"),
    (re.compile(r"^\d{4}-\d{2}$"), "month"),
    (re.compile(r"^\d{4}$"), "year"),
)
_CODE = re.compile(r"%.")


def precision(fmt: str) -> str:
    """What a date format pins down: a day, a month or a year."""
    if "%d" in fmt or "%j" in fmt:
        return "day"
    return "month" if any(c in fmt for c in ("%m", "%b", "%B")) else "year"


def write_date(value: str, formats: tuple[str, ...]) -> str:
    """An ISO date (2024-11-01, 2024-11 or 2024) written back in the source's first format
    of the same precision, every code filled (a time as 00:00:00). Month and day numbers get
    leading zeros, except in a format with slashes, where spreadsheets write 10/1/2023.
    Text that is not an ISO date is written as it is."""
    for shape, wanted in _DATE_SHAPES:
        if not shape.match(value):
            continue
        fmt = next((f for f in formats if precision(f) == wanted), None)
        if fmt is None:
            return value
        parts = [int(p) for p in value.split("-")] + [1, 1]
        when = dt.datetime(parts[0], parts[1], parts[2])
        return _CODE.sub(partial(_code, when, "/" in fmt), fmt)
    return value


def _code(when: dt.datetime, unpadded: bool, found: re.Match[str]) -> str:
    text = found.group(0)
    if unpadded and text in ("%m", "%d"):
        return str(when.month if text == "%m" else when.day)
    return when.strftime(text)


def _back(rule: Rule, value: Any) -> str | None:
    if rule.kind == "date" and isinstance(value, str):
        return write_date(value, rule.formats)
    if rule.values is None and not rule.prefixes:
        # A default was never in the source: the cell was empty.
        return "" if rule.default is not None and value == rule.default else _text(value)
    text = rule.reverse.get(repr(value))
    if text is not None:
        return text
    return "" if value == rule.default else _text(value)


def export_record(mapping: InventoryMapping, record: Mapping[str, Any]) -> dict[str, str]:
    cells: dict[str, str] = {}
    labels = {column_label(mapping, name): name for name in export_columns(mapping)}
    for label, raw in (get_path(record, "source.unmapped") or {}).items():
        if label in labels:
            cells[labels[label]] = str(raw)
    if mapping.external_id and record.get("external_id") is not None:
        cells.setdefault(mapping.external_id, str(record["external_id"]))
    for chain in mapping.chains():
        value = get_path(record, chain[0].target)
        if value is None:
            continue
        if chain[0].link_title is not None:
            for rule in chain:
                if rule.export:
                    _write_links(rule, value, cells)
            continue
        rule_ = _writer(chain, value)
        if rule_ is not None:
            full = get_path(record, rule_.full_text) if rule_.full_text else None
            _write(rule_, value if full is None else full, cells)
    for chain in mapping.chains():  # a fallback's value is its own column's, not this one's
        rule = chain[0]
        column = rule.columns[0]
        if rule.fallback and rule.export and cells.get(column) == cells.get(rule.fallback, ""):
            cells[column] = ""
    return cells


def _writer(chain: list[Rule], value: Any) -> Rule | None:
    """The rule that writes a field back: the first exporting one that can give the value
    (no table, or a table listing it), else the first exporting one."""
    exporting = [rule for rule in chain if rule.export]
    for rule in exporting:
        if rule.values is None and not rule.prefixes:
            return rule
        if repr(value) in rule.reverse or rule.unlisted == "keep":
            return rule
    return exporting[0] if exporting else None


def _write_links(rule: Rule, value: Any, cells: dict[str, str]) -> None:
    urls = (
        [
            str(link.get("url"))
            for link in value
            if isinstance(link, dict) and link.get("title") == rule.link_title
        ]
        if isinstance(value, list)
        else []
    )
    if urls and rule.columns[0] not in cells:
        cells[rule.columns[0]] = " ".join(urls)


def _write(rule: Rule, value: Any, cells: dict[str, str]) -> None:
    if rule.join is not None and isinstance(value, str):
        if value == rule.default:
            return  # the columns were empty
        parts = value.split(rule.join)
        if len(parts) in (1, len(rule.columns)):
            for column, part in zip(rule.columns, parts, strict=False):
                cells.setdefault(column, part)
        return
    if len(rule.columns) > 1:
        items = [(_back(rule, v) or "") for v in (value if isinstance(value, list) else [value])]
        for i, column in enumerate(rule.columns):
            if i < len(items) and column not in cells:
                last = i == len(rule.columns) - 1
                cells[column] = " / ".join(items[i:]) if last else items[i]
        return
    column = rule.columns[0]
    if column in cells:
        return
    if isinstance(value, list):
        texts = [(_back(rule, v) or "") for v in value]
        if rule.python_list:
            cells[column] = "[" + ", ".join(repr(t) for t in texts) + "]"
        else:
            cells[column] = (rule.split or "; ").join(texts)
    else:
        text = _back(rule, value)
        if text is not None:
            cells[column] = text


def protect(text: str) -> str:
    """A cell a spreadsheet opens as text: a leading quote before = + - @ (or a tab or
    carriage return) so it never runs as a formula. Line breaks are kept: the inventory
    holds multi-line answers, and CSV quoting carries them."""
    if text.lstrip(" ").startswith(_FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def export_csv(mapping: InventoryMapping, records: Iterable[Mapping[str, Any]]) -> str:
    columns = export_columns(mapping)
    headers = [mapping.column_names.get(c, (c, 1))[0] for c in columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for record in records:
        cells = export_record(mapping, record)
        writer.writerow([protect(cells.get(c, "")) for c in columns])
    return out.getvalue()
