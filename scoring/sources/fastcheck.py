"""A yes/no validator compiled to Python by fastjsonschema, for the common case of a valid file.

fastjsonschema checks a valid proposal many times faster than jsonschema, but it has to
generate and compile Python code first, and on a small site that start-up cost is most of
the validation time. The code's size follows the schema's, so the schema handed to it is
first rewritten into an equivalent, smaller one:

* annotations (descriptions, examples, titles) go, since they never change a verdict;
* a subschema that appears more than once (a checklist answer, an evidence level, a risk
  rating) is written once and referenced (`$ref`), so its checks become one shared
  function instead of a copy per field.

For the proposal schema this cuts the generated code, and the time to build the validator
with it, by more than half, while a valid file is checked as fast as before. (Folding
properties that share a schema into `additionalProperties` would shrink the code a little
more, but fastjsonschema then formats an error path for every value it checks, which made
validation much slower.) jsonschema still validates against the original schema and writes
every message; tests check that both agree.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

_ANNOTATIONS = frozenset({"description", "examples", "title", "default", "$comment", "x-hint"})
_LITERAL_KEYWORDS = frozenset({"enum", "const", "examples", "default"})  # values are data
# Keywords whose value maps names (never schema keywords) to subschemas.
_NAME_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"}
)
_SHARED = "x-sweetspot-shared"  # where repeated subschemas are written once
_SHARE_MIN_CHARS = 40  # smaller subschemas are cheaper inline than behind a function call


def fast_validator(schema: Mapping[str, Any]) -> Callable[[Any], Any] | None:
    """A compiled yes/no validator for ``schema``, or None if fastjsonschema cannot take it.

    Our schemas use nothing beyond draft-07, which fastjsonschema supports."""
    try:
        import fastjsonschema
    except ImportError:  # pragma: no cover - it is a declared dependency
        return None
    draft7 = {**schema, "$schema": "http://json-schema.org/draft-07/schema#"}
    try:
        # Without detailed exceptions the generated code is a third of the size; the
        # details are never shown, since jsonschema explains every failure.
        compiled: Callable[[Any], Any] = fastjsonschema.compile(
            slim_schema(draft7), detailed_exceptions=False
        )
        return compiled
    except fastjsonschema.JsonSchemaDefinitionException:
        return None


def slim_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """An equivalent schema that compiles to less code (see the module docstring)."""
    stripped = _strip(schema)
    if (
        _count_keyword(stripped, "$ref")
        or _SHARED in stripped
        or _count_keyword(stripped, "$id") > ("$id" in stripped)
    ):
        # Moving subschemas could break a reference that points into them,
        # and a nested $id changes what references mean: only strip such schemas.
        return stripped
    return _share_repeats(stripped)


def _walk_schema(
    schema: Any, visit: Callable[[dict[str, Any], Mapping[str, Any]], dict[str, Any]]
) -> Any:
    """Rebuild ``schema`` bottom-up: ``visit(rebuilt, original)`` is called on every
    subschema once its children are rebuilt. Literal values (enum, const, examples,
    default) and property names are never taken for schemas."""
    if isinstance(schema, list):
        return [_walk_schema(item, visit) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _LITERAL_KEYWORDS:
            out[key] = value
        elif key in _NAME_MAPS and isinstance(value, Mapping):
            out[key] = {name: _walk_schema(sub, visit) for name, sub in value.items()}
        else:
            out[key] = _walk_schema(value, visit)
    return visit(out, schema)


def _strip(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Drop annotations, and write `const: x` as `enum: [x]`: fastjsonschema 2.x cannot
    generate `const` checks without detailed exceptions."""

    def visit(node: dict[str, Any], _: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in node.items() if k not in _ANNOTATIONS}
        if "const" in out:
            out["enum"] = [out.pop("const")]
        return out

    result: dict[str, Any] = _walk_schema(schema, visit)
    return result


def _share_repeats(schema: dict[str, Any]) -> dict[str, Any]:
    """Count every subschema by its canonical text, then write the ones seen at least
    twice once, under _SHARED, and refer to that copy."""
    counts: Counter[str] = Counter()

    def count(node: dict[str, Any], original: Mapping[str, Any]) -> dict[str, Any]:
        counts[_canonical(original)] += 1
        return node

    _walk_schema(schema, count)

    names: dict[str, str] = {}
    bodies: dict[str, dict[str, Any]] = {}

    def share(node: dict[str, Any], original: Mapping[str, Any]) -> dict[str, Any]:
        # Children are shared first, so a shared schema may itself refer to shared ones.
        text = _canonical(original)
        if counts[text] < 2 or len(text) < _SHARE_MIN_CHARS:
            return node
        name = names.setdefault(text, f"s{len(names)}")
        bodies[name] = node
        return {"$ref": f"#/{_SHARED}/{name}"}

    result: dict[str, Any] = _walk_schema(schema, share)
    if bodies:
        result[_SHARED] = bodies
    return result


def _canonical(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, sort_keys=True)


def _count_keyword(schema: Mapping[str, Any], keyword: str) -> int:
    """How many subschemas (the root included) use ``keyword``."""
    seen = 0

    def visit(node: dict[str, Any], _: Mapping[str, Any]) -> dict[str, Any]:
        nonlocal seen
        seen += keyword in node
        return node

    _walk_schema(schema, visit)
    return seen
