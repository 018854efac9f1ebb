"""Find proposal files, load them, validate them, and turn the valid ones into Proposals."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from scoring.proposals.proposal import Intake, InvalidFile, LineMap, Link, Proposal
from scoring.proposals.schema import SCHEMA_FILE_NAME, proposal_schema
from scoring.rubric import Rubric
from scoring.sources.characters import strip_suspicious, suspicious
from scoring.sources.entries import (
    SUFFIXES,
    WINDOWS_RESERVED,
    discover,
    printable_name,
    refusal,
)
from scoring.sources.filestore import FileStore, Record, content_key
from scoring.sources.numbers import EXACT, plain_values, too_large, too_large_problem
from scoring.sources.problems import Problem, format_field
from scoring.sources.validation import SchemaChecker, checker_for
from scoring.sources.yamlsections import SectionCache, load_in_sections
from scoring.sources.yamlsource import (
    JsonPath,
    LoadResult,
    YamlDocument,
    load_bytes,
    load_file,
    read_source,
    shared_data,
)

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID_LENGTH = 64


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def is_published_source(path: Path, valid_files: set[Path]) -> bool:
    """Whether a file in the proposals folder may be copied into the site: a valid
    proposal, or the editor schema its first line points to, and never a symlink."""
    if path.is_symlink():
        return False
    if path.name == SCHEMA_FILE_NAME:
        return path.is_file()
    return path in valid_files


def _dotted_lines(values: Mapping[tuple[str | int, ...], Any]) -> LineMap:
    return LineMap.of_paths((path, pos.line) for path, pos in values.items())


def load_one(
    path: Path,
    rubric: Rubric,
    display: str | None = None,
    checker: SchemaChecker | None = None,
    raw: bytes | None = None,
    sections: SectionCache | None = None,
    *,
    positions: bool = True,
) -> Proposal | InvalidFile:
    """Load and validate one file (from ``raw`` when its bytes were read already; with
    ``sections``, the top-level sections other versions of it parsed are reused). Without
    ``positions`` the proposal records no lines (``line_of`` is empty) and its problems
    may name line 1: for a reader that shows neither, as history's old versions."""
    file = display or display_path(path)
    proposal_id = path.stem
    problems: list[Problem] = []
    if path.suffix not in SUFFIXES:
        problems.append(
            Problem(
                file, 0, 0, "", "proposal files must end in .yaml or .yml (lowercase)", "suffix"
            )
        )
    if not ID_PATTERN.match(proposal_id) or len(proposal_id) > MAX_ID_LENGTH:
        suggestion = re.sub(r"[^a-z0-9]+", "-", proposal_id.lower()).strip("-") or "my-proposal"
        problems.append(
            Problem(
                file,
                0,
                0,
                "",
                f"the file name '{proposal_id}' is not a valid proposal id: use lowercase letters, "
                f"digits and single hyphens, at most {MAX_ID_LENGTH} characters "
                f"(for example '{suggestion[:MAX_ID_LENGTH]}')",
                "bad-id",
            )
        )
    elif proposal_id in WINDOWS_RESERVED:
        problems.append(
            Problem(
                file,
                0,
                0,
                "",
                f"the file name '{proposal_id}' is reserved on Windows, where the "
                f"file cannot be checked out; rename it (for example '{proposal_id}-project')",
                "bad-id",
            )
        )
    if raw is None:
        result = load_file(path, file)
    elif sections is not None:
        result = load_in_sections(raw, file, sections, positions=positions)
    else:
        result = load_bytes(raw, file)
    problems.extend(_in_proposal_terms(p) for p in result.problems)
    document = result.document
    if document is not None:
        problems.extend(_checklist_words(document, file, problems))
        problems.extend(_numbers(document, file))
        problems.extend(_spoofing(document, file))
        checker = checker or checker_for(proposal_schema(rubric))
        problems.extend(checker.problems(document, file, result.problems))
    errors = [p for p in problems if p.severity == "error"]
    if errors or document is None:
        return InvalidFile(
            file,
            proposal_id,
            tuple(sorted(problems, key=_problem_order)),
            imported_from(document.data if document is not None else None),
            unit_of(document.data if document is not None else None),
        )
    ordered = sorted(problems, key=_problem_order)
    return _proposal(
        proposal_id,
        file,
        document.data,
        _dotted_lines(document.values) if positions else LineMap(),
        hints=tuple(p for p in ordered if p.severity == "info"),
        warnings=tuple(p for p in ordered if p.severity == "warning"),
    )


def _numbers(document: YamlDocument, file: str) -> list[Problem]:
    """Normalise numbers in place and report those too large to compute with: an integral
    float becomes the int it stands for (4.0 is 4, -0.0 is 0), so every file the schema
    accepts can be scored."""
    found: list[Problem] = []
    for path, parent, value in plain_values(document):
        if isinstance(value, float):
            if value.is_integer() and abs(value) < EXACT:
                parent[path[-1]] = int(value)
        elif too_large(value):
            found.append(too_large_problem(document, file, path, value))
    return found


# Fields shown as names and headings: hidden or direction-changing characters there can make
# one proposal, team or link pass for another.
_NAME_FIELDS = ("title", "team", "owner", "sponsor")


def _name_paths(data: dict[str, Any]) -> list[JsonPath]:
    paths: list[JsonPath] = [(n,) for n in _NAME_FIELDS if isinstance(data.get(n), str)]
    tags = data.get("tags")
    if isinstance(tags, list):
        paths += [("tags", i) for i, tag in enumerate(tags) if isinstance(tag, str)]
    links = data.get("links")
    if isinstance(links, list):
        paths += [
            ("links", i, "title")
            for i, link in enumerate(links)
            if isinstance(link, dict) and isinstance(link.get("title"), str)
        ]
    return paths


def _spoofing(document: YamlDocument, file: str) -> list[Problem]:
    """A warning for each name holding bidi overrides, zero-width or control characters,
    which are then stripped, so pages, CSV and JSON never show them."""
    found: list[Problem] = []
    data = document.data
    for path in _name_paths(data):  # every path leads to a string
        parent: Any = data
        for part in path[:-1]:
            parent = parent[part]
        value = parent[path[-1]]
        codes = suspicious(value)
        if not codes:
            continue
        pos = document.position(path)
        found.append(
            Problem(
                file,
                pos.line,
                pos.column,
                format_field(path),
                f"holds invisible or direction-changing characters ({', '.join(codes)}), which "
                "can make text read differently from what it is; they are removed from the "
                "site",
                "hidden-characters",
                "warning",
            )
        )
        parent[path[-1]] = strip_suspicious(value)
    return found


def _proposal(
    proposal_id: str,
    file: str,
    data: dict[str, Any],
    line_of: Mapping[str, int],
    hints: tuple[Problem, ...] = (),
    warnings: tuple[Problem, ...] = (),
) -> Proposal:
    return Proposal(
        id=proposal_id,
        file=file,
        title=data["title"],
        summary=data["summary"],
        team=data["team"],
        stage=data["stage"],
        owner=data.get("owner"),
        sponsor=data.get("sponsor"),
        tags=tuple(data.get("tags", ())),
        links=tuple(Link(**link) for link in data.get("links", ())),
        fields=data,
        line_of=line_of if isinstance(line_of, LineMap) else LineMap(line_of),
        hints=hints,
        warnings=warnings,
    )


def imported_from(data: Any) -> str | None:
    """ "row N of FILE" for a file `sweetspot import` wrote (its `source` names the row)."""
    source = data.get("source") if isinstance(data, Mapping) else None
    if isinstance(source, Mapping) and isinstance(source.get("row"), int):
        return f"row {source['row']} of {source.get('file') or 'the inventory'}"
    return None


def unit_of(data: Any) -> tuple[str, ...]:
    """The ``org`` path as written, even in a file that is not valid."""
    org = data.get("org") if isinstance(data, Mapping) else None
    return tuple(str(part) for part in org) if isinstance(org, list) else ()


def _to_record(loaded: Proposal | InvalidFile) -> Record:
    if isinstance(loaded, Proposal):
        return {
            "kind": "proposal",
            "fields": loaded.fields,
            "line_of": dict(loaded.line_of),
            "hints": [p.as_dict() for p in loaded.hints],
            "warnings": [p.as_dict() for p in loaded.warnings],
        }
    return {
        "kind": "invalid",
        "problems": [p.as_dict() for p in loaded.problems],
        "imported_from": loaded.imported_from,
        "org": list(loaded.org),
    }


def _from_record(record: Record, path: Path, file: str) -> Proposal | InvalidFile | None:
    """The stored result again, or None when the record does not have the expected shape."""
    try:
        if (
            record["kind"] == "proposal"
            and isinstance(record["fields"], dict)
            and isinstance(record["line_of"], dict)
        ):
            return _proposal(
                path.stem,
                file,
                shared_data(record["fields"]),
                record["line_of"],
                tuple(Problem(**p) for p in record.get("hints", ())),
                tuple(Problem(**p) for p in record.get("warnings", ())),
            )
        if record["kind"] == "invalid":
            imported = record.get("imported_from")
            return InvalidFile(
                file,
                path.stem,
                tuple(Problem(**p) for p in record["problems"]),
                imported if isinstance(imported, str) else None,
                unit_of({"org": record.get("org")}),
            )
    except (KeyError, TypeError, ValueError, OverflowError):  # Overflow: a line below 0
        pass
    return None


CHECKLIST_HINT = "checklist-boolean"


def _is_checklist_answer(field_name: str) -> bool:
    return (
        field_name.startswith("checklists.")
        and field_name.count(".") == 2
        and "[" not in field_name
    )


def _in_proposal_terms(problem: Problem) -> Problem:
    """A checklist answer is one of yes / partial / no / unknown / n/a, so an unquoted
    yes or no there can only mean the word: accepted, with a style hint (severity info)."""
    if problem.code == "yaml11-boolean" and _is_checklist_answer(problem.field):
        word = problem.message.split("'")[1]
        return dataclasses.replace(
            problem,
            code=CHECKLIST_HINT,
            severity="info",
            message=(
                f"style hint: unquoted {word} is accepted as '{_answer_word(word)}'; quoting it "
                f"('{_answer_word(word)}') keeps other YAML tools from reading it as "
                f"{str(_answer_word(word) == 'yes').lower()}"
            ),
        )
    return problem


def _answer_word(text: str) -> str:
    return "yes" if text.lower() in ("true", "y", "yes", "on") else "no"


def _checklist_words(document: YamlDocument, file: str, found: Iterable[Problem]) -> list[Problem]:
    """Turn booleans in checklist answers into 'yes' / 'no' in the data, with a style hint
    for each one that `_in_proposal_terms` has not already given."""
    checklists = document.data.get("checklists")
    if not isinstance(checklists, dict):
        return []
    hinted = {p.field for p in found if p.code == CHECKLIST_HINT}
    hints: list[Problem] = []
    for checklist_id, answers in checklists.items():
        if not isinstance(answers, dict):
            continue
        for item_id, answer in answers.items():
            if not isinstance(answer, bool):
                continue
            path = ("checklists", checklist_id, item_id)
            written = document.plain_text.get(path, str(answer).lower())
            answers[item_id] = _answer_word(written)
            name = format_field(path)
            if name not in hinted:
                where = document.position(path)
                hints.append(
                    Problem(
                        file,
                        where.line,
                        where.column,
                        name,
                        f"style hint: {written} is accepted as '{answers[item_id]}'; checklist "
                        f"answers are words, so writing '{answers[item_id]}' says it plainly",
                        CHECKLIST_HINT,
                        "info",
                    )
                )
    return hints


def _problem_order(problem: Problem) -> tuple[int, int, str]:
    return (problem.line, problem.column, problem.message)


# Keyed by file name, the file's SHA-256 and the schema's content: never by modification
# time and size, which a same-size edit that keeps the time would leave unchanged.
LoadCache = dict[tuple[str, str, str, str], "Proposal | InvalidFile"]


def _load_cached(
    path: Path,
    rubric: Rubric,
    cache: LoadCache | None,
    used: LoadCache,
    checker: SchemaChecker,
    display: str,
    store: FileStore | None,
) -> Proposal | InvalidFile:
    refused = refusal(path, display)
    if refused is not None:
        return InvalidFile(display, path.stem, (refused,))
    raw = read_source(path, display)
    if isinstance(raw, LoadResult):  # unreadable or too large: nothing worth caching
        return load_one(path, rubric, display, checker)
    digest = content_key(raw)
    # Keyed by the schema's content, not the rubric object: `mkdocs serve` builds a new
    # rubric object on every rebuild, and unchanged files must still come from the cache.
    key = (os.path.abspath(path), display, digest, checker.key)
    loaded: Proposal | InvalidFile | None = None
    if cache is not None and key in cache:
        loaded = cache[key]
        if store is not None and not store.keep(display, digest):
            store.put(display, digest, _to_record(loaded))
    elif store is not None:
        record = store.get(display, digest)
        loaded = _from_record(record, path, display) if record is not None else None
    if loaded is None:
        loaded = load_one(path, rubric, display, checker, raw=raw)
        if store is not None:
            store.put(display, digest, _to_record(loaded))
    if cache is not None:
        used[key] = loaded
    return loaded


def _load_safely(
    path: Path,
    rubric: Rubric,
    cache: LoadCache | None,
    used: LoadCache,
    checker: SchemaChecker,
    display: str,
    store: FileStore | None,
) -> Proposal | InvalidFile:
    """Whatever goes wrong with one file is a problem named after it, not a traceback."""
    try:
        return _load_cached(path, rubric, cache, used, checker, display, store)
    except Exception as error:  # a bug or an input nobody foresaw; RecursionError included
        return InvalidFile(
            display,
            path.stem,
            (
                Problem(
                    display,
                    0,
                    0,
                    "",
                    f"the file could not be loaded ({type(error).__name__}: "
                    f"{str(error)[:200]}); please report this with the file",
                    "internal-error",
                ),
            ),
        )


def load_proposals(
    paths: Iterable[Path],
    rubric: Rubric,
    cache: LoadCache | None = None,
    root: Path | None = None,
    store_dir: Path | None = None,
    progress: Callable[[list[Path]], Iterable[Path]] | None = None,
) -> Intake:
    """Load every file; a bad file is reported, never dropped, and never stops the rest.

    ``cache`` (keyed by file name, content hash and schema) lets `mkdocs serve` parse
    only the files that changed; afterwards it holds just this run's files, so
    edited and deleted files drop out. ``store_dir`` keeps results on disk between runs,
    keyed by each file's content (see filestore.py). File names in problems are relative
    to ``root`` (the site's folder, for the plugin) or else to the working directory.
    """
    intake = Intake()
    files = discover(paths)
    by_id: dict[str, list[Path]] = {}
    for path in files:
        by_id.setdefault(path.stem, []).append(path)
    # One compiled schema for the whole run: building it per file was a third of the time.
    checker = checker_for(proposal_schema(rubric))
    checker.expect(len(files))
    store = FileStore(store_dir, checker.key) if store_dir is not None else None
    used: LoadCache = {}

    def shown(path: Path) -> str:
        name = display_path(path) if root is None else os.path.relpath(path, root)
        return printable_name(name)

    for path in progress(files) if progress else files:  # the CLI's progress line
        loaded = _load_safely(path, rubric, cache, used, checker, shown(path), store)
        clashes = [other for other in by_id[path.stem] if other != path]
        if clashes:
            others = ", ".join(shown(o) for o in clashes)
            clash = Problem(
                shown(path),
                0,
                0,
                "",
                f"the id '{path.stem}' is also used by {others}; ids must be unique",
                "duplicate-id",
            )
            problems = loaded.problems if isinstance(loaded, InvalidFile) else ()
            loaded = InvalidFile(
                shown(path),
                path.stem,
                (clash, *problems),
                loaded.imported_from
                if isinstance(loaded, InvalidFile)
                else imported_from(loaded.fields),
                loaded.org if isinstance(loaded, InvalidFile) else unit_of(loaded.fields),
            )
        if isinstance(loaded, Proposal):
            intake.proposals.append(loaded)
        else:
            intake.invalid.append(loaded)
    if cache is not None:
        cache.clear()
        cache.update(used)
    if store is not None:
        store.save()
    return intake
