"""`sweetspot export`: write the proposals out as an inventory file.

``--format us-federal-2024`` (or ``--mapping FILE``) writes that inventory's columns, the
inverse of the mapping `sweetspot import` uses; ``--format csv`` writes the same table as
the site's portfolio download (with the organisation unit path).
"""

from __future__ import annotations

import argparse
import io
import os
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
from scoring.cli.score import add_compliance_arguments, compliance_from
from scoring.model.scorecard import score_intake
from scoring.portfolio.csvfile import write_csv
from scoring.portfolio.orgunits import with_org
from scoring.proposals.loading import discover, display_path, load_proposals, printable_name
from scoring.proposals.plaindata import read_data
from scoring.proposals.publication import Visibility, publish, publish_records
from scoring.site.generated_site import SiteSourceError, read_config, sweetspot_options
from scoring.site.settings import SettingsError, SiteSettings
from scoring.sources.inventory.export import export_csv
from scoring.sources.inventory.mapping import SHIPPED
from scoring.sources.inventory.registers import (
    REGISTER_FORMATS,
    register_csv,
    register_json,
    register_rows,
)
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


def _publication(args: argparse.Namespace) -> tuple[str, Visibility]:
    """--publication, else the config's; the config's visibility rules (exit 2 if bad)."""
    options: dict[str, Any] = {}
    if args.config:
        try:
            options = sweetspot_options(read_config(Path(args.config)), args.config) or {}
        except SiteSourceError as error:
            raise UsageError(str(error)) from None
    if args.publication:
        options = {**options, "publication": args.publication}
    try:
        settings = SiteSettings.from_options(options)
        if not args.publication:
            settings = settings.from_environment(os.environ)
        return settings.publication_rules()
    except (SettingsError, TypeError) as error:
        raise UsageError(f"{args.config or '--publication'}: sweetspot: {error}") from None


def _register(args: argparse.Namespace, kind: str, visibility: Visibility) -> tuple[str, str]:
    """An export in a register's own format, from the valid proposals as published."""
    fmt = REGISTER_FORMATS[args.format]
    intake = load_proposals(proposal_paths(args), rubric_from(args))
    published = publish(intake, kind, visibility)
    export = register_rows(
        fmt, ((p.id, p.fields) for p in published.intake.proposals), public=published.public
    )
    left_out = []
    if published.public and published.withheld_rows:
        left_out.append(f"{plural(published.withheld_rows, 'withheld row')}")
    if export.non_public:
        entries = "entry" if export.non_public == 1 else "entries"
        left_out.append(f"{export.non_public} {entries} of the EU database's non-public section")
    if left_out:  # counts only, on stderr: stdout is the export
        print(f"sweetspot: public export: left out {' and '.join(left_out)}", file=sys.stderr)
    text = register_json(fmt, export) if args.json else register_csv(export)
    skipped = [bad.problems[0] for bad in intake.invalid if bad.problems]
    return text, "\n".join(p.as_text() for p in skipped)


def run(args: argparse.Namespace) -> int:
    kind, visibility = _publication(args)
    if args.json and args.format not in REGISTER_FORMATS:
        raise UsageError("--json is for the register formats (atrs-*, eu-annex-viii-*)")
    if args.format in REGISTER_FORMATS and not args.mapping:
        text, problems = _register(args, kind, visibility)
        if args.out:
            _write_out(Path(args.out), text)
        else:
            sys.stdout.write(text)
        if problems:
            print(problems, file=sys.stderr)
            return EXIT_INVALID
        return EXIT_OK
    rubric = rubric_from(args)
    paths = proposal_paths(args)
    if args.format == "csv" and not args.mapping:
        intake = publish(load_proposals(paths, rubric), kind, visibility).intake
        # Its compliance and obligation_gaps columns judge the --regime profiles at --as-of.
        frame = with_org(score_intake(intake, rubric, compliance_from(args, rubric)))
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
        records, _ = publish_records(records, kind, visibility)
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
        choices=["csv", *SHIPPED, *REGISTER_FORMATS],
        default="csv",
        help="csv: the portfolio table; an inventory format; or a register's own format "
        "(UK ATRS tier 1 or 2, EU database Annex VIII section B or C)",
    )
    command.add_argument(
        "--json", action="store_true", help="a register format as JSON instead of CSV"
    )
    command.add_argument(
        "--publication",
        choices=["public", "internal"],
        help="public: leave out withheld rows and internal or withheld fields; internal "
        "(default, unless --config says otherwise): everything",
    )
    command.add_argument(
        "--config",
        metavar="FILE",
        help="a site's mkdocs.yml whose sweetspot publication and visibility options apply",
    )
    command.add_argument(
        "--mapping", metavar="FILE", help="export in the columns of your own mapping file"
    )
    command.add_argument("--out", metavar="FILE", help="write here instead of to stdout")
    add_compliance_arguments(command)  # for --format csv
    command.set_defaults(func=run)


__all__ = ["UsageError", "register", "run"]
