"""What every `sweetspot` command shares: exit codes, usage errors, the rubric and paths."""

from __future__ import annotations

import argparse
from pathlib import Path

from scoring.rubric import Rubric, load_rubric

DEFAULT_PROPOSALS = Path("content/proposals")
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments or missing inputs: exit status 2."""


def rubric_from(args: argparse.Namespace) -> Rubric:
    path = getattr(args, "rubric", None)
    if path is not None and not Path(path).is_file():
        raise UsageError(f"rubric file not found: {path}")
    return load_rubric(Path(path) if path else None)


def proposal_paths(args: argparse.Namespace) -> list[Path]:
    paths = [Path(p) for p in args.paths] or [DEFAULT_PROPOSALS]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    return paths


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str,
                help_text: str) -> argparse.ArgumentParser:
    """A subcommand with the options every command takes."""
    command = sub.add_parser(name, help=help_text, description=help_text)
    command.add_argument("--rubric", metavar="FILE",
                         help="a rubric YAML file to use instead of the default")
    return command
