"""The numbers a YAML file holds, checked for what computing with them needs.

Scoring computes with floats: an integer beyond the largest float cannot become one, and
is a located problem in a proposal and in a rubric alike. The schema's 'integer' accepts
4.0 and -0.0 (as JSON Schema says) while the scoring code expects ints, so an integral
float can be turned into the int it stands for.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from scoring.sources.problems import Problem, format_field
from scoring.sources.yamlsource import JsonPath, YamlDocument

LARGEST = sys.float_info.max
EXACT = 2**53  # integral floats up to here are exactly the int they stand for


def plain_values(document: YamlDocument) -> Iterator[tuple[JsonPath, Any, Any]]:
    """(path, the container holding it, value) of every plain scalar: numbers only come
    from plain scalars, which the loader lists with their source text."""
    for path in document.plain_text:
        parent: Any = document.data
        try:
            for part in path[:-1]:
                parent = parent[part]
            value = parent[path[-1]]
        except (IndexError, KeyError, TypeError):  # the root, or a duplicate key's value
            continue
        yield path, parent, value


def too_large(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > LARGEST


def too_large_problem(document: YamlDocument, file: str, path: JsonPath, value: int) -> Problem:
    pos = document.position(path)
    return Problem(
        file,
        pos.line,
        pos.column,
        format_field(path),
        f"a number with {len(str(abs(value)))} digits is too large to compute with; the "
        "largest usable number is about 1.8e308",
        "number-too-large",
    )


def numbers_too_large(document: YamlDocument, file: str) -> list[Problem]:
    """A located problem for each integer too large to become a float."""
    return [
        too_large_problem(document, file, path, value)
        for path, _, value in plain_values(document)
        if too_large(value)
    ]
