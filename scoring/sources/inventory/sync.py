"""Plan and apply an import: match rows to files, give new rows stable ids, and work out
which files are new, changed, unchanged or no longer in the source.

Ids. A row keeps the id of the file it was imported into before (matched by its external
id, or else by the key derived from the mapping's ``id.key`` columns), so ids never change
once given. A new row's id is the slug of its ``id.slug`` columns, cut at a hyphen to fit
MAX_ID_LENGTH. When several rows would get the same slug, or the slug is taken by another
file, each such row gets ``-`` and the first 6 hex digits of the SHA-1 of its key instead
(the same on every run, whatever the row order); rows whose keys are identical too get a
further ``-2``, ``-3`` ... in source order. The report lists every such group.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.sources.inventory.convert import (
    RowResult,
    Unmapped,
    convert_row,
    get_path,
    ordered,
)
from scoring.sources.inventory.mapping import Binding, InventoryMapping, normalise
from scoring.sources.inventory.writer import new_file_text, rewrite

# Parses a file's text once: its data (None when it is not YAML) and its problems as a
# proposal, as messages. Existing files are read through it, so each is parsed only once.
Checker = Callable[[Path, bytes], tuple[Any, list[str]]]


@dataclass
class Item:
    row: RowResult
    id: str
    path: Path
    action: str  # "new", "updated" or "unchanged"
    text: str | None = None  # the content to write, for new and updated files
    problems: list[str] = field(default_factory=list)


@dataclass
class Retired:
    id: str
    path: Path
    key: str
    action: str  # "marked" now, or "unchanged" when marked on an earlier run
    text: str | None = None


@dataclass
class Collision:
    slug: str
    rows: list[tuple[int, str, str]]  # (row number, key, id given)


@dataclass
class ImportPlan:
    items: list[Item]
    retired: list[Retired]
    collisions: list[Collision]
    skipped: list[tuple[int, str]]
    unmapped: list[Unmapped]
    unused: tuple[str, ...]
    unreadable: list[Path]

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)


def _hash6(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]


def fit(slug: str, room: int) -> str:
    """A slug no longer than ``room``, cut at a hyphen where possible."""
    if len(slug) <= room:
        return slug
    cut = slug[:room]
    if "-" in cut and slug[room:room + 1] != "-":
        cut = cut[:cut.rfind("-")]
    return cut.strip("-") or slug[:room].strip("-")


def _owned_paths(mapping: InventoryMapping) -> list[str]:
    paths = list(dict.fromkeys(mapping.targets()))
    paths.append("source")
    if mapping.external_id:
        paths.append("external_id")
    return paths


def _index_existing(folder: Path, mapping: InventoryMapping, check: Checker) -> tuple[
        dict[str, tuple[Path, dict[str, Any]]], set[str], list[Path], dict[Path, list[str]]]:
    """Files this inventory wrote before (by match key), every id taken, unreadable files,
    and the problems of each file as it is now."""
    by_match: dict[str, tuple[Path, dict[str, Any]]] = {}
    taken: set[str] = set()
    unreadable: list[Path] = []
    problems: dict[Path, list[str]] = {}
    if not folder.is_dir():
        return by_match, taken, unreadable, problems
    # Sub-folders too, as the loader reads them: an id taken there is taken everywhere.
    for path in sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml")
                       and p.is_file()):
        taken.add(path.stem)
        try:
            data, problems[path] = check(path, path.read_bytes())
        except OSError:
            data = None
        if not isinstance(data, dict):
            unreadable.append(path)
            continue
        source = data.get("source") if isinstance(data, dict) else None
        if not isinstance(source, dict) or source.get("inventory") != mapping.name:
            continue
        if mapping.external_id:
            match = str(data.get("external_id", ""))
        else:
            match = normalise(str(source.get("key", "")))
        if match:
            by_match.setdefault(match, (path, data))
    return by_match, taken, unreadable, problems


def _with_occurrence(rows: list[RowResult]) -> None:
    """Rows with identical keys: the 2nd, 3rd ... get ' #2', ' #3' on their key."""
    seen: dict[str, int] = {}
    for row in rows:
        count = seen.get(row.match, 0) + 1
        seen[row.match] = count
        if count > 1:
            row.key_text = f"{row.key_text} #{count}"
            # Matched the way _index_existing reads it back from the file.
            row.match = row.key_text if row.data.get("external_id") else normalise(row.key_text)
            row.data["source"]["key"] = row.key_text


def _assign_ids(new_rows: list[RowResult], taken: set[str], max_len: int,
                occurrence: dict[int, int]) -> tuple[dict[int, str], list[Collision]]:
    base = {row.number: fit(row.slug or "use-case", max_len) for row in new_rows}
    groups: dict[str, list[RowResult]] = {}
    for row in new_rows:
        groups.setdefault(base[row.number], []).append(row)
    ids: dict[int, str] = {}
    collisions: list[Collision] = []
    for slug, rows in groups.items():
        if len(rows) == 1 and slug not in taken:
            ids[rows[0].number] = slug
            taken.add(slug)
            continue
        given = []
        for row in rows:
            key = row.key_text.rsplit(" #", 1)[0] if occurrence.get(row.number) else row.key_text
            suffix = f"-{_hash6(key)}"
            if occurrence.get(row.number):
                suffix += f"-{occurrence[row.number]}"
            candidate = fit(slug, max_len - len(suffix)) + suffix
            extra = 2
            while candidate in taken:  # only if a hand-named file already holds it
                tail = f"{suffix}-x{extra}"
                candidate = fit(slug, max_len - len(tail)) + tail
                extra += 1
            taken.add(candidate)
            ids[row.number] = candidate
            given.append((row.number, row.key_text, candidate))
        collisions.append(Collision(slug, given))
    return ids, collisions


def _edits(existing: Mapping[str, Any], fresh: Mapping[str, Any],
           owned: list[str]) -> tuple[list[tuple[tuple[str, ...], Any]], list[tuple[str, ...]]]:
    """What turns the existing file's data into the source's: the fields to set and the
    fields to delete, among those the source owns. None of either: the file is current."""
    sets: list[tuple[tuple[str, ...], Any]] = []
    deletes: list[tuple[str, ...]] = []
    missing = object()
    for dotted in owned:
        new = get_path(fresh, dotted, missing)
        old = get_path(existing, dotted, missing)
        if new is missing:
            if old is not missing:
                deletes.append(tuple(dotted.split(".")))
        elif new != old:
            sets.append((tuple(dotted.split(".")), new))
    return sets, deletes


def _keep_hand_links(existing: Mapping[str, Any], fresh: dict[str, Any],
                     mapping: InventoryMapping) -> dict[str, Any]:
    """The source owns only the links under its rules' titles; links added by hand stay."""
    titles = {rule.link_title for rule in mapping.rules if rule.link_title is not None}
    old = existing.get("links")
    if not titles or not isinstance(old, list):
        return fresh
    hand = [link for link in old if not (isinstance(link, dict) and link.get("title") in titles)]
    if not hand:
        return fresh
    return {**fresh, "links": [*fresh.get("links", []), *hand]}


def plan_import(binding: Binding, folder: Path, schema: Mapping[str, Any], max_len: int,
                check: Checker, today: dt.date | None = None) -> ImportPlan:
    mapping = binding.mapping
    table = binding.table
    rows: list[RowResult] = []
    skipped: list[tuple[int, str]] = []
    unmapped: list[Unmapped] = []
    key_columns = [mapping.external_id] if mapping.external_id else list(mapping.key)
    for cells, number in zip(table.rows, table.row_numbers, strict=True):
        if all(not c.strip() for c in cells):
            skipped.append((number, "the row is empty"))
            continue
        if all(not cells[binding.index[c]].strip() for c in key_columns):
            what = "its id" if mapping.external_id else "every column of its key"
            skipped.append((number, f"{what} ({', '.join(key_columns)}) is empty, so it "
                            "cannot be matched on a re-import"))
            continue
        row = convert_row(binding, cells, number)
        rows.append(row)
        unmapped += row.unmapped
    if mapping.external_id:
        _check_unique_ids(rows, binding)
    counts: dict[str, int] = {}
    occurrence: dict[int, int] = {}
    for row in rows:
        counts[row.match] = counts.get(row.match, 0) + 1
        if counts[row.match] > 1:
            occurrence[row.number] = counts[row.match]
    _with_occurrence(rows)

    by_match, taken, unreadable, known = _index_existing(folder, mapping, check)
    owned = _owned_paths(mapping)
    matched: dict[int, tuple[Path, dict[str, Any]]] = {}
    for row in rows:
        if row.match in by_match:
            matched[row.number] = by_match[row.match]
    new_rows = [row for row in rows if row.number not in matched]
    ids, _ = _assign_ids(new_rows, taken, max_len, occurrence)

    items: list[Item] = []
    for row in rows:
        fresh = ordered(row.data, schema, last=("custom", "source"))
        if row.number in matched:
            path, existing = matched[row.number]
            fresh = _keep_hand_links(existing, fresh, mapping)
            sets, deletes = _edits(existing, fresh, owned)
            if not sets and not deletes:
                item = Item(row, path.stem, path, "unchanged")
            else:
                item = Item(row, path.stem, path, "updated", rewrite(path, sets, deletes))
        else:
            path = folder / f"{ids[row.number]}.yaml"
            item = Item(row, ids[row.number], path, "new", new_file_text(fresh, mapping.name))
        if item.text is None:
            item.problems = known.get(path, [])
        else:
            item.problems = check(path, item.text.encode("utf-8"))[1]
        items.append(item)

    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(fit(item.row.slug or "use-case", max_len), []).append(item)
    collisions = [Collision(slug, [(i.row.number, i.row.key_text, i.id) for i in group])
                  for slug, group in groups.items() if len(group) > 1]
    seen = {row.match for row in rows}
    retired = []
    day = (today or dt.date.today()).isoformat()
    for match, (path, existing) in sorted(by_match.items(), key=lambda kv: kv[1][0].name):
        if match in seen:
            continue
        source = existing.get("source") or {}
        if source.get("listed") is False:
            retired.append(Retired(path.stem, path, str(source.get("key", match)), "unchanged"))
            continue
        marks: list[tuple[tuple[str, ...], Any]] = [(("stage",), "retired"),
                                                    (("source", "listed"), False)]
        if not get_path(existing, "dates.retired"):
            marks.append((("dates", "retired"), day))
        retired.append(Retired(path.stem, path, str(source.get("key", match)), "marked",
                               rewrite(path, marks, [])))
    return ImportPlan(items, retired, collisions, skipped, unmapped, binding.unused, unreadable)


def _check_unique_ids(rows: list[RowResult], binding: Binding) -> None:
    from scoring.sources.inventory.mapping import header_label
    from scoring.sources.inventory.reader import InputError

    first: dict[str, int] = {}
    for row in rows:
        if row.match in first:
            column = header_label(binding, binding.mapping.external_id or "")
            raise InputError(binding.table.file, f"the id '{row.key_text}' is also on row "
                             f"{first[row.match]}; ids must be unique", row=row.number,
                             column=column)
        first[row.match] = row.number


def apply_plan(plan: ImportPlan) -> None:
    """Write new and changed files; nothing else is touched."""
    for item in plan.items:
        if item.text is not None:
            item.path.parent.mkdir(parents=True, exist_ok=True)
            item.path.write_text(item.text, encoding="utf-8")
    for gone in plan.retired:
        if gone.text is not None:
            gone.path.write_text(gone.text, encoding="utf-8")
