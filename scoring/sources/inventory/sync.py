"""Plan and apply an import: match rows to files, give new rows stable ids, and work out
which files are new, changed, unchanged or no longer in the source.

Ids. A row keeps the id of the file it was imported into before (matched by its external id,
qualified by the ``id.qualify`` columns when given, or else, as for a row whose id is blank,
by the key derived from the mapping's ``id.key`` columns), so ids never change once given.
Files of the mapping's ``previous`` formats are matched next (previous.py): they keep their
ids, and their hand edits stay. A new row's id is the slug of its ``id.slug`` columns, cut
at a hyphen to fit MAX_ID_LENGTH. When several rows would get the same slug, or the slug is
taken by another file (ignoring case, as macOS and Windows checkouts do) or is a name
Windows reserves (``con``, ``nul``, ...), each such row gets ``-`` and the first 6 hex
digits of the SHA-1 of its key instead (the same on every run, whatever the row order); rows
whose keys are identical too get a further ``-2``, ``-3`` ... in source order. The report
lists every such group, with the files already there that hold the slug.

Hand edits. Each file records under ``source.imported`` a short digest of every mapped
field's value as the import wrote it. A re-import compares: where the file differs from
the source but the source's value has the digest recorded, the source has not changed
since, so the difference is a hand edit and stays; where the source's value changed, the
source wins, and the edit it replaces is listed. Files without the record (imported by an
older version) take the source's values, as before, and get the record.

The folder. Nothing in it is followed or read unless it is a regular file reached without
a symlink (the proposal rules of ``refusal``). A new row whose file name is held by a
symlink, a folder or any other entry that is not a regular file is not written; the row
is listed with the reason.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.sources.entries import WINDOWS_RESERVED, discover, refusal
from scoring.sources.inventory.convert import (
    RowResult,
    Unmapped,
    convert_row,
    get_path,
    id_match,
    key_match,
    ordered,
    set_path,
)
from scoring.sources.inventory.mapping import Binding, InventoryMapping
from scoring.sources.inventory.previous import Earlier, Rename, likely_renames
from scoring.sources.inventory.writer import (
    RewriteRefused,
    create_file,
    new_file_text,
    replace_file,
    rewrite,
)
from scoring.sources.yamlsource import LoadResult, read_source

# Parses a file's text once: its data (None when it is not YAML) and its problems as a
# proposal, as messages. Existing files are read through it, so each is parsed only once.
Checker = Callable[[Path, bytes], tuple[Any, list[str]]]
# Whether a new file of this data, at this path, is a valid proposal: the data is what its
# text is dumped from, so a valid one need not be parsed back (a quarter of an import).
DataCheck = Callable[[Path, Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Overwritten:
    """A hand edit the source replaced, because the source's value changed since."""

    field: str
    edited: Any  # the value in the file (None: the field had been removed by hand)
    source: Any  # the source's new value (None: the source no longer gives one)


@dataclass
class Item:
    row: RowResult
    id: str
    path: Path
    action: str  # "new", "updated", "unchanged" or "not_written" (see problems)
    text: str | None = None  # the content to write, for new and updated files
    problems: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # fields whose hand edits stay
    overwritten: list[Overwritten] = field(default_factory=list)


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
    existing: list[Path] = field(default_factory=list)  # files already holding the slug
    reserved: bool = False  # a name Windows reserves for a device


@dataclass
class Existing:
    """What the output folder held before the import."""

    by_match: dict[str, tuple[Path, dict[str, Any], str]]  # match -> (file, data, text)
    taken: dict[str, list[Path]]  # id, case-folded -> the entries holding it
    unreadable: list[Path]
    refused: dict[Path, str]  # entries never read (symlinks, FIFOs, ...) and why
    problems: dict[Path, list[str]]
    top: dict[str, str]  # entry name, case-folded -> why it is no place to write a file
    earlier: Earlier | None = None  # files of the mapping's previous formats


@dataclass
class ImportPlan:
    items: list[Item]
    retired: list[Retired]
    collisions: list[Collision]
    skipped: list[tuple[int, str]]
    unmapped: list[Unmapped]
    unused: tuple[str, ...]
    unreadable: list[Path]
    refused: dict[Path, str] = field(default_factory=dict)
    repeated: list[tuple[str, list[int]]] = field(default_factory=list)  # id, its rows
    derived: list[int] = field(default_factory=list)  # rows matched by key: blank id
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # undeclared custom
    adopted: list[int] = field(default_factory=list)  # rows matched to an earlier format's file
    earlier_left: list[Path] = field(default_factory=list)  # earlier files no row matched
    renames: list[Rename] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)


def digest(value: Any) -> str:
    """A short fingerprint of a field's value, for ``source.imported``."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _hash6(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]


def fit(slug: str, room: int) -> str:
    """A slug no longer than ``room``, cut at a hyphen where possible."""
    if len(slug) <= room:
        return slug
    cut = slug[:room]
    if "-" in cut and slug[room : room + 1] != "-":
        cut = cut[: cut.rfind("-")]
    return cut.strip("-") or slug[:room].strip("-")


def _owned_paths(mapping: InventoryMapping) -> list[str]:
    paths = list(dict.fromkeys(mapping.targets()))
    paths.append("source")
    if mapping.external_id:
        paths.append("external_id")
    return paths


def _why_not_here(entry: os.DirEntry[str]) -> str | None:
    """Why a file may not be written at this entry's name, or None for a regular file."""
    try:
        if entry.is_symlink():
            return "is a symlink (it could point outside the folder)"
        if entry.is_dir(follow_symlinks=False):
            return "is a folder"
        if not entry.is_file(follow_symlinks=False):
            return "is not a regular file (a pipe, socket or device)"
    except OSError as error:
        return f"cannot be checked ({error.strerror or error})"
    return None


def _top_entries(folder: Path) -> dict[str, str]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return {}
    out: dict[str, str] = {}
    for entry in entries:
        why = _why_not_here(entry)
        if why is not None:
            out[entry.name.casefold()] = f"{folder / entry.name} {why}"
    return out


def _index_existing(folder: Path, mapping: InventoryMapping, check: Checker) -> Existing:
    """Files this inventory wrote before (by match key), every id taken, the entries that
    could not be read or were refused, and the problems of each file as it is now."""
    found = Existing({}, {}, [], {}, {}, {})
    if mapping.previous:
        found.earlier = Earlier(mapping.previous_match)
    if not folder.is_dir() or folder.is_symlink():
        return found
    found.top = _top_entries(folder)
    # Sub-folders too, as the loader reads them: an id taken there is taken everywhere.
    for path in discover([folder]):
        refused = refusal(path, str(path))
        if refused is not None:
            found.refused[path] = refused.message
            if path.parent != folder:  # at the top, the name is reported where it is needed
                found.taken.setdefault(path.stem.casefold(), []).append(path)
            continue
        found.taken.setdefault(path.stem.casefold(), []).append(path)
        raw = read_source(path, str(path))
        if isinstance(raw, LoadResult):  # unreadable, or over the size limit
            found.unreadable.append(path)
            continue
        data, found.problems[path] = check(path, raw)
        if not isinstance(data, dict):
            found.unreadable.append(path)
            continue
        source = data.get("source")
        if not isinstance(source, dict):
            continue
        if found.earlier is not None and source.get("inventory") in mapping.previous:
            if source.get("listed") is not False:  # a retired use case stays retired
                found.earlier.add((path, data, raw.decode("utf-8", "replace")))
            continue
        if source.get("inventory") != mapping.name:
            continue
        match = file_match(mapping, data, source)
        if match and match not in found.by_match:
            found.by_match[match] = (path, data, raw.decode("utf-8", "replace"))
    return found


def file_match(
    mapping: InventoryMapping, data: Mapping[str, Any], source: Mapping[str, Any]
) -> str:
    """What a file written by this mapping is matched by, as convert_row matches rows: its
    id (qualified, or numbered when repeated: source.key) or else its derived key."""
    own_id = data.get("external_id")
    if mapping.external_id and own_id not in (None, ""):
        return id_match(str(source.get("key") or own_id))
    key = str(source.get("key", ""))
    return key_match(key) if key else ""


def _with_occurrence(rows: list[RowResult]) -> list[tuple[str, list[int]]]:
    """Rows with identical keys or ids: the 2nd, 3rd ... get ' #2', ' #3' on their key.
    Returns each repeated id with its rows (derived keys repeat silently, as before)."""
    seen: dict[str, int] = {}
    repeated: dict[str, list[int]] = {}
    for row in rows:
        count = seen.get(row.match, 0) + 1
        seen[row.match] = count
        if count > 1:
            if row.data.get("external_id") is not None:
                repeated.setdefault(row.key_text, []).append(row.number)
            row.key_text = f"{row.key_text} #{count}"
            # Matched the way _index_existing reads it back from the file.
            own = row.data.get("external_id") is not None
            row.match = id_match(row.key_text) if own else key_match(row.key_text)
            row.data["source"]["key"] = row.key_text
    firsts = {row.key_text: row.number for row in rows}
    return [(key, [firsts[key], *numbers]) for key, numbers in repeated.items()]


def _assign_ids(
    new_rows: list[RowResult], taken: set[str], max_len: int, occurrence: dict[int, int]
) -> tuple[dict[int, str], list[Collision]]:
    base = {row.number: fit(row.slug or "use-case", max_len) for row in new_rows}
    groups: dict[str, list[RowResult]] = {}
    for row in new_rows:
        groups.setdefault(base[row.number], []).append(row)
    ids: dict[int, str] = {}
    collisions: list[Collision] = []
    for slug, rows in groups.items():
        if len(rows) == 1 and slug not in taken and slug not in WINDOWS_RESERVED:
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
            while candidate.casefold() in taken:  # only if a hand-named file holds it
                tail = f"{suffix}-x{extra}"
                candidate = fit(slug, max_len - len(tail)) + tail
                extra += 1
            taken.add(candidate.casefold())
            ids[row.number] = candidate
            given.append((row.number, row.key_text, candidate))
        collisions.append(Collision(slug, given))
    return ids, collisions


def _edits(
    existing: Mapping[str, Any], fresh: Mapping[str, Any], owned: list[str]
) -> tuple[list[tuple[tuple[str, ...], Any]], list[tuple[str, ...]]]:
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


def _link_titles(mapping: InventoryMapping) -> set[str]:
    return {rule.link_title for rule in mapping.rules if rule.link_title is not None}


def _keep_hand_links(
    existing: Mapping[str, Any], fresh: dict[str, Any], titles: set[str]
) -> dict[str, Any]:
    """The source owns only the links under its rules' titles; links added by hand stay."""
    old = existing.get("links")
    if not titles or not isinstance(old, list):
        return fresh
    hand = [link for link in old if not (isinstance(link, dict) and link.get("title") in titles)]
    if not hand:
        return fresh
    return {**fresh, "links": [*fresh.get("links", []), *hand]}


_MISSING: Any = object()


def _owned_value(data: Mapping[str, Any], target: str, titles: set[str]) -> Any:
    """The part of a field the source owns: for links, only those under its titles."""
    value = get_path(data, target, _MISSING)
    if target == "links" and titles and isinstance(value, list):
        owned = [link for link in value if isinstance(link, dict) and link.get("title") in titles]
        return owned or _MISSING
    return value


def _fingerprints(data: Mapping[str, Any], targets: list[str], titles: set[str]) -> dict[str, str]:
    """``source.imported``: the digest of each field the source fills, by field."""
    out: dict[str, str] = {}
    for target in targets:
        value = _owned_value(data, target, titles)
        if value is not _MISSING:
            out[target] = digest(value)
    return out


def _delete_path(data: dict[str, Any], target: str) -> None:
    parts = target.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(parts[-1], None)


def _merge(
    existing: Mapping[str, Any], fresh: dict[str, Any], targets: list[str], titles: set[str]
) -> tuple[dict[str, Any], list[str], list[Overwritten]]:
    """The data the file should hold: the source's, except hand edits of fields whose
    source value has not changed since the last import. Also the fields kept that way and
    the hand edits the source replaced."""
    source = existing.get("source")
    record = source.get("imported") if isinstance(source, dict) else None
    wanted = _keep_hand_links(existing, fresh, titles)
    kept: list[str] = []
    overwritten: list[Overwritten] = []
    if not isinstance(record, dict):  # imported before records were kept: the source wins
        return wanted, kept, overwritten
    copied = False
    for target in targets:
        new = _owned_value(fresh, target, titles)
        old = _owned_value(existing, target, titles)
        if new == old:
            continue
        if not copied:  # most rows of a re-import change nothing: copy only when needed
            wanted, copied = copy.deepcopy(wanted), True
        last = record.get(target)
        if last == (None if new is _MISSING else digest(new)):
            kept.append(target)  # the source is as it was: the difference is a hand edit
            whole = get_path(existing, target, _MISSING)
            if whole is _MISSING:
                _delete_path(wanted, target)
            else:
                set_path(wanted, target, copy.deepcopy(whole))
        elif last != (None if old is _MISSING else digest(old)):
            overwritten.append(
                Overwritten(
                    target, None if old is _MISSING else old, None if new is _MISSING else new
                )
            )
    return wanted, kept, overwritten


def _adopt(
    existing: Mapping[str, Any], fresh: dict[str, Any], targets: list[str], titles: set[str]
) -> tuple[dict[str, Any], list[str], list[Overwritten]]:
    """The data a file an earlier format wrote should hold now: the new source's values,
    except fields edited by hand since that import (their value differs from its record,
    or the earlier import did not fill them), which stay: the new format is another
    source, so a change in its wording is no reason to drop an edit."""
    source = existing.get("source")
    record = source.get("imported") if isinstance(source, dict) else None
    wanted = copy.deepcopy(_keep_hand_links(existing, fresh, titles))
    if not isinstance(record, dict):  # imported before records were kept: the source wins
        return wanted, [], []
    kept: list[str] = []
    for target in targets:
        old = _owned_value(existing, target, titles)
        if old is _MISSING or old == _owned_value(fresh, target, titles):
            continue
        if record.get(target) != digest(old):
            kept.append(target)
            set_path(wanted, target, copy.deepcopy(get_path(existing, target)))
    return wanted, kept, []


def _blocked(item_id: str, existing: Existing) -> str | None:
    """Why a new file may not be written under this id, or None."""
    for name in (f"{item_id}.yaml", f"{item_id}.yml"):
        why = existing.top.get(name.casefold())
        if why is not None:
            return (
                f"not written: {why}; remove or replace it (with the proposal file "
                "itself) and import again"
            )
    return None


def plan_import(
    binding: Binding,
    folder: Path,
    schema: Mapping[str, Any],
    max_len: int,
    check: Checker,
    today: dt.date | None = None,
    valid_data: DataCheck | None = None,
) -> ImportPlan:
    mapping = binding.mapping
    table = binding.table
    rows: list[RowResult] = []
    skipped: list[tuple[int, str]] = []
    unmapped: list[Unmapped] = []
    key_columns = [mapping.external_id] if mapping.external_id else []
    key_columns += list(mapping.key)
    derived: list[int] = []
    for cells, number in zip(table.rows, table.row_numbers, strict=True):
        if all(not c.strip() for c in cells):
            skipped.append((number, "the row is empty"))
            continue
        if all(not cells[binding.index[c]].strip() for c in key_columns):
            what = (
                "its id"
                if not mapping.key
                else "its id and every column of its key"
                if mapping.external_id
                else "every column of its key"
            )
            skipped.append(
                (
                    number,
                    f"{what} ({', '.join(key_columns)}) is empty, so it "
                    "cannot be matched on a re-import",
                )
            )
            continue
        row = convert_row(binding, cells, number)
        rows.append(row)
        unmapped += row.unmapped
        if mapping.external_id and "external_id" not in row.data:
            derived.append(number)
    if mapping.external_id and mapping.repeats == "refuse":
        _check_unique_ids(rows, binding)
    counts: dict[str, int] = {}
    occurrence: dict[int, int] = {}
    for row in rows:
        counts[row.match] = counts.get(row.match, 0) + 1
        if counts[row.match] > 1:
            occurrence[row.number] = counts[row.match]
    repeated = _with_occurrence(rows)

    existing = _index_existing(folder, mapping, check)
    by_match = existing.by_match
    owned = _owned_paths(mapping)
    targets = list(dict.fromkeys(mapping.targets()))
    titles = _link_titles(mapping)
    matched: dict[int, tuple[Path, dict[str, Any], str]] = {}
    for row in rows:
        if row.match in by_match:
            matched[row.number] = by_match[row.match]
    adopted: set[int] = set()
    if existing.earlier is not None:
        for row in rows:
            if row.number not in matched:
                found = existing.earlier.claim(row.data)
                if found is not None:
                    matched[row.number] = found
                    adopted.add(row.number)
    new_rows = [row for row in rows if row.number not in matched]
    ids, _ = _assign_ids(new_rows, set(existing.taken), max_len, occurrence)

    items: list[Item] = []
    for row in rows:
        row.data["source"]["imported"] = _fingerprints(row.data, targets, titles)
        fresh = ordered(row.data, schema, last=("custom", "source"))
        if row.number in matched:
            path, data, text = matched[row.number]
            merge = _adopt if row.number in adopted else _merge
            wanted, kept, overwritten = merge(data, fresh, targets, titles)
            sets, deletes = _edits(data, wanted, owned)
            if not sets and not deletes:
                item = Item(row, path.stem, path, "unchanged")
            else:
                try:
                    item = Item(row, path.stem, path, "updated", rewrite(text, sets, deletes))
                except RewriteRefused as refused:
                    item = Item(
                        row,
                        path.stem,
                        path,
                        "not_written",
                        None,
                        [f"{path} not updated: {refused}"],
                    )
            item.kept, item.overwritten = kept, overwritten
        else:
            path = folder / f"{ids[row.number]}.yaml"
            blocked = _blocked(ids[row.number], existing)
            if blocked is not None:
                items.append(Item(row, ids[row.number], path, "not_written", None, [blocked]))
                continue
            item = Item(row, ids[row.number], path, "new", new_file_text(fresh, mapping.name))
        if item.text is None:
            item.problems = item.problems + existing.problems.get(path, [])
        elif item.action == "new" and valid_data is not None and valid_data(path, fresh):
            item.problems = []
        else:
            item.problems = check(path, item.text.encode("utf-8"))[1]
        items.append(item)

    collisions = _collisions(items, existing, max_len)
    retired = _retire(rows, existing, targets, today)
    earlier_left: list[Path] = []
    renames: list[Rename] = []
    if existing.earlier is not None:
        left = existing.earlier.left()
        earlier_left = [path for path, _, _ in left]
        fresh_rows = [(row.number, row.data) for row in new_rows]
        renames = likely_renames(left, fresh_rows, mapping.previous_match[0])
    return ImportPlan(
        items,
        retired,
        collisions,
        skipped,
        unmapped,
        binding.unused,
        existing.unreadable,
        existing.refused,
        repeated,
        derived,
        adopted=sorted(adopted),
        earlier_left=earlier_left,
        renames=renames,
    )


def _collisions(items: list[Item], existing: Existing, max_len: int) -> list[Collision]:
    """Every slug that several rows share, that files already there hold (in any case),
    or that Windows reserves."""
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(fit(item.row.slug or "use-case", max_len), []).append(item)
    collisions = []
    for slug, group in groups.items():
        ours = {item.path for item in group}
        holders = [p for p in existing.taken.get(slug.casefold(), []) if p not in ours]
        reserved = slug in WINDOWS_RESERVED
        if len(group) > 1 or holders or reserved:
            collisions.append(
                Collision(
                    slug, [(i.row.number, i.row.key_text, i.id) for i in group], holders, reserved
                )
            )
    return collisions


def _retire(
    rows: list[RowResult], existing: Existing, targets: list[str], today: dt.date | None
) -> list[Retired]:
    """Files of this inventory whose rows have left the source: marked, never deleted."""
    seen = {row.match for row in rows}
    retired = []
    day = (today or dt.date.today()).isoformat()
    for match, (path, data, text) in sorted(
        existing.by_match.items(), key=lambda kv: kv[1][0].name
    ):
        if match in seen:
            continue
        source = data.get("source") or {}
        if source.get("listed") is False:
            retired.append(Retired(path.stem, path, _shown_key(data, match), "unchanged"))
            continue
        marks: list[tuple[tuple[str, ...], Any]] = [
            (("stage",), "retired"),
            (("source", "listed"), False),
        ]
        if not get_path(data, "dates.retired"):
            marks.append((("dates", "retired"), day))
        # Recorded as the import's own values, so a row that comes back is not mistaken
        # for one whose stage was edited by hand.
        if isinstance(source.get("imported"), dict):
            marks += [
                (("source", "imported", dotted), digest(value))
                for (parts, value) in marks[:1] + marks[2:]
                if (dotted := ".".join(parts)) in targets
            ]
        try:
            text = rewrite(text, marks, [])
        except RewriteRefused as refused:
            existing.refused[path] = f"not marked as no longer in the source: {refused}"
            continue
        retired.append(Retired(path.stem, path, _shown_key(data, match), "marked", text))
    return retired


def _shown_key(data: Mapping[str, Any], match: str) -> str:
    source = data.get("source") or {}
    return str(source.get("key") or data.get("external_id") or match.split(":", 1)[-1])


def _check_unique_ids(rows: list[RowResult], binding: Binding) -> None:
    from scoring.sources.inventory.mapping import header_label
    from scoring.sources.inventory.reader import InputError

    first: dict[str, int] = {}
    for row in rows:
        if row.data.get("external_id") is None:
            continue  # a blank id: matched by its derived key
        if row.match in first:
            column = header_label(binding, binding.mapping.external_id or "")
            raise InputError(
                binding.table.file,
                f"the id '{row.key_text}' is also on row {first[row.match]}; ids must be unique",
                row=row.number,
                column=column,
            )
        first[row.match] = row.number


def apply_plan(plan: ImportPlan) -> None:
    """Write new and changed files; nothing else is touched, and no link is followed. A file
    that cannot be written is a problem of its row (the rest are still written)."""
    for item in plan.items:
        if item.text is None:
            continue
        try:
            if item.action == "new":
                create_file(item.path, item.text)
            else:
                replace_file(item.path, item.text)
        except FileExistsError:
            item.action, item.text = "not_written", None
            item.problems = [f"not written: {item.path} appeared during the import; import again"]
        except OSError as error:
            item.action, item.text = "not_written", None
            item.problems = [f"not written: {item.path}: {error.strerror or error}"]
    for gone in plan.retired:
        if gone.text is not None:
            try:
                replace_file(gone.path, gone.text)
            except OSError as error:
                gone.action = f"not marked ({error.strerror or error})"
