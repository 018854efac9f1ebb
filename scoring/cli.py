"""The `sweetspot` command line: validate, schema, score, new, diff and render."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .problems import Problem
from .proposals import Intake, load_proposals
from .rubric import Rubric, RubricError, load_rubric
from .schema import schema_json

DEFAULT_PROPOSALS = Path("content/proposals")
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments or missing inputs: exit status 2."""


def _rubric(args: argparse.Namespace) -> Rubric:
    path = getattr(args, "rubric", None)
    if path is not None and not Path(path).is_file():
        raise UsageError(f"rubric file not found: {path}")
    return load_rubric(Path(path) if path else None)


def _paths(args: argparse.Namespace) -> list[Path]:
    paths = [Path(p) for p in args.paths] or [DEFAULT_PROPOSALS]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    return paths


def github_annotation(problem: Problem) -> str:
    """A workflow command that GitHub shows on the offending line of the pull request."""

    def escape(text: str, *, prop: bool = False) -> str:
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return text.replace(":", "%3A").replace(",", "%2C") if prop else text

    level = "error" if problem.severity == "error" else "warning"
    parts = [f"file={escape(problem.file, prop=True)}"]
    if problem.line:
        parts += [f"line={problem.line}", f"col={problem.column}"]
    title = f"Sweetspot: {problem.field}" if problem.field else "Sweetspot"
    parts.append(f"title={escape(title, prop=True)}")
    message = f"{problem.field}: {problem.message}" if problem.field else problem.message
    return f"::{level} {','.join(parts)}::{escape(message)}"


def report_problems(intake: Intake, fmt: str, out: TextIO | None = None) -> None:
    stream = out or sys.stdout
    problems = intake.problems
    checked = len(intake.proposals) + len(intake.invalid)
    if fmt == "json":
        payload = {
            "checked": checked,
            "valid": sorted(p.file for p in intake.proposals),
            "invalid": sorted(bad.file for bad in intake.invalid),
            "problems": [p.as_dict() for p in problems],
        }
        print(json.dumps(payload, indent=2), file=stream)
        return
    for problem in problems:
        line = github_annotation(problem) if fmt == "github" else problem.as_text()
        print(line, file=stream)
    summary = (f"{checked} proposal file(s) checked: {len(intake.proposals)} valid, "
               f"{len(intake.invalid)} invalid, {len(problems)} problem(s)")
    print(summary, file=sys.stderr if fmt == "github" else stream)


def cmd_validate(args: argparse.Namespace) -> int:
    rubric = _rubric(args)
    intake = load_proposals(_paths(args), rubric)
    report_problems(intake, args.format)
    return EXIT_INVALID if intake.invalid else EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    text = schema_json(_rubric(args))
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_score(args: argparse.Namespace) -> int:
    from .scoretable import write_scores  # pandas is only imported when scoring

    rubric = _rubric(args)
    intake = load_proposals(_paths(args), rubric)
    if intake.invalid:
        report_problems(intake, "text", sys.stderr)
    write_scores(intake, rubric, args.format, sys.stdout)
    return EXIT_INVALID if intake.invalid else EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import run_new

    return run_new(args, _rubric(args))


def cmd_diff(args: argparse.Namespace) -> int:
    from .gitdiff import run_diff

    return run_diff(args, _rubric(args))


def cmd_render(args: argparse.Namespace) -> int:
    from .render_cli import run_render

    return run_render(args, _rubric(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sweetspot",
        description="Validate, score and publish ML project proposals.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument("--rubric", metavar="FILE",
                             help="a rubric YAML file to use instead of the default")
        return command

    validate = add("validate", "Check proposal files and report every problem with its line.")
    validate.add_argument("paths", nargs="*", metavar="PATH",
                          help=f"files or folders (default: {DEFAULT_PROPOSALS})")
    validate.add_argument("--format", choices=["text", "github", "json"], default="text")
    validate.set_defaults(func=cmd_validate)

    schema = add("schema", "Print the proposal JSON Schema.")
    schema.add_argument("--out", metavar="FILE", help="write to FILE instead of printing")
    schema.set_defaults(func=cmd_schema)

    scores = add("score", "Score proposals on desirability, profitability, feasibility and risk.")
    scores.add_argument("paths", nargs="*", metavar="PATH",
                        help=f"files or folders (default: {DEFAULT_PROPOSALS})")
    scores.add_argument("--format", choices=["table", "csv", "json"], default="table")
    scores.set_defaults(func=cmd_score)

    new = add("new", "Write a new proposal from the commented template.")
    new.add_argument("id", metavar="ID", help="the proposal id, a lowercase slug such as "
                     "'churn-forecast'")
    new.add_argument("--dir", default=str(DEFAULT_PROPOSALS), help="where to write it")
    new.add_argument("--title")
    new.add_argument("--summary")
    new.add_argument("--team")
    new.add_argument("--stage", default=None)
    new.add_argument("--owner")
    new.add_argument("--sponsor")
    new.add_argument("--no-input", action="store_true",
                     help="never prompt; leave unanswered fields for later")
    new.set_defaults(func=cmd_new)

    diff = add("diff", "Compare the proposals at a git ref with the working tree or another ref.")
    diff.add_argument("base", metavar="BASE", help="the git ref to compare from, e.g. origin/main")
    diff.add_argument("head", metavar="HEAD", nargs="?", default=None,
                      help="the git ref to compare to (default: the working tree)")
    diff.add_argument("--path", default=str(DEFAULT_PROPOSALS),
                      help="the proposals folder inside the repository")
    diff.add_argument("--format", choices=["markdown", "json"], default="markdown")
    diff.set_defaults(func=cmd_diff)

    render = add("render", "Write every generated page as plain Markdown, with its assets.")
    render.add_argument("--out", required=True, metavar="DIR")
    render.add_argument("--proposals", default=str(DEFAULT_PROPOSALS), metavar="DIR")
    render.add_argument("--content", metavar="DIR",
                        help="also copy this folder's hand-written pages (home, playbooks), "
                        "filling the home page's summary marker, so the output is a whole site")
    render.set_defaults(func=cmd_render)
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
