"""Parsing a file a top-level section at a time (scoring/sources/yamlsections.py, for
history's many versions of each proposal) gives exactly what the one safe loader gives for
the whole text: the same data, positions, plain texts and problems, on every YAML file in
the repository and on thousands of edits of them, the hostile ones included."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
from sitekit import REPO

from scoring.sources.yamlsections import SectionCache, _in_sections, load_in_sections
from scoring.sources.yamlsource import LoadResult, load_bytes


def repository_yaml() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.yaml", "*.yml"], cwd=REPO, capture_output=True, text=True
    )
    paths = [REPO / line for line in listed.stdout.splitlines() if line]
    if not paths:  # not a git checkout: the folders that hold YAML
        paths = [p for d in ("content", "tests", "scoring") for p in (REPO / d).rglob("*.y*ml")]
    return sorted(p for p in paths if p.is_file() and not p.is_symlink())


FILES = repository_yaml()

# Lines an edit may put anywhere: each is a way the whole could read differently from its
# parts, or a trap the loader names.
TRICKY = [
    "---",
    "...",
    "--- # a second document",
    "%YAML 1.1",
    "title: another title",
    "summary: a second summary",
    "'quoted': key",
    "  indented: value",
    "# a comment",
    "",
    "key: [open,",
    "closing: here]",
    'key: "open',
    'still: quoted"',
    "key: |",
    "text: >-",
    "- item",
    "\ttab: value",
    "anchor: &a 1",
    "alias: *a",
    "no: yes",
    "octal: 0777",
    "time: 1:30",
    "? complex",
    "tagged: !!python/object x",
    "deep: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "http://example.org: link",
    "key :spaced",
    "key:no-space",
    "\ufeffbom: inside",
    "crlf: line\r",
    "unicode: caf\u00e9 \u2028 separator",
]


def same(whole: LoadResult, parts: LoadResult, *, positions: bool = True) -> None:
    assert parts.problems == whole.problems
    if whole.document is None:
        assert parts.document is None
        return
    assert parts.document is not None
    assert parts.document.data == whole.document.data
    assert parts.document.plain_text == whole.document.plain_text
    if positions:
        assert parts.document.values == whole.document.values
        assert parts.document.keys == whole.document.keys


def edits(text: str, rng: random.Random, count: int) -> list[str]:
    """Versions of a text, each one to three edits away: a line removed, repeated, changed
    or a tricky line put in."""
    found = []
    for _ in range(count):
        lines = text.split("\n")
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(lines) + 1)
            kind = rng.choice(("remove", "repeat", "insert", "change"))
            if kind == "remove" and at < len(lines):
                del lines[at]
            elif kind == "repeat" and at < len(lines):
                lines.insert(at, lines[at])
            elif kind == "change" and at < len(lines):
                lines[at] = lines[at] + rng.choice([" more words", "2", ": x", " # note"])
            else:
                lines.insert(at, rng.choice(TRICKY))
        found.append("\n".join(lines))
    return found


def test_the_repository_holds_yaml_files_of_every_kind() -> None:
    names = {p.parent.name for p in FILES}
    assert len(FILES) > 50
    assert "proposals" in names
    # Most are read in sections; the hostile fixtures and invalid ones whole.
    cache = SectionCache()
    parts = [p for p in FILES if _in_sections(p.read_bytes(), cache, True) is not None]
    assert len(FILES) / 2 < len(parts) < len(FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_file_reads_the_same_in_sections(path: Path) -> None:
    raw = path.read_bytes()
    cache = SectionCache()
    same(load_bytes(raw, "f.yaml"), load_in_sections(raw, "f.yaml", cache))
    same(load_bytes(raw, "f.yaml"), load_in_sections(raw, "f.yaml", cache))  # from the cache


@pytest.mark.slow
def test_edited_versions_read_the_same_in_sections() -> None:
    rng = random.Random(30)
    cache = SectionCache()  # shared, as history shares it over every version
    compared = in_sections = 0
    for path in FILES:
        text = path.read_text("utf-8", errors="replace")
        for version in edits(text, rng, 12):
            raw = version.encode("utf-8")
            whole = load_bytes(raw, "f.yaml")
            same(whole, load_in_sections(raw, "f.yaml", cache))
            # Without positions (history's old versions): the same data and texts.
            same(whole, load_in_sections(raw, "f.yaml", cache, positions=False), positions=False)
            compared += 1
            in_sections += _in_sections(raw, cache, True) is not None
    # Both ways are taken: the parts, and the whole where an edit makes them differ.
    assert compared > 1000 and compared / 10 < in_sections < compared * 9 / 10


def test_a_later_version_parses_only_the_section_it_changed() -> None:
    text = "\n".join(
        [
            "# a proposal",
            "title: Gate checks",
            "summary: >-",
            "  Facial recognition of travellers.",
            "problem:",
            "  decision: who gets a second look",
            "  outputs: a match score",
            "tags: [border, faces]",
            "",
        ]
    )
    cache = SectionCache()
    first = load_in_sections(text.encode(), "a.yaml", cache)
    assert first.document is not None and len(cache._parsed) == 4
    edited = text.replace("a match score", "a match score and a photo")
    second = load_in_sections(edited.encode(), "a.yaml", cache)
    assert len(cache._parsed) == 5  # only "problem" parsed again
    assert second.document is not None
    assert second.document.data["problem"]["outputs"] == "a match score and a photo"
    assert second.document.values[("tags", 1)].line == 8
    # Each version has its own data: changing one leaves the other as it was.
    second.document.data["problem"]["decision"] = "changed"
    assert first.document.data["problem"]["decision"] == "who gets a second look"


def test_a_key_set_in_two_sections_is_named_as_the_whole_text_names_it() -> None:
    text = b"title: one\nsummary: s\ntitle: two\n"
    parts = load_in_sections(text, "a.yaml", SectionCache())
    assert [p.code for p in parts.problems] == ["duplicate-key"]
    assert parts.problems[0].line == 3
    assert parts.problems == load_bytes(text, "a.yaml").problems


def test_without_positions_a_document_read_in_sections_records_none() -> None:
    text = b"title: A\nsummary: B\nchecklists:\n  data:\n    labels: 'yes'\n"
    cache = SectionCache()
    placed = load_in_sections(text, "a.yaml", cache).document
    bare = load_in_sections(text, "a.yaml", cache, positions=False).document
    assert placed is not None and bare is not None
    assert bare.data == placed.data and placed.values and placed.keys
    assert bare.values == {} and bare.keys == {}
