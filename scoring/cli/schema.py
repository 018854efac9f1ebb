"""`sweetspot schema`: print the proposal JSON Schema, or (--mapping) the inventory mapping
language's reference in Markdown, generated from its schema."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scoring.cli.common import EXIT_OK, UsageError, add_command, one_line, rubric_from
from scoring.proposals.schema import schema_json
from scoring.site.diskwrite import linked_part, write_if_changed
from scoring.sources.inventory.reference import mapping_reference


def write_schema(out: Path, text: str) -> None:
    """Write the schema as ``out``, never through a symlink: the editor schema usually lives
    in the proposals folder, where a pull request could have committed a link in its place."""
    shown = one_line(str(out))
    linked = linked_part(out, Path.cwd())
    if linked is not None:
        raise UsageError(
            f"--out {shown}: {one_line(str(linked))} is a symlink; name the real "
            "file (a link could point outside the repository)"
        )
    if out.is_dir():
        raise UsageError(f"--out {shown} is a folder; name the file to write")
    try:
        write_if_changed(out, text.encode("utf-8"))
    except OSError as error:
        raise UsageError(f"--out {shown}: cannot write: {error.strerror or error}") from None


def run(args: argparse.Namespace) -> int:
    text = mapping_reference() if args.mapping else schema_json(rubric_from(args))
    if args.out:
        write_schema(Path(args.out), text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    schema = add_command(sub, "schema", "Print the proposal JSON Schema.")
    schema.add_argument("--out", metavar="FILE", help="write to FILE instead of printing")
    schema.add_argument(
        "--mapping",
        action="store_true",
        help="print the inventory mapping reference (Markdown) instead",
    )
    schema.set_defaults(func=run)
