"""Load a YAML file into plain Python data while keeping where every value came from.

PyYAML's own loaders forget line numbers, silently keep the last of two duplicate keys,
expand aliases (an alias bomb can exhaust memory) and read ``no`` as ``False``. This
module builds the data from the parser's event stream instead, so it can refuse or name
each of those traps with a message that says what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from scoring.sources.problems import Problem, format_field

MAX_BYTES = 256 * 1024
MAX_DEPTH = 40

JsonPath = tuple[str | int, ...]

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()
_YAML11_ONLY_BOOL = re.compile(r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_PLAIN_DECIMAL = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9_]+$")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def load_trusted(text: str) -> Any:
    """Parse one of our own packaged YAML files (schemas), which need no positions or trap
    checks. libyaml's C loader reads them much faster than the pure-Python one."""
    return yaml.load(text, Loader=_Loader)  # a safe loader: C or pure-Python SafeLoader


# Keys and short values (names, enumerated answers) recur in every file: a build holds
# thousands of files' data, so each text is kept once, not once per file. A plain dict
# rather than sys.intern, and emptied when full, so that no input can grow it without bound.
_SHARED: dict[str, str] = {}
_SHARED_MAX = 50_000
_SHARED_LENGTH = 40  # longer values are prose, rarely repeated


def shared(text: str) -> str:
    """The one copy of ``text`` this process keeps (for keys and short values)."""
    found = _SHARED.get(text)
    if found is None:
        if len(_SHARED) >= _SHARED_MAX:
            _SHARED.clear()
        found = _SHARED[text] = text
    return found


def shared_data(value: Any) -> Any:
    """``value`` (loaded data: dicts, lists and scalars) in new dicts and lists, with its
    keys and short strings replaced by their shared copies, as the loader makes them (for
    data read back from a cache, which would otherwise hold its own copy of every key, and
    for a section of a file shared by several versions, yamlsections.py)."""
    if isinstance(value, dict):
        return {shared(k) if isinstance(k, str) else k: shared_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shared_data(v) for v in value]
    if isinstance(value, str) and len(value) <= _SHARED_LENGTH:
        return shared(value)
    return value


class Position(NamedTuple):
    # A named tuple, not a dataclass: one is made for every key and value of every file,
    # and a frozen dataclass takes noticeably longer to build.
    line: int
    column: int


@dataclass
class YamlDocument:
    """Parsed data plus, for every JSON path, where its value and key start."""

    data: Any
    values: dict[JsonPath, Position] = field(default_factory=dict)
    keys: dict[JsonPath, Position] = field(default_factory=dict)
    # The source text of plain (unquoted) scalars that YAML turned into non-strings.
    plain_text: dict[JsonPath, str] = field(default_factory=dict)

    def position(self, path: JsonPath, *, key: bool = False) -> Position:
        """The closest known position for ``path``, walking up to its parents."""
        table = self.keys if key else self.values
        probe = path
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Position(1, 1))


@dataclass
class LoadResult:
    document: YamlDocument | None
    problems: list[Problem]


class _Refused(Exception):
    """Stops building when the input cannot be read any further."""


class _Builder:
    """Turns parser events into data, recording positions and trap problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.doc = YamlDocument(data=None)

    def problem(self, mark: Any, path: JsonPath, message: str, code: str) -> None:
        self.problems.append(
            Problem(self.file, mark.line + 1, mark.column + 1, format_field(path), message, code)
        )

    def build(self, events: Iterator[Any]) -> YamlDocument | None:
        documents = 0
        root: Any = None
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents == 2:
                    self.problem(
                        event.start_mark,
                        (),
                        "this file holds several YAML documents (a second '---'); "
                        "keep one proposal per file",
                        "multiple-documents",
                    )
                    raise _Refused
            elif isinstance(
                event,
                (
                    yaml.ScalarEvent,
                    yaml.MappingStartEvent,
                    yaml.SequenceStartEvent,
                    yaml.AliasEvent,
                ),
            ):
                root = self.node(event, events, (), 0)
        self.doc.data = root
        return self.doc

    def node(self, event: Any, events: Iterator[Any], path: JsonPath, depth: int) -> Any:
        mark = event.start_mark
        if depth > MAX_DEPTH:
            self.problem(mark, path, f"nesting is deeper than {MAX_DEPTH} levels", "too-deep")
            raise _Refused
        if isinstance(event, yaml.AliasEvent):
            self.problem(
                mark,
                path,
                f"aliases (*{event.anchor}) are not allowed; write the value out in full",
                "alias",
            )
            return None
        if getattr(event, "anchor", None):
            self.problem(
                mark,
                path,
                f"anchors (&{event.anchor}) are not allowed; write each value out in full",
                "anchor",
            )
        tag = getattr(event, "tag", None)
        if tag and tag not in (
            "!",
            "tag:yaml.org,2002:str",
            "tag:yaml.org,2002:map",
            "tag:yaml.org,2002:seq",
        ):
            self.problem(mark, path, f"explicit YAML tags ({tag}) are not allowed", "tag")
        self.doc.values[path] = Position(mark.line + 1, mark.column + 1)
        if isinstance(event, yaml.ScalarEvent):
            return self.scalar(event, path)
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Any] = []
            for child in events:
                if isinstance(child, yaml.SequenceEndEvent):
                    return items
                items.append(self.node(child, events, (*path, len(items)), depth + 1))
            raise _Refused
        return self.mapping(events, path, depth)

    def mapping(self, events: Iterator[Any], path: JsonPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_event in events:
            if isinstance(key_event, yaml.MappingEndEvent):
                return result
            if not isinstance(key_event, yaml.ScalarEvent):
                self.problem(
                    key_event.start_mark,
                    path,
                    "keys must be plain words, not lists or mappings",
                    "complex-key",
                )
                raise _Refused
            # Keys are names: keep their text as written, so `no:` stays the key "no".
            key = shared(key_event.value)
            key_mark: Any = key_event.start_mark
            child_path = (*path, key)
            if key in result:
                first = self.doc.keys[child_path]
                self.problem(
                    key_mark,
                    child_path,
                    f"duplicate key '{key}' (first set on line {first.line}); YAML would "
                    "silently keep only the last one, so merge them into one entry",
                    "duplicate-key",
                )
                value_event = next(events)
                self.node(value_event, events, ("<duplicate>", *child_path), depth + 1)
                continue
            self.doc.keys[child_path] = Position(key_mark.line + 1, key_mark.column + 1)
            result[key] = self.node(next(events), events, child_path, depth + 1)
        raise _Refused

    def scalar(self, event: Any, path: JsonPath) -> Any:
        text: str = event.value
        if len(text) <= _SHARED_LENGTH:
            text = shared(text)
        plain = event.style in (None, "") and event.implicit[0]
        if not plain:
            return text
        tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
        kind = tag.rsplit(":", 1)[-1]
        if kind == "str" or kind == "timestamp":
            return text
        if kind == "null":
            return None
        self.doc.plain_text[path] = text
        if kind == "bool":
            if _YAML11_ONLY_BOOL.match(text):
                self.problem(
                    event.start_mark,
                    path,
                    f"'{text}' is a YAML 1.1 boolean, read as {text.lower() in ('y', 'yes', 'on')} "
                    f"by some tools and as text by others; write true or false for a yes/no "
                    f"field, or quote it ('{text}') for text",
                    "yaml11-boolean",
                )
            return text.lower() in ("true", "y", "yes", "on")
        if kind == "int":
            if _PLAIN_DECIMAL.match(text) and len(text) <= 300:
                return int(text)
            if _SEXAGESIMAL.match(text):
                self.problem(
                    event.start_mark,
                    path,
                    f"'{text}' is read by YAML 1.1 as a base-60 number; quote it "
                    f"('{text}') if you mean text",
                    "yaml11-number",
                )
            elif _LEADING_ZERO.match(text):
                self.problem(
                    event.start_mark,
                    path,
                    f"'{text}' is read by YAML 1.1 as an octal number; quote it "
                    f"('{text}') or drop the leading zero",
                    "yaml11-number",
                )
            try:
                return yaml.load(text, Loader=_Loader)
            except (yaml.YAMLError, ValueError):
                self.problem(
                    event.start_mark,
                    path,
                    f"'{text[:40]}' looks like a number but cannot be read as one; "
                    "quote it if you mean text",
                    "bad-number",
                )
                return text
        if kind == "float":
            try:
                value = yaml.load(text, Loader=_Loader)
            except (yaml.YAMLError, ValueError):
                self.problem(
                    event.start_mark,
                    path,
                    f"'{text[:40]}' cannot be read as a number; quote it if you mean text",
                    "bad-number",
                )
                return text
            if value != value or value in (float("inf"), float("-inf")):
                self.problem(
                    event.start_mark, path, f"'{text}' is not a finite number", "not-finite"
                )
                return text
            return value
        return text


def _decode(raw: bytes, file: str, problems: list[Problem]) -> str | None:
    for bom in _BOMS:
        if raw.startswith(bom):
            problems.append(
                Problem(
                    file,
                    1,
                    1,
                    "",
                    "the file starts with a byte-order mark; save it as UTF-8 without BOM",
                    "bom",
                )
            )
            if bom != _BOMS[0]:
                return None
            raw = raw[len(bom) :]
            break
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        # Count characters, not bytes, so earlier accented letters do not shift the column.
        column = len(raw[line_start : error.start].decode("utf-8", errors="replace")) + 1
        problems.append(
            Problem(
                file,
                line,
                column,
                "",
                f"byte 0x{raw[error.start]:02x} is not valid UTF-8; save the file as UTF-8",
                "encoding",
            )
        )
        return None


def _tab_problems(text: str, file: str) -> list[Problem]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            found.append(
                Problem(
                    file,
                    number,
                    indent.index("\t") + 1,
                    "",
                    "a tab is used for indentation; YAML allows only spaces",
                    "tab",
                )
            )
    return found


_KEY_VALUE = re.compile(r"^(?P<lead>\s*(?:-\s+)?)(?P<key>[^\s:#'\"][^:#]*?):(?:\s+(?P<value>.*))?$")
_GLUED_KEY = re.compile(r"^(?P<lead>\s*(?:-\s+)?)(?P<key>[A-Za-z_][\w-]*):(?P<value>\S.*)$")
SYNTAX_CODES = ("syntax", "tab")  # problems whose line `sweetspot validate` shows with a caret


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _previous(lines: list[str], index: int) -> str | None:
    """The nearest line above ``index`` (0-based) that holds more than a comment."""
    for back in range(index - 1, -1, -1):
        if lines[back].strip() and not lines[back].lstrip().startswith("#"):
            return lines[back]
    return None


def syntax_hint(lines: list[str], error: yaml.MarkedYAMLError) -> tuple[int, int, str] | None:
    """(line, column, advice) naming the usual cause of a YAML syntax error, when it is one
    of the common mistakes: a colon in an unquoted value, no space after a colon, a quote
    that is not closed or closes early, or a line indented wrongly under a list."""
    problem, context = error.problem or "", error.context or ""
    at, ctx = error.problem_mark, error.context_mark

    def text(mark: Any) -> str:
        return lines[mark.line] if mark is not None and mark.line < len(lines) else ""

    if "mapping values are not allowed" in problem and at is not None:
        here = text(at)
        match = _KEY_VALUE.match(here)
        if match and match.group("value") and at.column > match.end("key"):
            key, value = match.group("key"), match.group("value").split(" #")[0].rstrip()
            quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            return (
                at.line + 1,
                at.column + 1,
                f"the value of '{key.strip()}' contains ': ', which YAML reads as a new "
                f"key; put the whole value in quotes: {key.strip()}: {quoted}",
            )
        above = _previous(lines, at.line)
        if above is not None and _indent(here) > _indent(above):
            first = _indent(here) + 1
            inside = _KEY_VALUE.match(above)
            if inside and inside.group("lead").strip() == "-":
                item_column = len(inside.group("lead")) + 1
                return (
                    at.line + 1,
                    first,
                    f"this key is indented more than the list item above; line the keys "
                    f"of one item up under its first key (column {item_column})",
                )
            return (
                at.line + 1,
                first,
                "this line is indented more than the line above, which already has a "
                "value; line it up with the key above, or give that key no value and "
                "indent the lines under it",
            )
    if "could not find expected ':'" in problem and ctx is not None:
        glued = _GLUED_KEY.match(text(ctx))
        if glued:
            colon = glued.end("key")
            return (
                ctx.line + 1,
                colon + 2,
                f"put a space after the colon: {glued.group('key')}: {glued.group('value')}",
            )
        return (
            ctx.line + 1,
            ctx.column + 1,
            "this line has no 'key: value' pair; write 'key: value', or indent it under "
            "the key it belongs to",
        )
    if "quoted scalar" in context and ctx is not None:
        quote = text(ctx)[ctx.column : ctx.column + 1] or '"'
        return (
            ctx.line + 1,
            ctx.column + 1,
            f"the quote {quote} that starts here is never closed; end the value with a "
            f"matching {quote} on the same line",
        )
    if "did not find expected key" in problem and at is not None:
        here = text(at)
        match = _KEY_VALUE.match(here)
        value = (match.group("value") or "") if match else ""
        if value[:1] in ("'", '"'):
            quote = value[0]
            other = '"' if quote == "'" else "'"
            advice = (
                f"the value's quotes close before its end, so text follows the closing {quote}; "
            )
            advice += (
                "inside single quotes write an apostrophe twice (Don''t), or quote "
                'the value with " instead'
                if quote == "'"
                else f"quote the whole value once, or use {other} around text that contains {quote}"
            )
            return at.line + 1, at.column + 1, advice
    if "expected '-' indicator" in problem and at is not None and ctx is not None:
        here = text(at)
        item = _KEY_VALUE.match(text(ctx))
        column = len(item.group("lead")) + 1 if item else ctx.column + 3
        return (
            at.line + 1,
            _indent(here) + 1,
            f"in a list, every key of one item lines up under the first key after '- ' "
            f"(column {column}); this line starts at column {_indent(here) + 1}",
        )
    return None


def excerpt(line_text: str, column: int) -> list[str]:
    """The offending line and a caret under ``column`` (1-based), tabs shown as spaces."""
    shown = line_text.replace("\t", "→")
    return [shown, " " * max(column - 1, 0) + "^"]


def load_text(text: str, file: str) -> LoadResult:
    """Parse YAML text; ``file`` names it in problems."""
    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
        return LoadResult(None, [Problem(file, 0, 0, "", "the file is empty", "empty")])
    builder = _Builder(file)
    try:
        document = builder.build(yaml.parse(text, Loader=_Loader))
    except _Refused:
        return LoadResult(None, builder.problems)
    except yaml.MarkedYAMLError as error:
        # Tabs used for indentation are the commonest cause: name them instead. Tabs inside
        # block scalars are valid text, so they are only blamed once parsing has failed.
        tabs = _tab_problems(text, file)
        if tabs:
            return LoadResult(None, tabs)
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        reason = error.problem or error.context or "unreadable YAML"
        hint = syntax_hint(text.splitlines(), error)
        if hint is not None:  # name the usual cause, and point at where to fix it
            line, column, advice = hint
            reason += f"; {advice}"
        elif error.context and error.context_mark and error.context_mark is not mark:
            # e.g. an unclosed quote: say where the quoted text started.
            reason += (
                f" ({error.context} at line {error.context_mark.line + 1}, "
                f"column {error.context_mark.column + 1})"
            )
            line, column = error.context_mark.line + 1, error.context_mark.column + 1
        return LoadResult(
            None,
            [
                *builder.problems,
                Problem(file, line, column, "", f"YAML syntax error: {reason}", "syntax"),
            ],
        )
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        return LoadResult(
            None,
            [*builder.problems, Problem(file, 0, 0, "", f"unreadable YAML: {error}", "syntax")],
        )
    if document is None or document.data is None:
        return LoadResult(None, [Problem(file, 0, 0, "", "the file is empty", "empty")])
    if not isinstance(document.data, dict):
        kind = "a list" if isinstance(document.data, list) else "a single value"
        return LoadResult(
            None,
            [
                *builder.problems,
                Problem(
                    file,
                    1,
                    1,
                    "",
                    f"the top level is {kind}; it must be a mapping of fields such as 'title: ...'",
                    "not-mapping",
                ),
            ],
        )
    return LoadResult(document, builder.problems)


def _too_large(size: int, file: str) -> LoadResult:
    return LoadResult(
        None,
        [
            Problem(
                file,
                0,
                0,
                "",
                f"the file is {size / 1024:.1f} KiB; the limit is {MAX_BYTES // 1024} KiB",
                "too-large",
            )
        ],
    )


def read_source(path: Path, file: str) -> bytes | LoadResult:
    """The file's bytes, or a LoadResult naming why they cannot be read."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return _too_large(size, file)
        return path.read_bytes()
    except OSError as error:
        return LoadResult(
            None,
            [
                Problem(
                    file, 0, 0, "", f"cannot read the file: {error.strerror or error}", "unreadable"
                )
            ],
        )


def load_bytes(raw: bytes, file: str) -> LoadResult:
    """Decode and parse a file's bytes; ``file`` names it in problems."""
    if len(raw) > MAX_BYTES:
        return _too_large(len(raw), file)
    problems: list[Problem] = []
    text = _decode(raw, file, problems)
    if text is None:
        return LoadResult(None, problems)
    result = load_text(text, file)
    return LoadResult(result.document, problems + result.problems)


def load_file(path: Path, display: str | None = None) -> LoadResult:
    """Read and parse one YAML file, never raising for bad content."""
    file = display or str(path)
    raw = read_source(path, file)
    return raw if isinstance(raw, LoadResult) else load_bytes(raw, file)
