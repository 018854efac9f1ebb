"""Validation of proposal files: every trap in tests/corpus/bad is reported at its exact place.

Each file in ``tests/corpus/bad`` holds one trap (``multi-error.yaml`` holds several). The table
``EXPECTED`` says, for every file, the complete list of problems: line, column, field, the key part
of the message and the problem code. The same expectations are checked through the Python API and
through the CLI in its three output formats. Files whose bytes are awkward to commit (byte-order
marks, invalid UTF-8, an oversized file) are written at test time by ``GENERATED``.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from scoring.cli.main import main
from scoring.proposals.loading import load_one, load_proposals
from scoring.proposals.proposal import InvalidFile, Proposal
from scoring.proposals.schema import proposal_schema
from scoring.rubric import Rubric, default_rubric_path, load_rubric
from scoring.sources.validation import checker_for
from scoring.sources.yamlsource import MAX_BYTES, load_file, load_text

CORPUS = Path(__file__).parent / "corpus"
BAD = CORPUS / "bad"
GOOD = CORPUS / "good"
SCHEMA_SOURCE = Path(__file__).parents[1] / "scoring" / "data" / "proposal.schema.yaml"

HEAD = (
    "title: Forecast weekly pick volume\n"
    "summary: Planners guess staffing from last year's numbers; a forecast would cut overtime.\n"
    "team: Logistics\n"
    "stage: proposed\n"
)

# Files written at test time, next to a copy of the committed corpus.
GENERATED: dict[str, bytes] = {
    "bom-utf8.yaml": b"\xef\xbb\xbf" + HEAD.encode(),
    "bom-utf16.yaml": HEAD.encode("utf-16"),  # Python writes a BOM first
    "invalid-utf8.yaml": HEAD.encode() + b"owner: Dana \xff\n",
    "oversized.yaml": HEAD.encode() + (b"# padding" + b"." * 90 + b"\n") * 3000,
}

# (line, column, field, key part of the message, code); line 0 means the file as a whole.
Expected = tuple[int, int, str, str, str]
YAML11 = "is a YAML 1.1 boolean"
EXPECTED: dict[str, list[Expected]] = {
    "enum-typo-stage.yaml": [(4, 8, "stage", "did you mean 'pilot'?", "enum")],
    "unknown-key-typo.yaml": [
        (
            5,
            1,
            "ownr",
            "unknown field 'ownr' in the top level; did you mean 'owner'?",
            "unknown-key",
        ),
    ],
    "nested-unknown-key.yaml": [
        (
            6,
            3,
            "problem.decison",
            "unknown field 'decison' in problem; did you mean 'decision'?",
            "unknown-key",
        ),
    ],
    "duplicate-key.yaml": [
        (5, 1, "team", "duplicate key 'team' (first set on line 3)", "duplicate-key"),
    ],
    "yaml11-no.yaml": [(5, 8, "owner", f"'no' {YAML11}", "yaml11-boolean")],
    "yaml11-on.yaml": [(5, 10, "sponsor", f"'on' {YAML11}", "yaml11-boolean")],
    "version-number.yaml": [
        (8, 14, "data.sources[0].notes", "1.10 is read as 1.1 (float)", "yaml-type"),
    ],
    "octal-number.yaml": [
        (
            6,
            16,
            "delivery.integration",
            "'0755' is read by YAML 1.1 as an octal number",
            "yaml11-number",
        ),
    ],
    "sexagesimal.yaml": [
        (
            6,
            19,
            "problem.decision_owner",
            "'1:30' is read by YAML 1.1 as a base-60 number",
            "yaml11-number",
        ),
    ],
    "anchor-alias.yaml": [
        (5, 8, "owner", "anchors (&lead) are not allowed", "anchor"),
        (6, 10, "sponsor", "aliases (*lead) are not allowed", "alias"),
    ],
    "empty.yaml": [(0, 0, "", "the file is empty", "empty")],
    "comment-only.yaml": [(0, 0, "", "the file is empty", "empty")],
    "list-root.yaml": [(1, 1, "", "the top level is a list", "not-mapping")],
    "scalar-root.yaml": [(1, 1, "", "the top level is a single value", "not-mapping")],
    "two-documents.yaml": [(5, 1, "", "several YAML documents", "multiple-documents")],
    "tab-indent.yaml": [(6, 1, "", "a tab is used for indentation", "tab")],
    "Bad_Name.yaml": [
        (0, 0, "", "the file name 'Bad_Name' is not a valid proposal id", "bad-id"),
    ],
    "missing-required.yaml": [
        (1, 1, "", "missing required field 'stage' in the proposal", "required"),
        (1, 1, "", "missing required field 'summary' in the proposal", "required"),
    ],
    "wrong-types.yaml": [
        (5, 7, "tags", "should be a list", "type"),
        (7, 17, "value.annual_value", "'lots' should be a number", "type"),
        (9, 13, "delivery.uses_llm", "'maybe' should be true or false", "type"),
    ],
    "empty-value.yaml": [(5, 7, "owner", "is empty; give text or remove the line", "empty-value")],
    "bad-url.yaml": [
        (7, 10, "links[0].url", "give a full http:// or https:// address", "pattern"),
    ],
    "bad-currency.yaml": [
        (
            6,
            13,
            "value.currency",
            "'euro' is not valid: use a three-letter ISO 4217 code",
            "pattern",
        ),
    ],
    "bad-tag.yaml": [
        (5, 8, "tags[0]", "'Forecasting' is not valid: use lowercase letters", "pattern"),
    ],
    "title-too-short.yaml": [
        (1, 8, "title", "is too short (2 characters; at least 3)", "minLength"),
    ],
    "level-out-of-range.yaml": [
        (6, 19, "evidence.decision_named", "5 is above the maximum of 4", "maximum"),
    ],
    "level-out-of-range-object.yaml": [
        (7, 12, "evidence.user_need.level", "-1 is below the minimum of 0", "minimum"),
    ],
    "risk-rating-out-of-range.yaml": [
        (8, 17, "risks.factors.harm_if_wrong.severity", "9 is above the maximum of 4", "maximum"),
    ],
    "unknown-risk-factor.yaml": [
        (7, 5, "risks.factors.harm_if_wrog", "did you mean 'harm_if_wrong'?", "unknown-key"),
    ],
    "unknown-criterion.yaml": [
        (6, 3, "evidence.decison_named", "did you mean 'decision_named'?", "unknown-key"),
    ],
    "unknown-checklist.yaml": [
        (
            6,
            3,
            "checklists.dta",
            "unknown field 'dta' in checklists; did you mean 'data'?",
            "unknown-key",
        ),
    ],
    "unknown-checklist-item.yaml": [
        (7, 5, "checklists.data.golden_sett", "did you mean 'golden_set'?", "unknown-key"),
    ],
    "bad-checklist-answer.yaml": [
        (
            7,
            17,
            "checklists.data.golden_set",
            "'mostly' is not one of 'yes', 'partial', 'no', 'unknown', 'n/a'",
            "enum",
        ),
    ],
    "explicit-tag.yaml": [
        (
            5,
            8,
            "owner",
            "explicit YAML tags (tag:yaml.org,2002:python/object/apply:os.system)",
            "tag",
        ),
    ],
    "not-finite.yaml": [
        (6, 17, "value.annual_value", "'.inf' is not a finite number", "not-finite")
    ],
    "syntax-error.yaml": [
        (2, 3, "", "YAML syntax error: mapping values are not allowed", "syntax")
    ],
    "multi-error.yaml": [
        (4, 8, "stage", "did you mean 'pilot'?", "enum"),
        (5, 1, "ownr", "did you mean 'owner'?", "unknown-key"),
        (6, 10, "sponsor", f"'off' {YAML11}", "yaml11-boolean"),
        (8, 13, "value.currency", "'eur' is not valid", "pattern"),
        (9, 1, "team", "duplicate key 'team' (first set on line 3)", "duplicate-key"),
        (11, 19, "evidence.decision_named", "7 is above the maximum of 4", "maximum"),
    ],
    # Written at test time.
    "bom-utf8.yaml": [(1, 1, "", "byte-order mark", "bom")],
    "bom-utf16.yaml": [(1, 1, "", "byte-order mark", "bom")],
    "invalid-utf8.yaml": [(5, 13, "", "byte 0xff is not valid UTF-8", "encoding")],
    "oversized.yaml": [(0, 0, "", "the limit is 256 KiB", "too-large")],
}
BAD_NAMES = sorted(EXPECTED)
GOOD_NAMES = sorted(p.name for p in GOOD.glob("*.yaml"))


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric()


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the committed bad corpus plus the generated files."""
    folder = tmp_path_factory.mktemp("corpus") / "bad"
    shutil.copytree(BAD, folder)
    for name, content in GENERATED.items():
        (folder / name).write_bytes(content)
    return folder


@pytest.fixture
def in_bad_dir(bad_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(bad_dir)
    return bad_dir


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- the corpus itself -------------------------------------------------------------------


def test_every_corpus_file_has_expectations(bad_dir: Path) -> None:
    on_disk = {p.name for p in bad_dir.iterdir()}
    assert on_disk == set(EXPECTED)
    assert len(GOOD_NAMES) >= 2


def test_generated_files_are_what_they_claim() -> None:
    assert len(GENERATED["oversized.yaml"]) > MAX_BYTES
    assert GENERATED["bom-utf16.yaml"][:2] in (b"\xff\xfe", b"\xfe\xff")


# --- Python API --------------------------------------------------------------------------


def check_problems(problems: Any, expected: list[Expected], name: str) -> None:
    got = [(p.line, p.column, p.field, p.message, p.code) for p in problems]
    assert len(got) == len(expected), f"{name}: {got}"
    for (line, column, field, message, code), (e_line, e_col, e_field, fragment, e_code) in zip(
        got, expected, strict=True
    ):
        assert (line, column, field, code) == (e_line, e_col, e_field, e_code), f"{name}: {got}"
        assert fragment in message, f"{name}: {message!r} lacks {fragment!r}"


@pytest.mark.parametrize("name", BAD_NAMES)
def test_python_api_reports_exact_problems(name: str, bad_dir: Path, rubric: Rubric) -> None:
    result = load_one(bad_dir / name, rubric, display=name)
    assert isinstance(result, InvalidFile)
    assert result.file == name
    assert result.id == Path(name).stem
    assert all(p.file == name for p in result.problems)
    check_problems(result.problems, EXPECTED[name], name)


REFUSED = {
    "empty.yaml",
    "comment-only.yaml",
    "list-root.yaml",
    "scalar-root.yaml",
    "two-documents.yaml",
    "tab-indent.yaml",
    "syntax-error.yaml",
    "bom-utf16.yaml",
    "invalid-utf8.yaml",
    "oversized.yaml",
}


@pytest.mark.parametrize("name", BAD_NAMES)
def test_load_file_refuses_only_unreadable_files(name: str, bad_dir: Path) -> None:
    result = load_file(bad_dir / name, name)
    if name in REFUSED:
        assert result.document is None
        assert result.problems
    else:
        # Traps such as anchors or `no` still give a document, so schema errors are reported too.
        assert result.document is not None
        assert isinstance(result.document.data, dict)


def test_yaml11_values_are_read_as_text_or_flagged() -> None:
    text = "title: no\nnumber: 0755\ntime: 1:30\nversion: 1.10\nflag: true\nno: key\n"
    result = load_text(text, "x.yaml")
    assert result.document is not None
    data = result.document.data
    assert data["no"] == "key"  # keys stay as written
    assert data["flag"] is True
    assert data["version"] == 1.1
    assert result.document.plain_text[("version",)] == "1.10"
    assert {p.field for p in result.problems} == {"title", "number", "time"}


def test_positions_are_kept_for_values_and_keys() -> None:
    text = "title: x\nproblem:\n  decision: y\n  business_metric:\n    name: z\n"
    doc = load_text(text, "x.yaml").document
    assert doc is not None
    value = doc.position(("problem", "business_metric", "name"))
    assert (value.line, value.column) == (5, 11)
    # An unknown path falls back to its closest known parent.
    parent = doc.position(("problem", "business_metric", "missing"))
    assert (parent.line, parent.column) == (5, 5)
    key = doc.position(("problem", "decision"), key=True)
    assert (key.line, key.column) == (3, 3)


# --- CLI, per file and per format --------------------------------------------------------


def text_prefix(name: str, line: int, column: int, field: str) -> str:
    where = f"{name}:{line}:{column}: " if line else f"{name}: "
    return where + (f"{field}: " if field else "")


def github_prefix(name: str, line: int, column: int, field: str) -> str:
    parts = f"::error file={name}" + (f",line={line},col={column}" if line else "")
    title = ",title=Sweetspot" + (f"%3A {field}" if field else "")
    return parts + title + "::" + (f"{field}: " if field else "")


@pytest.mark.parametrize("name", BAD_NAMES)
def test_cli_text(name: str, in_bad_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", name)
    assert code == 1, err
    # Syntax errors are followed by the offending line and a caret, indented with "    | ".
    lines = [line for line in out.splitlines() if not line.startswith("    | ")]
    expected = EXPECTED[name]
    assert lines[-1] == (
        f"1 proposal file checked: 0 valid, 1 invalid, "
        f"{len(expected)} problem{'' if len(expected) == 1 else 's'}"
    )
    assert len(lines) == len(expected) + 1
    for (line, column, field, fragment, _code), printed in zip(expected, lines, strict=False):
        prefix = text_prefix(name, line, column, field)
        assert printed.startswith(prefix), (printed, prefix)
        assert fragment in printed[len(prefix) :]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_cli_github(name: str, in_bad_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", "--format", "github", name)
    assert code == 1
    lines = out.splitlines()
    expected = EXPECTED[name]
    assert len(lines) == len(expected)
    for (line, column, field, fragment, _code), printed in zip(expected, lines, strict=True):
        prefix = github_prefix(name, line, column, field)
        assert printed.startswith(prefix), (printed, prefix)
        assert fragment in printed[len(prefix) :]
        assert "\n" not in printed and "\r" not in printed
    assert "1 invalid" in err  # the summary goes to stderr so the log stays annotation-only


@pytest.mark.parametrize("name", BAD_NAMES)
def test_cli_json(name: str, in_bad_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "validate", "--format", "json", name)
    assert code == 1
    payload = json.loads(out)
    assert payload["checked"] == 1
    assert payload["valid"] == []
    assert payload["invalid"] == [name]
    problems = payload["problems"]
    expected = EXPECTED[name]
    assert len(problems) == len(expected)
    for problem, (line, column, field, fragment, code_) in zip(problems, expected, strict=True):
        assert problem["file"] == name
        assert (problem["line"], problem["column"], problem["field"], problem["code"]) == (
            line,
            column,
            field,
            code_,
        )
        assert fragment in problem["message"]
        assert problem["severity"] == "error"


def test_multi_error_file_reports_every_problem(bad_dir: Path, rubric: Rubric) -> None:
    result = load_one(bad_dir / "multi-error.yaml", rubric, display="multi-error.yaml")
    assert isinstance(result, InvalidFile)
    assert {p.code for p in result.problems} == {
        "enum",
        "unknown-key",
        "yaml11-boolean",
        "pattern",
        "duplicate-key",
        "maximum",
    }
    assert [p.line for p in result.problems] == [4, 5, 6, 8, 9, 11]


def test_wrong_types_reports_all_three(bad_dir: Path, rubric: Rubric) -> None:
    result = load_one(bad_dir / "wrong-types.yaml", rubric)
    assert isinstance(result, InvalidFile)
    assert [p.field for p in result.problems] == ["tags", "value.annual_value", "delivery.uses_llm"]


# --- good files and mixed folders ----------------------------------------------------------


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_good_files_are_valid(name: str, rubric: Rubric) -> None:
    result = load_one(GOOD / name, rubric, display=name)
    assert isinstance(result, Proposal), getattr(result, "problems", None)
    assert result.id == Path(name).stem


def test_hostile_strings_are_kept_verbatim(rubric: Rubric) -> None:
    result = load_one(GOOD / "hostile-strings.yaml", rubric)
    assert isinstance(result, Proposal)
    assert result.title.startswith("<script>alert('x')</script>")
    assert result.sponsor == "yes"
    assert result.get("problem.decision") == "no"
    assert result.get("problem.decision_owner") == "1:30"
    assert result.get("problem.user_need") == "0755"
    assert result.get("problem.non_ml_alternative") == "1.10"
    assert result.get("problem.stakeholders") == "~"
    assert "::error file=x::boom" in result.summary


def test_cli_good_folder_exits_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(CORPUS)
    code, out, _err = run(capsys, "validate", "good")
    assert code == 0
    assert out.strip() == (
        f"{len(GOOD_NAMES)} proposal files checked: {len(GOOD_NAMES)} valid, 0 invalid, 0 problems"
    )
    code, out, _err = run(capsys, "validate", "good", "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "checked": len(GOOD_NAMES),
        "valid": [f"good/{n}" for n in GOOD_NAMES],
        "invalid": [],
        "problems": [],
        "hints": [],
    }
    code, out, _err = run(capsys, "validate", "good", "--format", "github")
    assert code == 0
    assert out == ""


@pytest.fixture
def mixed_dir(bad_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "proposals"
    shutil.copytree(bad_dir, folder)
    for name in GOOD_NAMES:
        shutil.copy(GOOD / name, folder / name)
    (folder / "README.md").write_text("not a proposal\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return folder


def test_valid_files_next_to_bad_ones_are_still_listed(
    mixed_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(capsys, "validate", "proposals", "--format", "json")
    assert code == 1
    payload = json.loads(out)
    assert payload["checked"] == len(BAD_NAMES) + len(GOOD_NAMES)
    assert payload["valid"] == [f"proposals/{n}" for n in GOOD_NAMES]
    assert payload["invalid"] == sorted(f"proposals/{n}" for n in BAD_NAMES)
    assert len(payload["problems"]) == sum(len(v) for v in EXPECTED.values())
    # Every bad file is named in the problems: none is silently dropped.
    assert {p["file"] for p in payload["problems"]} == set(payload["invalid"])


def test_load_proposals_keeps_going_after_bad_files(mixed_dir: Path, rubric: Rubric) -> None:
    intake = load_proposals([mixed_dir], rubric)
    assert sorted(p.id for p in intake.proposals) == sorted(Path(n).stem for n in GOOD_NAMES)
    assert len(intake.invalid) == len(BAD_NAMES)
    assert len(intake.problems) == sum(len(v) for v in EXPECTED.values())


def test_text_output_lists_every_problem_in_a_folder(
    mixed_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(capsys, "validate", "proposals")
    assert code == 1
    total = sum(len(v) for v in EXPECTED.values())
    lines = [line for line in out.splitlines() if not line.startswith("    | ")]
    assert len(lines) == total + 1
    assert lines[-1] == (
        f"{len(BAD_NAMES) + len(GOOD_NAMES)} proposal files checked: "
        f"{len(GOOD_NAMES)} valid, {len(BAD_NAMES)} invalid, {total} problems"
    )


# --- exit codes ----------------------------------------------------------------------------


def test_exit_2_for_a_missing_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(GOOD / "minimal-idea.yaml", tmp_path / "minimal-idea.yaml")
    code, out, err = run(capsys, "validate", "minimal-idea.yaml", "no-such-folder")
    assert code == 2
    assert out == ""
    assert "no such file or folder: no-such-folder" in err


def test_exit_2_when_the_default_folder_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _out, err = run(capsys, "validate")
    assert code == 2
    assert "content/proposals" in err


def test_exit_2_for_a_missing_rubric(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "validate", str(GOOD), "--rubric", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert out == ""
    assert "rubric file not found" in err


@pytest.mark.parametrize("argv", [["validate", "--format", "xml"], ["frobnicate"]])
def test_exit_2_for_bad_arguments(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, *argv)
    assert code == 2
    assert "usage:" in err


def test_exit_0_and_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "validate", str(GOOD / "minimal-idea.yaml"))[0] == 0
    assert run(capsys, "validate", str(BAD / "enum-typo-stage.yaml"))[0] == 1
    assert run(capsys, "validate", str(GOOD), str(BAD / "enum-typo-stage.yaml"))[0] == 1


def test_empty_folder_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "validate", str(tmp_path))
    assert code == 0
    assert "0 proposal files checked" in out


def test_explicitly_named_file_with_another_suffix_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text(HEAD, encoding="utf-8")
    code, out, _err = run(capsys, "validate", "notes.txt")
    assert code == 1
    assert "notes.txt: proposal files must end in .yaml or .yml" in out


# --- id clashes ------------------------------------------------------------------------------


def test_yaml_and_yml_with_the_same_stem_clash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.yaml").write_text(HEAD, encoding="utf-8")
    (tmp_path / "p" / "a.yml").write_text(HEAD, encoding="utf-8")
    (tmp_path / "p" / "b.yaml").write_text(HEAD, encoding="utf-8")
    code, out, _err = run(capsys, "validate", "p", "--format", "json")
    assert code == 1
    payload = json.loads(out)
    assert payload["valid"] == ["p/b.yaml"]
    assert payload["invalid"] == ["p/a.yaml", "p/a.yml"]
    messages = {(p["file"], p["code"], p["line"], p["message"]) for p in payload["problems"]}
    assert messages == {
        ("p/a.yaml", "duplicate-id", 0, "the id 'a' is also used by p/a.yml; ids must be unique"),
        ("p/a.yml", "duplicate-id", 0, "the id 'a' is also used by p/a.yaml; ids must be unique"),
    }


def test_same_stem_in_two_folders_clashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "churn.yaml").write_text(HEAD, encoding="utf-8")
    code, out, _err = run(capsys, "validate", "one", "two")
    assert code == 1
    assert "one/churn.yaml: the id 'churn' is also used by two/churn.yaml" in out
    assert "two/churn.yaml: the id 'churn' is also used by one/churn.yaml" in out


def test_clash_keeps_the_files_own_problems(tmp_path: Path, rubric: Rubric) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "one" / "x.yaml").write_text(HEAD, encoding="utf-8")
    (tmp_path / "two" / "x.yaml").write_text(HEAD.replace("proposed", "pilott"), encoding="utf-8")
    intake = load_proposals([tmp_path], rubric)
    assert intake.proposals == []
    codes = {bad.file.split("/")[-2]: [p.code for p in bad.problems] for bad in intake.invalid}
    assert codes == {"one": ["duplicate-id"], "two": ["duplicate-id", "enum"]}


def test_same_file_named_twice_the_same_way_is_checked_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.yaml").write_text(HEAD, encoding="utf-8")
    code, out, _err = run(capsys, "validate", "p", "p/a.yaml", "p/a.yaml")
    assert code == 0
    assert "1 proposal file checked: 1 valid" in out


def test_same_file_named_by_relative_and_absolute_path_is_not_a_clash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text(HEAD, encoding="utf-8")
    code, out, _err = run(capsys, "validate", "a.yaml", str(tmp_path / "a.yaml"))
    assert "also used by" not in out
    assert code == 0


# --- `sweetspot schema` ------------------------------------------------------------------------


def property_gaps(node: Any, path: str = "") -> Iterator[str]:
    """Every property, at any depth, that lacks a description or examples."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name, sub in properties.items():
                for needed in ("description", "examples"):
                    if not isinstance(sub, dict) or needed not in sub:
                        yield f"{path}.{name}: no {needed}"
        for key, value in node.items():
            yield from property_gaps(value, f"{path}/{key}" if key != "properties" else path)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from property_gaps(value, f"{path}[{index}]")


def count_properties(node: Any) -> int:
    if isinstance(node, dict):
        own = len(node["properties"]) if isinstance(node.get("properties"), dict) else 0
        return own + sum(count_properties(v) for v in node.values())
    if isinstance(node, list):
        return sum(count_properties(v) for v in node)
    return 0


@pytest.fixture(scope="module")
def printed_schema() -> dict[str, Any]:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["schema"]) == 0
    schema: dict[str, Any] = json.loads(buffer.getvalue())
    return schema


def test_schema_is_valid_draft_2020_12(printed_schema: dict[str, Any], rubric: Rubric) -> None:
    Draft202012Validator.check_schema(printed_schema)
    assert printed_schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    props = printed_schema["properties"]
    assert set(props["evidence"]["properties"]) == {
        c.id for c in rubric.criteria if c.kind == "evidence"
    }
    assert set(props["checklists"]["properties"]) == {c.id for c in rubric.checklists}
    assert count_properties(printed_schema) > 100


def test_schema_out_writes_the_same_json(
    tmp_path: Path, printed_schema: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "proposal.schema.json"
    code, out, _err = run(capsys, "schema", "--out", str(target))
    assert code == 0
    assert out == ""
    assert json.loads(target.read_text(encoding="utf-8")) == printed_schema


def test_schema_validates_the_good_corpus(printed_schema: dict[str, Any]) -> None:
    validator = Draft202012Validator(printed_schema)
    for name in GOOD_NAMES:
        data = yaml.safe_load((GOOD / name).read_text(encoding="utf-8"))
        assert list(validator.iter_errors(data)) == [], name


def test_hand_written_schema_describes_every_property() -> None:
    source = yaml.safe_load(SCHEMA_SOURCE.read_text(encoding="utf-8"))
    assert list(property_gaps(source)) == []


def test_printed_schema_describes_every_property(printed_schema: dict[str, Any]) -> None:
    assert list(property_gaps(printed_schema)) == []


# --- custom rubric files -----------------------------------------------------------------------


def write_rubric(folder: Path, name: str, edit: Callable[[str], str]) -> tuple[Path, str]:
    original = default_rubric_path().read_text(encoding="utf-8")
    changed = edit(original)
    assert changed != original
    path = folder / name
    path.write_text(changed, encoding="utf-8")
    return path, changed


def line_of(text: str, needle: str, nth: int = 1) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if line == needle]
    return lines[nth - 1]


RUBRIC_CASES = {
    "heavy-weight": (
        lambda t: t.replace(
            "  - id: user_need\n    dimension: desirability\n    weight: 2\n",
            "  - id: user_need\n    dimension: desirability\n    weight: heavy\n",
        ),
        "    weight: heavy",
        1,
        13,
        "criteria[1].weight",
        "'heavy' should be a number",
    ),
    "duplicate-id": (
        lambda t: t.replace("  - id: user_need\n", "  - id: decision_named\n", 1),
        "  - id: decision_named",
        2,
        9,
        "criteria[1].id",
        "id 'decision_named' is used twice in criteria",
    ),
    "duplicate-key": (
        lambda t: t.replace(
            "name: Sweetspot default rubric\n", "name: Sweetspot default rubric\nname: Ours\n", 1
        ),
        "name: Ours",
        1,
        1,
        "name",
        "duplicate key 'name'",
    ),
    "unknown-checklist-ref": (
        lambda t: re.sub(r"(checklists: \[)(\w+)", r"\1no_such_list", t, count=1),
        None,
        0,
        0,
        "",
        "checklist 'no_such_list' does not exist",
    ),
}


@pytest.mark.parametrize("case", sorted(RUBRIC_CASES))
def test_invalid_custom_rubric_exits_2_with_file_and_line(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    edit, needle, nth, column, field, fragment = RUBRIC_CASES[case]
    monkeypatch.chdir(tmp_path)
    path, text = write_rubric(tmp_path, f"rubric-{case}.yaml", edit)
    code, out, err = run(capsys, "validate", str(GOOD), "--rubric", path.name)
    assert code == 2
    assert out == ""
    assert "the rubric is invalid" in err
    if needle is None:
        assert re.search(rf"rubric-{case}\.yaml:\d+:\d+: \S+: {re.escape(fragment)}", err), err
    else:
        line = line_of(text, needle, nth)
        assert f"rubric-{case}.yaml:{line}:{column}: {field}: {fragment}" in err, err


def test_custom_rubric_copy_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "rubric.yaml"
    shutil.copy(default_rubric_path(), path)
    code, _out, err = run(capsys, "validate", str(GOOD), "--rubric", str(path))
    assert code == 0, err


def test_custom_rubric_changes_the_known_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    path, _text = write_rubric(
        tmp_path,
        "renamed.yaml",
        lambda t: t.replace("      - id: golden_set\n", "      - id: frozen_test_set\n", 1),
    )
    shutil.copy(GOOD / "late-invoice-ranking.yaml", tmp_path / "late.yaml")
    code, out, _err = run(capsys, "validate", "late.yaml", "--rubric", path.name)
    assert code == 1
    assert "checklists.data.golden_set: unknown field 'golden_set'" in out


# --- engine bugs found while writing these tests (strict xfail: they pass once fixed) ----------


def test_oversized_message_states_a_size_above_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(HEAD.encode() + b"#" * (MAX_BYTES - len(HEAD)) + b"\n")
    [problem] = load_file(path).problems
    assert problem.code == "too-large"
    assert "is 256 KiB; the limit is 256 KiB" not in problem.message


@pytest.mark.parametrize("value", ["0x_", "9" * 5000], ids=["hex-underscore", "5000-digits"])
def test_unconvertible_number_is_located(value: str) -> None:
    result = load_text(HEAD + f"delivery:\n  integration: {value}\n", "x.yaml")
    assert result.problems
    assert all(p.line == 6 for p in result.problems), result.problems


def test_invalid_utf8_column_counts_characters(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes("owner: Siobhán ".encode() + b"\xff\n")
    [problem] = load_file(path).problems
    assert (problem.line, problem.column) == (1, len("owner: Siobhán ") + 1)


def test_tab_inside_block_scalar_content_is_text() -> None:
    text = HEAD.replace(
        "summary: Planners",
        "problem:\n  decision: |\n    col1\tcol2\n"
        "    \tindented with a tab after the spaces\nsummary: Planners",
    )
    assert yaml.safe_load(text)["problem"]["decision"].startswith("col1")
    result = load_text(text, "x.yaml")
    assert result.problems == []


def test_unclosed_quote_points_at_the_opening_quote() -> None:
    result = load_text('title: "unclosed\nteam: Logistics\nstage: idea\n', "x.yaml")
    [problem] = result.problems
    assert problem.line == 1 or "line 1" in problem.message, problem


def test_uppercase_suffix_in_a_folder_is_not_silently_dropped(
    tmp_path: Path, rubric: Rubric
) -> None:
    (tmp_path / "Churn.YAML").write_text(HEAD, encoding="utf-8")
    intake = load_proposals([tmp_path], rubric)
    assert len(intake.proposals) + len(intake.invalid) == 1


def test_schema_is_built_once_per_load_not_once_per_file(
    tmp_path: Path, rubric: Rubric, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scoring.proposals.loading as proposals_module

    for index in range(20):
        (tmp_path / f"p-{index}.yaml").write_text(HEAD, encoding="utf-8")
    calls: list[int] = []
    real = proposals_module.proposal_schema

    def counting(rubric_: Rubric) -> dict[str, Any]:
        calls.append(1)
        return real(rubric_)

    monkeypatch.setattr(proposals_module, "proposal_schema", counting)
    intake = load_proposals([tmp_path], rubric)
    assert len(intake.proposals) == 20
    assert len(calls) <= 1


# --- the fast validator must agree with jsonschema --------------------------------------------


@functools.lru_cache(maxsize=1)
def _corpus_documents() -> list[Any]:
    docs = []
    for path in sorted(CORPUS.rglob("*.yaml")) + sorted(
        (Path(__file__).parent.parent / "content" / "proposals").glob("*.yaml")
    ):
        document = load_file(path).document
        if document is not None:
            docs.append(document.data)
    return docs


def test_fast_validator_agrees_with_jsonschema_on_the_corpus(rubric: Rubric) -> None:
    checker = checker_for(proposal_schema(rubric))
    assert checker.fast is not None
    docs = _corpus_documents()
    assert len(docs) > 30
    for data in docs:
        assert checker.is_valid(data) == checker.validator.is_valid(data), data


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.floats(-5, 5),
    st.text(max_size=8),
    st.sampled_from(["yes", "no", "n/a", "pilot", "EUR"]),
)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_fast_validator_agrees_with_jsonschema_on_mutations(rubric: Rubric, data: Any) -> None:
    """Replace one value anywhere in a real proposal with a random one: both validators must
    reach the same verdict, or the fast path could hide an error."""
    checker = checker_for(proposal_schema(rubric))
    docs = _corpus_documents()
    doc = copy.deepcopy(data.draw(st.sampled_from(docs)))
    node = doc
    while isinstance(node, (dict, list)) and node:
        keys = list(node.keys()) if isinstance(node, dict) else list(range(len(node)))
        key = data.draw(st.sampled_from(keys))
        if data.draw(st.booleans()) or not isinstance(node[key], (dict, list)):
            node[key] = data.draw(_SCALARS)
            break
        node = node[key]
    assert checker.is_valid(doc) == checker.validator.is_valid(doc)


def test_fast_validator_handles_const_and_fields_named_const() -> None:
    """fastjsonschema gets `const` as a one-item enum; a field that is merely *named* const
    (a rubric may define one) keeps its name."""
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "schema_version": {"const": 1},
            "const": {"type": "string", "enum": ["yes", "no"], "examples": [{"const": 1}]},
        },
    }
    checker = checker_for(schema)
    fast = checker.fast
    assert fast is not None, "the schema did not compile for the fast validator"

    def fast_verdict(data: Any) -> bool:
        try:
            fast(data)
        except Exception:
            return False
        return True

    cases = [
        {"schema_version": 1, "const": "yes"},
        {"schema_version": 2},
        {"const": "maybe"},
        {"enum": "yes"},
        {},
    ]
    for case in cases:
        assert fast_verdict(case) == checker.validator.is_valid(case), case


def test_editor_schema_copy_is_up_to_date(printed_schema: dict[str, Any]) -> None:
    """Sample proposals point editors at content/proposals/proposal.schema.json; it must be
    what `sweetspot schema` prints (regenerate with `sweetspot schema --out ...`)."""
    copy_path = Path(__file__).parent.parent / "content" / "proposals" / "proposal.schema.json"
    assert json.loads(copy_path.read_text(encoding="utf-8")) == printed_schema


def test_every_sample_proposal_declares_the_schema_for_editors() -> None:
    folder = Path(__file__).parent.parent / "content" / "proposals"
    for path in sorted(folder.glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=proposal.schema.json", path.name
