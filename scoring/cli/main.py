"""The `sweetspot` command line: parse the arguments and hand them to one command module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from scoring.cli import compare, diff, export, importer, new, render, schema, score, validate
from scoring.cli.common import EXIT_USAGE, UsageError
from scoring.rubric import RubricError

COMMANDS = (validate, schema, score, new, diff, compare, render, importer, export)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sweetspot",
        description="Validate, score and publish ML project proposals.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        return int(args.func(args))
    except UsageError as error:
        print(f"sweetspot: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except RubricError as error:
        print("sweetspot: the rubric is invalid:", file=sys.stderr)
        for problem in error.problems:
            print(problem.as_text(), file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
