"""An inventory mapping file: which column fills which proposal field, and how values translate.

The file is YAML, checked against ``scoring/data/mapping.schema.yaml`` and then against the
proposal schema (every field it names must exist, every translated value must be allowed),
with each problem located at its line like a proposal's. ``bind`` then checks it against a
table's header, so a column the file lacks is named before anything is written.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from collections.abc import Mapping as TypingMapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from scoring.sources.inventory.reader import InputError, Table
from scoring.sources.problems import Problem
from scoring.sources.safefile import MAPPING, read_named
from scoring.sources.validation import checker_for, did_you_mean
from scoring.sources.yamlsource import YamlDocument, load_bytes, load_trusted

SHIPPED = ("us-federal-2024", "us-federal-2025")
_SPACES = re.compile(r"\s+")
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2019": "'", "\u2018": "'"})
_MISSING = object()


class MappingError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.as_text() for p in problems))


def normalise(text: str) -> str:
    """How source values are compared: case, dash and quote styles, runs of spaces and a
    final full stop do not matter."""
    return _SPACES.sub(" ", text.translate(_DASHES)).strip().rstrip(".").rstrip().casefold()


def is_empty(text: str) -> bool:
    return not text.strip()  # str.strip() also removes no-break spaces


@dataclass(frozen=True)
class Rule:
    """How one field is filled from the row."""

    target: str  # dotted field path, e.g. stakes.declared_class or custom.topic_area
    columns: tuple[str, ...]
    fallback: str | None
    values: dict[str, Any] | None  # normalised source text → value
    prefixes: tuple[tuple[str, Any], ...]
    reverse: dict[str, str]  # json-dumped value → source text, for exports
    default: Any
    split: str | None
    kind: str  # text, integer, number, boolean, list, tag
    export: bool
    line: int
    link_title: str | None = None  # for `links`: each URL in the cell, under this title
    formats: tuple[str, ...] = ()  # for dates: the source's strptime formats
    join: str | None = None  # several columns joined into one text
    unlisted: str = "report"  # a value the table does not list: report, keep or default
    python_list: bool = False  # cells like "['a) x', 'b) y']"
    min_length: int = 0  # shorter texts count as empty
    max_length: int | None = None  # longer texts are cut to this
    full_text: str | None = None  # custom.name keeping the whole text when cut
    strip_prefix: tuple[str, ...] = ()
    take: tuple[str, int] | None = None  # (separator, part)
    label: str | None = None  # a custom field's name as a reader sees it


@dataclass
class InventoryMapping:
    name: str
    title: str
    file: str
    encoding: str | None
    column_names: dict[str, tuple[str, int]]  # short name → (header, occurrence)
    external_id: str | None
    key: tuple[str, ...]
    slug: tuple[str, ...]
    rules: list[Rule]
    ignore: tuple[str, ...]
    lines: dict[str, int] = field(default_factory=dict)  # column name → line in the file
    qualify: tuple[str, ...] = ()  # columns the external id is unique only within
    repeats: str = "refuse"  # a repeated external id: refuse, or number the repeats
    previous: tuple[str, ...] = ()  # earlier formats' mapping names
    previous_match: tuple[str, ...] = ()  # fields a row is matched to their files by

    def targets(self) -> list[str]:
        """Every field the import fills, full-text fields of cut values included."""
        named = [rule.target for rule in self.rules]
        named += [rule.full_text for rule in self.rules if rule.full_text]
        return list(dict.fromkeys(named))

    def chains(self) -> list[list[Rule]]:
        """The rules grouped by field, in order: the first that gives a value wins."""
        groups: dict[str, list[Rule]] = {}
        for rule in self.rules:
            groups.setdefault(rule.target, []).append(rule)
        return list(groups.values())

    def labels(self) -> dict[str, tuple[str, str]]:
        """Custom field name → (the label the mapping gives it, its rubric type)."""
        out: dict[str, tuple[str, str]] = {}
        for rule in self.rules:
            if rule.label and rule.target.startswith("custom."):
                kind = rule.kind if rule.kind in ("number", "integer", "boolean") else "text"
                kind = "list" if rule.kind in ("list", "tag") else kind
                out.setdefault(rule.target.split(".", 1)[1], (rule.label, kind))
        return out

    def referenced(self) -> list[str]:
        named = [
            c
            for rule in self.rules
            for c in (*rule.columns, *([rule.fallback] if rule.fallback else []))
        ]
        named += list(self.key) + list(self.slug) + list(self.ignore) + list(self.qualify)
        if self.external_id:
            named.append(self.external_id)
        return list(dict.fromkeys(named))


@lru_cache(maxsize=1)
def mapping_schema() -> dict[str, Any]:
    text = (resources.files("scoring") / "data" / "mapping.schema.yaml").read_text("utf-8")
    schema: dict[str, Any] = load_trusted(text)
    return schema


def shipped_path(name: str) -> Path:
    return Path(str(resources.files("scoring") / "data" / "mappings" / f"{name}.yaml"))


def field_schema(schema: TypingMapping[str, Any], dotted: str) -> dict[str, Any] | None:
    """The proposal schema's entry for a dotted path, or None when no such field exists."""
    spec: Any = schema
    for part in dotted.split("."):
        props = spec.get("properties", {}) if isinstance(spec, dict) else {}
        if part not in props:
            return None
        spec = props[part]
    return spec if isinstance(spec, dict) else None


def _kind_for(spec: TypingMapping[str, Any]) -> str:
    kind = spec.get("type")
    if kind == "array":
        return "list"
    if kind in ("integer", "number", "boolean"):
        return str(kind)
    return "text"


def load_mapping(
    path: Path, proposal_schema: TypingMapping[str, Any], display: str | None = None
) -> InventoryMapping:
    """Load and check a mapping file; every problem is raised at once, located. The file
    is read through read_named (no symlink, pipe or oversize file) and parsed by the safe
    loader, which refuses aliases, anchors and tags."""
    file = display or str(path)
    result = load_bytes(read_named(path, MAPPING, file), file)
    problems = list(result.problems)
    document = result.document
    if document is None:
        raise MappingError(problems or [Problem(file, 0, 0, "", "the mapping file is empty")])
    problems += checker_for(mapping_schema()).problems(document, file, problems)
    if problems:
        raise MappingError(problems)
    return _build(document, file, proposal_schema)


def _build(
    document: YamlDocument, file: str, proposal_schema: TypingMapping[str, Any]
) -> InventoryMapping:
    data = document.data
    problems: list[Problem] = []

    def at(
        path: tuple[str | int, ...], message: str, code: str = "mapping", key: bool = True
    ) -> None:
        pos = document.position(path, key=key)
        dotted = ".".join(str(p) for p in path)
        problems.append(Problem(file, pos.line, pos.column, dotted, message, code))

    names: dict[str, tuple[str, int]] = {}
    lines: dict[str, int] = {}
    for short, spec in (data.get("columns") or {}).items():
        header, occurrence = (
            (spec, 1) if isinstance(spec, str) else (spec["header"], spec.get("occurrence", 1))
        )
        names[short] = (header, occurrence)
        lines[short] = document.position(("columns", short), key=True).line

    rules: list[Rule] = []
    sections = [("fields", name, spec) for name, spec in data["fields"].items()]
    sections += [("custom", name, spec) for name, spec in (data.get("custom") or {}).items()]
    fields = set()
    for section, name, specs in sections:
        target = name if section == "fields" else f"custom.{name}"
        where: tuple[str | int, ...] = (section, name)
        if section == "fields":
            if name.startswith("custom.") or name in ("custom", "source", "external_id"):
                what = (
                    "give the source's id as id.external_id (with id.qualify when it is "
                    "unique only within, say, an agency)"
                    if name == "external_id"
                    else "put your own fields under custom:"
                )
                at(where, f"'{name}' is filled by the importer itself; {what}")
                continue
            schema_spec = field_schema(proposal_schema, name)
            if schema_spec is None or (schema_spec.get("type") == "object"):
                parent = name.rsplit(".", 1)[0] if "." in name else ""
                choices = [
                    f"{parent}.{c}" if parent else c
                    for c in (
                        (field_schema(proposal_schema, parent) or {}) if parent else proposal_schema
                    ).get("properties", {})
                ]
                what = (
                    "is a group of fields; name one of its fields"
                    if schema_spec
                    else "is not a proposal field"
                )
                at(where, f"'{name}' {what}{did_you_mean(name, choices)}", "unknown-field")
                continue
        else:  # declared by the rubric (custom_fields): its type; otherwise text
            schema_spec = field_schema(proposal_schema, target) or {"type": "string"}
        fields.add(target)
        chain = specs if isinstance(specs, list) else [specs]
        for i, spec in enumerate(chain):
            here = (*where, i) if isinstance(specs, list) else where
            rule = _rule(spec, target, name, here, schema_spec, document, at)
            if rule is not None:
                rules.append(rule)

    encoding = data.get("encoding")
    if encoding not in (None, "auto") and (why := encoding_problem(encoding)) is not None:
        at(("encoding",), why, "bad-encoding", key=False)
    ident = data["id"]
    external = ident.get("external_id")
    key = tuple(ident.get("key") or ())
    qualify = tuple(ident.get("qualify") or ())
    if not external and not key:
        at(
            ("id",),
            "give either external_id (the column holding the source's own id) or "
            "key (the columns a stable id is derived from)",
        )
    if (qualify or "repeats" in ident) and not external:
        at(("id",), "qualify and repeats apply to external_id; give the id's column")
    for i, dotted in enumerate((data.get("previous") or {}).get("match") or ()):
        if field_schema(proposal_schema, dotted) is None:
            at(("previous", "match", i), f"'{dotted}' is not a proposal field", key=False)
    for required in ("title", "summary", "team", "stage"):
        if required not in fields:
            at(
                ("fields",),
                f"no rule fills '{required}', which every proposal needs; map a "
                "column to it (with a default if the source may leave it empty)",
                "missing-field",
            )
    if problems:
        raise MappingError(problems)
    return InventoryMapping(
        name=data["name"],
        title=data.get("title") or data["name"],
        file=file,
        encoding=data.get("encoding") if data.get("encoding") not in (None, "auto") else None,
        column_names=names,
        external_id=external,
        key=key,
        slug=tuple(ident.get("slug") or key or ((*qualify, external) if external else ())),
        rules=rules,
        ignore=tuple(data.get("ignore") or ()),
        lines=lines,
        qualify=qualify,
        repeats=ident.get("repeats", "refuse"),
        previous=tuple((data.get("previous") or {}).get("inventories") or ()),
        previous_match=tuple((data.get("previous") or {}).get("match") or ()),
    )


Locate = Callable[..., None]


def _rule(
    spec: dict[str, Any],
    target: str,
    name: str,
    where: tuple[str | int, ...],
    schema_spec: TypingMapping[str, Any],
    document: YamlDocument,
    at: Locate,
) -> Rule | None:
    """One rule of a field, checked; None (with the problems located) when it cannot work."""
    columns = tuple(spec.get("columns") or ([spec["column"]] if "column" in spec else []))
    if not columns:
        at(where, "give the column (or columns) this field comes from")
        return None
    listy = spec.get("split") is not None or spec.get("python_list")
    kind = spec.get("type") or ("list" if listy and target.startswith("custom.") else None)
    kind = kind or _kind_for(schema_spec)
    values: dict[str, Any] | None = None
    prefixes: list[tuple[str, Any]] = []
    reverse: dict[str, str] = {}
    allowed = schema_spec.get("enum")
    if schema_spec.get("type") == "array":
        allowed = (schema_spec.get("items") or {}).get("enum")
    if "values" in spec:
        values = {}
        for source, value in spec["values"].items():
            text = str(source)
            if value is not None and allowed is not None and value not in allowed:
                at(
                    (*where, "values", source),
                    f"{value!r} is not a value {name} allows: {', '.join(map(str, allowed))}"
                    f"{did_you_mean(str(value), [str(a) for a in allowed])}",
                    "bad-value",
                    key=False,
                )
            if text.endswith("*"):
                prefixes.append((normalise(text[:-1]), value))
            else:
                values[normalise(text)] = value
            if value is not None:
                reverse.setdefault(_value_key(value), text.rstrip("*").rstrip())
    default = spec.get("default", _MISSING)
    if (
        default is not _MISSING
        and default is not None
        and allowed is not None
        and default not in allowed
    ):
        at(
            (*where, "default"),
            f"{default!r} is not a value {name} allows: {', '.join(map(str, allowed))}",
            "bad-value",
            key=False,
        )
    if default not in (_MISSING, None) and any(p == "" for p, _ in prefixes):
        at(
            (*where, "default"),
            "the catch-all '*' in values matches every value, so this default would never "
            "be used; remove the catch-all and write unlisted: default",
        )
    unlisted = spec.get("unlisted", "report")
    if unlisted != "report" and values is None:
        at((*where, "unlisted"), "unlisted says what to do with values a `values` table lacks")
    if unlisted == "default" and default in (_MISSING, None):
        at((*where, "unlisted"), "unlisted: default needs a default")
    if unlisted == "keep" and allowed is not None:
        at(
            (*where, "unlisted"),
            f"{name} allows only {', '.join(map(str, allowed))}, so other values cannot be "
            "kept as they are; use report or default",
        )
    join = spec.get("join")
    if join is not None and (values is not None or kind in ("list", "tag", "date")):
        at((*where, "join"), "join makes one text; it takes no values table, type or list")
        return None
    if kind == "date" and not spec.get("formats"):
        at(where, "a date rule needs formats, e.g. formats: ['%m/%d/%Y']")
        return None
    bad_formats = [
        (i, why)
        for i, fmt in enumerate(spec.get("formats") or ())
        if (why := date_format_problem(fmt)) is not None
    ]
    for i, why in bad_formats:
        at((*where, "formats", i), why, "bad-format", key=False)
    if bad_formats:
        return None
    link_title = spec.get("link_title")
    if (target == "links") != (link_title is not None):
        at(
            where,
            "a rule for 'links' needs link_title (the title its URLs are listed "
            "under), and only such a rule takes one",
        )
        return None
    max_length = spec.get("max_length")
    limit = schema_spec.get("maxLength") or (schema_spec.get("items") or {}).get("maxLength")
    if max_length is not None and limit is not None and max_length > limit:
        at((*where, "max_length"), f"{name} holds at most {limit} characters", key=False)
    full_text = spec.get("full_text")
    if full_text is not None and max_length is None:
        at((*where, "full_text"), "full_text keeps a text cut by max_length; give max_length")
    if spec.get("label") is not None and not target.startswith("custom."):
        at((*where, "label"), "label names a custom field; proposal fields have their own")
    take = spec.get("take")
    return Rule(
        target,
        columns,
        spec.get("fallback"),
        values,
        tuple(prefixes),
        reverse,
        None if default is _MISSING else default,
        spec.get("split"),
        kind,
        bool(spec.get("export", True)),
        document.position(where, key=True).line,
        link_title,
        tuple(spec.get("formats") or ()),
        join=join,
        unlisted=unlisted,
        python_list=bool(spec.get("python_list")),
        min_length=int(spec.get("min_length") or 0),
        max_length=max_length,
        full_text=full_text,
        strip_prefix=tuple(spec.get("strip_prefix") or ()),
        take=(take["split"], int(take["part"])) if take else None,
        label=spec.get("label"),
    )


def date_format_problem(fmt: str) -> str | None:
    """Why ``fmt`` cannot be used as a strptime and strftime format, or None. Checked when
    the mapping loads, so that no cell of the inventory can meet a broken format."""
    try:
        dt.datetime.strptime("", fmt)
    except ValueError as error:
        if not str(error).startswith("time data"):  # the expected mismatch of ""
            return f"{fmt!r} is not a date format: {error}"
    except re.error as error:  # strptime builds a regex: a directive given twice
        return f"{fmt!r} is not a date format: a directive appears twice ({error.msg})"
    except Exception as error:  # strptime's internals may raise others for odd formats
        return f"{fmt!r} is not a date format: {error}"
    try:
        dt.date(2024, 1, 2).strftime(fmt)
    except (ValueError, UnicodeError) as error:
        return f"{fmt!r} cannot be written back as a date: {error}"
    return None


def encoding_problem(name: str) -> str | None:
    """Why ``name`` cannot decode an inventory, or None."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return f"'{name}' is not a text encoding Python knows (e.g. utf-8, cp1252, latin-1)"
    if not getattr(info, "_is_text_encoding", True) or info.name in ("idna", "punycode"):
        return f"'{name}' is not a text encoding (e.g. utf-8, cp1252, latin-1)"
    return None


def _value_key(value: Any) -> str:
    return repr(value)


@dataclass(frozen=True)
class Binding:
    """A mapping checked against a table: each column name → its index."""

    mapping: InventoryMapping
    table: Table
    index: dict[str, int]
    unused: tuple[str, ...]


def bind(
    mapping: InventoryMapping, table: Table, rule_lines: dict[str, int] | None = None
) -> Binding:
    """Resolve every column the mapping names in the table's header, or fail naming them."""
    positions: dict[tuple[str, int], int] = {}
    seen: dict[str, int] = {}
    for i, header in enumerate(table.headers):
        seen[header] = seen.get(header, 0) + 1
        positions[(header, seen[header])] = i
    index: dict[str, int] = {}
    problems: list[Problem] = []
    for name in mapping.referenced():
        header, occurrence = mapping.column_names.get(name, (name, 1))
        if (header, occurrence) in positions:
            index[name] = positions[(header, occurrence)]
            continue
        line = mapping.lines.get(name) or next(
            (r.line for r in mapping.rules if name in r.columns or name == r.fallback), 0
        )
        which = f" (occurrence {occurrence})" if occurrence > 1 else ""
        problems.append(
            Problem(
                mapping.file,
                line,
                1 if line else 0,
                name,
                f"the column '{header}'{which} is not in {table.file}"
                f"{did_you_mean(header, table.headers)}",
                "missing-column",
            )
        )
    if problems:
        raise MappingError(problems)
    used = set(index.values())
    total = {h: table.headers.count(h) for h in table.headers}
    counts: dict[str, int] = {}
    unused = []
    for i, header in enumerate(table.headers):
        counts[header] = counts.get(header, 0) + 1
        if i not in used:
            unused.append(header if total[header] == 1 else f"{header} (#{counts[header]})")
    return Binding(mapping, table, index, tuple(unused))


def column_label(mapping: InventoryMapping, name: str) -> str:
    """A column as a person finds it in the file: its header, and which one if repeated."""
    header, occurrence = mapping.column_names.get(name, (name, 1))
    repeated = occurrence > 1 or any(
        h == header and o > 1 for h, o in mapping.column_names.values()
    )
    return f"{header} (#{occurrence})" if repeated else header


def header_label(binding: Binding, name: str) -> str:
    return column_label(binding.mapping, name)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


__all__ = [
    "SHIPPED",
    "Binding",
    "InputError",
    "InventoryMapping",
    "MappingError",
    "Rule",
    "bind",
    "column_label",
    "field_schema",
    "header_label",
    "is_empty",
    "load_mapping",
    "normalise",
    "shipped_path",
    "slugify",
]
