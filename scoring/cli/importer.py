"""`sweetspot import`: turn an inventory (CSV or XLSX) into proposal files, and report.

The reading and mapping are engine code in scoring/sources/inventory/; this module wires
them to the proposal schema, checks every file it would write, and prints the report.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from scoring.cli.common import (
    DEFAULT_PROPOSALS,
    EXIT_INVALID,
    EXIT_OK,
    UsageError,
    add_command,
    one_line,
    rubric_from,
)
from scoring.proposals.loading import ID_PATTERN, MAX_ID_LENGTH, WINDOWS_RESERVED, load_one
from scoring.proposals.proposal import InvalidFile
from scoring.proposals.schema import proposal_schema
from scoring.rubric import Rubric
from scoring.sources.inventory.mapping import (
    SHIPPED,
    InventoryMapping,
    bind,
    load_mapping,
    shipped_path,
)
from scoring.sources.inventory.reader import Table, read_table
from scoring.sources.inventory.sync import ImportPlan, apply_plan, plan_import
from scoring.sources.validation import checker_for
from scoring.sources.yamlsource import load_bytes


def mapping_from(name: str, rubric: Rubric) -> InventoryMapping:
    """A shipped mapping by name, or a mapping file by path."""
    path = shipped_path(name) if name in SHIPPED else Path(name)
    if not path.exists() and not path.is_symlink():  # anything else: read_named says why
        raise UsageError(
            f"mapping not found: {name} (give a file, or one of: {', '.join(SHIPPED)})"
        )
    return load_mapping(
        path, proposal_schema(rubric), display=f"{name} (shipped)" if name in SHIPPED else name
    )


def prepare(args: argparse.Namespace, rubric: Rubric) -> tuple[InventoryMapping, Table]:
    mapping = mapping_from(args.mapping, rubric)
    table = read_table(
        Path(args.file), args.file, encoding=args.encoding or mapping.encoding, sheet=args.sheet
    )
    return mapping, table


def check_out(out: Path) -> None:
    """An --out that is a symlink or not a folder is refused: files are written only into
    a real folder, so nothing lands outside it."""
    try:
        mode = os.lstat(out).st_mode
    except FileNotFoundError:
        return  # created when the first file is written
    except OSError as error:
        raise UsageError(
            f"--out {one_line(str(out))}: cannot be checked ({error.strerror or error})"
        ) from error
    if stat.S_ISLNK(mode):
        raise UsageError(
            f"--out {one_line(str(out))} is a symlink; name the folder itself "
            "(a link could send the files anywhere)"
        )
    if not stat.S_ISDIR(mode):
        raise UsageError(f"--out {one_line(str(out))} is not a folder")


def make_out(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(
            f"--out {one_line(str(out))}: cannot create the folder ({error.strerror or error})"
        ) from error
    check_out(out)  # made by someone else meanwhile: the same rules


def run_import(args: argparse.Namespace, rubric: Rubric) -> tuple[ImportPlan, Table]:
    out = Path(args.out)
    check_out(out)  # before the inventory is read: nothing to do with a bad --out
    mapping, table = prepare(args, rubric)
    binding = bind(mapping, table)
    schema = proposal_schema(rubric)
    checker = checker_for(schema)
    checker.expect(len(table.rows))

    def check(path: Path, raw: bytes) -> tuple[Any, list[str]]:
        # The fast path parses and checks once; only a file with a problem goes through
        # load_one, for its located messages.
        result = load_bytes(raw, str(path))
        data = result.document.data if result.document is not None else None
        stem_ok = (
            ID_PATTERN.match(path.stem)
            and len(path.stem) <= MAX_ID_LENGTH
            and path.stem not in WINDOWS_RESERVED
        )
        if data is not None and not result.problems and stem_ok and checker.is_valid(data):
            return data, []
        loaded = load_one(path, rubric, str(path), checker, raw=raw)
        if not isinstance(loaded, InvalidFile):
            return data, []
        return data, [
            (f"{p.field}: " if p.field else "")
            + p.message
            + (f" (line {p.line})" if p.line else "")
            for p in loaded.problems
        ]

    def valid_data(path: Path, data: Any) -> bool:
        return bool(
            ID_PATTERN.match(path.stem)
            and len(path.stem) <= MAX_ID_LENGTH
            and path.stem not in WINDOWS_RESERVED
            and checker.is_valid(data)
        )

    plan = plan_import(binding, out, schema, MAX_ID_LENGTH, check, valid_data=valid_data)
    declared = {f.id for f in rubric.custom_fields}
    plan.labels = {k: v for k, v in mapping.labels().items() if k not in declared}
    if not args.dry_run:
        if any(item.text is not None for item in plan.items):
            make_out(out)
        apply_plan(plan)
    return plan, table


def _shown(value: Any) -> str:
    return one_line(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def _payload(plan: ImportPlan, table: Table, args: argparse.Namespace) -> dict[str, Any]:
    return {
        "file": table.file,
        "encoding": table.encoding,
        "encoding_note": table.encoding_note,
        "sheet": table.sheet,
        "rows": len(table.rows),
        "dry_run": bool(args.dry_run),
        "written": plan.count("new"),
        "updated": plan.count("updated"),
        "unchanged": plan.count("unchanged"),
        "skipped": len(plan.skipped),
        "not_written": plan.count("not_written"),
        "files": [
            {
                "row": i.row.number,
                "id": i.id,
                "file": str(i.path),
                "action": i.action,
                "problems": i.problems,
                "warnings": i.row.warnings,
                "hand_edits_kept": i.kept,
                "hand_edits_overwritten": [vars(o) for o in i.overwritten],
            }
            for i in plan.items
        ],
        "skipped_rows": [{"row": n, "reason": why} for n, why in plan.skipped],
        "no_longer_in_source": [
            {"id": r.id, "file": str(r.path), "key": r.key, "action": r.action}
            for r in plan.retired
        ],
        "unmapped": [vars(u) for u in plan.unmapped],
        "unused_columns": list(plan.unused),
        "collisions": [
            {
                "slug": c.slug,
                "rows": [{"row": n, "key": k, "id": i} for n, k, i in c.rows],
                "existing": [str(p) for p in c.existing],
                "reserved": c.reserved,
            }
            for c in plan.collisions
        ],
        "repeated_ids": [{"id": key, "rows": rows} for key, rows in plan.repeated],
        "matched_to_earlier_format": plan.adopted,
        "earlier_not_matched": [str(p) for p in plan.earlier_left],
        "likely_renames": [
            {"file": str(r.path), "title": r.old_title, "row": r.row, "new_title": r.new_title}
            for r in plan.renames
        ],
        "rows_without_id": plan.derived,
        "custom_fields": {k: {"label": v, "type": t} for k, (v, t) in plan.labels.items()},
        "unreadable": [str(p) for p in plan.unreadable],
        "refused": [{"file": str(p), "reason": why} for p, why in plan.refused.items()],
    }


def report(
    plan: ImportPlan, table: Table, args: argparse.Namespace, seconds: float, out: TextIO
) -> None:
    """The report. Everything taken from the inventory or the folder (headers, values,
    sheet and file names) goes through one_line, so none of it can forge a log line."""
    if args.format == "json":
        out.write(json.dumps(_payload(plan, table, args), indent=2, ensure_ascii=False) + "\n")
        return
    verb = "would be " if args.dry_run else ""
    marked = [r for r in plan.retired if r.action == "marked"]
    write = out.write
    source = one_line(table.file)
    if table.encoding:
        source += f" (encoding {one_line(table.encoding)}: {one_line(table.encoding_note)})"
    if table.sheet:
        source += f" (sheet '{one_line(table.sheet)}')"
    write(f"Read {len(table.rows)} row(s) from {source}.\n")
    if args.dry_run:
        for item in plan.items:
            if item.action in ("new", "updated"):
                write(
                    f"would write {one_line(str(item.path))} (row {item.row.number}, "
                    f"{item.action})\n"
                )
        for gone in marked:
            write(f"would mark {one_line(str(gone.path))} as no longer in the source\n")
    blocked = [i for i in plan.items if i.action == "not_written"]
    if blocked:
        write(
            f"\nRows not written ({len(blocked)}); write them by fixing what is named "
            "and importing again:\n"
        )
        for item in blocked:
            for problem in item.problems:
                write(
                    f"  row {item.row.number} ({one_line(item.path.name)}): {one_line(problem)}\n"
                )
    invalid = [i for i in plan.items if i.problems and i.action != "not_written"]
    if invalid:
        write(
            f"\nRows that are not valid proposals ({len(invalid)}); their files "
            f"{'would be' if args.dry_run else 'are'} written anyway and listed on the "
            "site's intake-problems page:\n"
        )
        for item in invalid:
            for problem in item.problems:
                write(
                    f"  row {item.row.number} ({one_line(item.path.name)}): {one_line(problem)}\n"
                )
    hidden = [i for i in plan.items if i.row.warnings]
    if hidden:
        write(
            f"\nRows with hidden or control characters ({len(hidden)}); `validate` warns "
            "about them in names, and a strict build fails:\n"
        )
        for item in hidden:
            for warning in item.row.warnings:
                write(
                    f"  row {item.row.number} ({one_line(item.path.name)}): {one_line(warning)}\n"
                )
    overwritten = [i for i in plan.items if i.overwritten]
    if overwritten:
        write(f"\nHand edits replaced because the source changed ({len(overwritten)} file(s)):\n")
        for item in overwritten:
            for o in item.overwritten:
                write(
                    f"  row {item.row.number} ({one_line(item.path.name)}): {o.field}: "
                    f"{_shown(o.edited)} -> {_shown(o.source)}\n"
                )
    if plan.skipped:
        write(f"\nSkipped rows ({len(plan.skipped)}):\n")
        for number, why in plan.skipped:
            write(f"  row {number}: {one_line(why)}\n")
    if plan.unmapped:
        write(
            f"\nValues the mapping could not translate ({len(plan.unmapped)}); each is "
            "kept under source.unmapped in its file:\n"
        )
        for u in plan.unmapped:
            write(
                f"  row {u.row}, column '{one_line(u.column)}' -> {u.field}: "
                f"{one_line(repr(u.value))}\n"
            )
    if plan.collisions:
        rows = sum(len(c.rows) for c in plan.collisions)
        write(
            f"\nRows whose ids would collide ({len(plan.collisions)} group(s), {rows} "
            "rows); each got a suffix from its key (see the README):\n"
        )
        for collision in plan.collisions:
            given = ", ".join(f"row {n} -> {i}" for n, _, i in collision.rows)
            reasons = [f"already used by {one_line(str(p))}" for p in collision.existing]
            if collision.reserved:
                reasons.append("a name Windows reserves")
            write(
                f"  {collision.slug}: {given}"
                + (f" ({'; '.join(reasons)})" if reasons else "")
                + "\n"
            )
    if plan.repeated:
        write(
            f"\nIds given on several rows ({len(plan.repeated)}); the 2nd, 3rd ... are "
            "matched as id #2, #3 (in source order):\n"
        )
        for key, numbers in plan.repeated:
            write(f"  {one_line(key)}: rows {', '.join(map(str, numbers))}\n")
    if plan.derived:
        shown = ", ".join(map(str, plan.derived[:20])) + (" ..." if len(plan.derived) > 20 else "")
        write(
            f"\nRows without an id of their own ({len(plan.derived)}); matched by their "
            f"key columns instead: rows {shown}\n"
        )
    if plan.adopted or plan.earlier_left:
        write(
            f"\nRows matched to files of an earlier format ({len(plan.adopted)}); they keep "
            "their ids and hand edits.\n"
        )
    if plan.earlier_left:
        write(
            f"\nFiles of an earlier format no row matched ({len(plan.earlier_left)}); left "
            "as they are:\n"
        )
        for path in plan.earlier_left:
            write(f"  {one_line(str(path))}\n")
    if plan.renames:
        write(f"\nLikely renames ({len(plan.renames)}); check them, and edit by hand if so:\n")
        for r in plan.renames:
            write(
                f"  {one_line(str(r.path))} ({_shown(r.old_title)}) -> row {r.row} "
                f"({_shown(r.new_title)})\n"
            )
    if plan.retired:
        write(
            f"\nNo longer in the source ({len(plan.retired)}); kept, marked retired "
            "with source.listed false:\n"
        )
        for gone in plan.retired:
            state = {"marked": f"{verb}marked now", "unchanged": "marked before"}.get(
                gone.action, gone.action
            )
            write(f"  {one_line(str(gone.path))} ({one_line(state)})\n")
    if plan.unreadable or plan.refused:
        write(
            "\nExisting entries that were not read (fix them and re-import, or their "
            "rows may be imported twice):\n"
        )
        for path in plan.unreadable:
            write(f"  {one_line(str(path))}\n")
        for path, why in plan.refused.items():
            write(f"  {one_line(str(path))}: {one_line(why)}\n")
    if plan.labels:
        write(
            f"\nCustom fields with labels in the mapping ({len(plan.labels)}); pages show "
            "a label once the rubric declares the field: add these to its custom_fields:\n"
        )
        for name, (label, kind) in plan.labels.items():
            write(f"  {name}: {{label: {json.dumps(label, ensure_ascii=False)}, type: {kind}}}\n")
    if plan.unused:
        write(f"\nColumns left unused ({len(plan.unused)}):\n")
        for column in plan.unused:
            write(f"  {one_line(column)}\n")
    not_written = f", {len(blocked)} not written" if blocked else ""
    write(
        f"\n{plan.count('new')} file(s) {verb}written, {plan.count('updated')} "
        f"{verb}updated, {plan.count('unchanged')} unchanged, {len(plan.skipped)} row(s) "
        f"skipped{not_written}, {len(marked)} {verb}marked no longer in the source; "
        f"{len(invalid) + len(blocked)} invalid; {seconds:.1f} s.\n"
    )


def run(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    started = time.perf_counter()
    plan, table = run_import(args, rubric)  # bad input or mapping: main says why, exit 2
    report(plan, table, args, time.perf_counter() - started, sys.stdout)
    return EXIT_INVALID if any(i.problems for i in plan.items) else EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = add_command(sub, "import", "Import an inventory (CSV or XLSX) as proposal files.")
    command.add_argument("file", metavar="FILE", help="the inventory, .csv or .xlsx")
    command.add_argument(
        "--mapping",
        required=True,
        metavar="NAME_OR_FILE",
        help=f"a mapping file, or a shipped one: {', '.join(SHIPPED)}",
    )
    command.add_argument(
        "--out",
        default=str(DEFAULT_PROPOSALS),
        metavar="DIR",
        help=f"where proposal files go (default: {DEFAULT_PROPOSALS})",
    )
    command.add_argument(
        "--dry-run", action="store_true", help="print what would be written, and write nothing"
    )
    command.add_argument(
        "--encoding", metavar="NAME", help="the CSV's text encoding (default: detected)"
    )
    command.add_argument("--sheet", metavar="NAME", help="the sheet of an XLSX workbook")
    command.add_argument(
        "--format", choices=["text", "json"], default="text", help="the report's format"
    )
    command.set_defaults(func=run)
