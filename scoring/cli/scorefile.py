"""Read a score file (`sweetspot score --format json`) named on the command line, as
`sweetspot compare` does, without trusting it.

The file is read by `safefile.read_named` (a regular file, no symlink, FIFO or device, at
most 64 MiB), parsed as strict JSON (NaN, Infinity and numbers too large for a float are
refused, as is nesting no score file has), and checked against
``scoring/data/scores.schema.yaml``. Every refusal is an ``InputError`` naming the file
and, where there is one, the JSON path: the command line turns it into exit status 2.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from scoring.cli.common import plural
from scoring.sources.problems import format_field
from scoring.sources.safefile import SCORES, InputError, read_named
from scoring.sources.validation import checker_for
from scoring.sources.yamlsource import JsonPath, Position, YamlDocument, load_trusted

MAX_DEPTH = 32  # a score file nests about 6 levels
_HINT = "is it a file from `sweetspot score --format json`?"


class _NotFinite:
    """Left by the parser where the file has NaN, Infinity or a float beyond a double's
    range, so the walk that follows can name where it is."""

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_float(text: str) -> float | _NotFinite:
    value = float(text)
    return value if math.isfinite(value) else _NotFinite(text)


@lru_cache(maxsize=1)
def scores_schema() -> dict[str, Any]:
    text = (resources.files("scoring") / "data" / "scores.schema.yaml").read_text("utf-8")
    schema: dict[str, Any] = load_trusted(text)
    return schema


def _parse(raw: bytes, file: str) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(file, f"byte {error.start} is not UTF-8; {_HINT}") from None
    try:
        return json.loads(text, parse_constant=_NotFinite, parse_float=_parse_float)
    except RecursionError:  # the C parser recurses once per level of nesting
        raise InputError(file, f"nesting is deeper than {MAX_DEPTH} levels; {_HINT}") from None
    except json.JSONDecodeError as error:
        raise InputError(
            file,
            f"line {error.lineno}, column {error.colno}: not valid JSON ({error.msg}); {_HINT}",
        ) from None
    except ValueError as error:  # an integer of more than 4,300 digits
        raise InputError(file, f"not valid JSON ({str(error)[:120]}); {_HINT}") from None


def _check_values(payload: Any, file: str) -> None:
    """Refuse nesting beyond MAX_DEPTH and every number that is not finite, by JSON path.
    Walked with a stack: the file decides how deep it goes."""
    pending: list[tuple[Any, JsonPath]] = [(payload, ())]
    while pending:
        value, path = pending.pop()
        if len(path) > MAX_DEPTH:
            raise InputError(
                file, f"{format_field(path)}: nesting is deeper than {MAX_DEPTH} levels; {_HINT}"
            )
        if isinstance(value, _NotFinite):
            raise InputError(
                file,
                f"{format_field(path) or 'the top level'}: {value.text} is "
                "not a finite number; a score file holds only finite numbers",
            )
        if isinstance(value, dict):
            pending.extend((child, (*path, key)) for key, child in value.items())
        elif isinstance(value, list):
            pending.extend((child, (*path, index)) for index, child in enumerate(value))


def read_scores(path: Path, display: str | None = None) -> dict[str, Any]:
    """The score file's data, checked to hold what compare reads, or an InputError."""
    file = display or str(path)
    payload = _parse(read_named(path, SCORES, file), file)
    _check_values(payload, file)
    # JSON has no line numbers to give: every problem is placed at line 0, so it is named
    # by file and JSON path only.
    document = YamlDocument(payload, values={(): Position(0, 0)})
    problems = checker_for(scores_schema()).problems(document, file)
    if problems:
        first = problems[0]
        where = f"{first.field}: " if first.field else ""
        more = f" (and {plural(len(problems) - 1, 'more problem')})" if len(problems) > 1 else ""
        raise InputError(file, f"{where}{first.message}{more}; {_HINT}")
    data: dict[str, Any] = payload
    return data
