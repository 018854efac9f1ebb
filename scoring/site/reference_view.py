"""View data for the proposal format reference, generated from the proposal schema.

The page is for an author: fields grouped by the part of the proposal they belong to (one
section per top-level part), each with its type, whether it is required, its allowed
values, an example in YAML and why it matters. A group of sibling fields that share a type
and allowed values (checklist items, evidence criteria) is listed once, compactly.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from markupsafe import Markup

# Top-level fields that are not a mapping of their own are gathered into these sections;
# every top-level mapping (problem, value, data …) is a section of its own, in schema order.
BASICS = (
    "schema_version",
    "title",
    "summary",
    "team",
    "org",
    "stage",
    "owner",
    "sponsor",
    "tags",
    "links",
)
INVENTORY = ("external_id", "dates", "sourcing", "vendor", "source", "custom")
SECTION_INTRO = {
    "basics": "What the project is, who proposes it and where it stands. Only title, "
    "summary, team and stage are required.",
    "inventory": "Fields an organisation's register of use cases keeps, mostly written by "
    "`sweetspot import`. They are shown and exported but do not change scores.",
    "other": "Fields that belong to no other section.",
}

TYPE_NAMES = {
    "string": "text",
    "integer": "whole number",
    "number": "number",
    "boolean": "true or false",
    "object": "mapping of fields",
    "array": "list",
}

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass(frozen=True)
class SchemaField:
    path: str
    depth: int
    type: str
    required: bool
    description: str
    example: str  # the first example as JSON, for a one-line view
    allowed: str
    example_value: Any = None
    has_example: bool = False
    has_children: bool = False


def _type_name(spec: dict[str, Any]) -> str:
    kind = spec.get("type", "")
    if not kind and "oneOf" in spec:
        return " or ".join(str(option.get("type", "")) for option in spec["oneOf"])
    if kind == "array" and isinstance(spec.get("items"), dict):
        return f"list of {spec['items'].get('type', 'item')}"
    return str(kind)


def schema_fields(
    schema: dict[str, Any], prefix: str = "", depth: int = 0
) -> Iterator[SchemaField]:
    """Walk the schema's properties in order, depth first."""
    required = set(schema.get("required", []))
    for name, spec in schema.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
        allowed = ""
        enum = spec.get("enum") or items.get("enum")
        if enum:
            allowed = ", ".join(str(v) for v in enum)
        elif "minimum" in spec and "maximum" in spec:
            allowed = f"from {spec['minimum']} to {spec['maximum']}"
        elif "minimum" in spec:
            allowed = f"{spec['minimum']} or more"
        elif "maximum" in spec:
            allowed = f"up to {spec['maximum']}"
        examples = spec.get("examples") or []
        example = json.dumps(examples[0], ensure_ascii=False) if examples else ""
        nested = (spec.get("type") == "object" and "properties" in spec) or (
            items.get("type") == "object" and "properties" in items
        )
        yield SchemaField(
            path,
            depth,
            _type_name(spec),
            name in required,
            spec.get("description", ""),
            example,
            allowed,
            examples[0] if examples else None,
            bool(examples),
            nested,
        )
        if spec.get("type") == "object" and "properties" in spec:
            yield from schema_fields(spec, path, depth + 1)
        if items.get("type") == "object":
            yield from schema_fields(items, f"{path}[]", depth + 1)


@dataclass
class FieldView:
    field: SchemaField
    name: str  # as shown: the full path, or the last key inside a compact group
    anchor: str
    type: str
    allowed: list[str]
    example_yaml: str
    why: Markup
    compact: list[FieldView] = dataclasses.field(default_factory=list)  # shared type and values

    @property
    def name_html(self) -> Markup:
        """The name with break opportunities after dots and underscores only, so a long
        path wraps between its words on a phone, never inside one."""
        return Markup(
            "".join(html.escape(ch) + ("<wbr>" if ch in "._" else "") for ch in self.name)
        )


@dataclass
class Section:
    id: str
    title: str
    intro: Markup
    fields: list[FieldView]
    root: FieldView | None  # the section's own top-level mapping, when it is one

    @property
    def paths(self) -> list[str]:
        found = (
            [self.root.field.path, *(c.field.path for c in self.root.compact)] if self.root else []
        )
        for view in self.fields:
            found.append(view.field.path)
            found += [child.field.path for child in view.compact]
        return found


_CODE = re.compile(r"`([^`]+)`")


def inline(text: str) -> Markup:
    """Schema text as HTML: escaped, with `code` spans kept."""
    return Markup(_CODE.sub(r"<code>\1</code>", html.escape(text, quote=False)))


def friendly_type(kind: str) -> str:
    if kind.startswith("list of "):
        inner = kind[len("list of ") :]
        return "list of " + {
            "string": "texts",
            "object": "mappings",
            "integer": "whole numbers",
        }.get(inner, inner)
    return " or ".join(TYPE_NAMES.get(part, part) for part in kind.split(" or "))


def example_yaml(path: str, value: Any) -> str:
    """The example written where it goes in a proposal file, e.g. ``data.sources[].name``
    as ``data:\\n  sources:\\n  - name: …``."""
    nested: Any = value
    for part in reversed(path.split(".")):
        nested = {part[:-2]: [nested]} if part.endswith("[]") else {part: nested}
    return str(
        yaml.dump(
            nested,
            Dumper=_Dumper,
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=False,
            width=72,
        )
    ).rstrip("\n")


def _anchor(path: str) -> str:
    return "field-" + re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


def _view(f: SchemaField, name: str | None = None) -> FieldView:
    allowed = [v.strip() for v in f.allowed.split(", ")] if f.allowed else []
    return FieldView(
        f,
        name or f.path,
        _anchor(f.path),
        friendly_type(f.type),
        allowed,
        example_yaml(f.path, f.example_value) if f.has_example else "",
        inline(f.description),
    )


def _compact(parent: SchemaField, children: list[SchemaField]) -> bool:
    """Whether a mapping's fields are all alike (same type and values, no deeper fields)
    and so read best as one list under their parent."""
    return (
        len(children) >= 4
        and all(c.depth == parent.depth + 1 and not c.has_children for c in children)
        and len({(c.type, c.allowed) for c in children}) == 1
    )


def sections(schema: dict[str, Any]) -> list[Section]:
    """The schema's fields grouped into sections, every property exactly once."""
    fields = list(schema_fields(schema))
    tops = [f for f in fields if f.depth == 0]
    below: dict[str, list[SchemaField]] = {}
    for f in fields:
        if f.depth > 0:
            top = re.split(r"[.\[]", f.path, maxsplit=1)[0]
            below.setdefault(top, []).append(f)

    def views(group: list[SchemaField]) -> list[FieldView]:
        """Fields in order; a mapping whose fields are all alike takes them as a list."""
        out: list[FieldView] = []
        skip: set[str] = set()
        for f in group:
            if f.path in skip:
                continue
            view = _view(f)
            if f.has_children:
                children = [
                    c
                    for c in group
                    if c.path.startswith(f.path + ".") or c.path.startswith(f.path + "[].")
                ]
                direct = [c for c in children if c.depth == f.depth + 1]
                if children and _compact(f, children):
                    view.compact = [_view(c, c.path.rsplit(".", 1)[-1]) for c in direct]
                    skip.update(c.path for c in children)
                elif f.type == "object":
                    view.example_yaml = ""  # a mapping: each field below has its own
            out.append(view)
        return out

    result: list[Section] = []
    grouped = {name for name in (*BASICS, *INVENTORY)}

    def gathered(section_id: str, title: str, names: tuple[str, ...] | list[str]) -> None:
        members = [f for f in tops if f.path in names]
        if not members:
            return
        group: list[SchemaField] = []
        for f in members:
            group += [f, *below.get(f.path, [])]
        result.append(
            Section(section_id, title, inline(SECTION_INTRO[section_id]), views(group), None)
        )

    gathered("basics", "Basics", BASICS)
    for f in tops:
        if f.path in grouped or not f.has_children or f.type != "object":
            continue
        children = below.get(f.path, [])
        root = _view(f)
        root.example_yaml = ""  # each field below has its own
        body = views(children)
        if children and _compact(f, children):
            root = _view(f)
            root.compact = [_view(c, c.path.rsplit(".", 1)[-1]) for c in children]
            body = []
        result.append(Section(f.path, f.path.replace("_", " ").capitalize(), root.why, body, root))
    gathered("inventory", "Inventory", INVENTORY)
    placed = {p for s in result for p in s.paths}
    gathered("other", "Other fields", [f.path for f in tops if f.path not in placed])
    return result
