"""Read an inventory table (CSV or XLSX) into rows of text, with every failure located.

CSV is read with Python's csv module in strict mode after the encoding is settled:
a byte-order mark wins, then strict UTF-8, then charset-normalizer's best guess. When
charset-normalizer finds several Western code pages equally likely (as it does for the
2024 US federal inventory: cp1250 and cp1252 tie), Windows-1252 is chosen, because
spreadsheet exports from English-language offices use it. XLSX is read with openpyxl.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from scoring.sources.safefile import InputError

MAX_BYTES = 200 * 1024 * 1024
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


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


def detect_encoding(raw: bytes, file: str) -> tuple[str, str]:
    """The encoding to decode ``raw`` with, and how it was chosen."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name, "byte-order mark"
    try:
        raw.decode("utf-8")
        return "utf-8", "valid UTF-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    results = from_bytes(raw)
    best = results.best()
    if best is None:
        raise InputError(file, "cannot tell which text encoding this file uses (it may not "
                         "be a text file); give it with --encoding, e.g. --encoding cp1252")
    # Candidates with as little "chaos" (unlikely characters) as the best are equally
    # plausible decodings; their coherence (language fit) is noise on short files.
    tied = [r for r in results if r.chaos <= best.chaos]
    if best.encoding != "cp1252" and any("cp1252" in r.could_be_from_charset for r in tied):
        others = ", ".join(sorted({r.encoding for r in tied} - {"cp1252"}))
        return "cp1252", (f"detected by charset-normalizer; {others} equally likely, "
                          "Windows-1252 preferred")
    return best.encoding, "detected by charset-normalizer"


def _decode(raw: bytes, encoding: str, file: str) -> str:
    try:
        return raw.decode(encoding)
    except LookupError as error:
        raise InputError(file, f"unknown encoding '{encoding}'") from error
    except UnicodeDecodeError as error:
        before = raw[:error.start]
        row = before.count(b"\n") + 1
        last_line = before[before.rfind(b"\n") + 1:]
        column = _column_at(last_line, encoding)
        raise InputError(file, f"byte 0x{raw[error.start]:02x} at offset {error.start} cannot "
                         f"be decoded as {encoding}; give the right one with --encoding",
                         row=row, column=column) from error


def _column_at(line: bytes, encoding: str) -> str:
    text = line.decode(encoding, errors="replace")
    try:
        cells = next(csv.reader([text]))
    except (csv.Error, StopIteration):
        return ""
    return f"#{max(len(cells), 1)}"


def read_csv(path: Path, display: str, encoding: str | None = None) -> Table:
    raw = path.read_bytes()
    if len(raw) > MAX_BYTES:
        raise InputError(display, f"the file is larger than {MAX_BYTES // 2**20} MiB")
    if encoding:
        used, note = encoding, "given with --encoding"
    else:
        used, note = detect_encoding(raw, display)
    text = _decode(raw, used, display)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    headers: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            hint = (" (a quoted cell is not closed: check for an unbalanced double quote)"
                    if "end of data" in str(error) or "EOF" in str(error) else "")
            raise InputError(display, f"malformed CSV starting on line {start}: {error}{hint}",
                             row=len(rows) + 2 if headers is not None else 1) from error
        if headers is None:
            headers = [h.strip() for h in cells]
            continue
        if not any(c.strip() for c in cells) and len(cells) <= 1:
            continue  # a blank line
        if len(cells) != len(headers):
            column = headers[len(cells)] if len(cells) < len(headers) else f"#{len(cells)}"
            raise InputError(display, f"the row has {len(cells)} cells but the header has "
                             f"{len(headers)} (line {start}); a ragged row usually means a "
                             "missing or extra separator or quote", row=len(rows) + 2,
                             column=column)
        rows.append(cells)
    if headers is None:
        raise InputError(display, "the file is empty: no header row")
    return Table(display, headers, rows, list(range(2, len(rows) + 2)), used, note)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path, display: str, sheet: str | None = None) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for damaged files
        raise InputError(display, f"cannot read this as an XLSX workbook: {error}") from error
    try:
        names = list(book.sheetnames)
        if sheet is None and len(names) > 1:
            raise InputError(display, "the workbook has several sheets: "
                             f"{', '.join(repr(n) for n in names)}; choose one with --sheet")
        name = sheet if sheet is not None else names[0]
        if name not in names:
            raise InputError(display, f"no sheet named '{name}'; the sheets are "
                             f"{', '.join(repr(n) for n in names)}")
        values = [[_cell_text(v) for v in row] for row in book[name].iter_rows(values_only=True)]
    finally:
        book.close()
    while values and not any(c.strip() for c in values[-1]):
        values.pop()
    if not values:
        raise InputError(display, f"the sheet '{name}' is empty: no header row")
    headers = [h.strip() for h in values[0]]
    while headers and not headers[-1]:
        headers.pop()
    rows, numbers = [], []
    for number, row in enumerate(values[1:], start=2):
        extra = [c for c in row[len(headers):] if c.strip()]
        if extra:
            raise InputError(display, f"the row has a value beyond the last named column "
                             f"({extra[0]!r})", row=number, column=f"#{len(headers) + 1}")
        cells = (row + [""] * len(headers))[:len(headers)]
        if not any(c.strip() for c in cells):
            continue
        rows.append(cells)
        numbers.append(number)
    return Table(display, headers, rows, numbers, sheet=name)


def read_table(path: Path, display: str | None = None, *, encoding: str | None = None,
               sheet: str | None = None) -> Table:
    """Read a CSV or XLSX file, by its suffix."""
    shown = display or str(path)
    if not path.is_file():
        raise InputError(shown, "no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, shown, sheet)
    if suffix in (".csv", ".txt", ".tsv"):
        if sheet is not None:
            raise InputError(shown, "--sheet only applies to XLSX workbooks")
        return read_csv(path, shown, encoding)
    raise InputError(shown, "unsupported file type: give a .csv or .xlsx file")
