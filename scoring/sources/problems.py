"""Problems found in input files: one shape for YAML, schema, rubric and id errors."""

from __future__ import annotations

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
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        what = f"{self.field}: " if self.field else ""
        return f"{where}: {what}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def format_field(path: tuple[str | int, ...]) -> str:
    """Render a JSON path as ``a.b[0].c``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
