"""`sweetspot schema`: print the proposal JSON Schema."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scoring.cli.common import EXIT_OK, add_command, rubric_from
from scoring.proposals.schema import schema_json


def run(args: argparse.Namespace) -> int:
    text = schema_json(rubric_from(args))
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    schema = add_command(sub, "schema", "Print the proposal JSON Schema.")
    schema.add_argument("--out", metavar="FILE", help="write to FILE instead of printing")
    schema.set_defaults(func=run)
