"""`sweetspot validate`: check proposal files and report every problem with its line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from scoring.cli import decisions_check
from scoring.cli.annotations import github_annotation
from scoring.cli.common import (
    DEFAULT_PROPOSALS,
    EXIT_INVALID,
    EXIT_OK,
    add_command,
    one_line,
    paint,
    plural,
    progress,
    proposal_paths,
    rubric_from,
    use_colour,
)
from scoring.proposals.loading import load_proposals
from scoring.proposals.proposal import Intake
from scoring.sources.problems import Problem
from scoring.sources.yamlsource import SYNTAX_CODES, excerpt


def source_excerpt(problem: Problem) -> list[str]:
    """For a YAML syntax error: the offending line of the file and a caret under the column
    (empty when the file cannot be read again, or the line is not there any more)."""
    if problem.code not in SYNTAX_CODES or problem.line <= 0:
        return []
    try:
        lines = Path(problem.file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        return []
    if problem.line > len(lines):
        return []
    return [one_line(text) for text in excerpt(lines[problem.line - 1][:300], problem.column)]


def report_problems(
    intake: Intake,
    fmt: str,
    out: TextIO | None = None,
    colour: bool = False,
    extra: dict[str, object] | None = None,
) -> None:
    stream = out or sys.stdout
    problems = intake.problems
    errors = [p for p in problems if p.severity != "info"]
    hints = [p for p in problems if p.severity == "info"] + intake.hints
    checked = len(intake.proposals) + len(intake.invalid)
    if fmt == "json":
        payload = {
            "checked": checked,
            "valid": sorted(p.file for p in intake.proposals),
            "invalid": sorted(bad.file for bad in intake.invalid),
            "problems": [p.as_dict() for p in problems],
            "hints": [p.as_dict() for p in intake.hints],
            **(extra or {}),
        }
        print(json.dumps(payload, indent=2), file=stream)
        return
    for problem in [*problems, *intake.hints]:
        if fmt == "github":
            print(github_annotation(problem), file=stream)
        else:
            style = "cyan" if problem.severity == "info" else "red"
            print(paint(problem.as_text(), style, colour), file=stream)
            for shown in source_excerpt(problem):
                print(f"    | {shown}", file=stream)
    summary = (
        f"{plural(checked, 'proposal file')} checked: {len(intake.proposals)} valid, "
        f"{len(intake.invalid)} invalid, {plural(len(errors), 'problem')}"
    )
    if hints:
        summary += f", {plural(len(hints), 'style hint')}"
    if fmt == "github":
        print(summary, file=sys.stderr)
    else:
        print(paint(summary, "red" if intake.invalid else "green", colour), file=stream)


def run(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    intake = load_proposals(
        proposal_paths(args), rubric, progress=lambda files: progress(files, "Validating")
    )
    colour = use_colour(sys.stdout, args.color)
    decided = decisions_check.check_decisions(args, intake, rubric)
    extra = decisions_check.payload(decided) if decided.register is not None else None
    report_problems(intake, args.format, colour=colour, extra=extra)
    if args.format != "json":
        decisions_check.report(decided, args.format, sys.stdout, colour)
    return EXIT_INVALID if intake.invalid or decided.failed else EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = add_command(
        sub, "validate", "Check proposal files and report every problem with its line."
    )
    validate.add_argument(
        "paths", nargs="*", metavar="PATH", help=f"files or folders (default: {DEFAULT_PROPOSALS})"
    )
    validate.add_argument(
        "--format",
        choices=["text", "github", "json"],
        default="text",
        help="text for people (file:line:col: field: message), github for "
        "workflow annotations on the pull request, json for tools",
    )
    decisions_check.add_options(validate)
    validate.set_defaults(func=run)
