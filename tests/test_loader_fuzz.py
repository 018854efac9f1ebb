"""Property tests: no input, however broken, makes the loader, load_one or the CLI raise.

Three kinds of input: arbitrary text, arbitrary bytes written to a file, and well-formed YAML
dumped by ``yaml.safe_dump`` from random nested data (which must load back unchanged).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.cli.main import main
from scoring.proposals.loading import load_one
from scoring.proposals.proposal import InvalidFile, Proposal
from scoring.rubric import Rubric, load_rubric
from scoring.sources.yamlsource import LoadResult, load_file, load_text

pytestmark = pytest.mark.slow  # hypothesis fuzzing, a few seconds a test

# The line breaks PyYAML counts (YAML 1.1 also breaks lines at NEL, LS and PS).
YAML_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Fragments that steer random text towards the loader's traps.
YAML_BITS = [
    "title: ",
    "stage: pilot\n",
    "\n",
    "  ",
    "\t",
    "- ",
    ": ",
    "---\n",
    "...\n",
    "&a ",
    "*a",
    "!!str ",
    "!!python/object:os.system ",
    "? ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "'",
    '"',
    "#",
    "|\n",
    ">-\n",
    "no",
    "yes",
    "on",
    "0755",
    "1:30",
    "1.10",
    ".inf",
    ".nan",
    "0x_",
    "~",
    "null",
    "<<: ",
    "\ufeff",
    "\r\n",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n",
    "\\",
    "\x85",
    "\u2028",
]
yamlish_text = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(YAML_BITS), st.text(max_size=5)), max_size=40).map("".join),
)


def check_result(result: LoadResult) -> None:
    assert isinstance(result, LoadResult)
    for problem in result.problems:
        assert problem.line >= 0 and problem.column >= 0
        assert problem.message
        assert isinstance(problem.field, str)
    if result.document is None:
        assert result.problems, "a refused file must say why"
    else:
        assert isinstance(result.document.data, dict)


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric()


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@FUZZ
@given(text=yamlish_text)
def test_load_text_never_raises(text: str) -> None:
    check_result(load_text(text, "fuzz.yaml"))


@FUZZ
@given(
    raw=st.one_of(
        st.binary(max_size=2000), yamlish_text.map(lambda t: t.encode("utf-8", "surrogatepass"))
    )
)
def test_load_file_and_load_one_never_raise(raw: bytes, fuzz_dir: Path, rubric: Rubric) -> None:
    path = fuzz_dir / "fuzz-bytes.yaml"
    path.write_bytes(raw)
    check_result(load_file(path, "fuzz-bytes.yaml"))
    loaded = load_one(path, rubric, display="fuzz-bytes.yaml")
    assert isinstance(loaded, Proposal | InvalidFile)
    if isinstance(loaded, InvalidFile):
        assert loaded.problems
        assert all(p.line >= 0 and p.file == "fuzz-bytes.yaml" for p in loaded.problems)


@FUZZ
@given(
    raw=st.one_of(
        st.binary(max_size=500), yamlish_text.map(lambda t: t.encode("utf-8", "surrogatepass"))
    ),
    fmt=st.sampled_from(["text", "github", "json"]),
)
def test_cli_never_raises(raw: bytes, fmt: str, fuzz_dir: Path) -> None:
    path = fuzz_dir / "fuzz-cli.yaml"
    path.write_bytes(raw)
    code, out, err = run_cli("validate", str(path), "--format", fmt)
    assert code in (0, 1), err
    assert "Traceback" not in out + err
    if fmt == "json":
        payload = json.loads(out)
        assert payload["checked"] == 1
        assert len(payload["valid"]) + len(payload["invalid"]) == 1
        assert all(p["line"] >= 0 for p in payload["problems"])
    elif fmt == "github":
        # One annotation per line: messages with newlines must be escaped.
        assert all(line.startswith("::error ") for line in out.splitlines())


# --- structured YAML from random data --------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        [
            "no",
            "yes",
            "on",
            "off",
            "0755",
            "1:30",
            "1.10",
            "~",
            "null",
            "2024-01-01",
            "=",
            "<<",
            "true",
            "-",
            "?",
            "#x",
            "&a",
            "*a",
            "!x",
            "%",
            "@",
            "`",
        ]
    ),
)
keys = st.one_of(st.text(max_size=12), st.sampled_from(["no", "yes", "on", "1", "null", "<<"]))
nested = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=25,
)
documents = st.dictionaries(keys, nested, max_size=8)


def same(a: Any, b: Any) -> bool:
    """Equality that tells 1 from True and 1.0 from 1."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


@FUZZ
@given(data=documents, unicode=st.booleans(), flow=st.sampled_from([None, True, False]))
def test_safe_dump_round_trips(data: dict[str, Any], unicode: bool, flow: bool | None) -> None:
    text = yaml.safe_dump(data, allow_unicode=unicode, default_flow_style=flow, sort_keys=False)
    result = load_text(text, "dumped.yaml")
    check_result(result)
    if not data:
        # `{}` is a mapping with no fields: the loader accepts it; the schema rejects it later.
        assert result.document is not None and result.document.data == {}
        return
    assert result.problems == [], text
    assert result.document is not None
    # The loader builds data from parser events itself; it must agree with PyYAML's own
    # safe loader. (That is not always `data`: PyYAML writes some characters, such as U+0085
    # in a key with allow_unicode, in a form that reads back differently.)
    reference = yaml.safe_load(text)
    assert same(result.document.data, reference), text
    if not unicode:
        assert same(result.document.data, data), text
    # Every value the loader returns has a known position inside the text.
    lines = len(YAML_LINE_BREAK.split(text))
    for position in result.document.values.values():
        assert 1 <= position.line <= lines


@FUZZ
@given(data=nested)
def test_non_mapping_roots_are_refused(data: Any) -> None:
    text = yaml.safe_dump(data)
    result = load_text(text, "root.yaml")
    check_result(result)
    if not isinstance(data, dict):
        assert result.document is None
        assert {p.code for p in result.problems} <= {"empty", "not-mapping"}


@FUZZ
@given(data=documents)
def test_dumped_documents_through_load_one_and_cli(
    data: dict[str, Any], fuzz_dir: Path, rubric: Rubric
) -> None:
    path = fuzz_dir / "dumped.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    loaded = load_one(path, rubric, display="dumped.yaml")
    assert isinstance(loaded, Proposal | InvalidFile)
    code, out, _err = run_cli("validate", str(path), "--format", "json")
    assert code == (0 if isinstance(loaded, Proposal) else 1)
    assert len(json.loads(out)["problems"]) == len(getattr(loaded, "problems", ()))
