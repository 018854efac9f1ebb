"""Issue 22, the readers: `export`, `compare`, the Markdown both `compare` and `diff` write,
and rubric loading must refuse hostile input with a located one-line error and the
documented exit status, never follow it, hang on it or print a traceback.

Hostile proposal folders run the real command in a subprocess (with a timeout and a memory
limit), since the failure being guarded against is a hang or a flood.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sitekit import FULL_YAML, MINIMAL_YAML, PILOT_YAML, REPO

from scoring.cli.common import md_text
from scoring.cli.main import main
from scoring.proposals.plaindata import read_data
from scoring.sources import gitrevisions

SECRET = "TOPSECRET-5d1a7b"  # in a file outside the repository; must never be exported
MEMORY_LIMIT = 2 * 1024**3  # bytes of address space for a subprocess
PROMPT = 60.0  # seconds; the fixed commands finish in a few


def alias_bomb() -> str:
    """About 600 bytes that a YAML loader expanding aliases turns into 9**9 strings."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for number in range(1, 9):
        prev, name = chr(ord("a") + number - 1), chr(ord("a") + number)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    lines += [
        "title: *i",
        "summary: *i",
        "team: *i",
        "stage: idea",
        "org: *i",
        "source: {inventory: us-federal-2024, row: 1, file: *i}",
    ]
    return "\n".join(lines) + "\n"


HOSTILE = ("symlink-outside", "fifo", "dev-zero", "alias-bomb")
ENTRY = {
    "symlink-outside": "leak.yaml",
    "fifo": "pipe.yaml",
    "dev-zero": "zero.yaml",
    "alias-bomb": "bomb.yaml",
}


def hostile_folder(base: Path, kind: str) -> Path:
    """A proposals folder with one valid proposal and one hostile entry of ``kind``."""
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(
        f"title: {SECRET}\nsummary: {SECRET}\nteam: {SECRET}\nstage: idea\n", encoding="utf-8"
    )
    folder = base / "repo" / "proposals"
    folder.mkdir(parents=True)
    (folder / "spare-parts.yaml").write_text(MINIMAL_YAML, encoding="utf-8")
    entry = folder / ENTRY[kind]
    if kind == "symlink-outside":
        entry.symlink_to(outside / "secret.yaml")
    elif kind == "fifo":
        os.mkfifo(entry)
    elif kind == "dev-zero":
        entry.symlink_to("/dev/zero")
    else:
        entry.write_text(alias_bomb(), encoding="utf-8")
    return folder


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_sweetspot(*argv: str, cwd: Path) -> tuple[int, str, str, float]:
    """The real command in a subprocess: exit status, stdout, stderr, seconds taken."""
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "scoring.cli.main", *argv],
        cwd=cwd,
        capture_output=True,
        timeout=PROMPT,
        preexec_fn=_limit_memory,
        env={**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"},
    )
    return (
        run.returncode,
        run.stdout.decode("utf-8", "replace"),
        run.stderr.decode("utf-8", "replace"),
        time.monotonic() - started,
    )


def run_cli(*argv: str) -> tuple[int, str, str]:
    """The command in this process, for inputs that cannot hang."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


# ---- item 5: export reads proposal files by validation's rules ----------------------------


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize("fmt", ["us-federal-2024", "csv"])
def test_export_refuses_each_hostile_entry(tmp_path: Path, kind: str, fmt: str) -> None:
    folder = hostile_folder(tmp_path, kind)
    code, out, err, seconds = run_sweetspot(
        "export", "proposals", "--format", fmt, cwd=folder.parent
    )
    assert seconds < PROMPT
    assert code == 1, err  # documented: 1 when some files are left out
    assert "Traceback" not in err
    assert SECRET not in out and SECRET not in err
    assert "lol" not in out  # nothing of the alias bomb is written either
    assert f"proposals/{ENTRY[kind]}" in err
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("sweetspot: 1 file left out") and ENTRY[kind] in summary
    rows = list(csv.reader(io.StringIO(out)))
    assert len(rows) == 2  # the header and the valid proposal, still exported
    assert "Suggest reorder quantities for spare parts" in rows[1]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", HOSTILE)
def test_the_reason_names_the_entry(tmp_path: Path, kind: str) -> None:
    folder = hostile_folder(tmp_path, kind)
    read = read_data(folder / ENTRY[kind], ENTRY[kind])
    assert read.data is None
    reason = read.problems[0].as_text()
    expected = {
        "symlink-outside": "symlinks are not accepted",
        "fifo": "not a regular file",
        "dev-zero": "symlinks are not accepted",
        "alias-bomb": "aliases (*a) are not allowed",
    }[kind]
    assert reason.startswith(ENTRY[kind]) and expected in reason


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", ["fifo", "alias-bomb"])
def test_score_by_unit_reads_invalid_files_safely(tmp_path: Path, kind: str) -> None:
    """`score --org` reads each invalid file's `org`: a FIFO used to block it and an alias
    bomb there to flood it."""
    folder = hostile_folder(tmp_path, kind)
    code, out, err, seconds = run_sweetspot(
        "score", "proposals", "--org", "Field Service", cwd=folder.parent
    )
    assert seconds < PROMPT and "Traceback" not in err
    # Neither file names a unit, so both are left out of the one asked for.
    assert code == 0 and "no proposal is in the unit 'Field Service'" in err
    assert SECRET not in out + err and "lol" not in out + err


@pytest.mark.parametrize("out", ["missing-folder/export.csv", "."])
def test_export_to_an_unusable_out_is_a_usage_error(
    tmp_path: Path, out: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "proposals"
    folder.mkdir()
    (folder / "spare-parts.yaml").write_text(MINIMAL_YAML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("export", "proposals", "--out", out)
    assert code == 2 and "Traceback" not in err
    assert err.startswith(f"sweetspot: error: cannot write --out {out}: ")
    assert len(err.strip().splitlines()) == 1


# ---- item 18: one Markdown escaper for `compare` and `diff` -------------------------------

HOSTILE_TITLE = (
    "<img src=x onerror=alert(1)> @everyone [click](https://evil.example/x) "
    "**bold** | www.evil.example"
)
RAW_PIECES = ("<img", "@everyone", "[click]", "**bold**", "https://", "www.evil", " | www")


def score_json(
    path: Path, state: str, risk: float, title: str = HOSTILE_TITLE, **entry: object
) -> Path:
    proposal = {
        "id": "hostile-title",
        "title": title,
        "state": state,
        "scores": {"desirability": 60, "profitability": 55, "feasibility": 70, "risk": risk},
        "priority": 50,
        "flags": [],
        **entry,
    }
    path.write_text(json.dumps({"proposals": [proposal]}), encoding="utf-8")
    return path


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            *args,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_compare_and_diff_escape_a_hostile_title_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = score_json(tmp_path / "before.json", "quick_win", 20)
    after = score_json(tmp_path / "after.json", "reconsider", 80)
    code, compared, err = run_cli("compare", str(before), str(after))
    assert code == 0, err

    repo = tmp_path / "repo"
    (repo / "content" / "proposals").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "content" / "proposals" / "spare-parts.yaml").write_text(MINIMAL_YAML, "utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    hostile = MINIMAL_YAML.replace(
        "title: Suggest reorder quantities for spare parts", f"title: {json.dumps(HOSTILE_TITLE)}"
    )
    (repo / "content" / "proposals" / "hostile-title.yaml").write_text(hostile, "utf-8")
    monkeypatch.chdir(repo)
    code, diffed, err = run_cli("diff", "main", "--format", "markdown")
    assert code == 0, err

    escaped = md_text(HOSTILE_TITLE)
    for report in (compared, diffed):
        assert escaped in report
        for piece in RAW_PIECES:
            assert piece not in report, piece
    # What GitHub would otherwise act on: a mention, a link, a tag, a table cell break.
    assert "&#64;<!-- -->everyone" in escaped and "\\[click\\]" in escaped
    assert "&lt;img" in escaped and "\\*\\*bold\\*\\*" in escaped and "\\|" in escaped
    assert "https&#58;//" in escaped and "www&#46;" in escaped


def test_compare_escapes_ids_states_and_flags_from_a_score_file(tmp_path: Path) -> None:
    before = score_json(tmp_path / "before.json", "<b>x</b>", 20)
    after = score_json(
        tmp_path / "after.json", "@team", 80, flags=[{"id": "[f](https://evil.example)"}]
    )
    code, report, err = run_cli("compare", str(before), str(after))
    assert code == 0, err
    for piece in ("<b>", "@team", "[f]", "https://"):
        assert piece not in report, piece


# ---- item 17: compare reads a score file through read_named, strict JSON and a schema ----

GOOD_ENTRY = {
    "id": "hostile-title",
    "title": "A",
    "state": "quick_win",
    "priority": 50,
    "scores": {"desirability": 60, "profitability": 55, "feasibility": 70, "risk": 20},
    "flags": [{"id": "no_sponsor"}],
}


def with_entry(**changes: object) -> str:
    return json.dumps({"proposals": [{**GOOD_ENTRY, **changes}]})


MALFORMED = {
    # name: (file text, what the one-line error must say)
    "deep-arrays": ("[" * 100_000 + "]" * 100_000, "nesting is deeper than 32 levels"),
    "deep-value": (
        '{"proposals": [{"id": "a", "x": ' + "[" * 200 + "]" * 200 + "}]}",
        "proposals[0].x[0][0]",
    ),
    "flags-string": (
        with_entry(flags="no_sponsor"),
        "proposals[0].flags: 'no_sponsor' should be a list",
    ),
    "flags-mapping": (
        with_entry(flags={"id": "x"}),
        "proposals[0].flags: {'id': 'x'} should be a list",
    ),
    "flags-null": (with_entry(flags=None), "proposals[0].flags: is empty"),
    "flag-without-id": (
        with_entry(flags=[{}]),
        "proposals[0].flags[0]: missing required field 'id'",
    ),
    "score-text": (
        with_entry(scores={"risk": "abc"}),
        "proposals[0].scores.risk: 'abc' should be a number",
    ),
    "score-400-digits": (with_entry(scores={"risk": 10**400}), "proposals[0].scores.risk: 1000"),
    "scores-string": (with_entry(scores="high"), "proposals[0].scores: 'high' should be a mapping"),
    "proposals-string": (json.dumps({"proposals": "all"}), "proposals: 'all' should be a list"),
    "no-proposals": (json.dumps({"portfolio": {}}), "missing required field 'proposals'"),
    "id-number": (with_entry(id=7), "proposals[0].id: 7 should be text"),
    "nan": (with_entry(priority=float("nan")), "proposals[0].priority: NaN is not a finite number"),
    "infinity": (
        with_entry(scores={"risk": float("inf")}),
        "proposals[0].scores.risk: Infinity is not a finite number",
    ),
    "minus-infinity": (
        with_entry(impact=float("-inf")),
        "proposals[0].impact: -Infinity is not a finite number",
    ),
    "float-overflow": (
        '{"proposals": [{"id": "a", "delivery_risk": 1e400}]}',
        "proposals[0].delivery_risk: 1e400 is not a finite number",
    ),
    "syntax": ('{"proposals": [}', "line 1, column 16: not valid JSON"),
    "not-utf8": ('{"proposals": [{"id": "caf\udcff"}]}', "is not UTF-8"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
@pytest.mark.parametrize("side", ["before", "after"])
def test_compare_refuses_a_malformed_score_file(tmp_path: Path, name: str, side: str) -> None:
    text, expected = MALFORMED[name]
    good = tmp_path / "good.json"
    good.write_text(with_entry(), encoding="utf-8")
    bad = tmp_path / f"{name}.json"
    bad.write_bytes(text.encode("utf-8", "surrogateescape"))
    pair = (bad, good) if side == "before" else (good, bad)
    code, out, err = run_cli("compare", str(pair[0]), str(pair[1]))
    assert code == 2 and out == ""
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"sweetspot: error: {bad}: ") and expected in err, err


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", ["symlink", "fifo", "dev-zero", "folder", "missing"])
def test_compare_reads_a_score_file_only_if_it_is_a_regular_file(tmp_path: Path, kind: str) -> None:
    good = tmp_path / "good.json"
    good.write_text(with_entry(), encoding="utf-8")
    named = tmp_path / "named.json"
    if kind == "symlink":
        named.symlink_to(good)
    elif kind == "fifo":
        os.mkfifo(named)
    elif kind == "dev-zero":
        named.symlink_to("/dev/zero")
    elif kind == "folder":
        named.mkdir()
    code, out, err, seconds = run_sweetspot("compare", str(good), str(named), cwd=tmp_path)
    assert seconds < PROMPT and code == 2 and out == "" and "Traceback" not in err
    assert err.startswith(f"sweetspot: error: {named}: ")


def test_compare_of_two_score_files_needs_no_proposals_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no content/proposals here
    Path("before.json").write_text(with_entry(), encoding="utf-8")
    Path("after.json").write_text(with_entry(state="reconsider", flags=[]), encoding="utf-8")
    code, out, err = run_cli("compare", "before.json", "after.json", "--format", "json")
    assert code == 0, err
    move = json.loads(out)["moves"][0]
    assert (move["state_before"], move["state_after"]) == ("quick_win", "reconsider")
    assert move["flags_cleared"] == ["no_sponsor"]


def test_a_real_score_file_passes_and_compares_with_a_rubric(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = Path("proposals")
    folder.mkdir()
    for name, text in {"full": FULL_YAML, "pilot": PILOT_YAML, "minimal": MINIMAL_YAML}.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    code, scored, err = run_cli("score", "proposals", "--format", "json")
    assert code == 0, err
    Path("scores.json").write_text(scored, encoding="utf-8")
    rubric = str(REPO / "scoring" / "data" / "rubric.yaml")
    code, out, err = run_cli("compare", "scores.json", rubric, "proposals", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["moves"] == []  # the same rubric moves nothing


# ---- item 15: a rubric is read safely, and values that would crash scoring are refused ----

RUBRIC_TEXT = (REPO / "scoring" / "data" / "rubric.yaml").read_text(encoding="utf-8")
HUGE = "1" + "0" * 400

# name: (text in the built-in rubric, what replaces it, the field named in the error)
BAD_RUBRIC_VALUES = {
    "equals-list": (
        "{fact: distinct_people, equals: 1}",
        "{fact: distinct_people, equals: [1, 2]}",
        "when.all[1].equals",
    ),
    "equals-mapping": (
        "{fact: distinct_people, equals: 1}",
        "{fact: distinct_people, equals: {a: 1}}",
        "when.all[1].equals",
    ),
    "in-list-item": (
        "{field: governance.consent, in: [opt_out, none]}",
        '{field: governance.consent, in: [[1], "no"]}',
        ".in[0]",
    ),
    "not-in-mapping-item": (
        "{field: governance.reidentification_review, not_in: [done]}",
        "{field: governance.reidentification_review, not_in: [{a: 1}]}",
        ".not_in[0]",
    ),
    "below-400-digits": (
        "{field: data.sample_size, below: 1000}",
        f"{{field: data.sample_size, below: {HUGE}}}",
        ".below",
    ),
    "at-least-400-digits": (
        "{field: data.sample_size, below: 1000}",
        f"{{field: data.sample_size, at_least: -{HUGE}}}",
        ".at_least",
    ),
    "weight-400-digits": ("    weight: 3\n", f"    weight: {HUGE}\n", "criteria[0].weight"),
    "weight-overflowing": ("    weight: 3\n", "    weight: 1.0e+308\n", "criteria[0].weight"),
    "horizon-overflowing": (
        "roi_horizon_years: 3",
        "roi_horizon_years: 1.0e+308",
        "aggregation.roi_horizon_years",
    ),
}


def bad_rubric(folder: Path, name: str) -> tuple[Path, int, str]:
    """A copy of the built-in rubric with one bad value: (file, its line, the field)."""
    old, new, field = BAD_RUBRIC_VALUES[name]
    assert old in RUBRIC_TEXT, old
    start = RUBRIC_TEXT.index(old)
    path = folder / f"{name}.yaml"
    path.write_text(RUBRIC_TEXT.replace(old, new, 1), encoding="utf-8")
    return path, RUBRIC_TEXT.count("\n", 0, start) + 1, field


def proposals_folder(base: Path) -> Path:
    folder = base / "proposals"
    folder.mkdir(exist_ok=True)
    for name, text in {"full": FULL_YAML, "pilot": PILOT_YAML, "minimal": MINIMAL_YAML}.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", sorted(BAD_RUBRIC_VALUES))
@pytest.mark.parametrize("command", ["score", "export"])
def test_a_rubric_value_that_would_crash_scoring_is_refused_where_it_is(
    tmp_path: Path, name: str, command: str
) -> None:
    folder = proposals_folder(tmp_path)
    rubric, line, field = bad_rubric(tmp_path, name)
    code, out, err = run_cli(command, str(folder), "--rubric", str(rubric))
    assert code == 2 and out == "" and "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[0] == "sweetspot: the rubric is invalid:"
    assert lines[1].startswith(f"{rubric}:{line}:") and field in lines[1], lines[1]


def test_compare_refuses_a_bad_rubric_side_with_exit_2(tmp_path: Path) -> None:
    folder = proposals_folder(tmp_path)
    rubric, line, _ = bad_rubric(tmp_path, "equals-list")
    code, out, err = run_cli(
        "compare", str(REPO / "scoring" / "data" / "rubric.yaml"), str(rubric), str(folder)
    )
    assert code == 2 and out == "" and f"{rubric}:{line}:" in err


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", ["symlink", "fifo", "dev-zero", "alias-bomb", "too-large"])
def test_a_rubric_file_is_read_only_if_it_is_a_safe_regular_file(tmp_path: Path, kind: str) -> None:
    folder = proposals_folder(tmp_path)
    rubric = tmp_path / "rubric.yaml"
    expected = {
        "symlink": "the rubric file is a symlink",
        "fifo": "not a regular file",
        "dev-zero": "the rubric file is a symlink",
        "alias-bomb": "aliases (*a)",
        "too-large": "a rubric file may have at most 1.0 MiB",
    }[kind]
    if kind == "symlink":
        outside = tmp_path / "outside.yaml"
        outside.write_text(RUBRIC_TEXT, encoding="utf-8")
        rubric.symlink_to(outside)
    elif kind == "fifo":
        os.mkfifo(rubric)
    elif kind == "dev-zero":
        rubric.symlink_to("/dev/zero")
    elif kind == "alias-bomb":
        rubric.write_text(alias_bomb() + RUBRIC_TEXT, encoding="utf-8")
    else:
        rubric.write_text(RUBRIC_TEXT + "#" * (1024 * 1024) + "\n", encoding="utf-8")
    code, out, err, seconds = run_sweetspot(
        "score", str(folder), "--rubric", str(rubric), cwd=tmp_path
    )
    assert seconds < PROMPT and code == 2 and out == "" and "Traceback" not in err
    assert err.startswith("sweetspot: the rubric is invalid:\n") and expected in err, err
    assert "lol" not in err


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=6,
)
_LEAVES = st.fixed_dictionaries(
    {"field": st.sampled_from(["stage", "data.sample_size", "tags", "value"])},
    optional={
        "equals": _VALUES,
        "in": st.lists(_VALUES, max_size=3),
        "not_in": st.lists(_VALUES, max_size=3),
        "below": st.integers() | st.floats(allow_nan=False),
        "at_least": st.integers() | st.floats(allow_nan=False),
        "answered": st.booleans(),
    },
)


@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@pytest.mark.slow
@given(leaf=_LEAVES)
def test_any_flag_condition_either_is_refused_or_scores(leaf: dict[str, object]) -> None:
    """Whatever a custom rubric's rule compares with: refused with a located problem, or
    scored without an error."""
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        folder = proposals_folder(base)
        rubric = base / "rubric.yaml"
        marker = "{fact: distinct_people, equals: 1}"
        text = RUBRIC_TEXT.replace(marker, json.dumps(leaf), 1)
        rubric.write_text(text, encoding="utf-8")
        line = text[: text.index(json.dumps(leaf))].count("\n") + 1  # where the rule now is
        code, _, err = run_cli("score", str(folder), "--rubric", str(rubric), "--format", "json")
        assert code in (0, 2) and "Traceback" not in err
        if code == 2:
            assert f"{rubric}:{line}:" in err, err


def test_the_intake_page_reads_an_invalid_files_source_block_safely(tmp_path: Path) -> None:
    """The intake page names the inventory row an invalid imported file came from, reading
    its `source` block: an alias bomb there used to flood the build."""
    folder = hostile_folder(tmp_path, "alias-bomb")
    code, _, err, seconds = run_sweetspot(
        "render", "--out", "site", "--proposals", "proposals", cwd=folder.parent
    )
    assert seconds < PROMPT and "Traceback" not in err
    assert code == 1, err  # the bomb is an invalid proposal; its page is still written
    pages = [p.read_text(encoding="utf-8") for p in (folder.parent / "site").rglob("*.md")]
    assert pages and not any("lol" in page for page in pages)


def test_diff_reads_only_the_start_of_a_huge_proposal_on_either_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A pull request can commit a proposal of any size; diff must call it too large without
    # holding it in memory, in the commit and in the working tree alike.
    import subprocess

    from scoring.cli import diff as diff_module

    root = tmp_path / "repo"
    folder = root / "content" / "proposals"
    folder.mkdir(parents=True)

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "t@example.test")
    git("config", "user.name", "t")
    huge = b"title: " + b"x" * (8 * 1024 * 1024) + b"\n"
    (folder / "huge.yaml").write_bytes(huge)
    git("add", ".")
    git("commit", "-q", "-m", "huge")
    (folder / "huge.yaml").write_bytes(huge + b"summary: more\n")
    at_ref = diff_module.files_at_ref("HEAD", "content/proposals", root)
    in_tree = diff_module.files_in_tree("content/proposals", root)
    cap = gitrevisions.READ_CAP  # the 256 KiB cap + 1 byte, shared with the history
    assert len(at_ref["content/proposals/huge.yaml"]) == cap
    assert len(in_tree["content/proposals/huge.yaml"]) == cap
    monkeypatch.chdir(root)
    code = main(["diff", "HEAD", "--path", "content/proposals"])
    err = capsys.readouterr().err
    assert code in (0, 1) and "Traceback" not in err


def test_the_builtin_rubric_is_named_without_the_machines_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The scoring-method page prints the rubric's name: from any working folder, the
    # built-in one is named as the package names it, never by an absolute path.
    from scoring.rubric import load_rubric

    monkeypatch.chdir(tmp_path)
    assert load_rubric().source == "scoring/data/rubric.yaml"


def test_score_by_unit_keeps_an_invalid_file_of_that_unit(tmp_path: Path) -> None:
    """An invalid file's `org` comes with the loaded file, so `--org` still lists its
    problems (and the file is read once, by the loader)."""
    folder = tmp_path / "proposals"
    folder.mkdir()
    bad = MINIMAL_YAML.replace("stage:", "org: [Field Service, Depots]\nstage:", 1)
    bad = bad.replace("title:", "title: x\nnot_a_field: 1\nold_title:", 1)
    (folder / "depot-parts.yaml").write_text(bad, encoding="utf-8")
    (folder / "elsewhere.yaml").write_text(
        MINIMAL_YAML.replace("stage:", "org: [Finance]\nstage:", 1), encoding="utf-8"
    )
    code, out, err, _ = run_sweetspot("score", "proposals", "--org", "Field Service", cwd=tmp_path)
    assert code == 1, err
    assert "depot-parts.yaml" in err and "not_a_field" in err
    assert "elsewhere" not in out
