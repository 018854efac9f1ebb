"""`sweetspot new`: write a new proposal file from a commented template.

The template is built from the proposal schema and the rubric, so every field, every
choice list and every checklist item in the draft matches what `sweetspot validate`
accepts. Only the required fields are filled in; every optional section is written as a
commented-out block with a short explanation, so the draft is valid from the start and a
proposer fills it in by uncommenting lines.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from scoring.cli.common import (
    DEFAULT_PROPOSALS,
    EXIT_OK,
    EXIT_USAGE,
    add_command,
    one_line,
    rubric_from,
)
from scoring.proposals.loading import (
    ID_PATTERN,
    MAX_ID_LENGTH,
    SUFFIXES,
    WINDOWS_RESERVED,
    load_one,
)
from scoring.proposals.proposal import STAGES as ALL_STAGES
from scoring.proposals.proposal import InvalidFile
from scoring.proposals.schema import SCHEMA_FILE_NAME, proposal_schema
from scoring.rubric import Rubric
from scoring.sources.problems import Problem
from scoring.sources.yamlsource import load_text

REQUIRED = ("title", "summary", "team")
DEFAULT_STAGE = "idea"
PLACEHOLDER_SUMMARY = (
    "To be written: two or three sentences on the problem and the idea "
    "(drafted by sweetspot new without a summary)."
)
COMMENT_COLUMN = 26  # trailing explanations start after this column in nested blocks
LINE_LIMIT = 98  # nested lines are commented out with "# ", which makes 100
WRAP = 92

# A new proposal always knows its stage; not_reported is for imported inventories.
STAGES = tuple(stage for stage in ALL_STAGES if stage != "not_reported")


class NewError(Exception):
    """A refusal: the message is printed and the command exits with status 2."""


# ---- YAML text helpers ------------------------------------------------------------------


def yaml_scalar(value: Any) -> str:
    """``value`` as one safely quoted YAML scalar (a literal block for multi-line text)."""
    if isinstance(value, str) and "\n" in value.strip("\n"):
        text = yaml.safe_dump(value.strip("\n"), default_style="|", allow_unicode=True, width=10**6)
    else:
        text = yaml.safe_dump(value, allow_unicode=True, width=10**6, default_flow_style=True)
    if text.endswith("\n...\n"):
        text = text[: -len("\n...\n")]
    return text.rstrip("\n")


def _flow(value: Any) -> str:
    return (
        yaml_scalar(value)
        if not isinstance(value, (list, dict))
        else yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6).strip()
    )


def _wrap(text: str, prefix: str, width: int = WRAP) -> list[str]:
    """Wrap ``text`` into comment lines that start with ``prefix``."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(prefix) + len(current) + 1 + len(word) > width:
            lines.append(prefix + current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(prefix + current)
    return lines


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ---- The template -----------------------------------------------------------------------


def _is_leaf(schema: dict[str, Any]) -> bool:
    if "oneOf" in schema:
        return True
    kind = schema.get("type")
    if kind == "object":
        return not schema.get("properties")
    if kind == "array":
        items = schema.get("items", {})
        return items.get("type") != "object"
    return True


def _leaf_comment(schema: dict[str, Any]) -> str:
    parts = [_one_line(schema.get("description", ""))]
    if schema.get("enum"):
        parts.append("One of: " + ", ".join(str(c) for c in schema["enum"]) + ".")
    elif schema.get("items", {}).get("enum"):
        parts.append("A list of: " + ", ".join(str(c) for c in schema["items"]["enum"]) + ".")
    elif schema.get("type") == "boolean":
        parts.append("true or false.")
    elif schema.get("type") == "array" and schema.get("examples"):
        parts.append("Example: " + _flow(schema["examples"][0]))
    return " ".join(p for p in parts if p)


def _block(
    properties: dict[str, Any],
    indent: int,
    first_prefix: str = "",
    seen: set[tuple[str, str]] | None = None,
) -> list[str]:
    """Lines (without the comment marker) for the keys of a nested mapping.

    A short explanation trails its key; a long one goes on wrapped lines above it. An
    explanation already given for a key of the same name is not repeated.
    """
    seen = set() if seen is None else seen
    pad = " " * indent
    lines: list[str] = []
    for index, (name, schema) in enumerate(properties.items()):
        key = f"{first_prefix if index == 0 and first_prefix else pad}{name}:"
        if _is_leaf(schema):
            comment = _leaf_comment(schema)
            children: list[str] = []
        else:
            comment = _one_line(schema.get("description", ""))
            if schema.get("type") == "array":
                children = _block(
                    schema["items"].get("properties", {}),
                    indent + 4,
                    " " * (indent + 2) + "- ",
                    seen,
                )
            else:
                children = _block(schema["properties"], indent + 2, "", seen)
        if (name, comment) in seen:
            comment = ""
        seen.add((name, comment))
        trailing = f"{key.ljust(COMMENT_COLUMN)}  # {comment}"
        if not comment:
            lines.append(key)
        elif len(trailing) <= LINE_LIMIT:
            lines.append(trailing)
        else:
            lines += _wrap(comment, pad + "# ", LINE_LIMIT)
            lines.append(key)
        lines.extend(children)
    return lines


def _commented(lines: list[str]) -> list[str]:
    return [f"# {line}".rstrip() for line in lines]


def render_template(
    proposal_id: str, values: dict[str, str], rubric: Rubric, folder: str = "content/proposals"
) -> str:
    """The text of a new proposal: ``values`` fills title, summary, team, stage, owner..."""
    schema = proposal_schema(rubric)
    props: dict[str, Any] = schema["properties"]
    out: list[str] = [
        f"# yaml-language-server: $schema={SCHEMA_FILE_NAME}",
        f"# Proposal '{proposal_id}', drafted with `sweetspot new`.",
        "#",
        *_wrap(_one_line(schema.get("description", "")), "# "),
        "# To answer an optional field, uncomment its line (remove the leading '# ') and",
        "# write the answer after the colon; a key left empty is an error. Check the file with",
        f"#   sweetspot validate {folder}/{proposal_id}.yaml",
        "# and see every field with an example on the site page reference/proposal-format.md.",
        "",
    ]

    def top(name: str) -> list[str]:
        return _wrap(_one_line(props[name].get("description", "")), "# ")

    out += [*top("schema_version"), "schema_version: 1", ""]
    for name in ("title", "summary", "team", "stage"):
        out += [*top(name), f"{name}: {yaml_scalar(values[name])}", ""]
    for name in ("owner", "sponsor"):
        out += top(name)
        if values.get(name):
            out += [f"{name}: {yaml_scalar(values[name])}", ""]
        else:
            out += [f"# {name}:", ""]
    out += [*top("tags"), f"# Example: {_flow(props['tags']['examples'][0])}", "# tags: []", ""]
    out += [
        *top("links"),
        "# links:",
        *_commented(_block(props["links"]["items"]["properties"], 4, first_prefix="  - ")),
        "",
    ]

    sections = ("problem", "value", "data", "roles", "delivery", "risks", "evidence")
    for name in sections:
        section = props[name]
        out += [f"# ---- {name} " + "-" * max(4, WRAP - 8 - len(name)), *top(name)]
        if name == "evidence":
            out += ["# Example: decision_named: {level: 3, note: Walked through 20 cases}"]
        out += [f"# {name}:", *_commented(_block(section.get("properties", {}), 2)), ""]

    checklists = props["checklists"]
    out += [
        "# ---- checklists " + "-" * (WRAP - 18),
        *top("checklists"),
        "# Answer each item with yes, partial, no, unknown or n/a. Quotes are optional:",
        "# an unquoted yes or no is accepted (sweetspot validate shows a style hint).",
        "checklists:",
    ]
    for checklist in rubric.checklists:
        item_schemas = checklists["properties"][checklist.id]["properties"]
        out.append(f"  # {checklist.title} (pitfalls/{checklist.slug}.md)")
        out.append(f"  {checklist.id}:")
        width = max(len(item.id) for item in checklist.items) + len(": unknown")
        for item in checklist.items:
            text = _one_line(item_schemas[item.id].get("description", item.text))
            entry = f"{item.id}: unknown"
            out.append(f"    {entry}{' ' * (width - len(entry) + 2)}# {text}")
    return "\n".join(out) + "\n"


# ---- Collecting the values --------------------------------------------------------------


def _limits(rubric: Rubric, name: str) -> tuple[int, int]:
    spec = proposal_schema(rubric)["properties"][name]
    return int(spec.get("minLength", 0)), int(spec.get("maxLength", 10**6))


def _check_text(rubric: Rubric, name: str, text: str) -> str | None:
    """Why ``text`` is not a good value for field ``name``, or None when it is."""
    low, high = _limits(rubric, name)
    if len(text) < low:
        return f"{name} needs at least {low} characters"
    if len(text) > high:
        return f"{name} must be at most {high} characters"
    return None


def _ask(
    ask: Callable[[str], str],
    rubric: Rubric,
    name: str,
    label: str,
    *,
    default: str | None = None,
    optional: bool = False,
    choices: tuple[str, ...] = (),
) -> str:
    hint = f" [{default}]" if default else (" (optional, Enter to skip)" if optional else "")
    while True:
        answer = ask(f"{label}{hint}: ").strip()
        if not answer and default:
            answer = default
        if not answer and optional:
            return ""
        if choices:
            if answer in choices:
                return answer
            print(f"  choose one of: {', '.join(choices)}", file=sys.stderr)
            continue
        reason = _check_text(rubric, name, answer) if answer else f"{name} is required"
        if reason is None:
            return answer
        print(f"  {reason}", file=sys.stderr)


def _stdin_is_tty() -> bool:
    try:
        return bool(sys.stdin and sys.stdin.isatty())
    except (AttributeError, ValueError):
        return False


def collect_values(
    args: argparse.Namespace, rubric: Rubric, ask: Callable[[str], str] | None = None
) -> dict[str, str]:
    """Values from the flags, prompting on a terminal for what is missing.

    With none of title, summary and team given, it asks for all five basics (title,
    summary, team, stage, owner); with some given, only for the missing required ones.
    """
    ask = ask or input  # looked up at call time, so tests can replace builtins.input
    values = {
        name: (getattr(args, name, None) or "").strip()
        for name in ("title", "summary", "team", "stage", "owner", "sponsor")
    }
    if values["stage"] and values["stage"] not in STAGES:
        raise NewError(f"--stage must be one of: {', '.join(STAGES)} (got '{values['stage']}')")
    missing = [name for name in REQUIRED if not values[name]]
    if missing and not getattr(args, "no_input", False) and _stdin_is_tty():
        interview = len(missing) == len(REQUIRED)  # nothing given: ask for everything
        print(
            f"New proposal '{args.id}'. Press Ctrl+C to cancel; nothing is written until the end.",
            file=sys.stderr,
        )
        labels = {
            "title": "Title (a short name for the project)",
            "summary": "Summary (two or three sentences on the problem and the idea)",
            "team": "Team (who proposes and would run it)",
        }
        try:
            for name in REQUIRED:
                if not values[name]:
                    values[name] = _ask(ask, rubric, name, labels[name])
            if interview and not values["stage"]:
                values["stage"] = _ask(
                    ask,
                    rubric,
                    "stage",
                    f"Stage ({', '.join(STAGES)})",
                    default=DEFAULT_STAGE,
                    choices=STAGES,
                )
            if interview and not values["owner"]:
                values["owner"] = _ask(
                    ask, rubric, "owner", "Owner (the person accountable)", optional=True
                )
        except EOFError as error:
            raise NewError(
                "the input ended before every answer was given; nothing was written"
            ) from error
        except KeyboardInterrupt as error:
            raise NewError("cancelled; nothing was written") from error
        missing = []
    if missing == ["summary"]:
        # Title and team given in a script: the summary is the one thing that needs
        # thought, so the draft gets a placeholder the author replaces (and is told so).
        values["summary"] = PLACEHOLDER_SUMMARY
        missing = []
        print(
            f"sweetspot: note: no --summary given, so {args.id} gets a placeholder summary; "
            "replace it with two or three sentences on the problem and the idea before "
            "opening a pull request",
            file=sys.stderr,
        )
    if missing:
        missing = [name for name in missing if name != "summary"]  # may be a placeholder
        flags = " ".join(f'--{name} "..."' for name in missing)
        reason = (
            "--no-input was given"
            if getattr(args, "no_input", False)
            else "standard input is not a terminal"
        )
        raise NewError(
            f"missing {', '.join('--' + m for m in missing)}: {reason}, so nothing can be "
            f"asked. Run again with the values, for example:\n"
            f"  sweetspot new {args.id} {flags}"
        )
    values["stage"] = values["stage"] or DEFAULT_STAGE
    for name in ("title", "summary", "team", "owner", "sponsor"):
        problem = _check_text(rubric, name, values[name]) if values[name] else None
        if problem:
            raise NewError(f"--{name}: {problem}")
    return values


# ---- The command ------------------------------------------------------------------------


def _check_id(proposal_id: str) -> None:
    if proposal_id in WINDOWS_RESERVED:  # validate refuses them: the file cannot be checked out
        raise NewError(
            f"'{proposal_id}' is a file name Windows reserves, so the proposal could "
            f"not be checked out there; choose another id (for example "
            f"'{proposal_id}-project')"
        )
    if ID_PATTERN.match(proposal_id) and len(proposal_id) <= MAX_ID_LENGTH:
        return
    stem = proposal_id
    for suffix in SUFFIXES:
        stem = stem.removesuffix(suffix)
    suggestion = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:MAX_ID_LENGTH].strip("-")
    hint = f" (for example '{suggestion}')" if suggestion else ""
    raise NewError(
        f"'{one_line(proposal_id)}' is not a valid proposal id: use lowercase letters, digits "
        f"and single hyphens, at most {MAX_ID_LENGTH} characters, without the .yaml suffix{hint}"
    )


def _existing(folder: Path, proposal_id: str) -> list[Path]:
    found = [folder / f"{proposal_id}{suffix}" for suffix in SUFFIXES]
    found += [p for suffix in SUFFIXES for p in folder.rglob(f"{proposal_id}{suffix}")]
    return sorted({p for p in found if p.exists()})


def _validate_text(text: str, target: Path, rubric: Rubric) -> tuple[Problem, ...]:
    with tempfile.TemporaryDirectory(prefix="sweetspot-new-") as tmp:
        draft = Path(tmp) / target.name
        draft.write_text(text, encoding="utf-8")
        loaded = load_one(draft, rubric, display=str(target))
    return loaded.problems if isinstance(loaded, InvalidFile) else ()


def _round_trips(text: str, values: dict[str, str]) -> bool:
    document = load_text(text, "draft").document
    if document is None:
        return False
    return all(document.data.get(name) == value for name, value in values.items() if value)


def build_proposal(
    args: argparse.Namespace, rubric: Rubric, ask: Callable[[str], str] | None = None
) -> tuple[Path, str]:
    """Check the id and target, gather the values and render the text; nothing is written."""
    proposal_id = args.id
    _check_id(proposal_id)
    folder = Path(args.dir)
    if not folder.is_dir():
        raise NewError(
            f"no such folder: {folder} (run from the repository root, or pass "
            "--dir with the proposals folder)"
        )
    clash = _existing(folder, proposal_id)
    if clash:
        raise NewError(
            f"a proposal with the id '{proposal_id}' already exists: "
            f"{', '.join(str(p) for p in clash)}; choose another id or edit that "
            "file"
        )
    target = folder / f"{proposal_id}.yaml"
    values = collect_values(args, rubric, ask)
    text = render_template(proposal_id, values, rubric, folder.as_posix())
    if not _round_trips(text, values):
        raise NewError("the values could not be written as YAML without changing them")
    problems = _validate_text(text, target, rubric)
    if problems:
        details = "\n".join(f"  {p.as_text()}" for p in problems)
        raise NewError(f"the values given do not make a valid proposal:\n{details}")
    return target, text


def run_new(args: argparse.Namespace, rubric: Rubric) -> int:
    try:
        target, text = build_proposal(args, rubric)
        try:
            with target.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except FileExistsError as error:
            raise NewError(f"{target} already exists; choose another id") from error
    except NewError as error:
        print(f"sweetspot: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Wrote {target}")
    print("\nNext steps:")
    print(f"  1. Open {target} and answer what you can: uncomment a field, fill it in, and")
    print("     move checklist answers from 'unknown' to 'yes', 'partial', 'no' or 'n/a'.")
    print(f"  2. Check it:         sweetspot validate {target}")
    print(f"  3. See its scores:   sweetspot score {target}")
    print(
        f"  4. Preview the page: mkdocs serve, then open http://127.0.0.1:8000/proposals/{args.id}/"
    )
    print("  5. Commit it on a branch and open a pull request; the checks validate it and")
    print("     comment with the score changes.")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    return run_new(args, rubric_from(args))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    new = add_command(
        sub,
        "new",
        "Write a new proposal from the commented template.",
        epilog="On a terminal, missing values are asked for. In a script (or "
        "with --no-input) give --title and --team; --summary may follow later.",
    )
    new.add_argument(
        "id", metavar="ID", help="the proposal id, a lowercase slug such as 'churn-forecast'"
    )
    new.add_argument(
        "--dir",
        default=str(DEFAULT_PROPOSALS),
        metavar="DIR",
        help="the proposals folder to write the file into",
    )
    new.add_argument("--title", metavar="TEXT", help="a short name for the project")
    new.add_argument(
        "--summary",
        metavar="TEXT",
        help="two or three sentences on the problem and the idea; without it a "
        "script gets a placeholder to replace",
    )
    new.add_argument("--team", metavar="TEXT", help="the team that proposes and would run it")
    new.add_argument(
        "--stage",
        default=None,
        choices=STAGES,
        help=f"where the project is now (default: {DEFAULT_STAGE})",
    )
    new.add_argument("--owner", metavar="NAME", help="the person accountable (optional)")
    new.add_argument("--sponsor", metavar="NAME", help="the executive sponsor (optional)")
    new.add_argument(
        "--no-input",
        action="store_true",
        help="never prompt: --title and --team are then required, and a missing "
        "--summary gets a placeholder",
    )
    new.set_defaults(func=run)
