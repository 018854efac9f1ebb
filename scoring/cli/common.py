"""What every `sweetspot` command shares: exit codes, usage errors, the rubric and paths,
and the terminal manners (colour, plurals, progress, escaping printed text)."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sized
from pathlib import Path
from typing import TextIO, TypeVar

from scoring.rubric import Rubric, load_rubric

DEFAULT_PROPOSALS = Path("content/proposals")
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
EXIT_CODES = """exit status:
  0    success (every file valid)
  1    some proposal files are invalid
  2    usage error (bad option, missing file or folder, unknown git ref)
  141  the output pipe was closed early (as by `| head`)"""

T = TypeVar("T")


class UsageError(Exception):
    """Bad arguments or missing inputs: exit status 2."""


def rubric_from(args: argparse.Namespace) -> Rubric:
    """The --rubric file, or the built-in rubric. load_rubric reads it by the rules for
    files named on the command line (no symlink, pipe or device) and raises RubricError,
    exit status 2, naming the file and each problem's line and field."""
    path = getattr(args, "rubric", None)
    if path is not None and not os.path.lexists(path):
        raise UsageError(f"rubric file not found: {path}")
    return load_rubric(Path(path) if path else None)


def proposal_paths(args: argparse.Namespace) -> list[Path]:
    paths = [Path(p) for p in args.paths] or [DEFAULT_PROPOSALS]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    return paths


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilog's lines and shows each option's default where it has one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (
            action.default not in (None, False, argparse.SUPPRESS)
            and "%(default)" not in text
            and action.option_strings
            and text
        ):
            text += " (default: %(default)s)"
        return text


def add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    epilog: str = "",
) -> argparse.ArgumentParser:
    """A subcommand with the options every command takes."""
    command = sub.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=(f"{epilog}\n\n" if epilog else "") + EXIT_CODES,
        formatter_class=_Formatter,
    )
    command.add_argument(
        "--rubric", metavar="FILE", help="a rubric YAML file to use instead of the built-in one"
    )
    command.add_argument(
        "--color",
        "--colour",
        dest="color",
        default="auto",
        choices=["auto", "always", "never"],
        help="colour the output: auto colours a terminal unless NO_COLOR is set",
    )
    return command


# ---- printing ---------------------------------------------------------------------------


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 proposal', '2 proposals'; ``many`` for irregular nouns ('1 file has', ...)."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def one_line(text: str) -> str:
    """Text from a proposal made safe to print as one log line.

    CR and LF are shown as \\r and \\n, and a leading '::' is broken, so a hostile key or
    value cannot start a new line, forge a CI annotation (`::error ...`) or stop command
    processing (`::stop-commands::`) in GitHub Actions' log.
    """
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    return " ::" + text[2:] if text.startswith("::") else text


def printable(text: str) -> str:
    """File names that are not UTF-8 arrive as lone surrogates; print U+FFFD instead, so
    the output is always valid UTF-8 and printing it never fails."""
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


# ---- Markdown for pull-request comments and CHANGELOG (`diff`, `compare`) ---------------
# GitHub renders a comment as Markdown with HTML: text from a proposal or a score file must
# not become a tag, a link, an image, emphasis or a table cell break, nor notify anyone. One
# escaper for both commands, so they cannot drift apart. GitHub finds @mentions and e-mail
# addresses in the rendered text, where neither a backslash nor &#64; hides them, so an
# empty HTML comment splits them; "://" and "www." lose the character GFM's autolinks
# start from, so a bare address is not a link either.

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#+!|~])")
_WWW = re.compile(r"(?i)\b(www)\.")


def md_text(value: object) -> str:
    """Text made safe for a Markdown table cell or line: one line, no HTML, no pipes, no
    links, images, emphasis or mentions."""
    text = printable(" ".join(str(value).split()))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _WWW.sub(r"\1&#46;", text.replace("://", "&#58;//"))
    return text.replace("@", "&#64;<!-- -->")


def md_code(value: object) -> str:
    """An inline code span for ids and paths, or escaped text if that is not safe."""
    text = printable(" ".join(str(value).split()))
    if "`" in text or not text:
        return md_text(text)
    return "`" + text.replace("|", "\\|") + "`"


def use_colour(stream: TextIO, choice: str = "auto") -> bool:
    """Colour when asked, or on 'auto' when writing to a terminal and NO_COLOR is unset
    (https://no-color.org: any non-empty value turns colour off)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


_STYLES = {"red": "31", "yellow": "33", "green": "32", "cyan": "36", "bold": "1", "dim": "2"}


def paint(text: str, style: str, enabled: bool) -> str:
    return f"\033[{_STYLES[style]}m{text}\033[0m" if enabled else text


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def progress(
    items: Iterable[T],
    label: str,
    total: int | None = None,
    stream: TextIO | None = None,
    every: float = 0.2,
    min_items: int = 200,
) -> Iterator[T]:
    """Yield ``items`` while keeping one line on stderr ('label 120/4000') up to date.

    Silent when stderr is not a terminal (CI logs, pipes) and for short runs, so it never
    mixes into output a tool reads. The line is cleared when the work ends.
    """
    out = stream or sys.stderr
    count = total if total is not None else (len(items) if isinstance(items, Sized) else None)
    if not _is_tty(out) or (count is not None and count < min_items):
        yield from items
        return
    shown = False
    last = 0.0
    done = 0
    try:
        for done, item in enumerate(items, start=1):
            now = time.monotonic()
            if now - last >= every:
                last = now
                of = f"/{count}" if count is not None else ""
                out.write(f"\r{label} {done}{of}")
                out.flush()
                shown = True
            yield item
    finally:
        if shown:
            out.write("\r\033[K")
            out.flush()
