"""`sweetspot render --out DIR`: every generated page as plain Markdown, with assets, so any
static-site generator (or plain MkDocs without the plugin) can publish the portfolio."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .proposals import load_proposals
from .rubric import Rubric
from .scorecard import score_intake
from .site.pages import SiteOptions, asset_files, build_site


def run_render(args: argparse.Namespace, rubric: Rubric) -> int:
    proposals_dir = Path(args.proposals)
    if not proposals_dir.is_dir():
        print(f"sweetspot: error: no such folder: {proposals_dir}", file=sys.stderr)
        return 2
    out = Path(args.out)
    intake = load_proposals([proposals_dir], rubric)
    for problem in intake.problems:
        print(problem.as_text(), file=sys.stderr)
    builder = build_site(score_intake(intake, rubric), SiteOptions())
    written = 0
    for page in builder.all_pages():
        target = out / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(page.content, bytes):
            target.write_bytes(page.content)
        else:
            target.write_text(page.content, encoding="utf-8")
        written += 1
    (out / "index.md").write_text(
        "---\ntitle: Portfolio summary\n---\n\n# Portfolio summary\n\n"
        + builder.home_summary("index.md"), encoding="utf-8")
    for relative, path in asset_files():
        target = out / "assets" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    print(f"wrote {written + 1} pages and {len(asset_files())} asset files to {out}")
    print("Add assets/sweetspot/sweetspot.css to extra_css and the three scripts under "
          "assets/sweetspot/ to extra_javascript to get the styles and sortable tables.")
    return 1 if intake.invalid else 0
