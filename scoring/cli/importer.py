"""`sweetspot import`: turn an inventory (CSV or XLSX) into proposal files, and report.

The reading and mapping are engine code in scoring/sources/inventory/; this module wires
them to the proposal schema, checks every file it would write, and prints the report.
"""

from __future__ import annotations

import argparse
import json
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
    rubric_from,
)
from scoring.proposals.loading import ID_PATTERN, MAX_ID_LENGTH, load_one
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
    if not path.is_file():
        raise UsageError(f"mapping not found: {name} (give a file, or one of: "
                         f"{', '.join(SHIPPED)})")
    return load_mapping(path, proposal_schema(rubric),
                        display=f"{name} (shipped)" if name in SHIPPED else name)


def prepare(args: argparse.Namespace, rubric: Rubric) -> tuple[InventoryMapping, Table]:
    mapping = mapping_from(args.mapping, rubric)
    table = read_table(Path(args.file), args.file, encoding=args.encoding or mapping.encoding,
                       sheet=args.sheet)
    return mapping, table


def run_import(args: argparse.Namespace, rubric: Rubric) -> tuple[ImportPlan, Table]:
    mapping, table = prepare(args, rubric)
    binding = bind(mapping, table)
    schema = proposal_schema(rubric)
    checker = checker_for(schema)
    checker.expect(len(table.rows))
    out = Path(args.out)

    def check(path: Path, raw: bytes) -> tuple[Any, list[str]]:
        # The fast path parses and checks once; only a file with a problem goes through
        # load_one, for its located messages.
        result = load_bytes(raw, str(path))
        data = result.document.data if result.document is not None else None
        stem_ok = ID_PATTERN.match(path.stem) and len(path.stem) <= MAX_ID_LENGTH
        if data is not None and not result.problems and stem_ok and checker.is_valid(data):
            return data, []
        loaded = load_one(path, rubric, str(path), checker, raw=raw)
        if not isinstance(loaded, InvalidFile):
            return data, []
        return data, [(f"{p.field}: " if p.field else "") + p.message
                      + (f" (line {p.line})" if p.line else "") for p in loaded.problems]

    plan = plan_import(binding, out, schema, MAX_ID_LENGTH, check)
    if not args.dry_run:
        apply_plan(plan)
    return plan, table


def report(plan: ImportPlan, table: Table, args: argparse.Namespace, seconds: float,
           out: TextIO) -> None:
    verb = "would be " if args.dry_run else ""
    marked = [r for r in plan.retired if r.action == "marked"]
    if args.format == "json":
        payload: dict[str, Any] = {
            "file": table.file, "encoding": table.encoding, "encoding_note": table.encoding_note,
            "sheet": table.sheet, "rows": len(table.rows), "dry_run": bool(args.dry_run),
            "written": plan.count("new"), "updated": plan.count("updated"),
            "unchanged": plan.count("unchanged"), "skipped": len(plan.skipped),
            "files": [{"row": i.row.number, "id": i.id, "file": str(i.path),
                       "action": i.action, "problems": i.problems} for i in plan.items],
            "skipped_rows": [{"row": n, "reason": why} for n, why in plan.skipped],
            "no_longer_in_source": [{"id": r.id, "file": str(r.path), "key": r.key,
                                     "action": r.action} for r in plan.retired],
            "unmapped": [vars(u) for u in plan.unmapped],
            "unused_columns": list(plan.unused),
            "collisions": [{"slug": c.slug, "rows": [{"row": n, "key": k, "id": i}
                                                     for n, k, i in c.rows]}
                           for c in plan.collisions],
        }
        out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    source = f"{table.file}"
    if table.encoding:
        source += f" (encoding {table.encoding}: {table.encoding_note})"
    if table.sheet:
        source += f" (sheet '{table.sheet}')"
    out.write(f"Read {len(table.rows)} row(s) from {source}.\n")
    if args.dry_run:
        for item in plan.items:
            if item.action != "unchanged":
                out.write(f"would write {item.path} (row {item.row.number}, {item.action})\n")
        for gone in marked:
            out.write(f"would mark {gone.path} as no longer in the source\n")
    invalid = [i for i in plan.items if i.problems]
    if invalid:
        out.write(f"\nRows that are not valid proposals ({len(invalid)}); their files are "
                  f"{verb}written anyway and listed on the site's intake-problems page:\n")
        for item in invalid:
            for problem in item.problems:
                out.write(f"  row {item.row.number} ({item.path.name}): {problem}\n")
    if plan.skipped:
        out.write(f"\nSkipped rows ({len(plan.skipped)}):\n")
        for number, why in plan.skipped:
            out.write(f"  row {number}: {why}\n")
    if plan.unmapped:
        out.write(f"\nValues the mapping could not translate ({len(plan.unmapped)}); each is "
                  "kept under source.unmapped in its file:\n")
        for u in plan.unmapped:
            out.write(f"  row {u.row}, column '{u.column}' -> {u.field}: {u.value!r}\n")
    if plan.collisions:
        rows = sum(len(c.rows) for c in plan.collisions)
        out.write(f"\nRows whose ids would collide ({len(plan.collisions)} group(s), {rows} "
                  "rows); each got a suffix from its key (see the README):\n")
        for collision in plan.collisions:
            given = ", ".join(f"row {n} -> {i}" for n, _, i in collision.rows)
            out.write(f"  {collision.slug}: {given}\n")
    if plan.retired:
        out.write(f"\nNo longer in the source ({len(plan.retired)}); kept, marked retired "
                  "with source.listed false:\n")
        for gone in plan.retired:
            state = f"{verb}marked now" if gone.action == "marked" else "marked before"
            out.write(f"  {gone.path} ({state})\n")
    if plan.unreadable:
        out.write("\nExisting files that could not be read (fix them and re-import, or their "
                  "rows may be imported twice):\n")
        for path in plan.unreadable:
            out.write(f"  {path}\n")
    if plan.unused:
        out.write(f"\nColumns left unused ({len(plan.unused)}):\n")
        for column in plan.unused:
            out.write(f"  {column}\n")
    out.write(f"\n{plan.count('new')} file(s) {verb}written, {plan.count('updated')} "
              f"{verb}updated, {plan.count('unchanged')} unchanged, {len(plan.skipped)} row(s) "
              f"skipped, {len(marked)} {verb}marked no longer in the source; {len(invalid)} "
              f"invalid; {seconds:.1f} s.\n")


def run(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    started = time.perf_counter()
    plan, table = run_import(args, rubric)  # bad input or mapping: main says why, exit 2
    report(plan, table, args, time.perf_counter() - started, sys.stdout)
    return EXIT_INVALID if any(i.problems for i in plan.items) else EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = add_command(sub, "import", "Import an inventory (CSV or XLSX) as proposal files.")
    command.add_argument("file", metavar="FILE", help="the inventory, .csv or .xlsx")
    command.add_argument("--mapping", required=True, metavar="NAME_OR_FILE",
                         help=f"a mapping file, or a shipped one: {', '.join(SHIPPED)}")
    command.add_argument("--out", default=str(DEFAULT_PROPOSALS), metavar="DIR",
                         help=f"where proposal files go (default: {DEFAULT_PROPOSALS})")
    command.add_argument("--dry-run", action="store_true",
                         help="print what would be written, and write nothing")
    command.add_argument("--encoding", metavar="NAME",
                         help="the CSV's text encoding (default: detected)")
    command.add_argument("--sheet", metavar="NAME", help="the sheet of an XLSX workbook")
    command.add_argument("--format", choices=["text", "json"], default="text",
                         help="the report's format")
    command.set_defaults(func=run)
