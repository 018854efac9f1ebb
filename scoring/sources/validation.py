"""Check a loaded YAML document against a JSON Schema and turn every error into a Problem.

jsonschema does the checking; this module only rewrites its messages so they point at the
right line and suggest what was probably meant.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import extend

from scoring.sources.fastcheck import fast_validator
from scoring.sources.problems import Problem, format_field
from scoring.sources.yamlsource import JsonPath, YamlDocument

_TYPE_NAMES = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "a mapping of fields",
    "array": "a list",
}


def _unique_key(value: Any) -> Any:
    """A hashable stand-in for a JSON value, equal exactly when JSON Schema calls two values
    equal: 1 equals 1.0, true never equals 1, and key order does not matter."""
    if isinstance(value, bool):
        return (bool, value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return (dict, frozenset((k, _unique_key(v)) for k, v in value.items()))
    if isinstance(value, list):
        return (list, tuple(_unique_key(v) for v in value))
    return value


def _unique_items(
    validator: Any, unique: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterable[ValidationError]:
    """jsonschema's uniqueItems compares lists of mappings pair by pair, which made one
    256 KiB file of 24,000 small mappings take minutes; hashing each item is linear."""
    if (
        unique
        and validator.is_type(instance, "array")
        and len({_unique_key(item) for item in instance}) < len(instance)
    ):
        yield ValidationError(f"{_show(instance)} has non-unique elements")


_Validator = extend(Draft202012Validator, {"uniqueItems": _unique_items})


def _cut_lists(value: Any, limit: int) -> Any:
    """A copy of ``value`` with every list cut to its first ``limit`` items."""
    if isinstance(value, dict):
        return {k: _cut_lists(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut_lists(v, limit) for v in value[:limit]]
    return value


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_keys(schema: Mapping[str, Any]) -> list[str]:
    return sorted(schema.get("properties", {}))


class SchemaChecker:
    """A compiled schema that reports problems for one document at a time."""

    # Compiling the fast validator costs what jsonschema needs for about FAST_AFTER valid
    # files: below that, compiling it would not pay off (bench_validate.py measures both).
    FAST_AFTER = 20
    MAX_ERRORS = 100
    LARGE_DOCUMENT = 2000  # values; a full proposal has about 200
    LONG_LIST = 100

    def __init__(self, schema: Mapping[str, Any], key: str = "") -> None:
        # The schemas are ours and tested with check_schema; checking again costs start-up.
        self.schema = schema
        self.key = key  # identifies the schema's content, e.g. for caches of checked files
        self.validator = _Validator(schema)
        self.checked = 0
        self.expected = 0  # files announced by expect()
        self._fast: Callable[[Any], Any] | None = None

    def expect(self, files: int) -> None:
        """Announce how many files are coming, so that a large batch takes the fast path
        from its first file instead of after FAST_AFTER slow checks."""
        self.expected = max(self.expected, files)

    @property
    def fast(self) -> Callable[[Any], Any] | None:
        if self._fast is None:
            self._fast = fast_validator(self.schema)
        return self._fast

    def is_valid(self, data: Any, large: bool = False) -> bool:
        self.checked += 1
        slow = self.checked <= self.FAST_AFTER and self.expected <= self.FAST_AFTER and not large
        if slow or self.fast is None:
            return bool(self.validator.is_valid(data))
        try:
            self.fast(data)
        except Exception:  # fastjsonschema's JsonSchemaValueException, or anything odd
            return False
        return True

    def problems(
        self, document: YamlDocument, file: str, already: Iterable[Problem] = ()
    ) -> list[Problem]:
        # jsonschema is slow per value, and a file at the size cap can hold tens of thousands.
        # Such a file is checked by the compiled validator, and explained from a copy with
        # its long lists cut short (every list the schema bounds has maxItems far below
        # LONG_LIST, so the copy still breaks each rule the file breaks there).
        large = len(document.values) > self.LARGE_DOCUMENT
        if self.is_valid(document.data, large):
            return []
        errors = self._errors(_cut_lists(document.data, self.LONG_LIST)) if large else []
        if not errors:
            errors = self._errors(document.data)
        # Fields that already have a YAML-level problem (e.g. `no` read as false) would only
        # repeat it in schema terms, so they are skipped here.
        flagged = {p.field for p in already if p.field}
        found: list[Problem] = []
        for error in sorted(errors[: self.MAX_ERRORS], key=_error_order):
            for problem in self._explain(error, document, file):
                if problem.field not in flagged:
                    found.append(problem)
        if len(errors) > self.MAX_ERRORS:
            found.append(
                Problem(
                    file,
                    0,
                    0,
                    "",
                    f"more than {self.MAX_ERRORS} problems; "
                    "the rest are not listed: fix these and check again",
                    "too-many-problems",
                )
            )
        return found

    def _errors(self, data: Any) -> list[ValidationError]:
        # A file can hold tens of thousands of wrong items: explaining each would take
        # seconds and bury the first ones, so the report stops after MAX_ERRORS.
        return list(itertools.islice(self.validator.iter_errors(data), self.MAX_ERRORS + 1))

    def _explain(self, error: ValidationError, document: YamlDocument, file: str) -> list[Problem]:
        path: JsonPath = tuple(error.absolute_path)

        def at(where: JsonPath, message: str, code: str, key: bool = False) -> Problem:
            pos = document.position(where, key=key)
            return Problem(file, pos.line, pos.column, format_field(where), message, code)

        if error.validator == "additionalProperties":
            allowed = _allowed_keys(error.schema)
            instance = error.instance if isinstance(error.instance, dict) else {}
            extras = [k for k in instance if k not in allowed]
            where = format_field(path) or "the top level"
            return [
                at(
                    (*path, key),
                    f"unknown field '{key}' in {where}{did_you_mean(key, allowed)}"
                    + (
                        ""
                        if did_you_mean(key, allowed)
                        else f"; allowed fields: {', '.join(allowed)}"
                    ),
                    "unknown-key",
                    key=True,
                )
                for key in extras
            ]
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            parent = format_field(path) or "the proposal"
            return [at(path, f"missing required field '{missing}' in {parent}", "required")]
        if error.validator in ("enum", "const"):
            value = error.validator_value
            options = value if error.validator == "enum" else [value]
            listed = ", ".join(_show(o) for o in options)
            hint = did_you_mean(str(error.instance), [str(o) for o in options])
            return [at(path, f"{_show(error.instance)} is not one of {listed}{hint}", "enum")]
        if error.validator == "type":
            expected = error.validator_value
            expected_list = expected if isinstance(expected, list) else [expected]
            wanted = " or ".join(_TYPE_NAMES.get(str(t), str(t)) for t in expected_list)
            raw = document.plain_text.get(path)
            if raw is not None and "string" in expected_list:
                kind = type(error.instance).__name__
                return [
                    at(
                        path,
                        f"{raw} is read as {_show(error.instance)} ({kind}), but text "
                        f"is expected; quote it: '{raw}'",
                        "yaml-type",
                    )
                ]
            if error.instance is None:
                return [at(path, f"is empty; give {wanted} or remove the line", "empty-value")]
            return [at(path, f"{_show(error.instance)} should be {wanted}", "type")]
        if error.validator in ("oneOf", "anyOf") and error.context:
            # Prefer the branch whose type matched: its error says what is really wrong.
            candidates = [e for e in error.context if e.validator != "type"] or error.context
            return self._explain(best_match(candidates), document, file)
        if error.validator == "pattern":
            hint = error.schema.get("x-hint", f"the expected form is {error.validator_value}")
            return [at(path, f"{_show(error.instance)} is not valid: {hint}", "pattern")]
        if error.validator in (
            "minLength",
            "maxLength",
            "minimum",
            "maximum",
            "maxItems",
            "minItems",
            "exclusiveMinimum",
            "uniqueItems",
        ):
            return [at(path, _limit_message(error), error.validator)]
        return [at(path, error.message, str(error.validator))]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _limit_message(error: ValidationError) -> str:
    limit = error.validator_value
    value = error.instance
    match error.validator:
        case "minLength":
            return f"is too short ({_count(len(value), 'character')}; at least {limit})"
        case "maxLength":
            return f"is too long ({_count(len(value), 'character')}; at most {limit})"
        case "minimum":
            return f"{_show(value)} is below the minimum of {limit}"
        case "maximum":
            return f"{_show(value)} is above the maximum of {limit}"
        case "exclusiveMinimum":
            return f"{_show(value)} must be greater than {limit}"
        case "maxItems":
            return f"has {_count(len(value), 'item')}; at most {limit}"
        case "minItems":
            return f"has {_count(len(value), 'item')}; at least {limit}"
        case "uniqueItems":
            return "lists the same item twice"
    return error.message


def _error_order(error: ValidationError) -> tuple[str, str]:
    return (format_field(tuple(error.absolute_path)), str(error.validator))


@lru_cache(maxsize=8)
def _compiled(schema_json: str) -> SchemaChecker:
    key = hashlib.sha256(schema_json.encode()).hexdigest()
    return SchemaChecker(json.loads(schema_json), key)


def checker_for(schema: Mapping[str, Any]) -> SchemaChecker:
    """Compile each distinct schema once; validators are reused across files."""
    return _compiled(json.dumps(schema, sort_keys=True))
