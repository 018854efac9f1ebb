"""`sweetspot render --out DIR`: every generated page as plain Markdown, with its assets, written
straight into DIR (a docs folder of your own). It is the pages-only form of `build-docs`, which
also writes a ready mkdocs.yml; both run the same code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scoring.cli.common import DEFAULT_PROPOSALS, EXIT_INVALID, EXIT_OK, EXIT_USAGE, add_command
from scoring.site.generated_site import (
    EXTRA_CSS,
    EXTRA_JAVASCRIPT,
    RENDER,
    SiteSourceError,
    check_output_folder,
    generate,
    open_output,
    resolve_source,
    sync_tree,
)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        source = resolve_source(
            Path(args.config) if args.config else None,
            proposals=Path(args.proposals),
            content=Path(args.content) if args.content else None,
            rubric_file=Path(args.rubric) if args.rubric else None,
            publication=args.publication,
        )
        check_output_folder(out, source, RENDER)
        site = generate(source)
        # Files of an earlier run are kept (render never deletes): a page it no longer makes
        # stays until you delete it.
        with open_output(out, RENDER) as folder:
            sync_tree(folder, "", site.files, delete=False)
    except SiteSourceError as error:
        print(f"sweetspot: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    for problem in site.intake.problems:
        print(problem.as_text(), file=sys.stderr)
    print(
        f"wrote {len(site.generated)} generated files and {len(site.files)} files in all to {out}"
    )
    print(
        "Your mkdocs.yml needs these lines for the styles and sortable tables "
        "(`sweetspot build-docs` writes a complete config instead):\n"
        "extra_css:\n"
        + "".join(f"  - {c}\n" for c in EXTRA_CSS)
        + "extra_javascript:\n"
        + "".join(f"  - {j}\n" for j in EXTRA_JAVASCRIPT),
        end="",
    )
    return EXIT_INVALID if site.intake.invalid else EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    render = add_command(
        sub,
        "render",
        "Write every generated page as plain Markdown, with its assets, into "
        "a docs folder (build-docs also writes the config).",
    )
    render.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="the folder to write the generated pages and assets into: a new "
        "or empty one, or one render wrote before (it leaves a .sweetspot-render "
        "file there)",
    )
    render.add_argument(
        "--proposals",
        default=str(DEFAULT_PROPOSALS),
        metavar="DIR",
        help="the folder of proposal YAML files",
    )
    render.add_argument(
        "--content",
        metavar="DIR",
        help="also copy this folder's hand-written pages (home, playbooks), "
        "filling the home page's summary marker, so the output is a whole site",
    )
    render.add_argument(
        "--config",
        metavar="FILE",
        help="read the sweetspot plugin's options (publication, visibility, currency ...) "
        "from this mkdocs.yml (default: none, every option at its default)",
    )
    render.add_argument(
        "--publication",
        choices=["public", "internal"],
        help="public: the public register (no withheld rows, no internal or withheld "
        "fields, no source YAML); internal: everything (default: the config's publication "
        "option, else internal)",
    )
    render.set_defaults(func=run)
