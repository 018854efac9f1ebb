"""The one CSV writer: every CSV the project writes (the site's portfolio.csv and
`sweetspot score --format csv`) goes through it, so none can run a formula or split a row.

A cell starting with = + - @ (or a tab or carriage return, which some spreadsheets skip,
or their full-width forms) would run as a formula when the file is opened, so it gets a
leading quote; line breaks inside a cell become spaces so every proposal stays one row.
"""

from __future__ import annotations

import csv
import re
from typing import IO, Any

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


def safe_cell(value: Any) -> Any:
    """A text cell as a spreadsheet can open it safely; other values unchanged."""
    if not isinstance(value, str):
        return value
    text = _LINE_BREAKS.sub(" ", value)
    if value.lstrip(" ").startswith(_FORMULA_START) and not _is_number(value):
        return "'" + text
    return text


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are safe_cell'ed."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype.kind not in ("O", "T", "U") and str(out[column].dtype) != "str":
            continue
        out[column] = out[column].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, out: IO[str]) -> None:
    """Write ``frame`` as CSV (no index, LF line ends), every cell safe."""
    spreadsheet_safe(frame).to_csv(out, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
