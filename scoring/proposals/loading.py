"""Find proposal files, load them, validate them, and turn the valid ones into Proposals."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from scoring.proposals.proposal import Intake, InvalidFile, Link, Proposal
from scoring.proposals.schema import proposal_schema
from scoring.rubric import Rubric
from scoring.sources.filestore import FileStore, Record, content_key
from scoring.sources.problems import Problem, format_field
from scoring.sources.validation import SchemaChecker, checker_for
from scoring.sources.yamlsource import (
    LoadResult,
    YamlDocument,
    load_bytes,
    load_file,
    read_source,
)

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID_LENGTH = 64
SUFFIXES = (".yaml", ".yml")


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def discover(paths: Iterable[Path]) -> list[Path]:
    """The YAML files named, or inside the folders named, sorted for stable output."""
    found: dict[Path, Path] = {}
    for path in paths:
        # Any case of .yaml/.yml is picked up, so 'Churn.YAML' is reported rather than skipped.
        candidates = ([p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()]
                      if path.is_dir() else [path])
        for candidate in candidates:
            # The same file named twice (relative and absolute) is checked once.
            found.setdefault(candidate.resolve(), candidate)
    return sorted(found.values())


def _dotted_lines(values: Mapping[tuple[str | int, ...], Any]) -> dict[str, int]:
    return {".".join(str(p) for p in path): pos.line for path, pos in values.items()}


def load_one(path: Path, rubric: Rubric, display: str | None = None,
             checker: SchemaChecker | None = None,
             raw: bytes | None = None) -> Proposal | InvalidFile:
    """Load and validate one file (from ``raw`` when its bytes were read already)."""
    file = display or display_path(path)
    proposal_id = path.stem
    problems: list[Problem] = []
    if path.suffix not in SUFFIXES:
        problems.append(Problem(file, 0, 0, "", "proposal files must end in .yaml or .yml "
                                "(lowercase)", "suffix"))
    if not ID_PATTERN.match(proposal_id) or len(proposal_id) > MAX_ID_LENGTH:
        suggestion = re.sub(r"[^a-z0-9]+", "-", proposal_id.lower()).strip("-") or "my-proposal"
        problems.append(Problem(
            file, 0, 0, "",
            f"the file name '{proposal_id}' is not a valid proposal id: use lowercase letters, "
            f"digits and single hyphens, at most {MAX_ID_LENGTH} characters "
            f"(for example '{suggestion[:MAX_ID_LENGTH]}')", "bad-id"))
    result = load_file(path, file) if raw is None else load_bytes(raw, file)
    problems.extend(_in_proposal_terms(p) for p in result.problems)
    document = result.document
    if document is not None:
        problems.extend(_checklist_words(document, file, problems))
        checker = checker or checker_for(proposal_schema(rubric))
        problems.extend(checker.problems(document, file, result.problems))
    if any(p.severity != "info" for p in problems) or document is None:
        return InvalidFile(file, proposal_id, tuple(sorted(problems, key=_problem_order)))
    return _proposal(proposal_id, file, document.data, _dotted_lines(document.values),
                     tuple(sorted(problems, key=_problem_order)))


def _proposal(proposal_id: str, file: str, data: dict[str, Any],
              line_of: dict[str, int], hints: tuple[Problem, ...] = ()) -> Proposal:
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
        line_of=line_of,
        hints=hints,
    )


def _to_record(loaded: Proposal | InvalidFile) -> Record:
    if isinstance(loaded, Proposal):
        return {"kind": "proposal", "fields": loaded.fields, "line_of": dict(loaded.line_of),
                "hints": [p.as_dict() for p in loaded.hints]}
    return {"kind": "invalid", "problems": [p.as_dict() for p in loaded.problems]}


def _from_record(record: Record, path: Path, file: str) -> Proposal | InvalidFile | None:
    """The stored result again, or None when the record does not have the expected shape."""
    try:
        if record["kind"] == "proposal" and isinstance(record["fields"], dict) \
                and isinstance(record["line_of"], dict):
            return _proposal(path.stem, file, record["fields"], record["line_of"],
                             tuple(Problem(**p) for p in record.get("hints", ())))
        if record["kind"] == "invalid":
            return InvalidFile(file, path.stem, tuple(Problem(**p) for p in record["problems"]))
    except (KeyError, TypeError, ValueError):
        pass
    return None


def _load_stored(path: Path, rubric: Rubric, display: str, checker: SchemaChecker,
                 store: FileStore | None) -> Proposal | InvalidFile:
    if store is None:
        return load_one(path, rubric, display, checker)
    raw = read_source(path, display)
    if isinstance(raw, LoadResult):  # unreadable or too large: nothing worth caching
        return load_one(path, rubric, display, checker)
    digest = content_key(raw)
    record = store.get(display, digest)
    loaded = _from_record(record, path, display) if record is not None else None
    if loaded is None:
        loaded = load_one(path, rubric, display, checker, raw=raw)
        store.put(display, digest, _to_record(loaded))
    return loaded


CHECKLIST_HINT = "checklist-boolean"


def _is_checklist_answer(field_name: str) -> bool:
    return field_name.startswith("checklists.") and field_name.count(".") == 2 \
        and "[" not in field_name


def _in_proposal_terms(problem: Problem) -> Problem:
    """A checklist answer is one of yes / partial / no / unknown / n/a, so an unquoted
    yes or no there can only mean the word: accepted, with a style hint (severity info)."""
    if problem.code == "yaml11-boolean" and _is_checklist_answer(problem.field):
        word = problem.message.split("'")[1]
        return dataclasses.replace(problem, code=CHECKLIST_HINT, severity="info", message=(
            f"style hint: unquoted {word} is accepted as '{_answer_word(word)}'; quoting it "
            f"('{_answer_word(word)}') keeps other YAML tools from reading it as "
            f"{str(_answer_word(word) == 'yes').lower()}"))
    return problem


def _answer_word(text: str) -> str:
    return "yes" if text.lower() in ("true", "y", "yes", "on") else "no"


def _checklist_words(document: YamlDocument, file: str,
                     found: Iterable[Problem]) -> list[Problem]:
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
                hints.append(Problem(
                    file, where.line, where.column, name,
                    f"style hint: {written} is accepted as '{answers[item_id]}'; checklist "
                    f"answers are words, so writing '{answers[item_id]}' says it plainly",
                    CHECKLIST_HINT, "info"))
    return hints


def _problem_order(problem: Problem) -> tuple[int, int, str]:
    return (problem.line, problem.column, problem.message)


LoadCache = dict[tuple[str, int, int, str, str], "Proposal | InvalidFile"]


def _load_cached(path: Path, rubric: Rubric, cache: LoadCache | None, used: LoadCache,
                 checker: SchemaChecker, display: str,
                 store: FileStore | None) -> Proposal | InvalidFile:
    if cache is None:
        return _load_stored(path, rubric, display, checker, store)
    try:
        stat = path.stat()
    except OSError:
        return load_one(path, rubric, display, checker)
    # Keyed by the schema's content, not the rubric object: `mkdocs serve` builds a new
    # rubric object on every rebuild, and unchanged files must still come from the cache.
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, display, checker.key)
    if key in cache:
        loaded = cache[key]
        if store is not None:
            store.keep(display)
    else:
        loaded = _load_stored(path, rubric, display, checker, store)
    used[key] = loaded
    return loaded


def load_proposals(paths: Iterable[Path], rubric: Rubric,
                   cache: LoadCache | None = None, root: Path | None = None,
                   store_dir: Path | None = None,
                   progress: Callable[[list[Path]], Iterable[Path]] | None = None) -> Intake:
    """Load every file; a bad file is reported, never dropped, and never stops the rest.

    ``cache`` (keyed by path, modification time, size and schema) lets `mkdocs serve`
    re-read only the files that changed; afterwards it holds just this run's files, so
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
        return display_path(path) if root is None else os.path.relpath(path, root)

    for path in progress(files) if progress else files:  # the CLI's progress line
        loaded = _load_cached(path, rubric, cache, used, checker, shown(path), store)
        clashes = [other for other in by_id[path.stem] if other != path]
        if clashes:
            others = ", ".join(shown(o) for o in clashes)
            clash = Problem(shown(path), 0, 0, "",
                            f"the id '{path.stem}' is also used by {others}; ids must be unique",
                            "duplicate-id")
            problems = loaded.problems if isinstance(loaded, InvalidFile) else ()
            loaded = InvalidFile(shown(path), path.stem, (clash, *problems))
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
