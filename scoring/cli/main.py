"""The `sweetspot` command line: parse the arguments and hand them to one command module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import metadata

from scoring.cli import (
    build_docs,
    compare,
    diff,
    digest,
    export,
    importer,
    init,
    new,
    render,
    schema,
    score,
    select,
    validate,
)
from scoring.cli.common import EXIT_CODES, EXIT_USAGE, UsageError, one_line
from scoring.model.clock import BuildDateError
from scoring.model.obligations import ProfileError
from scoring.rubric import RubricError
from scoring.sources.inventory.mapping import MappingError
from scoring.sources.inventory.reader import InputError

COMMANDS = (
    validate,
    schema,
    score,
    new,
    init,
    diff,
    compare,
    build_docs,
    render,
    importer,
    export,
    digest,
    select,
)
EXIT_PIPE = 141  # what a shell reports for a program ended by SIGPIPE (128 + 13)


def version() -> str:
    try:
        return metadata.version("sweetspot-kb")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sweetspot",
        description="Validate, score and publish ML project proposals.",
        epilog="Run 'sweetspot COMMAND --help' for a command's options.\n\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sweetspot {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def _quiet_stdout() -> None:
    """After the reader of a pipe went away (`sweetspot ... | head`), point stdout at
    /dev/null so Python's final flush does not print a second BrokenPipeError."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command is None:  # bare `sweetspot`: show what there is to run
        parser.print_help()
        return 0
    try:
        code = int(args.func(args))
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_PIPE
    except UsageError as error:
        print(f"sweetspot: error: {one_line(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as error:  # an inventory that cannot be read
        print(f"sweetspot: error: {one_line(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except (BuildDateError, ProfileError) as error:  # a bad build date or regime (issue 27)
        print(f"sweetspot: error: {one_line(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except (RubricError, MappingError) as error:  # a rubric or mapping, every problem located
        what = "rubric" if isinstance(error, RubricError) else "mapping"
        print(f"sweetspot: the {what} is invalid:", file=sys.stderr)
        for problem in error.problems:
            print(problem.as_text(), file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
