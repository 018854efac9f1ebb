"""A hostile corpus (issue 17): what a pull request can put in the proposals folder or the
build cache must never publish the build machine's files, crash a build or be trusted.

One site is written with every hostile entry at once and built once (module fixture); the
tests then check what a reader of the site, the log and the CLI would see. Engine-level
cases (numbers, cache damage, validation time) run without MkDocs. A seeded fuzz test and a
hypothesis property run mutated proposals through validate, score and rendering.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sitekit import (
    FULL_ID,
    FULL_YAML,
    INVALID_ID,
    INVALID_YAML,
    MINIMAL_ID,
    MINIMAL_YAML,
    PILOT_YAML,
    REPO,
    BuildOutcome,
    counting_compiles,
    logged_build,
    write_site,
)

from scoring.model.scorecard import score_intake
from scoring.portfolio.csvfile import safe_cell
from scoring.proposals.loading import load_one, load_proposals
from scoring.proposals.proposal import Intake, Proposal
from scoring.proposals.schema import proposal_schema
from scoring.rubric import load_rubric
from scoring.site.environment import make_environment
from scoring.site.pages import SiteOptions, build_site
from scoring.site.rebuild.templates import kept_environments
from scoring.sources.filestore import STORE_FILE
from scoring.sources.problems import Problem
from scoring.sources.validation import checker_for
from scoring.sources.yamlsource import MAX_BYTES, load_bytes

RUBRIC = load_rubric(None)
SECRET = "TOPSECRET-8f2c1e"  # in files outside the repository; must never be published
FLOAT_ID = "integral-float-ratings"
HUGE_ID = "huge-number"
BIDI_ID = "bidi-title"
INJECT_ID = "log-injection"
NON_UTF8_NAME = os.fsdecode(b"caf\xe9.yaml")

FLOAT_YAML = (
    MINIMAL_YAML
    + """\
risks:
  factors:
    harm_if_wrong: {severity: 2.0, likelihood: 4.0}
evidence:
  decision_named: -0.0
value:
  one_off_cost: 150000.0
"""
)
HUGE_YAML = MINIMAL_YAML + "value:\n  one_off_cost: " + "9" * 310 + "\n"
BIDI_YAML = """\
title: "Invoice \u202eranking\u202c for collections"
summary: Collections calls every overdue account in the same order; a ranking would help.
team: "Credit\u200b Risk"
stage: idea
"""
INJECT_YAML = (
    MINIMAL_YAML
    + """\
"x\\n::error file=README.md,line=1::forged annotation": 1
"::stop-commands::abc": 2
"""
)


def can_make_fifo() -> bool:
    return hasattr(os, "mkfifo")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildOutcome]:
    base = tmp_path_factory.mktemp("hostile")
    outside = base / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.txt").write_text(f"API_TOKEN={SECRET}\n", encoding="utf-8")
    (outside / "folder" / "key.txt").write_text(SECRET, encoding="utf-8")
    (outside / "leak.yaml").write_text(f"title: {SECRET}\nsummary: {SECRET}\n", encoding="utf-8")
    root = write_site(
        base / "repo",
        {
            FULL_ID: FULL_YAML,
            MINIMAL_ID: MINIMAL_YAML,
            INVALID_ID: INVALID_YAML,
            FLOAT_ID: FLOAT_YAML,
            HUGE_ID: HUGE_YAML,
            BIDI_ID: BIDI_YAML,
            INJECT_ID: INJECT_YAML,
        },
    )
    proposals = root / "content" / "proposals"
    (proposals / "proposal.schema.json").write_text(
        json.dumps(proposal_schema(RUBRIC)), encoding="utf-8"
    )
    # Symlinks out of the repository, dangling ones and a loop.
    (proposals / "NOTES.txt").symlink_to(outside / "secret.txt")
    (proposals / "passwd").symlink_to("/etc/passwd")
    (proposals / "leak.yaml").symlink_to(outside / "leak.yaml")
    (proposals / "outside-folder").symlink_to(outside / "folder")
    (proposals / "dangling.yaml").symlink_to(outside / "missing.yaml")
    (proposals / "loop-a.yaml").symlink_to(proposals / "loop-b.yaml")
    (proposals / "loop-b.yaml").symlink_to(proposals / "loop-a.yaml")
    (root / "content" / "linked-docs").symlink_to(outside / "folder")
    # Files that are not proposals.
    (proposals / "evil-page.md").write_text("# Evil\n\n<script>alert(1)</script>\n")
    (proposals / "evil.html").write_text("<script>alert(1)</script>\n")
    (proposals / "evil.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>\n'
    )
    (proposals / f"{MINIMAL_ID}.md").write_text("# A page where a generated one goes\n")
    # Odd entries.
    (proposals / NON_UTF8_NAME).write_text(MINIMAL_YAML, encoding="utf-8")
    (proposals / ".yaml").write_text(MINIMAL_YAML, encoding="utf-8")
    (proposals / "Upper-Case.YAML").write_text(MINIMAL_YAML, encoding="utf-8")
    (proposals / "folder.yaml").mkdir()
    (proposals / "folder.yaml" / "nested-one.yaml").write_text(PILOT_YAML, encoding="utf-8")
    if can_make_fifo():
        os.mkfifo(proposals / "pipe.yaml")
        os.mkfifo(proposals / "pipe")
    unreadable = proposals / "unreadable.yaml"
    unreadable.write_text("title: x\n", encoding="utf-8")
    unreadable.chmod(0)
    outcome = logged_build(root)
    return root, outcome


@pytest.fixture(scope="module")
def site(hostile: tuple[Path, BuildOutcome]) -> Path:
    root, outcome = hostile
    assert outcome.error is None, outcome.text
    return root / "site"


def all_site_files(site: Path) -> list[Path]:
    return [p for p in site.rglob("*") if p.is_file()]


def intake_text(site: Path) -> str:
    soup = BeautifulSoup(
        (site / "intake-problems" / "index.html").read_text("utf-8"), "html.parser"
    )
    return soup.select_one("article").get_text(" ")


# --------------------------------------------------------------------------------------------
# 1, 5, 6: the trust boundary and odd entries
# --------------------------------------------------------------------------------------------


def test_the_hostile_folder_builds(hostile: tuple[Path, BuildOutcome]) -> None:
    _, outcome = hostile
    assert outcome.error is None, outcome.text
    assert "Traceback" not in outcome.text


def test_no_file_from_outside_the_repository_is_published(site: Path) -> None:
    leaked = [p for p in all_site_files(site) if SECRET.encode() in p.read_bytes()]
    assert leaked == []
    assert not any(b"root:x:0:0" in p.read_bytes() for p in all_site_files(site))
    assert not (site / "linked-docs").exists()


def test_only_valid_proposals_and_the_editor_schema_are_copied(site: Path) -> None:
    copied = sorted(p.name for p in (site / "proposals").iterdir() if p.is_file())
    assert copied == sorted(
        [
            f"{FULL_ID}.yaml",
            f"{MINIMAL_ID}.yaml",
            f"{FLOAT_ID}.yaml",
            f"{BIDI_ID}.yaml",
            "proposal.schema.json",
        ]
    )
    assert not (site / "proposals" / "evil-page").exists()
    # A refused entry with a proposal's name keeps its URL, as every invalid proposal does
    # (issue 15), but the page only lists the problem: nothing of the outside folder.
    folder = site / "proposals" / "outside-folder"
    assert sorted(p.name for p in folder.iterdir()) == ["index.html"]
    assert "symlinks are not accepted" in folder.joinpath("index.html").read_text("utf-8")
    # The generated page wins over the stray .md with the same id.
    page = (site / "proposals" / MINIMAL_ID / "index.html").read_text("utf-8")
    assert "A page where a generated one goes" not in page
    assert not any(
        "<script>alert(1)" in p.read_text("utf-8", "replace")
        for p in all_site_files(site)
        if p.suffix in (".html", ".svg")
    )


@pytest.mark.parametrize(
    "name, words",
    [
        ("leak.yaml", "symlinks are not accepted"),
        ("dangling.yaml", "symlinks are not accepted"),
        ("loop-a.yaml", "symlinks are not accepted"),
        ("NOTES.txt", "symlinks are not accepted"),
        ("outside-folder", "symlinks are not accepted"),
        ("caf\\xe9.yaml", "not valid UTF-8"),
        (".yaml", "must end in .yaml"),
        ("Upper-Case.YAML", "must end in .yaml"),
    ],
)
def test_each_refused_entry_is_named_on_the_intake_page(site: Path, name: str, words: str) -> None:
    text = intake_text(site)
    assert f"content/proposals/{name}" in text
    assert words in text


def test_odd_entries_are_reported_not_dropped(site: Path) -> None:
    text = intake_text(site)
    if can_make_fifo():
        assert "content/proposals/pipe.yaml" in text and "not a regular file" in text
    if os.geteuid() != 0:  # root reads any file
        assert "content/proposals/unreadable.yaml" in text
    # A folder named like a file is searched like any folder.
    assert (site / "proposals" / "nested-one" / "index.html").exists()


def test_the_secret_is_not_quoted_on_the_intake_page(site: Path) -> None:
    assert SECRET not in intake_text(site)


def test_validate_reports_every_entry_without_a_traceback(
    hostile: tuple[Path, BuildOutcome],
) -> None:
    root, _ = hostile
    run = subprocess.run(
        [sys.executable, "-m", "scoring.cli.main", "validate", "content/proposals"],
        cwd=root,
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8:strict"},
    )
    out = run.stdout.decode("utf-8")
    assert run.returncode == 1, run.stderr.decode()
    assert "Traceback" not in run.stderr.decode()
    assert "content/proposals/leak.yaml: symlinks are not accepted" in out
    assert "content/proposals/caf\\xe9.yaml: the file name is not valid UTF-8" in out
    assert SECRET not in out


def test_portfolio_json_is_valid_utf8(site: Path) -> None:
    payload = json.loads((site / "portfolio" / "portfolio.json").read_bytes().decode("utf-8"))
    files = [bad["file"] for bad in payload["invalid"]]
    assert "content/proposals/caf\\xe9.yaml" in files


def test_a_symlinked_proposals_folder_is_refused(tmp_path: Path) -> None:
    root = write_site(
        tmp_path / "repo", {MINIMAL_ID: MINIMAL_YAML}, plugin_options={"proposals_dir": "linked"}
    )
    (root / "linked").symlink_to(root / "content" / "proposals")
    outcome = logged_build(root)
    assert outcome.error is not None
    assert "is or passes through a symlink" in outcome.text


# --------------------------------------------------------------------------------------------
# 2: every schema-valid file builds
# --------------------------------------------------------------------------------------------


def test_integral_floats_are_read_as_integers(site: Path) -> None:
    loaded = load_one(Path(f"{FLOAT_ID}.yaml"), RUBRIC, raw=FLOAT_YAML.encode())
    assert isinstance(loaded, Proposal), loaded
    factor = loaded.fields["risks"]["factors"]["harm_if_wrong"]
    assert factor == {"severity": 2, "likelihood": 4}
    assert type(factor["likelihood"]) is int
    assert loaded.fields["evidence"]["decision_named"] == 0
    assert str(loaded.fields["evidence"]["decision_named"]) == "0"
    page = (site / "proposals" / FLOAT_ID / "index.html").read_text("utf-8")
    assert "Harm if wrong" in page or "harm" in page.lower()


def test_a_number_too_large_to_compute_with_is_a_located_error(site: Path) -> None:
    loaded = load_one(Path(f"{HUGE_ID}.yaml"), RUBRIC, raw=HUGE_YAML.encode())
    assert not isinstance(loaded, Proposal)
    [problem] = [p for p in loaded.problems if p.code == "number-too-large"]
    assert (problem.line, problem.field) == (6, "value.one_off_cost")
    assert "310 digits" in problem.message
    assert f"content/proposals/{HUGE_ID}.yaml" in intake_text(site)


def test_a_page_that_raises_becomes_an_intake_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scoring.site import pages

    real = pages.SiteBuilder.proposal_page

    def fragile(self: Any, card: Any) -> Any:
        if card.proposal.id == MINIMAL_ID:
            raise ValueError("a case nobody foresaw")
        return real(self, card)

    monkeypatch.setattr(pages.SiteBuilder, "proposal_page", fragile)
    root = write_site(tmp_path, {FULL_ID: FULL_YAML, MINIMAL_ID: MINIMAL_YAML})
    outcome = logged_build(root)
    assert outcome.error is None, outcome.text
    site = root / "site"
    assert (site / "proposals" / FULL_ID / "index.html").exists()
    # Its URL shows the problem instead of the scores (the invalid-proposal page).
    page = (site / "proposals" / MINIMAL_ID / "index.html").read_text("utf-8")
    assert "could not be built" in page and "ss-scores" not in page
    text = intake_text(site)
    assert f"content/proposals/{MINIMAL_ID}.yaml" in text
    assert "could not be built" in text and "a case nobody foresaw" in text


# --------------------------------------------------------------------------------------------
# 3: linear-time validation
# --------------------------------------------------------------------------------------------


def filled(head: str, line: str) -> bytes:
    count = (MAX_BYTES - len(head)) // len(line)
    return (head + line * count).encode()


@pytest.mark.parametrize(
    "head, line",
    [
        (MINIMAL_YAML + "tags:\n", "  - {a: 1}\n"),
        (MINIMAL_YAML + "tags:\n", "  - {}\n"),
        (MINIMAL_YAML + "data:\n  leakage_exposure:\n", "    - {a: 1}\n"),
        (MINIMAL_YAML + "data:\n  leakage_exposure:\n", "    - temporal\n"),
    ],
    ids=["tags-maps", "tags-empty-maps", "leakage-maps", "leakage-repeated"],
)
def test_the_largest_file_validates_in_well_under_a_second(head: str, line: str) -> None:
    raw = filled(head, line)
    assert len(raw) <= MAX_BYTES
    document = load_bytes(raw, "big.yaml").document
    assert document is not None
    checker = checker_for(proposal_schema(RUBRIC))
    started = time.process_time()
    problems = checker.problems(document, "big.yaml")
    elapsed = time.process_time() - started
    assert problems, "the file breaks the schema"
    assert len(problems) <= checker.MAX_ERRORS + 1
    assert elapsed < 1.0, f"{elapsed:.2f} s"


def test_duplicates_are_still_found_in_any_key_order() -> None:
    text = FULL_YAML.replace(
        "  leakage_exposure: [temporal]", "  leakage_exposure: [temporal, duplicates, temporal]"
    )
    loaded = load_one(Path("x.yaml"), RUBRIC, raw=text.encode())
    assert [p.message for p in loaded.problems if p.code == "uniqueItems"] == [
        "lists the same item twice"
    ]


# --------------------------------------------------------------------------------------------
# 4: one CSV writer
# --------------------------------------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil")',
    "+1+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\t=1+1",
    " =1+1",
    "\uff1d1+1",
]


@pytest.mark.parametrize("cell", FORMULAS)
def test_formula_cells_are_quoted(cell: str) -> None:
    assert safe_cell(cell).startswith("'")


def test_numbers_and_line_breaks(tmp_path: Path) -> None:
    assert safe_cell("-12.5") == "-12.5"
    assert "\r" not in safe_cell("a\rb\nc") and "\n" not in safe_cell("a\rb\nc")


def test_score_csv_is_protected(tmp_path: Path) -> None:
    folder = tmp_path / "proposals"
    folder.mkdir()
    for number, formula in enumerate(FORMULAS[:4]):
        text = MINIMAL_YAML.replace("team: Field Service", f"team: {json.dumps(formula)}")
        text = text.replace("stage: idea", f"stage: idea\nowner: {json.dumps(formula)}")
        (folder / f"p{number}.yaml").write_text(text, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "scoring.cli.main", "score", str(folder), "--format", "csv"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert len(rows) == 4
    for row in rows:
        for column in ("team", "owner"):
            assert row[column].startswith("'"), row[column]


# --------------------------------------------------------------------------------------------
# 7: the cache is checked, never trusted
# --------------------------------------------------------------------------------------------


def store_of(folder: Path) -> Path:
    return folder / "cache" / STORE_FILE


def load_with_store(folder: Path, cache: dict[Any, Any] | None = None) -> Intake:
    return load_proposals([folder / "p"], RUBRIC, cache, root=folder, store_dir=folder / "cache")


def one_proposal(tmp_path: Path) -> Path:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / f"{FULL_ID}.yaml").write_text(FULL_YAML, encoding="utf-8")
    return tmp_path


def edit_record(tmp_path: Path, change: Any) -> None:
    path = store_of(tmp_path)
    stored = json.loads(path.read_text("utf-8"))
    for entry in stored["files"].values():
        record = json.loads(entry["record"])
        change(record)
        entry["record"] = json.dumps(record)
    path.write_text(json.dumps(stored), encoding="utf-8")


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r["fields"].update(title="A title nobody wrote"),
        lambda r: r["fields"].update(stage="bogus"),
        lambda r: r["fields"].update(title=12),
        lambda r: r.update(kind="invalid", problems=[]),
        lambda r: r["fields"].update(deep=json.loads("[" * 500 + "]" * 500)),
    ],
    ids=["title", "stage", "title-int", "valid-shown-invalid", "deep"],
)
def test_an_edited_record_is_loaded_afresh(tmp_path: Path, change: Any) -> None:
    one_proposal(tmp_path)
    fresh = load_with_store(tmp_path)
    try:
        edit_record(tmp_path, change)
    except RecursionError:
        pytest.skip("this Python cannot even write such a record")
    again = load_with_store(tmp_path)
    assert again.proposals == fresh.proposals
    assert again.proposals[0].stage == "proposed"


def test_a_deeply_nested_cache_file_is_ignored(tmp_path: Path) -> None:
    one_proposal(tmp_path)
    fresh = load_with_store(tmp_path)
    store_of(tmp_path).write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert load_with_store(tmp_path).proposals == fresh.proposals
    assert load_with_store(tmp_path).proposals == fresh.proposals  # and repaired


def test_the_serve_cache_sees_a_same_size_edit_with_the_time_kept(tmp_path: Path) -> None:
    one_proposal(tmp_path)
    path = tmp_path / "p" / f"{FULL_ID}.yaml"
    cache: dict[Any, Any] = {}
    first = load_with_store(tmp_path, cache)
    times = os.stat(path)
    text = FULL_YAML.replace("Rank overdue", "Sort overdue")
    assert len(text) == len(FULL_YAML)
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    second = load_with_store(tmp_path, cache)
    assert first.proposals[0].title.startswith("Rank")
    assert second.proposals[0].title.startswith("Sort")


@pytest.mark.parametrize("offset", [0, 10, 40, 100, -1, -50])
def test_damaged_bytecode_is_never_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offset: int
) -> None:
    cache = tmp_path / "cache"
    context = {"problems_link": "x", "invalid": [1]}
    kept_environments.cache_clear()
    md_env, _ = make_environment((), cache)
    expected = md_env.get_template("banner.md.j2").render(**context)
    entries = list((cache / "templates").rglob("*.cache"))
    assert entries
    for entry in entries:
        data = bytearray(entry.read_bytes())
        data[offset] ^= 0x5A
        entry.write_bytes(bytes(data))
    kept_environments.cache_clear()
    compiled = counting_compiles(monkeypatch)
    md_env, _ = make_environment((), cache)
    assert md_env.get_template("banner.md.j2").render(**context) == expected
    assert compiled == ["banner.md.j2"]
    kept_environments.cache_clear()


# --------------------------------------------------------------------------------------------
# 8, 9: output hygiene and hidden characters
# --------------------------------------------------------------------------------------------


def test_no_log_line_can_start_a_workflow_command(hostile: tuple[Path, BuildOutcome]) -> None:
    _, outcome = hostile
    injected = [m for m in outcome.messages if "forged annotation" in m or "stop-commands" in m]
    assert injected, "the injected keys are reported"
    for message in outcome.messages:
        assert "\n" not in message and "\r" not in message, message
        assert not message.startswith("::")


def test_problem_text_is_one_safe_line() -> None:
    problem = Problem(
        "a.yaml", 3, 1, "x\n::error file=README.md::y", "m\r\n::stop-commands::", "unknown-key"
    )
    assert (
        problem.as_text() == "a.yaml:3:1: x\\n::error file=README.md::y: m\\r\\n::stop-commands::"
    )
    assert Problem("::x.yaml", 0, 0, "", "m").as_text().startswith("\\::")


def test_hidden_characters_are_flagged_and_stripped(
    site: Path, hostile: tuple[Path, BuildOutcome]
) -> None:
    _, outcome = hostile
    warned = [m for m in outcome.warnings if f"{BIDI_ID}.yaml" in m]
    assert any("U+202E RIGHT-TO-LEFT OVERRIDE" in m and "title" in m for m in warned), warned
    assert any("U+200B ZERO WIDTH SPACE" in m and "team" in m for m in warned), warned
    page = (site / "proposals" / BIDI_ID / "index.html").read_text("utf-8")
    assert "Invoice ranking for collections" in page
    assert "Credit Risk" in page
    for path in all_site_files(site):
        if path.suffix in (".html", ".csv", ".json", ".md"):
            text = path.read_text("utf-8")
            assert "\u202e" not in text and "\u200b" not in text, path


def test_validate_warns_but_passes_on_hidden_characters(tmp_path: Path) -> None:
    (tmp_path / f"{BIDI_ID}.yaml").write_text(BIDI_YAML, encoding="utf-8")
    intake = load_proposals([tmp_path], RUBRIC)
    assert not intake.invalid and len(intake.proposals) == 1
    assert {p.severity for p in intake.problems} == {"warning"}
    assert intake.proposals[0].title == "Invoice ranking for collections"


def test_a_strict_build_fails_on_hidden_characters(tmp_path: Path) -> None:
    root = write_site(tmp_path, {BIDI_ID: BIDI_YAML})
    outcome = logged_build(root, strict=True)
    assert outcome.error is not None


# --------------------------------------------------------------------------------------------
# Fuzzing: random mutations through validate, score and a real build
# --------------------------------------------------------------------------------------------

ODD_VALUES: list[Any] = [
    4.0,
    2.0,
    -0.0,
    0.0,
    1.0,
    3.5,
    -1,
    10**310,
    1.7e308,
    5e-324,
    "",
    " ",
    "=1+1",
    "\u202e\u200b",
    "x" * 3000,
    None,
    True,
    False,
    [],
    {},
    [1, 1],
    [{"a": 1}, {"a": 1}],
    {"level": 4.0},
    {"level": 2, "note": "\r\n::error::x"},
    "2025-01-01",
    "yes",
    "n/a",
    "<script>alert(1)</script>",
    "{{ 7 * 7 }}",
    0,
    4,
    99,
    "idea",
    "EUR",
]


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += leaf_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += leaf_paths(child, (*path, index))
    return found


def mutate(document: dict[str, Any], rng: random.Random, rounds: int) -> dict[str, Any]:
    out = copy.deepcopy(document)
    for _ in range(rounds):
        paths = [p for p in leaf_paths(out) if p]
        path = rng.choice(paths)
        parent: Any = out
        for part in path[:-1]:
            parent = parent[part]
        action = rng.random()
        if action < 0.7:
            parent[path[-1]] = copy.deepcopy(rng.choice(ODD_VALUES))
        elif action < 0.85 and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    return out


SEEDS = [yaml.safe_load(text) for text in (FULL_YAML, PILOT_YAML, MINIMAL_YAML)]


def render_alone(proposal: Proposal) -> None:
    portfolio = score_intake(Intake(proposals=[proposal]), RUBRIC)
    builder = build_site(portfolio, SiteOptions())
    builder.proposal_page(portfolio.cards[0])


def test_random_mutations_never_raise(tmp_path: Path) -> None:
    rng = random.Random(17)
    valid: list[str] = []
    for number in range(250):
        document = mutate(rng.choice(SEEDS), rng, rng.randint(1, 4))
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
        loaded = load_one(Path(f"mutant-{number}.yaml"), RUBRIC, raw=text.encode())
        if isinstance(loaded, Proposal):
            render_alone(loaded)
            valid.append(text)
        else:
            assert all(isinstance(p.as_text(), str) for p in loaded.problems)
    assert valid, "some mutants must stay valid, or the fuzzing checks nothing"
    # All valid mutants, with a few invalid ones, in one real site build.
    proposals = {f"mutant-{i}": text for i, text in enumerate(valid[:25])}
    root = write_site(tmp_path, {**proposals, INVALID_ID: INVALID_YAML})
    outcome = logged_build(root)
    assert outcome.error is None, outcome.text
    assert "Traceback" not in outcome.text
    built = {p.parent.name for p in (root / "site" / "proposals").glob("*/index.html")}
    assert set(proposals) <= built


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.sampled_from(SEEDS),
    choices=st.lists(
        st.tuples(st.integers(0, 10_000), st.sampled_from(range(len(ODD_VALUES)))),
        min_size=1,
        max_size=4,
    ),
)
def test_whatever_validates_scores_and_renders(
    seed: dict[str, Any], choices: list[tuple[int, int]]
) -> None:
    document = copy.deepcopy(seed)
    for where, what in choices:
        paths = [p for p in leaf_paths(document) if p]
        path = paths[where % len(paths)]
        parent: Any = document
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = copy.deepcopy(ODD_VALUES[what])
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    loaded = load_one(Path("property.yaml"), RUBRIC, raw=text.encode())
    if isinstance(loaded, Proposal):
        render_alone(loaded)
