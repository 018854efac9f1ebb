"""Problems found in input files: one shape for YAML, schema, rubric and id errors."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]  # info: a style hint, never blocks


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one file, located as precisely as the input allows.

    ``line`` and ``column`` are 1-based; 0 means "the file as a whole".
    ``field`` is a dotted path such as ``data.sources[0].access`` ("" for the file).
    """

    file: str
    line: int
    column: int
    field: str
    message: str
    code: str = "invalid"
    severity: Severity = "error"

    def as_text(self) -> str:
        """One line for a terminal or a CI log, whatever the file, field or message hold."""
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        what = f"{self.field}: " if self.field else ""
        level = "warning: " if self.severity == "warning" else ""
        return terminal_safe(f"{where}: {level}{what}{self.message}")

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# Line breaks, other controls, bidi overrides and zero-width characters: in a log they would
# start a forged line (a GitHub Actions command such as ::error or ::stop-commands::) or
# make the text read differently from what it is.
_UNSAFE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r"}


def terminal_safe(text: str) -> str:
    """``text`` as one printable line: line breaks as \\n and \\r, other invisible or
    direction-changing characters (and lone surrogates from undecodable file names) as
    \\uXXXX, and a leading ``::`` escaped, so no workflow command can start the line."""
    if _UNSAFE.search(text):
        text = _UNSAFE.sub(lambda m: _NAMED.get(m.group(), f"\\u{ord(m.group()):04x}"), text)
    if text.startswith("::"):
        text = "\\" + text
    return text


def format_field(path: tuple[str | int, ...]) -> str:
    """Render a JSON path as ``a.b[0].c``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
