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


def _part(parts: dict[str, str], match: re.Match[str]) -> str:
    return parts[match.group(0)]


def write_date(value: str, formats: tuple[str, ...]) -> str:
    """An ISO date written back in the source's first format of the same precision, with
    unpadded day and month numbers as spreadsheets write them (10/1/2023); text that is not
    an ISO date is written as it is."""
    for pattern, has_day in ((r"^\d{4}-\d{2}-\d{2}$", True), (r"^\d{4}-\d{2}$", False)):
        if not re.match(pattern, value):
            continue
        fmt = next((f for f in formats if ("%d" in f) == has_day), None)
        if fmt is None:
            return value
        when = dt.date.fromisoformat(value if has_day else value + "-01")
        parts = {
            "%Y": f"{when.year}",
            "%y": f"{when.year % 100:02d}",
            "%m": f"{when.month}",
            "%d": f"{when.day}",
            "%b": when.strftime("%b"),
            "%B": when.strftime("%B"),
        }
        return re.sub(r"%[YymdbB]", partial(_part, parts), fmt)
    return value


def _back(rule: Rule, value: Any) -> str | None:
    if rule.kind == "date" and isinstance(value, str):
        return write_date(value, rule.formats)
    if rule.values is None and not rule.prefixes:
        return _text(value)
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
    for rule in mapping.rules:
        if not rule.export:
            continue
        value = get_path(record, rule.target)
        if value is None:
            continue
        if rule.link_title is not None:
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
            continue
        if len(rule.columns) > 1:
            items = [
                (_back(rule, v) or "") for v in (value if isinstance(value, list) else [value])
            ]
            for i, column in enumerate(rule.columns):
                if i < len(items) and column not in cells:
                    last = i == len(rule.columns) - 1
                    cells[column] = " / ".join(items[i:]) if last else items[i]
            continue
        column = rule.columns[0]
        if column in cells:
            continue
        if isinstance(value, list):
            cells[column] = (rule.split or "; ").join((_back(rule, v) or "") for v in value)
        else:
            text = _back(rule, value)
            if text is not None:
                cells[column] = text
    return cells


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
