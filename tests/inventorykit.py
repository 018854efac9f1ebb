"""Importing a register as a user would, for the tests of the shipped mappings: the CLI run
in-process, its JSON report, and the proposal files it wrote."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import yaml

from scoring.cli.main import main


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of one `sweetspot` command."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def do_import(source: Path, out: Path, mapping: str) -> tuple[int, dict[str, Any]]:
    """`sweetspot import` with its JSON report (exit 1 only for invalid rows)."""
    code, stdout, stderr = run_cli(
        "import", str(source), "--mapping", mapping, "--out", str(out), "--format", "json"
    )
    assert code in (0, 1), stderr
    report: dict[str, Any] = json.loads(stdout)
    return code, report


def files(out: Path) -> dict[str, Any]:
    """Every proposal file the import wrote, by id."""
    return {p.stem: yaml.safe_load(p.read_text("utf-8")) for p in sorted(out.glob("*.yaml"))}


def by_title(out: Path) -> dict[str, Any]:
    """The same, by title ("" for a file without one)."""
    return {data.get("title", ""): data for data in files(out).values()}
