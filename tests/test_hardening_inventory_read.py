"""Hostile and damaged inventories and mappings (issue 22): each is refused with a one-line
error naming the file (and sheet, row and column where there are such), exit status 2, and
nothing written; or, where the file is truly fine, read in full.

Workbooks are written part by part here, so that each test controls the XML exactly.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scoring.cli.main import main
from scoring.sources.inventory import workbook
from scoring.sources.inventory.reader import read_table
from scoring.sources.inventory.table import MAX_CELL_CHARS, MAX_ROWS

MAPPING = """\
mapping_version: 1
name: tiny
id:
  external_id: Id
  slug: [Name]
fields:
  title: {column: Name}
  summary: {column: Purpose}
  team: {column: Unit}
  stage:
    column: Stage
    default: not_reported
    values: {Live: production, Trial: pilot}
"""
HEADER = ["Id", "Name", "Purpose", "Unit", "Stage"]
ROWS = [
    ["A-1", "Route tickets", "Send each ticket to the right queue first time.", "Ops", "Live"],
    ["A-2", "Forecast demand", "Weekly demand per depot for the planners.", "Plan", "Trial"],
    ["A-3", "Spot fraud", "Flag suspicious refunds for a second look.", "Audit", "Live"],
]
CSV = "".join(",".join(row) + "\n" for row in [HEADER, *ROWS])

SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def import_file(
    tmp_path: Path,
    source: Path,
    *extra: str,
    mapping: str = MAPPING,
    mapping_file: Path | None = None,
) -> tuple[int, str, str, Path]:
    if mapping_file is None:
        mapping_file = tmp_path / "mapping.yaml"
        mapping_file.write_text(mapping, encoding="utf-8")
    out = tmp_path / "proposals"
    code, stdout, stderr = run_cli(
        "import", str(source), "--mapping", str(mapping_file), "--out", str(out), *extra
    )
    return code, stdout, stderr, out


def refused(tmp_path: Path, source: Path, *extra: str, **kw: Any) -> str:
    """The one-line error of an import that must stop before writing anything."""
    code, _, stderr, out = import_file(tmp_path, source, *extra, **kw)
    assert code == 2, stderr
    assert "Traceback" not in stderr
    assert not out.exists(), "nothing may be written when the input is bad"
    lines = stderr.strip().splitlines()
    if lines[0] == "sweetspot: the mapping is invalid:":  # then one located line a problem
        assert lines[1:] and all(line.startswith(str(tmp_path)) for line in lines[1:]), stderr
        return "\n".join(lines[1:])
    assert len(lines) == 1 and stderr.startswith("sweetspot: error: "), stderr
    return lines[0].removeprefix("sweetspot: error: ")


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def letters(index: int) -> str:
    return workbook.column_letters(index)


def sheet_rows(rows: list[list[str]], first: int = 1) -> str:
    return "".join(
        f'<row r="{n}">'
        + "".join(inline(f"{letters(i)}{n}", v) for i, v in enumerate(row, start=1))
        + "</row>"
        for n, row in enumerate(rows, start=first)
    )


def write_parts(path: Path, parts: dict[str, str | bytes | Iterator[bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, body in parts.items():
            if isinstance(body, (str, bytes)):
                archive.writestr(name, body)
                continue
            with archive.open(name, "w") as stream:
                for chunk in body:
                    stream.write(chunk)
    return path


def xlsx(
    path: Path,
    sheet_data: str,
    *,
    dimension: str | None = None,
    shared: str | Iterator[bytes] | None = None,
    head: str = "",
    book_head: str = "",
) -> Path:
    """A one-sheet workbook ('Use cases') whose sheetData is given as XML."""
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
        '2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
        'main+xml"/></Types>'
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    parts: dict[str, str | bytes | Iterator[bytes]] = {
        "[Content_Types].xml": types,
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship '
        f'Id="rId1" Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": f'<?xml version="1.0"?>{book_head}<workbook xmlns="{SPREADSHEET}" '
        f'xmlns:r="{OFFICE}"><sheets><sheet name="Use cases" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{RELS}">'
        '<Relationship Id="rId1" '
        f'Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/><Relationship '
        f'Id="rId2" Type="{OFFICE}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?>{head}<worksheet xmlns='
        f'"{SPREADSHEET}">{dim}<sheetData>{sheet_data}'
        "</sheetData></worksheet>",
    }
    if shared is not None:
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0"?><sst xmlns="{SPREADSHEET}">{shared}</sst>'
            if isinstance(shared, str)
            else shared
        )
    return write_parts(path, parts)


def imported(tmp_path: Path, source: Path) -> tuple[str, dict[str, Any]]:
    code, stdout, stderr, _ = import_file(tmp_path, source, "--format", "json")
    assert code == 0, stderr
    return stdout, json.loads(stdout)


# ---- item 6: a declared dimension cannot make a sheet huge ---------------------------------


def test_xlsx_huge_dimension_with_a_far_value_is_refused_naming_the_cell(tmp_path: Path) -> None:
    far = '<row r="1048576">' + inline("XFD1048576", "x") + "</row>"
    source = xlsx(
        tmp_path / "bomb.xlsx", sheet_rows([HEADER, ROWS[0]]) + far, dimension="A1:XFD1048576"
    )
    assert source.stat().st_size < 5_000
    error = refused(tmp_path, source)
    assert error.startswith(f"{source}: row 1048576, column 'XFD': in sheet 'Use cases'")
    assert f"at most {MAX_ROWS + 1:,} rows" in error


def test_xlsx_value_past_the_column_limit_is_refused_naming_the_cell(tmp_path: Path) -> None:
    source = xlsx(
        tmp_path / "wide.xlsx",
        sheet_rows([HEADER, ROWS[0]]) + '<row r="3">' + inline("XFD3", "x") + "</row>",
    )
    error = refused(tmp_path, source)
    assert "row 3, column 'XFD'" in error and "at most 1,000 columns" in error


def test_xlsx_huge_dimension_alone_reads_the_real_rows(tmp_path: Path) -> None:
    # A declared range, and a far cell with a style but no value, change nothing.
    far = '<row r="1048576"><c r="XFD1048576" s="0"/></row>'
    source = xlsx(
        tmp_path / "inventory.xlsx", sheet_rows([HEADER, *ROWS]) + far, dimension="A1:XFD1048576"
    )
    table = read_table(source)
    assert table.rows == ROWS and table.row_numbers == [2, 3, 4]


# ---- item 7: a stale dimension does not drop rows --------------------------------------------


def test_xlsx_stale_dimension_reads_every_row_and_retires_nothing(tmp_path: Path) -> None:
    source = xlsx(tmp_path / "inventory.xlsx", sheet_rows([HEADER, *ROWS]))
    _, first = imported(tmp_path, source)
    assert first["rows"] == 3 and first["written"] == 3
    # Re-saved by a tool that left <dimension> at the first data row.
    xlsx(source, sheet_rows([HEADER, *ROWS]), dimension="A1:E2")
    _, again = imported(tmp_path, source)
    assert again["rows"] == 3 and again["unchanged"] == 3
    assert again["no_longer_in_source"] == []


def test_xlsx_rows_without_numbers_are_all_read(tmp_path: Path) -> None:
    rows = "".join(
        "<row>" + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in row) + "</row>"
        for row in [HEADER, *ROWS]
    )
    table = read_table(xlsx(tmp_path / "inventory.xlsx", rows, dimension="A1:A1"))
    assert table.headers == HEADER and table.rows == ROWS


# ---- item 8: cells and unpacked sizes are capped ---------------------------------------------


def test_xlsx_shared_string_bomb_is_refused_naming_the_cell(tmp_path: Path) -> None:
    def huge_string() -> Iterator[bytes]:
        yield f'<?xml version="1.0"?><sst xmlns="{SPREADSHEET}"><si><t>ok</t></si><si><t>'.encode()
        chunk = b"a" * 2**20
        for _ in range(300):  # 300 MB unpacked, about 1.3 MB in the file
            yield chunk
        yield b"</t></si></sst>"

    cells = sheet_rows([HEADER, ROWS[0]]) + (
        '<row r="3">' + inline("A3", "A-9") + '<c r="B3" t="s"><v>1</v></c></row>'
    )
    source = xlsx(tmp_path / "bomb.xlsx", cells, shared=huge_string())
    assert source.stat().st_size < 2 * 2**20
    error = refused(tmp_path, source)
    assert error.startswith(f"{source}: row 3, column 'B': in sheet 'Use cases'")
    assert f"over {MAX_CELL_CHARS:,} characters" in error


def test_xlsx_long_inline_cell_is_refused_naming_the_cell(tmp_path: Path) -> None:
    row = '<row r="2">' + inline("A2", "A-1") + inline("C2", "x" * (MAX_CELL_CHARS + 1))
    source = xlsx(tmp_path / "long.xlsx", sheet_rows([HEADER]) + row + "</row>")
    error = refused(tmp_path, source)
    assert "row 2, column 'C'" in error and "a cell may hold at most 131,072" in error


def test_xlsx_long_shared_string_no_cell_uses_is_refused(tmp_path: Path) -> None:
    shared = "<si><t>ok</t></si><si><t>" + "y" * (MAX_CELL_CHARS + 1) + "</t></si>"
    source = xlsx(tmp_path / "long.xlsx", sheet_rows([HEADER, *ROWS]), shared=shared)
    error = refused(tmp_path, source)
    assert "shared string #1 holds over 131,072 characters" in error


def test_xlsx_unpacking_past_the_cap_is_refused_before_unpacking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook, "MAX_UNPACKED", 64 * 1024)
    filler = "<row r='5'>" + inline("F5", "z" * 100_000) + "</row>"
    source = xlsx(tmp_path / "big.xlsx", sheet_rows([HEADER, *ROWS]) + filler)
    error = refused(tmp_path, source)
    assert "the workbook's sheets unpack to" in error and "at most 0 MiB" in error


def test_xlsx_oversized_other_part_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook, "MAX_PART", 1024)
    source = xlsx(tmp_path / "big.xlsx", sheet_rows([HEADER, *ROWS]))
    with zipfile.ZipFile(source, "a") as archive:
        archive.writestr("xl/styles.xml", "<styleSheet>" + " " * 4096 + "</styleSheet>")
    assert "the part xl/styles.xml unpacks to" in refused(tmp_path, source)


def test_xlsx_oversized_zip_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook, "MAX_DIRECTORY", 100)
    source = xlsx(tmp_path / "many.xlsx", sheet_rows([HEADER, *ROWS]))
    assert "zip directory" in refused(tmp_path, source)


def test_xlsx_giant_tag_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook, "MAX_TOKEN", 1024)
    monkeypatch.setattr(workbook, "_CHUNK", 1024)
    cell = f'<c r="A3" t="inlineStr" junk="{"j" * 10_000}"><is><t>x</t></is></c>'
    source = xlsx(tmp_path / "tag.xlsx", sheet_rows([HEADER, ROWS[0]]) + f'<row r="3">{cell}</row>')
    assert "has an XML tag longer than" in refused(tmp_path, source)


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "inventory.xlsx"
    source.write_bytes(b"Id,Name\n1,x\n")
    assert "not a zip file" in refused(tmp_path, source)


# ---- item 9: malformed XML is an input error ---------------------------------------------

LAUGHS = (
    '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;'
    '&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;'
    '&c;&c;&c;&c;">]>'
)


@pytest.mark.parametrize(
    "head, cell",
    [
        (LAUGHS, "&d;"),
        ('<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
    ],
)
def test_xlsx_with_entities_is_an_input_error(tmp_path: Path, head: str, cell: str) -> None:
    source = xlsx(tmp_path / "entities.xlsx", sheet_rows([HEADER, [*ROWS[0][:4], cell]]), head=head)
    error = refused(tmp_path, source)
    assert error.startswith(f"{source}: the part xl/worksheets/sheet1.xml declares a DOCTYPE")


def test_xlsx_doctype_in_the_workbook_part_is_an_input_error(tmp_path: Path) -> None:
    source = xlsx(tmp_path / "entities.xlsx", sheet_rows([HEADER, *ROWS]), book_head=LAUGHS)
    assert "the part xl/workbook.xml declares a DOCTYPE" in refused(tmp_path, source)


def test_xlsx_broken_sheet_xml_is_an_input_error(tmp_path: Path) -> None:
    source = xlsx(tmp_path / "broken.xlsx", sheet_rows([HEADER]) + "<row r='2'><c r='A2'>")
    error = refused(tmp_path, source)
    assert "xl/worksheets/sheet1.xml is not well-formed XML" in error


# ---- CSV: encodings, cell and row limits ---------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-32-le", "utf-32-be"])
def test_utf32_with_a_byte_order_mark_is_read(tmp_path: Path, codec: str) -> None:
    source = tmp_path / "inventory.csv"
    bom = b"\xff\xfe\x00\x00" if codec.endswith("le") else b"\x00\x00\xfe\xff"
    source.write_bytes(bom + CSV.replace("Ops", "Opérations").encode(codec))
    table = read_table(source)
    assert table.encoding == "utf-32" and table.encoding_note == "byte-order mark"
    assert table.headers == HEADER and table.rows[0][3] == "Opérations"


def test_mixed_utf8_and_windows_1252_reads_both_and_says_so(tmp_path: Path) -> None:
    source = tmp_path / "inventory.csv"
    utf8 = CSV.replace("Ops", "Café Ops").replace("Audit", "Qualité").encode("utf-8")
    source.write_bytes(utf8.replace(b"Plan", "Café Plan".encode("cp1252")))
    table = read_table(source)
    assert [row[3] for row in table.rows] == ["Café Ops", "Café Plan", "Qualité"]
    assert table.encoding == "utf-8, with Windows-1252 for bytes that are not UTF-8"
    assert "1 byte(s) that are not UTF-8 read as Windows-1252, the first on line 3" in (
        table.encoding_note
    )
    code, stdout, stderr, _ = import_file(tmp_path, source)
    assert code == 0, stderr
    assert "mostly UTF-8" in stdout


def test_mixed_file_with_a_byte_neither_encoding_has_is_located(tmp_path: Path) -> None:
    source = tmp_path / "inventory.csv"
    source.write_bytes(CSV.replace("Ops", "Café").encode("utf-8").replace(b"Plan", b"Pl\x81n"))
    error = refused(tmp_path, source)
    assert f"{source}: row 3: byte 0x81" in error and "neither UTF-8 nor Windows-1252" in error


def test_windows_1252_file_is_still_detected(tmp_path: Path) -> None:
    source = tmp_path / "inventory.csv"
    source.write_bytes(CSV.replace("Ops", "Opérations").replace("Plan", "Qualité").encode("cp1252"))
    table = read_table(source)
    assert table.encoding == "cp1252" and table.rows[1][3] == "Qualité"


def test_csv_cell_over_the_cap_is_located(tmp_path: Path) -> None:
    source = tmp_path / "inventory.csv"
    source.write_text(CSV + "A-4,Long," + "x" * (MAX_CELL_CHARS + 1) + ",Ops,Live\n")
    error = refused(tmp_path, source)
    assert f"{source}: row 5" in error and "a cell may hold at most 131,072" in error


def test_csv_over_the_row_cap_is_refused_at_the_first_row_past_it(tmp_path: Path) -> None:
    source = tmp_path / "inventory.csv"
    line = "A-{},Name,Purpose,Ops,Live\n"
    source.write_text(
        ",".join(HEADER) + "\n" + "".join(line.format(n) for n in range(MAX_ROWS + 1))
    )
    error = refused(tmp_path, source)
    assert f"{source}: row {MAX_ROWS + 2:}:" in error
    assert f"more than {MAX_ROWS:,} rows" in error


def test_unknown_or_non_text_encoding_option_is_an_input_error(tmp_path: Path) -> None:
    source = tmp_path / "inventory.csv"
    source.write_text("xn--a." + CSV)  # idna decodes dot-separated labels: not a valid one
    assert "cannot be decoded as idna" in refused(tmp_path, source, "--encoding", "idna")
    assert "unknown encoding 'nope'" in refused(tmp_path, source, "--encoding", "nope")


# ---- files named on the command line ---------------------------------------------------------


def test_inventory_symlink_fifo_and_folder_are_refused(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text(CSV)
    link = tmp_path / "inventory.csv"
    link.symlink_to(real)
    assert "is a symlink" in refused(tmp_path, link)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # would block a plain read for ever
    assert "not a regular file" in refused(tmp_path, fifo)
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert "is a folder" in refused(tmp_path, folder)


def test_mapping_symlink_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "inventory.csv"
    source.write_text(CSV)
    real = tmp_path / "real.yaml"
    real.write_text(MAPPING)
    link = tmp_path / "mapping.yaml"
    link.symlink_to(real)
    error = refused(tmp_path, source, mapping_file=link)
    assert f"{link}: the mapping file is a symlink" in error


# ---- item 16: a schema-valid mapping cannot crash the import --------------------------------

DATED = (
    MAPPING
    + """\
  dates.initiated:
    column: Stage
    type: date
    formats: ["%m/%d/%Y", "{fmt}"]
"""
)


@pytest.mark.parametrize(
    "fmt, why",
    [
        ("%Y%Y", "a directive appears twice"),
        ("%Q", "'Q' is a bad directive"),
        ("%Y-%", "stray %"),
    ],
)
def test_mapping_bad_date_format_is_located_at_load(tmp_path: Path, fmt: str, why: str) -> None:
    source = tmp_path / "inventory.csv"
    source.write_text(CSV)
    mapping = DATED.replace("{fmt}", fmt)
    line = mapping.splitlines().index('    formats: ["%m/%d/%Y", "' + fmt + '"]') + 1
    error = refused(tmp_path, source, mapping=mapping)
    assert re.search(
        rf"mapping\.yaml:{line}:\d+: fields\.dates\.initiated\.formats\.1: "
        rf"'{re.escape(fmt)}' is not a date format",
        error,
    ), error
    assert why in error


def test_mapping_with_too_long_a_date_format_is_located(tmp_path: Path) -> None:
    source = tmp_path / "inventory.csv"
    source.write_text(CSV)
    error = refused(tmp_path, source, mapping=DATED.replace("{fmt}", "%Y" + "-" * 100))
    assert "mapping.yaml:17:" in error and "formats[1]: is too long" in error


@pytest.mark.parametrize("encoding", ["idna", "rot13", "no-such-codec"])
def test_mapping_encoding_that_cannot_decode_text_is_located(tmp_path: Path, encoding: str) -> None:
    source = tmp_path / "inventory.csv"
    source.write_text(CSV)
    mapping = MAPPING.replace("name: tiny\n", f"name: tiny\nencoding: {encoding}\n")
    error = refused(tmp_path, source, mapping=mapping)
    assert re.search(
        rf"mapping\.yaml:3:\d+: encoding: '{encoding}' is not a text encoding", error
    ), error


def test_mapping_with_aliases_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "inventory.csv"
    source.write_text(CSV)
    mapping = (
        MAPPING.replace("  title: {column: Name}", "  title: &name {column: Name}")
        + "custom:\n  again: *name\n"
    )
    error = refused(tmp_path, source, mapping=mapping)
    assert "mapping.yaml:" in error and "aliases" in error


def test_mapping_with_a_huge_number_is_located(tmp_path: Path) -> None:
    source = tmp_path / "inventory.csv"
    source.write_text(CSV)
    mapping = MAPPING.replace("default: not_reported", "default: " + "9" * 5000)
    error = refused(tmp_path, source, mapping=mapping)
    assert "mapping.yaml:" in error and "Traceback" not in error
