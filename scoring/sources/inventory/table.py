"""An inventory read into text cells, and the limits every reader holds it to.

The limits keep a hostile or mistaken file from taking unbounded memory or time: a CSV and
a workbook are held to the same ones, and each refusal names the row (and column) where
the limit was passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scoring.sources.safefile import InputError

# Python's csv module refuses longer cells (csv.field_size_limit's default); a workbook's
# cells are held to the same length, so a format cannot be picked to get round it.
MAX_CELL_CHARS = 131_072
# The 2024 US federal inventory has 2,133 rows of 62 columns; these leave ample room while
# keeping an import (about 1.5 ms and 9 KB of memory per such row) within minutes and 1 GB.
MAX_ROWS = 100_000
MAX_COLUMNS = 1_000
MAX_CELLS = 10_000_000  # rows times header columns held in memory


@dataclass
class Table:
    """A sheet of text cells. Row numbers are a spreadsheet's: the header is row 1."""

    file: str
    headers: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    encoding: str = ""  # for CSV: the encoding used, and why
    encoding_note: str = ""
    sheet: str = ""
    notes: list[str] = field(default_factory=list)


def check_header(file: str, headers: list[str]) -> None:
    if len(headers) > MAX_COLUMNS:
        raise InputError(
            file,
            f"the header has {len(headers):,} columns; an inventory may "
            f"have at most {MAX_COLUMNS:,}",
            row=1,
        )


def check_room(file: str, kept: int, width: int, row: int) -> None:
    """Refuse the row about to be kept when it would pass the row or cell limit."""
    if kept >= MAX_ROWS:
        raise InputError(
            file,
            f"the inventory has more than {MAX_ROWS:,} rows, the most "
            "one import reads; split it into several files",
            row=row,
        )
    if (kept + 1) * width > MAX_CELLS:
        raise InputError(
            file,
            f"the inventory has more than {MAX_CELLS:,} cells ({width:,} "
            f"columns by {kept + 1:,} rows), the most one import reads; "
            "split it into several files, or leave out unused columns",
            row=row,
        )


def check_cell(file: str, text: str, row: int, column: str) -> None:
    if len(text) > MAX_CELL_CHARS:
        raise InputError(
            file,
            f"the cell holds {len(text):,} characters; a cell may hold at most {MAX_CELL_CHARS:,}",
            row=row,
            column=column,
        )
