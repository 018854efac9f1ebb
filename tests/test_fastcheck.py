"""The fast yes/no validator: the slimmed schema it compiles must give jsonschema's verdicts."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from scoring.proposals.schema import proposal_schema
from scoring.rubric import load_rubric
from scoring.sources.fastcheck import fast_validator, slim_schema
from scoring.sources.yamlsource import load_file

ROOT = Path(__file__).parent.parent
SHARED = "x-sweetspot-shared"


def verdicts(schema: dict[str, Any]) -> tuple[Callable[[Any], bool], Callable[[Any], bool]]:
    fast = fast_validator(schema)
    assert fast is not None, "the schema did not compile for the fast validator"

    def fast_verdict(data: Any) -> bool:
        try:
            fast(data)
        except fastjsonschema.JsonSchemaValueException:
            return False
        return True

    return fast_verdict, Draft202012Validator(schema).is_valid


def assert_agree(schema: dict[str, Any], cases: list[Any]) -> None:
    fast, slow = verdicts(schema)
    for case in cases:
        assert fast(case) == slow(case), case


UNIFORM = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "answers": {
            "type": "object",
            "description": "every item takes the same answers",
            "additionalProperties": False,
            "properties": {
                name: {
                    "type": "string",
                    "enum": ["yes", "no", "unknown"],
                    "description": f"item {name}",
                }
                for name in ("a", "b", "c")
            },
        },
    },
}


def test_properties_that_share_one_schema_keep_their_meaning() -> None:
    slim = slim_schema(UNIFORM)
    answers = slim["properties"]["answers"]
    assert set(answers["properties"]) == {"a", "b", "c"}  # still listed one by one
    assert answers["additionalProperties"] is False
    assert_agree(
        UNIFORM,
        [
            {"answers": {"a": "yes", "c": "no"}},
            {"answers": {}},
            {},
            {"answers": {"a": "maybe"}},  # a wrong answer
            {"answers": {"d": "yes"}},  # a name not listed
            {"answers": {"a": 1}},
            {"answers": []},
            {"extra": 1},
        ],
    )


def test_names_and_literal_values_that_look_like_keywords_are_left_alone() -> None:
    """Fields called description or const are data, not annotations or keywords."""
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["description"],
        "properties": {
            "description": {"type": "string", "minLength": 2},
            "const": {"enum": ["x"], "examples": [{"const": 1}]},
            "version": {"const": 1, "description": "always 1"},
        },
    }
    slim = slim_schema(schema)
    assert set(slim["properties"]) == {"description", "const", "version"}
    assert slim["properties"]["version"] == {"enum": [1]}
    assert_agree(
        schema,
        [
            {"description": "ok"},
            {"description": "o"},
            {},
            {"description": 3},
            {"description": "ok", "const": "x"},
            {"description": "ok", "const": "y"},
            {"description": "ok", "version": 1},
            {"description": "ok", "version": 2},
        ],
    )


def test_repeated_subschemas_are_written_once() -> None:
    level = {"type": "integer", "minimum": 0, "maximum": 4, "description": "a level"}
    schema = {
        "type": "object",
        "properties": {
            "first": {"type": "object", "properties": {"x": dict(level), "y": {"type": "string"}}},
            "second": {"type": "object", "properties": {"x": dict(level), "z": {"type": "null"}}},
        },
    }
    slim = slim_schema(schema)
    assert list(slim[SHARED].values()) == [{"type": "integer", "minimum": 0, "maximum": 4}]
    ref = slim["properties"]["first"]["properties"]["x"]
    assert ref == slim["properties"]["second"]["properties"]["x"]
    assert ref["$ref"].startswith(f"#/{SHARED}/")
    assert_agree(
        schema,
        [
            {"first": {"x": 2}, "second": {"x": 4}},
            {"first": {"x": 5}},
            {"second": {"x": -1}},
            {"first": {"x": "2"}},
            {"first": {"y": 3}},
            {},
        ],
    )


def test_a_nested_id_turns_sharing_off() -> None:
    """A subschema with its own $id changes what references inside it resolve against."""
    part = {
        "$id": "https://example.test/part.json",
        "type": "object",
        "properties": {"n": {"type": "integer", "minimum": 0, "maximum": 9}},
    }
    schema = {"type": "object", "properties": {"a": part, "b": copy.deepcopy(part)}}
    assert SHARED not in slim_schema(schema)


def test_the_proposal_schema_compiles_to_much_less_code() -> None:
    """The point of slimming: less generated code to compile on every cold build."""
    schema = {
        **proposal_schema(load_rubric(None)),
        "$schema": "http://json-schema.org/draft-07/schema#",
    }
    # fastjsonschema cannot compile `const` without detailed exceptions: hide it.
    unslimmed = json.loads(json.dumps(schema).replace('"const":', '"x-const":'))
    before = len(fastjsonschema.compile_to_code(unslimmed, detailed_exceptions=False))
    after = len(fastjsonschema.compile_to_code(slim_schema(schema), detailed_exceptions=False))
    # Half the code when slimming came in; the sections added since (stakes, selection)
    # are mostly constraints, which slimming keeps, so a little over half today.
    assert after < before * 0.55, (before, after)


@functools.lru_cache(maxsize=1)
def _documents() -> list[Any]:
    paths = sorted((ROOT / "tests" / "corpus").rglob("*.yaml")) + sorted(
        (ROOT / "content" / "proposals").glob("*.yaml")
    )
    docs = [load_file(path).document for path in paths]
    return [doc.data for doc in docs if doc is not None]


@pytest.fixture(scope="module")
def proposal_verdicts() -> tuple[Callable[[Any], bool], Callable[[Any], bool]]:
    return verdicts(proposal_schema(load_rubric(None)))


_NAMES = st.sampled_from(
    [
        "golden_set",
        "user_need",
        "harm_if_wrong",
        "severity",
        "level",
        "note",
        "yes",
        "data",
        "x",
        "",
        "description",
    ]
)
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 6),
    st.text(max_size=6),
    st.sampled_from(["yes", "partial", "n/a"]),
    st.fixed_dictionaries({"level": st.integers(-1, 5)}),
    st.fixed_dictionaries({"severity": st.integers(0, 4), "likelihood": st.integers(0, 5)}),
)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_fast_and_full_validators_agree_when_fields_are_added_or_changed(
    proposal_verdicts: tuple[Callable[[Any], bool], Callable[[Any], bool]], data: Any
) -> None:
    """Add a field (known or unknown name) or change one, anywhere in a real proposal: the
    folded and shared schema must reach jsonschema's verdict on the original schema."""
    fast, slow = proposal_verdicts
    doc = copy.deepcopy(data.draw(st.sampled_from(_documents())))
    node = doc
    while True:
        children = [k for k, v in node.items() if isinstance(v, dict)]
        if not children or data.draw(st.booleans()):
            break
        node = node[data.draw(st.sampled_from(children))]
    if data.draw(st.booleans()) or not node:
        node[data.draw(_NAMES)] = data.draw(_VALUES)
    else:
        node[data.draw(st.sampled_from(sorted(node)))] = data.draw(_VALUES)
    assert fast(doc) == slow(doc), doc


def test_a_large_batch_takes_the_fast_path_from_its_first_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading a folder announces its size, so valid files never wait for jsonschema."""
    from scoring.proposals.loading import load_proposals
    from scoring.sources import validation

    sample = sorted((ROOT / "content" / "proposals").glob("*.yaml"))[0].read_text("utf-8")
    for number in range(validation.SchemaChecker.FAST_AFTER + 5):
        (tmp_path / f"proposal-{number:02d}.yaml").write_text(sample, encoding="utf-8")
    slow_checks: list[Any] = []

    def counting(self: Draft202012Validator, instance: Any) -> bool:
        slow_checks.append(instance)
        return True

    validation._compiled.cache_clear()  # a fresh checker, with nothing announced yet
    monkeypatch.setattr(Draft202012Validator, "is_valid", counting)
    intake = load_proposals([tmp_path], load_rubric(None))
    validation._compiled.cache_clear()
    assert len(intake.proposals) == validation.SchemaChecker.FAST_AFTER + 5
    assert slow_checks == []


def test_a_schema_with_references_is_only_stripped() -> None:
    """A $ref may point into properties that folding would remove."""
    level = {"type": "integer", "minimum": 0, "maximum": 4}
    schema = {
        "type": "object",
        "properties": {
            "group": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"x": dict(level), "y": dict(level)},
            },
            "z": {"$ref": "#/properties/group/properties/x"},
        },
    }
    slim = slim_schema(schema)
    assert slim["properties"]["group"]["properties"] == {"x": level, "y": level}
    assert_agree(
        schema, [{"group": {"x": 1}, "z": 4}, {"z": 5}, {"z": "x"}, {"group": {"w": 1}}, {}]
    )
