"""`sweetspot render --out DIR`: every generated page as plain Markdown, with assets, so any
static-site generator (or plain MkDocs without the plugin) can publish the portfolio."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from scoring.cli.common import DEFAULT_PROPOSALS, add_command, rubric_from
from scoring.model.scorecard import score_intake
from scoring.proposals.loading import load_proposals
from scoring.rubric import Rubric
from scoring.site.pages import SiteOptions, asset_files, build_site, write_pages

SUMMARY_MARKER = "<!-- sweetspot:summary -->"


def run_render(args: argparse.Namespace, rubric: Rubric) -> int:
    proposals_dir = Path(args.proposals)
    if not proposals_dir.is_dir():
        print(f"sweetspot: error: no such folder: {proposals_dir}", file=sys.stderr)
        return 2
    out = Path(args.out)
    content = Path(args.content) if args.content else None
    if content is not None and not content.is_dir():
        print(f"sweetspot: error: no such folder: {content}", file=sys.stderr)
        return 2
    intake = load_proposals([proposals_dir], rubric)
    for problem in intake.problems:
        print(problem.as_text(), file=sys.stderr)
    source_links = {}
    if content is not None:
        shutil.copytree(content, out, dirs_exist_ok=True)
        for proposal in intake.proposals:
            source = Path(proposal.file).resolve()
            if source.is_relative_to(content.resolve()):
                source_links[proposal.id] = source.relative_to(content.resolve()).as_posix()
    builder = build_site(score_intake(intake, rubric), SiteOptions(source_links=source_links))
    written = len(write_pages(builder, out))
    home = out / "index.md"
    if home.is_file() and SUMMARY_MARKER in home.read_text(encoding="utf-8"):
        text = home.read_text(encoding="utf-8")
        home.write_text(text.replace(SUMMARY_MARKER, builder.home_summary("index.md")),
                        encoding="utf-8")
    elif not home.is_file():
        home.write_text("---\ntitle: Portfolio summary\n---\n\n# Portfolio summary\n\n"
                        + builder.home_summary("index.md"), encoding="utf-8")
    print(f"wrote {written} generated files and {len(asset_files())} asset files to {out}")
    print("Add assets/sweetspot/sweetspot.css to extra_css and the three scripts under "
          "assets/sweetspot/ to extra_javascript to get the styles and sortable tables.")
    return 1 if intake.invalid else 0


def run(args: argparse.Namespace) -> int:
    return run_render(args, rubric_from(args))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    render = add_command(
        sub, "render", "Write every generated page as plain Markdown, with its assets.")
    render.add_argument("--out", required=True, metavar="DIR")
    render.add_argument("--proposals", default=str(DEFAULT_PROPOSALS), metavar="DIR")
    render.add_argument("--content", metavar="DIR",
                        help="also copy this folder's hand-written pages (home, playbooks), "
                        "filling the home page's summary marker, so the output is a whole site")
    render.set_defaults(func=run)
