"""`sweetspot build-docs`: write the whole site (hand-written pages, every generated page,
download and asset, and a ready mkdocs.yml) into a folder that MkDocs, ProperDocs, Zensical and
Backstage TechDocs build as it is, without the sweetspot plugin."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from scoring.cli.common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, add_command
from scoring.rubric import RubricError
from scoring.site.generated_site import (
    SiteSource,
    SiteSourceError,
    resolve_source,
    snapshot,
    write_project,
)
from scoring.sources.safefile import InputError

DEFAULT_OUT = Path("build/site-src")
CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")


def source_from(args: argparse.Namespace) -> SiteSource:
    # The config is read like any file named on the command line (see read_config): a
    # regular file, never a symlink, and capped; a default one that is a link is refused too.
    config = (
        Path(args.config)
        if args.config
        else next((Path(name) for name in CONFIG_NAMES if os.path.lexists(name)), None)
    )
    return resolve_source(
        config,
        proposals=Path(args.proposals) if args.proposals else None,
        content=Path(args.content) if args.content else None,
        rubric_file=Path(args.rubric) if args.rubric else None,
        publication=args.publication,
    )


def build_once(source: SiteSource, out: Path, techdocs: bool, *, quiet: bool = False) -> int:
    site, changed = write_project(source, out, techdocs=techdocs)
    for problem in site.intake.problems:
        print(problem.as_text(), file=sys.stderr)
    config = out / "mkdocs.yml"
    print(
        f"wrote {out}: {len(site.generated)} generated pages and downloads, "
        f"{len(site.files)} files in {out / 'docs'} ({len(changed)} changed), and {config}"
    )
    if not quiet:
        if techdocs:
            print(
                "Build it for Backstage with:\n"
                f"  techdocs-cli generate --no-docker --source-dir {out} --output-dir site\n"
                f"or check it locally with: mkdocs build -f {config}"
            )
        else:
            print(
                "Build it with any of:\n"
                f"  mkdocs build -f {config}\n"
                f"  properdocs build -f {config}\n"
                f"  zensical build -f {config}\n"
                "For Backstage TechDocs, run build-docs again with --techdocs."
            )
    return EXIT_INVALID if site.intake.invalid else EXIT_OK


def watch(args: argparse.Namespace, source: SiteSource, out: Path) -> int:
    """Rebuild whenever a proposal, page, template, the rubric or the config changes. Only
    files whose content changed are rewritten, so `zensical serve` or `mkdocs serve` on the
    output reloads once per real edit. A broken config or rubric is reported and the last
    good output stays until it is fixed."""
    print(f"watching {', '.join(str(p) for p in source.watched)} (Ctrl-C stops)", flush=True)
    seen = snapshot(source.watched)
    try:
        while True:
            time.sleep(args.interval)
            now = snapshot(source.watched)
            if now == seen:
                continue
            seen = now
            try:
                source = source_from(args)  # the config or the rubric may have changed
                build_once(source, out, args.techdocs, quiet=True)
            except (SiteSourceError, InputError) as error:
                print(f"sweetspot: error: {error}", file=sys.stderr)
            except RubricError as error:
                print("sweetspot: the rubric is invalid:", file=sys.stderr)
                for problem in error.problems:
                    print(problem.as_text(), file=sys.stderr)
            sys.stdout.flush()
            sys.stderr.flush()
    except KeyboardInterrupt:
        return EXIT_OK


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        source = source_from(args)
        code = build_once(source, out, args.techdocs)
    except SiteSourceError as error:
        print(f"sweetspot: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.watch:
        sys.stdout.flush()
        return watch(args, source, out)
    return code


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = add_command(
        sub,
        "build-docs",
        "Write the whole site, with a ready mkdocs.yml, into a folder that MkDocs, ProperDocs, "
        "Zensical and Backstage TechDocs build without the sweetspot plugin.",
    )
    command.add_argument(
        "--config",
        metavar="FILE",
        help="the site's mkdocs.yml, whose theme, navigation, extensions and "
        "sweetspot options are used (default: ./mkdocs.yml when present)",
    )
    command.add_argument(
        "--out",
        default=str(DEFAULT_OUT),
        metavar="DIR",
        help=f"the folder to write (default: {DEFAULT_OUT}); it gets "
        "mkdocs.yml and docs/, and must be new, empty or written by "
        "build-docs before (it leaves a .sweetspot-build-docs file there)",
    )
    command.add_argument(
        "--proposals", metavar="DIR", help="proposal folder (default: the plugin's proposals_dir)"
    )
    command.add_argument(
        "--content",
        metavar="DIR",
        help="hand-written pages to copy (default: the config's docs_dir)",
    )
    command.add_argument(
        "--techdocs",
        action="store_true",
        help="write the mkdocs.yml for Backstage TechDocs (techdocs-core plugin) instead",
    )
    command.add_argument(
        "--watch",
        action="store_true",
        help="keep running and rebuild on every change, for `zensical "
        "serve` or `mkdocs serve` on the output",
    )
    command.add_argument(
        "--publication",
        choices=["public", "internal"],
        help="public: the public register (no withheld rows, no internal or withheld "
        "fields, no source YAML); internal: everything (default: the config's publication "
        "option, else internal)",
    )
    command.add_argument(
        "--interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="how often --watch looks for changes (default: 1)",
    )
    command.set_defaults(func=run)
