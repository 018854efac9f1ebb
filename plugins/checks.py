"""What the plugin checks and filters in MkDocs' own structures: files it must not publish,
tags Material's tags plugin would refuse, the focus under `mkdocs serve`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import Files

from scoring.proposals.loading import is_published_source
from scoring.proposals.proposal import Intake
from scoring.sources.problems import terminal_safe

log = get_plugin_logger("sweetspot")


def focused(intake: Intake, focus: Sequence[str]) -> Intake:
    """Under serve, with a focus (option or SWEETSPOT_FOCUS), only the matching
    proposals: a large portfolio's author sees a small site rebuilt in a moment."""
    given = os.environ.get("SWEETSPOT_FOCUS")
    patterns = (
        [p.strip() for p in given.split(",")] if given is not None else [str(p) for p in focus]
    )
    patterns = [p for p in patterns if p]
    if not patterns:
        return intake
    kept = Intake(
        proposals=[
            p for p in intake.proposals if any(fnmatchcase(p.id, pattern) for pattern in patterns)
        ],
        invalid=[
            b for b in intake.invalid if any(fnmatchcase(b.id, pattern) for pattern in patterns)
        ],
    )
    log.warning(
        "focus %s: serving %d of %d proposals (the portfolio pages "
        "show these only); unset SWEETSPOT_FOCUS or the focus option for all",
        terminal_safe(", ".join(patterns)),
        len(kept.proposals),
        len(intake.proposals),
    )
    return kept


def unpublish(files: Files, config: MkDocsConfig, proposals_dir: Path, valid: set[Path]) -> None:
    """Keep out of the site anything reached through a symlink (it could be any file on
    the build machine) and, in the proposals folder, everything but valid proposals and
    the editor schema: invalid files, pages, HTML, images, unreadable or odd entries."""
    docs_dir = os.path.abspath(config.docs_dir)
    docs_real_text = str(Path(docs_dir).resolve())
    proposals_prefix = str(proposals_dir) + os.sep
    linked: dict[str, bool] = {}

    def through_link(folder: str) -> bool:
        if folder == docs_dir or not folder.startswith(docs_dir + os.sep):
            return False
        if folder not in linked:
            linked[folder] = os.path.islink(folder) or through_link(os.path.dirname(folder))
        return linked[folder]

    for file in list(files):
        if file.abs_src_path is None:
            continue
        path = os.path.abspath(file.abs_src_path)
        if os.path.islink(path) or through_link(os.path.dirname(path)):
            log.warning(
                "not published: '%s' is a symlink or inside a "
                "symlinked folder; commit the file itself",
                terminal_safe(file.src_uri),
            )
            files.remove(file)
            continue
        # No symlink below docs_dir (checked above): the real path is found by joining.
        real = os.path.join(docs_real_text, os.path.relpath(path, docs_dir))
        if real.startswith(proposals_prefix) and not is_published_source(Path(real), valid):
            log.info(
                "not published from the proposals folder: '%s' (only "
                "valid proposals and the editor schema are)",
                terminal_safe(file.src_uri),
            )
            files.remove(file)


def check_tags(intake: Intake, config: MkDocsConfig) -> None:
    """Check tags against Material's allow-list first: its own error path crashes on
    generated pages, and ours names the proposal file."""
    tags_plugin = config.plugins.get("material/tags") or config.plugins.get("tags")
    allowed = getattr(getattr(tags_plugin, "config", None), "tags_allowed", None)
    if not allowed:
        return
    # Material 9.6+ holds Tag objects there (whose == refuses a string); older, strings.
    names = {str(getattr(tag, "name", tag)) for tag in allowed}
    for proposal in intake.proposals:
        unknown = [t for t in proposal.tags if t not in names]
        if unknown:
            first = list(proposal.tags).index(unknown[0])  # the line of the first one
            line = proposal.line_of.get(f"tags.{first}", proposal.line_of.get("tags", 0))
            raise PluginError(
                f"{proposal.file}:{line}: tags: {', '.join(unknown)} not in "
                f"the tags plugin's tags_allowed list"
            )


def read_nav_titles(nav: Any, config: MkDocsConfig) -> None:
    """A dirty build skips reading unchanged pages, and a page's title comes from its
    text: the pages it does rebuild would show "None" in the navigation for every
    skipped one. Reading the few pages in the navigation keeps their titles."""
    for page in nav.pages:
        if page.markdown is None and not page.file.is_modified():
            page.read_source(config)


__all__ = ["check_tags", "focused", "read_nav_titles", "unpublish"]
