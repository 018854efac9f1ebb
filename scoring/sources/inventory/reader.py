"""Read an inventory table (CSV or XLSX) into rows of text, with every failure located.

CSV is read with Python's csv module in strict mode after the encoding is settled:
a byte-order mark wins (UTF-32 before UTF-16, whose marks they start with), then strict
UTF-8, then UTF-8 with Windows-1252 for the few bytes that are not UTF-8 when the file is
mostly UTF-8 (a file edited by two programs), then charset-normalizer's best guess. When
charset-normalizer finds several Western code pages equally likely (as it does for the
2024 US federal inventory: cp1250 and cp1252 tie), Windows-1252 is chosen, because
spreadsheet exports from English-language offices use it. XLSX is read by workbook.py.
Both are held to the limits in table.py.
"""

from __future__ import annotations

import codecs
import csv
import re
import threading
from collections.abc import Iterator
from pathlib import Path

from scoring.sources.inventory.table import (
    MAX_CELL_CHARS,
    Table,
    check_cell,
    check_header,
    check_room,
)
from scoring.sources.safefile import INVENTORY, InputError, read_named

MAX_BYTES = INVENTORY.max_bytes
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SAMPLE = 8 * 1024 * 1024
MIXED = "utf-8, with Windows-1252 for bytes that are not UTF-8"
_FALLBACK = "sweetspot-cp1252-fallback"
_fallback_state = threading.local()  # where the fallback handler records what it did


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """A decode error handler: bytes that are not UTF-8 are read as Windows-1252."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    _fallback_state.offsets.append(error.start)
    try:
        return bad.decode("cp1252"), error.end
    except UnicodeDecodeError:  # one of the five bytes Windows-1252 leaves undefined
        _fallback_state.undefined.append(error.start)
        return "\ufffd", error.end


codecs.register_error(_FALLBACK, _cp1252_fallback)


def _mixed_utf8(raw: bytes) -> tuple[str, list[int], list[int]] | None:
    """The text, when ``raw`` is mostly UTF-8: at least as many well-formed multi-byte
    characters as bytes that are not UTF-8 (a Windows-1252 file is rarely both). Also the
    offsets read as Windows-1252, and those that are not Windows-1252 either."""
    guess = raw.decode("utf-8", errors="replace")  # counted in C: a guess costs little
    invalid = guess.count("\ufffd")
    if len(guess) - len(guess.encode("ascii", "ignore")) - invalid < invalid:
        return None
    del guess
    _fallback_state.offsets, _fallback_state.undefined = [], []
    text = raw.decode("utf-8", errors=_FALLBACK)
    return text, _fallback_state.offsets, _fallback_state.undefined


def _row_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def detect_encoding(raw: bytes, file: str) -> tuple[str, str]:
    """The encoding to decode ``raw`` with, and how it was chosen (never the mixed one)."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name, "byte-order mark"
    try:
        raw.decode("utf-8")
        return "utf-8", "valid UTF-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    # charset-normalizer takes about 20 s on a 130 MiB file; the first lines tell as much,
    # and the strict decoding that follows names any later byte the guess cannot read.
    sample = raw if len(raw) <= _SAMPLE else raw[: raw.rfind(b"\n", 0, _SAMPLE) + 1 or _SAMPLE]
    results = from_bytes(sample)
    best = results.best()
    if best is None:
        raise InputError(
            file,
            "cannot tell which text encoding this file uses (it may not "
            "be a text file); give it with --encoding, e.g. --encoding cp1252",
        )
    # Candidates with as little "chaos" (unlikely characters) as the best are equally
    # plausible decodings; their coherence (language fit) is noise on short files.
    tied = [r for r in results if r.chaos <= best.chaos]
    if best.encoding != "cp1252" and any("cp1252" in r.could_be_from_charset for r in tied):
        others = ", ".join(sorted({r.encoding for r in tied} - {"cp1252"}))
        return "cp1252", (
            f"detected by charset-normalizer; {others} equally likely, Windows-1252 preferred"
        )
    return best.encoding, "detected by charset-normalizer"


def decode_text(raw: bytes, file: str, encoding: str | None = None) -> tuple[str, str, str]:
    """(text, encoding used, how it was chosen) for a CSV file's bytes."""
    if encoding:
        return _decode(raw, encoding, file), encoding, "given with --encoding"
    bom = any(raw.startswith(mark) for mark, _ in _BOMS)
    mixed = None if bom or _is_utf8(raw) else _mixed_utf8(raw)
    if mixed is not None:
        text, offsets, undefined = mixed
        if undefined:
            raise InputError(
                file,
                f"byte 0x{raw[undefined[0]]:02x} at offset {undefined[0]} "
                "is neither UTF-8 nor Windows-1252; give the encoding with "
                "--encoding",
                row=_row_of(raw, undefined[0]),
            )
        return (
            text,
            MIXED,
            (
                f"mostly UTF-8; {len(offsets)} byte(s) that are not UTF-8 read "
                f"as Windows-1252, the first on line {_row_of(raw, offsets[0])}"
            ),
        )
    used, note = detect_encoding(raw, file)
    return _decode(raw, used, file), used, note


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode(raw: bytes, encoding: str, file: str) -> str:
    try:
        return raw.decode(encoding)
    except LookupError as error:
        raise InputError(file, f"unknown encoding '{encoding}'") from error
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        row = before.count(b"\n") + 1
        last_line = before[before.rfind(b"\n") + 1 :]
        column = _column_at(last_line, encoding)
        raise InputError(
            file,
            f"byte 0x{raw[error.start]:02x} at offset {error.start} cannot "
            f"be decoded as {encoding}; give the right one with --encoding",
            row=row,
            column=column,
        ) from error
    except UnicodeError as error:  # codecs such as idna fail without a position
        raise InputError(file, f"cannot be decoded as {encoding}: {error}") from error


def _column_at(line: bytes, encoding: str) -> str:
    try:
        text = line.decode(encoding, errors="replace")
        cells = next(csv.reader([text]))
    except (csv.Error, StopIteration, UnicodeError):
        return ""
    return f"#{max(len(cells), 1)}"


# One physical line with its ending, as a file opened with newline="" gives them to csv
# (\r\n, \r or \n), sliced lazily so that the text is never copied whole.
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")


def _lines(text: str) -> Iterator[str]:
    for match in _LINE.finditer(text):
        yield match.group()


def read_csv(raw: bytes, display: str, encoding: str | None = None) -> Table:
    text, used, note = decode_text(raw, display, encoding)
    del raw  # the bytes are no longer needed; a large file is held once, as text
    reader = csv.reader(_lines(text), strict=True)
    rows: list[list[str]] = []
    headers: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            row = len(rows) + 2 if headers is not None else 1
            if "field larger than field limit" in str(error):
                raise InputError(
                    display,
                    f"a cell starting on line {start} holds over "
                    f"{MAX_CELL_CHARS:,} characters; a cell may hold at most "
                    f"{MAX_CELL_CHARS:,} (or a quote is not closed)",
                    row=row,
                ) from error
            hint = (
                " (a quoted cell is not closed: check for an unbalanced double quote)"
                if "end of data" in str(error) or "EOF" in str(error)
                else ""
            )
            raise InputError(
                display, f"malformed CSV starting on line {start}: {error}{hint}", row=row
            ) from error
        if headers is None:
            headers = [h.strip() for h in cells]
            check_header(display, headers)
            continue
        if not any(c.strip() for c in cells) and len(cells) <= 1:
            continue  # a blank line
        if len(cells) != len(headers):
            column = headers[len(cells)] if len(cells) < len(headers) else f"#{len(cells)}"
            raise InputError(
                display,
                f"the row has {len(cells)} cells but the header has "
                f"{len(headers)} (line {start}); a ragged row usually means a "
                "missing or extra separator or quote",
                row=len(rows) + 2,
                column=column,
            )
        for header, cell in zip(headers, cells, strict=True):
            check_cell(display, cell, len(rows) + 2, header)
        check_room(display, len(rows), len(headers), len(rows) + 2)
        rows.append(cells)
    if headers is None:
        raise InputError(display, "the file is empty: no header row")
    return Table(display, headers, rows, list(range(2, len(rows) + 2)), used, note)


def read_table(
    path: Path, display: str | None = None, *, encoding: str | None = None, sheet: str | None = None
) -> Table:
    """Read a CSV or XLSX file, by its suffix. The file is read through read_named, so a
    symlink, pipe, device or oversize file is refused before anything is parsed."""
    shown = display or str(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt", ".tsv"):
        raise InputError(shown, "unsupported file type: give a .csv or .xlsx file")
    if sheet is not None and suffix not in (".xlsx", ".xlsm"):
        raise InputError(shown, "--sheet only applies to XLSX workbooks")
    if suffix in (".xlsx", ".xlsm"):
        from scoring.sources.inventory.workbook import read_xlsx

        return read_xlsx(read_named(path, INVENTORY, shown), shown, sheet)
    return read_csv(read_named(path, INVENTORY, shown), shown, encoding)


__all__ = [
    "MAX_BYTES",
    "InputError",
    "Table",
    "decode_text",
    "detect_encoding",
    "read_csv",
    "read_table",
]
