"""Read one sheet of an XLSX workbook without trusting it.

openpyxl turns cells into values (numbers, booleans, dates by their number format), but it
trusts the file: a read-only sheet has as many rows and columns as its <dimension> element
declares (a stale one drops rows, a huge one allocates gigabytes), a shared string of any
length is loaded whole, and every part is unpacked in full. So the workbook is checked
first, streaming, with expat: the zip's declared sizes are capped (Python's zipfile never
unpacks past them), XML with a DOCTYPE is refused (a workbook has none; entities would come
with one), and the sheet's cells are walked to find where its values really end and to
hold them to the limits in table.py. openpyxl then reads exactly that range.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from scoring.sources.inventory.table import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    Table,
    check_header,
    check_room,
)
from scoring.sources.safefile import InputError

MiB = 1024 * 1024
MAX_UNPACKED = 512 * MiB  # worksheets and shared strings, unpacked, together
MAX_PART = 16 * MiB  # any other XML part (workbook, styles, relationships, theme)
MAX_DIRECTORY = 4 * MiB  # the zip's central directory: about 50,000 entries
MAX_TOKEN = 8 * MiB  # one XML tag; a cell's text is reported piecewise and capped itself
EXCEL_COLUMNS = 16_384  # cells one row element may hold: Excel's own limit
_CHUNK = MiB
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
_ROW = re.compile(r"^[0-9]{1,7}$")


def column_letters(index: int) -> str:
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]  # expat gives "namespace-uri localname"


@dataclass
class _Workbook:
    """The zip, and where the parts openpyxl will read are."""

    display: str
    archive: zipfile.ZipFile
    sheets: list[tuple[str, str]] = field(default_factory=list)  # (name, part)
    shared_strings: str | None = None

    def parse(
        self,
        member: str,
        start: Callable[[str, dict[str, str]], None] | None = None,
        end: Callable[[str], None] | None = None,
        text: Callable[[str], None] | None = None,
    ) -> None:
        """Stream one XML part through expat; every failure is an InputError naming it."""
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True  # text in fewer calls (still piecewise past 8 KiB)

        def refuse_doctype(*_: Any) -> None:
            raise InputError(
                self.display,
                f"the part {member} declares a DOCTYPE, which no "
                "workbook has (it could define entities); save the file again "
                "from a spreadsheet program",
            )

        parser.StartDoctypeDeclHandler = refuse_doctype
        # Handlers get expat's names ("namespace-uri localname"; unqualified attributes
        # such as a cell's r and t come without one), for speed: a sheet has millions.
        if start is not None:
            parser.StartElementHandler = start
        if end is not None:
            parser.EndElementHandler = end
        if text is not None:
            parser.CharacterDataHandler = text
        fed = 0
        try:
            with self.archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    fed += len(chunk)
                    parser.Parse(chunk, False)
                    if fed - parser.CurrentByteIndex > MAX_TOKEN:
                        raise InputError(
                            self.display,
                            f"the part {member} has an XML tag longer than {MAX_TOKEN // MiB} MiB",
                        )
                parser.Parse(b"", True)
        except expat.ExpatError as error:
            raise InputError(
                self.display, f"the part {member} is not well-formed XML: {error}"
            ) from error
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            NotImplementedError,
            RuntimeError,
        ) as error:  # RuntimeError: an encrypted member
            raise InputError(
                self.display, f"the workbook is damaged ({member}): {error}"
            ) from error

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id → (type, target part) from the part's .rels file."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", f"{name}.rels")
        found: dict[str, tuple[str, str]] = {}
        if rels not in self.archive.NameToInfo:
            return found

        def start(name: str, attrs: dict[str, str]) -> None:
            if _local(name) == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                resolved = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target))
                )
                found[attrs.get("Id", "")] = (attrs.get("Type", ""), resolved)

        self.parse(rels, start)
        return found


def _open(raw: bytes, display: str) -> _Workbook:
    """The zip, once its directory and unpacked sizes are known to be within the caps."""
    # The end-of-directory record says how large the directory is: checked before zipfile
    # builds an object for every entry of it.
    end = raw.rfind(b"PK\x05\x06", max(0, len(raw) - 65_557))
    if end < 0 or len(raw) < end + 22:
        raise InputError(display, "cannot read this as an XLSX workbook: it is not a zip file")
    directory = struct.unpack_from("<I", raw, end + 12)[0]
    if directory > MAX_DIRECTORY:
        raise InputError(
            display,
            f"the workbook's zip directory is {directory / MiB:.1f} MiB; "
            f"a workbook may have at most {MAX_DIRECTORY // MiB} MiB of it",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        ValueError,
        NotImplementedError,
        struct.error,
    ) as error:
        raise InputError(display, f"cannot read this as an XLSX workbook: {error}") from error
    book = _Workbook(display, archive)
    _find_parts(book)  # streamed, so safe before the sizes are checked
    streamed = {part for _, part in book.sheets} | {book.shared_strings}
    unpacked = 0
    for info in archive.infolist():
        if not info.filename.endswith((".xml", ".rels")):
            continue  # pictures and macros: openpyxl's read-only mode never unpacks them
        if info.filename in streamed:
            unpacked += info.file_size
        elif info.file_size > MAX_PART:  # openpyxl parses these whole, into a tree
            raise InputError(
                display,
                f"the part {info.filename} unpacks to "
                f"{info.file_size / MiB:.1f} MiB; at most {MAX_PART // MiB} MiB",
            )
    if unpacked > MAX_UNPACKED:
        raise InputError(
            display,
            f"the workbook's sheets unpack to {unpacked / MiB:,.0f} MiB; "
            f"a workbook may unpack to at most {MAX_UNPACKED // MiB} MiB",
        )
    return book


def _find_parts(book: _Workbook) -> None:
    """The sheets (in the workbook's order) and the shared strings, as openpyxl finds them."""
    office = [
        target
        for kind, target in book.relationships("").values()
        if kind.endswith("/officeDocument")
    ]
    if not office or office[0] not in book.archive.NameToInfo:
        raise InputError(
            book.display, "cannot read this as an XLSX workbook: it names no workbook part"
        )
    workbook = office[0]
    targets = book.relationships(workbook)
    for kind, target in targets.values():
        if kind.endswith("/sharedStrings") and target in book.archive.NameToInfo:
            book.shared_strings = target

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "sheet":
            ident = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            kind, target = targets.get(ident, ("", ""))
            book.sheets.append(
                (attrs.get("name", ""), target if kind.endswith("/worksheet") else "")
            )

    book.parse(workbook, start)


class _LongString(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


def _long_shared_string(book: _Workbook) -> int | None:
    """The index of the first shared string longer than a cell may be, found without
    reading past it (a bomb's string may unpack to gigabytes), or None."""
    if book.shared_strings is None:
        return None
    state = {"index": -1, "length": 0, "in_text": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        if tag == "si":
            state["index"] += 1
            state["length"] = 0
            if state["index"] >= MAX_CELLS:
                raise InputError(
                    book.display, f"the workbook has more than {MAX_CELLS:,} shared strings"
                )
        elif tag == "t":
            state["in_text"] = 1

    def end(name: str) -> None:
        if _local(name) == "t":
            state["in_text"] = 0

    def text(data: str) -> None:
        if state["in_text"]:
            state["length"] += len(data)
            if state["length"] > MAX_CELL_CHARS:
                raise _LongString(state["index"])

    try:
        book.parse(book.shared_strings, start, end, text)
    except _LongString as found:
        return found.index
    return None


@dataclass
class _SheetWalk:
    """Where a sheet's values end, found by walking its cells; refuses what passes a limit."""

    book: _Workbook
    name: str
    long_string: int | None  # the index of a shared string longer than a cell may be
    last_row: int = 0
    last_column: int = 0
    values: int = 0
    _row: int = 0
    _column: int = 0
    _cells_in_row: int = 0
    _has_value: bool = False
    _shared: bool = False
    _in_text: bool = False
    _length: int = 0
    _index_text: str = ""

    def refuse(self, message: str) -> InputError:
        return InputError(
            self.book.display,
            f"in sheet '{self.name}', {message}",
            row=self._row,
            column=column_letters(self._column),
        )

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = name[name.rfind(" ") + 1 :]
        if tag == "row":
            number = attrs.get("r")
            if number is not None and not _ROW.match(number):
                raise self.refuse(f"a row is numbered '{number[:20]}'")
            self._row = int(number) if number is not None else self._row + 1
            self._column = self._cells_in_row = 0
        elif tag == "c":
            ref = attrs.get("r")
            match = _REF.match(ref) if ref is not None else None
            if ref is not None and match is None:
                raise self.refuse(f"a cell is named '{ref[:20]}', not a cell reference")
            self._column = _column_index(match.group(1)) if match else self._column + 1
            self._cells_in_row += 1
            if self._cells_in_row > EXCEL_COLUMNS:
                raise self.refuse(f"a row has more than {EXCEL_COLUMNS:,} cells")
            self._has_value = self._in_text = False
            self._shared = attrs.get("t") == "s"
            self._length, self._index_text = 0, ""
        elif tag in ("v", "is"):
            self._has_value = True
            self._in_text = tag == "v"
        elif tag in ("t", "f"):
            self._in_text = True

    def end(self, name: str) -> None:
        tag = name[name.rfind(" ") + 1 :]
        if tag in ("v", "t", "f"):
            self._in_text = False
        elif tag == "c" and self._has_value:
            self.value_cell()

    def text(self, data: str) -> None:
        if not self._in_text:
            return
        self._length += len(data)
        if self._length > MAX_CELL_CHARS:
            raise self.refuse(
                f"the cell holds over {MAX_CELL_CHARS:,} characters; a cell "
                f"may hold at most {MAX_CELL_CHARS:,}"
            )
        if self._shared and len(self._index_text) < 12:
            self._index_text += data

    def value_cell(self) -> None:
        if self._row > MAX_ROWS + 1:
            raise self.refuse(
                f"a value is on row {self._row:,}; a sheet may have at most "
                f"{MAX_ROWS + 1:,} rows (a header and {MAX_ROWS:,} rows)"
            )
        if self._column > MAX_COLUMNS:
            raise self.refuse(
                f"a value is in column {self._column:,}; a sheet may have at "
                f"most {MAX_COLUMNS:,} columns"
            )
        self.values += 1
        if self.values > MAX_CELLS:
            raise self.refuse(f"the sheet has more than {MAX_CELLS:,} values")
        if (
            self._shared
            and self.long_string is not None
            and self._index_text.strip() == str(self.long_string)
        ):
            raise self.refuse(
                f"the cell holds over {MAX_CELL_CHARS:,} characters; a cell "
                f"may hold at most {MAX_CELL_CHARS:,}"
            )
        self.last_row = max(self.last_row, self._row)
        self.last_column = max(self.last_column, self._column)


def _choose(book: _Workbook, sheet: str | None) -> tuple[str, str]:
    names = [name for name, _ in book.sheets]
    if not names:
        raise InputError(book.display, "the workbook has no sheets")
    if sheet is None and len(names) > 1:
        raise InputError(
            book.display,
            "the workbook has several sheets: "
            f"{', '.join(repr(n) for n in names)}; choose one with --sheet",
        )
    name = sheet if sheet is not None else names[0]
    if name not in names:
        raise InputError(
            book.display,
            f"no sheet named '{name}'; the sheets are {', '.join(repr(n) for n in names)}",
        )
    part = dict(book.sheets)[name]
    if not part or part not in book.archive.NameToInfo:
        raise InputError(
            book.display,
            f"the sheet '{name}' is not a worksheet (a chart "
            "sheet, or a part missing from the file)",
        )
    return name, part


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


def _values(raw: bytes, display: str, name: str, walk: _SheetWalk) -> Iterator[list[str]]:
    """The sheet's rows as text, from row 1 to its last value, as openpyxl reads them."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception as error:  # openpyxl raises many kinds for damaged files
        raise InputError(display, f"cannot read this as an XLSX workbook: {error}") from error
    try:
        if name not in book.sheetnames:
            raise InputError(display, f"cannot read sheet '{name}' from this workbook")
        # The range comes from the walk, never from the sheet's own <dimension>.
        rows = book[name].iter_rows(
            min_row=1, max_row=walk.last_row, min_col=1, max_col=walk.last_column, values_only=True
        )
        number = 0
        while True:
            number += 1
            try:
                row = next(rows, None)
            except MemoryError:
                raise
            except Exception as error:
                raise InputError(
                    display, f"cannot read sheet '{name}': {error}", row=number
                ) from error
            if row is None:
                return
            yield [_cell_text(v) for v in row]
    finally:
        book.close()


def read_xlsx(raw: bytes, display: str, sheet: str | None = None) -> Table:
    book = _open(raw, display)
    with book.archive:
        name, part = _choose(book, sheet)
        long_string = _long_shared_string(book)
        walk = _SheetWalk(book, name, long_string)
        book.parse(part, walk.start, walk.end, walk.text)
        for _, other in book.sheets:  # openpyxl reads each one's <dimension> on opening
            if other and other != part and other in book.archive.NameToInfo:
                book.parse(other)
    if long_string is not None:  # unused by this sheet, but openpyxl would still load it
        raise InputError(
            display,
            f"shared string #{long_string} holds over "
            f"{MAX_CELL_CHARS:,} characters, more than a cell may hold; "
            f"no cell of sheet '{name}' uses it, but the workbook may not have it",
        )
    if walk.last_row == 0:
        raise InputError(display, f"the sheet '{name}' is empty: no header row")
    values = _values(raw, display, name, walk)
    headers = [h.strip() for h in next(values)]
    while headers and not headers[-1]:
        headers.pop()
    check_header(display, headers)
    rows: list[list[str]] = []
    numbers: list[int] = []
    for number, row in enumerate(values, start=2):
        extra = [c for c in row[len(headers) :] if c.strip()]
        if extra:
            raise InputError(
                display,
                f"the row has a value beyond the last named column ({extra[0][:80]!r})",
                row=number,
                column=column_letters(len(headers) + 1),
            )
        cells = (row + [""] * len(headers))[: len(headers)]
        if not any(c.strip() for c in cells):
            continue
        check_room(display, len(rows), len(headers), number)
        rows.append(cells)
        numbers.append(number)
    return Table(display, headers, rows, numbers, sheet=name)
