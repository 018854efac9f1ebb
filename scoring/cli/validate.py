"""`sweetspot validate`: check proposal files and report every problem with its line."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from scoring.cli.common import (
    DEFAULT_PROPOSALS,
    EXIT_INVALID,
    EXIT_OK,
    add_command,
    proposal_paths,
    rubric_from,
)
from scoring.proposals.loading import load_proposals
from scoring.proposals.proposal import Intake
from scoring.sources.problems import Problem


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


def run(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    intake = load_proposals(proposal_paths(args), rubric)
    report_problems(intake, args.format)
    return EXIT_INVALID if intake.invalid else EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = add_command(sub, "validate",
                           "Check proposal files and report every problem with its line.")
    validate.add_argument("paths", nargs="*", metavar="PATH",
                          help=f"files or folders (default: {DEFAULT_PROPOSALS})")
    validate.add_argument("--format", choices=["text", "github", "json"], default="text")
    validate.set_defaults(func=run)
