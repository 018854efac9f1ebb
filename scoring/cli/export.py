"""`sweetspot export`: write the proposals out as an inventory file.

``--format us-federal-2024`` (or ``--mapping FILE``) writes that inventory's columns, the
inverse of the mapping `sweetspot import` uses; ``--format csv`` writes the same table as
the site's portfolio download (with the organisation unit path).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

from scoring.cli.common import (
    DEFAULT_PROPOSALS,
    EXIT_INVALID,
    EXIT_OK,
    UsageError,
    add_command,
    one_line,
    plural,
    proposal_paths,
    rubric_from,
)
from scoring.cli.importer import mapping_from
from scoring.model.scorecard import score_intake
from scoring.portfolio.csvfile import write_csv
from scoring.portfolio.orgunits import with_org
from scoring.proposals.loading import discover, display_path, load_proposals, printable_name
from scoring.proposals.plaindata import read_data
from scoring.sources.inventory.export import export_csv
from scoring.sources.inventory.mapping import SHIPPED
from scoring.sources.problems import Problem


def _records(paths: list[Path]) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Every proposal file's data, in source-row order then by id, read by validation's
    rules (no symlinks, pipes or devices, 256 KiB, no aliases). Invalid proposals are
    exported too; a file that cannot be read is named with the reason, not dropped
    silently."""
    records: list[tuple[tuple[int, str], dict[str, Any]]] = []
    unreadable: list[Problem] = []
    for path in discover(paths):
        file = printable_name(display_path(path))
        read = read_data(path, file)
        data = read.data
        if data is None:
            unreadable.extend(read.problems[:1])
            continue
        source = data.get("source")
        row = source.get("row") if isinstance(source, dict) else None
        order = (row if isinstance(row, int) else 10**9, path.stem)
        records.append((order, data))
    records.sort(key=lambda pair: pair[0])
    return [data for _, data in records], unreadable


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else value


def _write_out(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as error:  # a missing folder, a folder named as the file, no permission
        raise UsageError(f"cannot write --out {path}: {error.strerror or error}") from None


def run(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    paths = proposal_paths(args)
    if args.format == "csv" and not args.mapping:
        intake = load_proposals(paths, rubric)
        frame = with_org(score_intake(intake, rubric))
        # Declared custom fields (the rubric's custom_fields) are exported as columns.
        custom = {p.id: p.get("custom") or {} for p in intake.proposals}
        for declared in rubric.custom_fields:
            frame[f"custom.{declared.id}"] = [
                _cell(custom.get(str(i), {}).get(declared.id)) for i in frame.index
            ]
        buffer = io.StringIO()
        write_csv(frame.reset_index(), buffer)  # the shared writer, as the site's download
        text = buffer.getvalue()
        skipped = [bad.problems[0] for bad in intake.invalid if bad.problems]
        note = "left out of the scored table (not valid proposals)"
    else:
        mapping = mapping_from(args.mapping or args.format, rubric)  # errors: see main
        records, skipped = _records(paths)
        text = export_csv(mapping, records)
        note = "left out (could not be read)"
    if args.out:
        _write_out(Path(args.out), text)
    else:
        sys.stdout.write(text)
    if skipped:
        for problem in skipped:  # one line each, naming the file and why
            print(problem.as_text(), file=sys.stderr)
        print(
            f"sweetspot: {plural(len(skipped), 'file')} {note}: "
            f"{one_line(', '.join(p.file for p in skipped))}",
            file=sys.stderr,
        )
        return EXIT_INVALID
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = add_command(sub, "export", "Write the proposals out as an inventory CSV.")
    command.add_argument(
        "paths", nargs="*", metavar="PATH", help=f"files or folders (default: {DEFAULT_PROPOSALS})"
    )
    command.add_argument(
        "--format",
        choices=["csv", *SHIPPED],
        default="csv",
        help="csv: the portfolio table; or an inventory format",
    )
    command.add_argument(
        "--mapping", metavar="FILE", help="export in the columns of your own mapping file"
    )
    command.add_argument("--out", metavar="FILE", help="write here instead of to stdout")
    command.set_defaults(func=run)


__all__ = ["UsageError", "register", "run"]
