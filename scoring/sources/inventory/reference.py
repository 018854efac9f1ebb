"""The mapping language's reference, in Markdown, generated from the descriptions in
``scoring/data/mapping.schema.yaml`` (`sweetspot schema --mapping`), so the reference and
the checks a mapping meets can never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoring.sources.inventory.mapping import mapping_schema

INTRO = (
    "A mapping is a YAML file that says which column of an inventory fills which proposal "
    "field, and how its values translate. `sweetspot import FILE --mapping MAPPING` checks "
    "it against this reference before reading a row, naming each problem at its line. "
    "`scoring/data/mappings/us-federal-2024.yaml` is a worked, commented example."
)


def _resolve(schema: Mapping[str, Any], spec: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = spec.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: Mapping[str, Any] = schema["$defs"][ref.rsplit("/", 1)[1]]
        return {**resolved, **{k: v for k, v in spec.items() if k != "$ref"}}
    return spec


TYPE_NAMES = {"string": "text", "integer": "whole number", "boolean": "true or false"}


def _type(schema: Mapping[str, Any], spec: Mapping[str, Any]) -> str:
    spec = _resolve(schema, spec)
    if "const" in spec:
        return f"`{spec['const']}`"
    if "enum" in spec:
        return " or ".join(f"`{v}`" for v in spec["enum"])
    if "if" in spec:  # a rule, or a list of rules
        return "rule, or list of rules"
    kind = spec.get("type")
    if kind == "array":
        item = _resolve(schema, spec.get("items") or {})
        return f"list of {TYPE_NAMES.get(str(item.get('type')), 'item')}s"
    if kind == "object":
        return "mapping"
    return TYPE_NAMES.get(str(kind), str(kind or "any value"))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _table(schema: Mapping[str, Any], properties: Mapping[str, Any], prefix: str = "") -> list[str]:
    lines = ["| Key | Takes | Meaning |", "|---|---|---|"]
    for name, raw in properties.items():
        spec = _resolve(schema, raw)
        description = str(spec.get("description") or raw.get("description") or "")
        lines.append(f"| `{prefix}{name}` | {_type(schema, raw)} | {_cell(description)} |")
    return lines


def mapping_reference() -> str:
    """The reference as Markdown: the file's keys, then the id section, then a rule's keys."""
    schema = mapping_schema()
    top = schema["properties"]
    required = ", ".join(f"`{k}`" for k in schema.get("required", ()))
    lines = [
        "# Inventory mapping reference",
        "",
        INTRO,
        "",
        "## The file",
        "",
        f"Required: {required}.",
        "",
        *_table(schema, top),
        "",
        "## `id`: how a row is known again",
        "",
        _cell(str(top["id"].get("description", ""))),
        "",
        *_table(schema, top["id"]["properties"], "id."),
        "",
        "## A rule",
        "",
        _cell(str(schema["$defs"]["rules"].get("description", ""))),
        "Each rule under `fields` or `custom` takes these keys (only `column` or `columns` "
        "is needed). The key names here are the checks the file meets: an unknown one is refused "
        "at its line.",
        "",
        *_table(schema, schema["$defs"]["rule"]["properties"]),
        "",
    ]
    return "\n".join(lines)
