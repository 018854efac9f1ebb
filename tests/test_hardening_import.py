"""`sweetspot import`'s writing side and its report, against hostile folders and sources
(issue 22): symlinks and folders in --out, hand edits kept across re-imports, names with
line breaks or hidden characters, collisions with files already there, Windows-reserved
and case-only names, and log lines forged through headers and file names."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from sitekit import REPO, TINY_MAPPING, build_project, write_site

from scoring.cli.main import main
from scoring.sources.inventory.writer import rewrite

FEDERAL_CSV = (
    REPO.parent
    / "shared"
    / "data"
    / "us-federal-ai-inventory-2024"
    / "2024_consolidated_ai_inventory_raw_v2.csv"
)

MAPPING = TINY_MAPPING

HEADER = ["Id", "Name", "Purpose", "Dept", "Unit", "Stage", "Vendor"]
ROWS = [
    [
        "A-1",
        "Route tickets",
        "Send each ticket to the right queue first time.",
        "Ops",
        "Support",
        "Live",
        "Acme",
    ],
    [
        "A-2",
        "Forecast demand",
        "Weekly demand per depot for the planners.",
        "Ops",
        "Planning",
        "Trial",
        "",
    ],
    [
        "A-3",
        "Spot fraud",
        "Flag suspicious refunds for a second look.",
        "Finance",
        "Audit",
        "Idea",
        "",
    ],
]

HAND_WRITTEN = """\
title: Route tickets by hand
summary: A proposal someone wrote before the inventory was imported.
team: Support
stage: idea
"""


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def inputs(tmp_path: Path, rows: list[list[str]] = ROWS) -> tuple[Path, Path]:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return write_csv(tmp_path / "inventory.csv", rows), mapping


def run_import(
    source: Path, mapping: Path | str, out: Path, *extra: str, fmt: str = "json"
) -> tuple[int, Any, str]:
    code, stdout, stderr = run_cli(
        "import", str(source), "--mapping", str(mapping), "--out", str(out), "--format", fmt, *extra
    )
    assert "Traceback" not in stdout + stderr
    return code, json.loads(stdout) if fmt == "json" and stdout else stdout, stderr


def by_row(report: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {entry["row"]: entry for entry in report["files"]}


def plain(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# ---- 1. symlinks in --out, and an --out that is not a real folder --------------------------


def test_a_symlink_at_a_new_rows_name_is_never_written_through(tmp_path: Path) -> None:
    source, mapping = inputs(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "route-tickets.yaml").symlink_to("../outside/pwned.txt")
    code, report, stderr = run_import(source, mapping, out)
    assert code == 1, stderr
    assert not (outside / "pwned.txt").exists()
    assert (out / "route-tickets.yaml").is_symlink()
    row = by_row(report)[2]
    assert row["action"] == "not_written"
    assert "route-tickets.yaml is a symlink" in row["problems"][0]
    assert report["not_written"] == 1 and report["written"] == 2
    assert (out / "forecast-demand.yaml").is_file() and (out / "spot-fraud.yaml").is_file()
    _, text, _ = run_import(source, mapping, out, fmt="text")
    assert "Rows not written (1)" in text
    assert "row 2 (route-tickets.yaml): not written:" in text
    assert "1 not written" in text and "; 1 invalid" in text


def test_a_reimported_file_swapped_for_a_symlink_is_not_followed(tmp_path: Path) -> None:
    source, mapping = inputs(tmp_path)
    out = tmp_path / "out"
    run_import(source, mapping, out)
    # A pull request replaces the imported file by a link to a file outside the folder.
    outside = tmp_path / "outside.yaml"
    shutil.move(out / "route-tickets.yaml", outside)
    before = outside.read_bytes()
    (out / "route-tickets.yaml").symlink_to(outside)
    rows = [list(r) for r in ROWS]
    rows[0][5] = "Trial"  # the row changes, so a re-import would rewrite its file
    write_csv(source, rows)
    code, report, _ = run_import(source, mapping, out)
    assert code == 1
    assert outside.read_bytes() == before
    assert by_row(report)[2]["action"] == "not_written"
    assert any(
        r["file"].endswith("route-tickets.yaml") and "symlink" in r["reason"]
        for r in report["refused"]
    )


def test_an_out_that_is_a_symlink_or_a_file_is_refused(tmp_path: Path) -> None:
    source, mapping = inputs(tmp_path)
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    code, _, stderr = run_import(source, mapping, link)
    assert code == 2
    assert f"--out {link} is a symlink" in stderr
    assert list(real.iterdir()) == []
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder\n", encoding="utf-8")
    code, _, stderr = run_import(source, mapping, a_file)
    assert code == 2 and f"--out {a_file} is not a folder" in stderr
    assert a_file.read_text(encoding="utf-8") == "not a folder\n"


def test_a_fifo_in_out_is_reported_and_never_opened(tmp_path: Path) -> None:
    source, mapping = inputs(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "waiting.yaml")  # opening it for reading would block the import
    code, report, _ = run_import(source, mapping, out)
    assert code == 0 and report["written"] == 3
    [refused] = report["refused"]
    assert refused["file"].endswith("waiting.yaml") and "not a regular file" in refused["reason"]


# ---- 10. a folder at a target name ---------------------------------------------------------


def test_a_folder_at_a_target_name_is_a_located_problem_and_other_rows_are_written(
    tmp_path: Path,
) -> None:
    source, mapping = inputs(tmp_path)
    out = tmp_path / "out"
    (out / "route-tickets.yaml").mkdir(parents=True)
    code, text, stderr = run_import(source, mapping, out, fmt="text")
    assert code == 1 and stderr == ""
    assert "row 2 (route-tickets.yaml): not written:" in text and "is a folder" in text
    assert sorted(p.name for p in out.glob("*.yaml") if p.is_file()) == [
        "forecast-demand.yaml",
        "spot-fraud.yaml",
    ]
    assert list((out / "route-tickets.yaml").iterdir()) == []


# ---- 11. hand edits and settling -----------------------------------------------------------


def test_an_unchanged_reimport_keeps_a_hand_filled_value_until_its_cell_changes(
    tmp_path: Path,
) -> None:
    source, mapping = inputs(tmp_path)
    out = tmp_path / "out"
    run_import(source, mapping, out)
    target = out / "forecast-demand.yaml"
    assert "vendor_name" not in target.read_text(encoding="utf-8")  # its Vendor cell is empty
    text = target.read_text(encoding="utf-8").replace(
        "source:", "custom:\n  vendor_name: Acme Corp  # from the contract, by hand\nsource:"
    )
    target.write_text(text, encoding="utf-8")
    code, report, _ = run_import(source, mapping, out)
    assert code == 0
    assert (report["updated"], report["unchanged"]) == (0, 3)
    assert by_row(report)[3]["hand_edits_kept"] == ["custom.vendor_name"]
    assert target.read_text(encoding="utf-8") == text
    # The source now fills the cell: the source wins, and the report names the edit.
    rows = [list(r) for r in ROWS]
    rows[1][6] = "Globex"
    write_csv(source, rows)
    _, report, _ = run_import(source, mapping, out)
    assert report["updated"] == 1
    assert by_row(report)[3]["hand_edits_overwritten"] == [
        {"field": "custom.vendor_name", "edited": "Acme Corp", "source": "Globex"}
    ]
    assert plain(target)["custom"]["vendor_name"] == "Globex"
    rows[1][6] = "Initech"  # and once more, to see the text report name it
    write_csv(source, rows)
    target.write_text(
        target.read_text(encoding="utf-8").replace("Globex", "Globex Ltd"), encoding="utf-8"
    )
    _, text, _ = run_import(source, mapping, out, fmt="text")
    assert "Hand edits replaced because the source changed (1 file(s)):" in text
    assert "row 3 (forecast-demand.yaml): custom.vendor_name: Globex Ltd -> Initech" in text
    # A hand edit of a field whose cell did not change stays too.
    target.write_text(
        target.read_text(encoding="utf-8").replace("stage: pilot", "stage: production"),
        encoding="utf-8",
    )
    _, report, _ = run_import(source, mapping, out)
    assert report["updated"] == 0 and plain(target)["stage"] == "production"


def test_a_rewritten_value_with_double_spaces_reads_back_the_same() -> None:
    summary = (
        "The purpose of the search is to provide similar functionality to our "
        "search application.  Additionally, users can ask questions in natural "
        "language instead of needing to input specific search criteria.  " * 3
    ).strip()
    text = rewrite("title: Search\nsummary: short\n", [(("summary",), summary)], [])
    assert yaml.safe_load(text)["summary"] == summary


@pytest.mark.inventory
def test_the_federal_register_settles_after_an_update(tmp_path: Path) -> None:
    if not FEDERAL_CSV.is_file():
        message = f"the real inventory is not at {FEDERAL_CSV}"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must provide it")
        pytest.skip(message)
    out = tmp_path / "out"
    _, first, _ = run_import(FEDERAL_CSV, "us-federal-2024", out)
    _, second, _ = run_import(FEDERAL_CSV, "us-federal-2024", out)
    assert (second["written"], second["updated"]) == (first["written"] - 2133, 0)
    # Every file updated through the round-trip writer (its source.file changes when the
    # inventory is renamed); the run after that must change nothing. The rows holding a
    # double space are the ones that did not settle (ruamel folded a line there and lost
    # a space); the rest would only make the test slower.
    with FEDERAL_CSV.open(encoding="cp1252", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    spaced = [row for row in rows if any("  " in cell for cell in row)]
    assert len(spaced) > 100
    subset = tmp_path / "subset.csv"
    with subset.open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle).writerows([header, *spaced])
    again = tmp_path / "again"
    run_import(subset, "us-federal-2024", again)
    renamed = Path(shutil.copy(subset, tmp_path / "renamed.csv"))
    _, updated, _ = run_import(renamed, "us-federal-2024", again)
    assert updated["updated"] == len(spaced)
    _, settled, _ = run_import(renamed, "us-federal-2024", again)
    assert (settled["written"], settled["updated"]) == (0, 0), [
        f["file"] for f in settled["files"] if f["action"] != "unchanged"
    ]
    # Settled because the values read back as the source has them, not because a lost
    # space passed for a hand edit.
    assert not [f["file"] for f in settled["files"] if f["hand_edits_kept"]]
    fresh = tmp_path / "fresh"
    run_import(renamed, "us-federal-2024", fresh)
    for path in sorted(fresh.glob("*.yaml")):
        assert plain(again / path.name) == plain(path), path.name


# ---- 12. names with line breaks, hidden characters -----------------------------------------


@pytest.mark.slow
def test_a_fresh_import_of_titles_with_line_breaks_passes_a_strict_build(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[0][1] = "Route\ntickets\r\nfor\tsupport"
    rows[1][4] = "Planning\nteam"  # the team, and the unit in org
    source, mapping = inputs(tmp_path, rows)
    root = write_site(tmp_path / "site", {})
    out = root / "content" / "proposals"
    code, report, _ = run_import(source, mapping, out)
    assert code == 0 and all(not f["warnings"] for f in report["files"])
    data = plain(out / "route-tickets-for-support.yaml")
    assert data["title"] == "Route tickets for support"
    assert plain(out / "forecast-demand.yaml")["org"] == ["Ops", "Planning team"]
    code, stdout, _ = run_cli("validate", str(out), "--format", "json")
    assert code == 0 and json.loads(stdout)["problems"] == []
    build_project(root, strict=True)  # raises on any warning


@pytest.mark.parametrize(
    "character, code_point",
    [
        ("\u202e", "U+202E"),
        ("\u200b", "U+200B"),
        ("\x1b", "U+001B"),
        ("\x07", "U+0007"),
        ("\x00", "U+0000"),
    ],
)
def test_hidden_characters_are_reported_per_row(
    tmp_path: Path, character: str, code_point: str
) -> None:
    rows = [list(r) for r in ROWS]
    rows[2][1] = f"Spot{character} fraud"
    source, mapping = inputs(tmp_path, rows)
    out = tmp_path / "out"
    _, report, _ = run_import(source, mapping, out)
    [warning] = by_row(report)[4]["warnings"]
    assert warning.startswith("title: holds invisible") and code_point in warning
    _, text, _ = run_import(source, mapping, tmp_path / "again", fmt="text")
    assert "Rows with hidden or control characters (1)" in text
    assert "  row 4 (spot-fraud.yaml): title: holds invisible" in text and code_point in text
    assert character not in text


# ---- 13. collisions with files already there, case and Windows names ------------------------


@pytest.mark.parametrize("name", ["route-tickets.yaml", "Route-Tickets.yaml", "route-tickets.yml"])
def test_a_collision_with_a_file_already_there_is_reported(tmp_path: Path, name: str) -> None:
    source, mapping = inputs(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text(HAND_WRITTEN, encoding="utf-8")
    _, report, _ = run_import(source, mapping, out)
    given = by_row(report)[2]["id"]
    assert given.startswith("route-tickets-") and (out / f"{given}.yaml").is_file()
    assert (out / name).read_text(encoding="utf-8") == HAND_WRITTEN
    [collision] = report["collisions"]
    assert collision["slug"] == "route-tickets"
    assert collision["existing"] == [str(out / name)]
    assert collision["rows"] == [{"row": 2, "key": "A-1", "id": given}]
    _, text, _ = run_import(source, mapping, tmp_path / "out", "--dry-run", fmt="text")
    assert f"  route-tickets: row 2 -> {given} (already used by {out / name})" in text


def test_windows_reserved_names_get_a_suffix_and_validate_refuses_them(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[0][1], rows[1][1] = "CON", "Lpt1"
    source, mapping = inputs(tmp_path, rows)
    out = tmp_path / "out"
    code, report, _ = run_import(source, mapping, out)
    assert code == 0
    ids = {entry["row"]: entry["id"] for entry in report["files"]}
    assert ids[2].startswith("con-") and ids[3].startswith("lpt1-")
    assert {c["slug"]: c["reserved"] for c in report["collisions"]} == {"con": True, "lpt1": True}
    hand = tmp_path / "hand"
    hand.mkdir()
    (hand / "nul.yaml").write_text(HAND_WRITTEN, encoding="utf-8")
    code, stdout, _ = run_cli("validate", str(hand))
    assert code == 1 and "the file name 'nul' is reserved on Windows" in stdout


# ---- 14. nothing from the source forges a log line -----------------------------------------


def test_headers_values_and_file_names_cannot_forge_workflow_commands(tmp_path: Path) -> None:
    forged = "\n::error file=x.py,line=1::forged"
    header = [*HEADER, f"Notes{forged}"]
    rows = [[*r, "note"] for r in ROWS]
    rows[2][5] = f"Someday{forged}"  # an untranslatable value, printed in the report
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    source = write_csv(tmp_path / f"inventory{forged}.csv", rows, header)
    code, text, _ = run_import(source, mapping, tmp_path / "out", fmt="text")
    assert code == 0
    assert "Columns left unused (1)" in text and "Notes\\n::error" in text
    assert "inventory\\n::error" in text
    assert not [line for line in text.splitlines() if line.lstrip().startswith("::")]


NUMBER_MAPPING = MAPPING + "  spend_musd: {column: Vendor, type: number}\n"


@pytest.mark.parametrize("cell", ["nan", "inf", "-Infinity", "1e400"])
def test_a_number_cell_that_is_not_finite_is_kept_as_untranslated(
    tmp_path: Path, cell: str
) -> None:
    # float() reads all of these; a proposal holding one could not be scored.
    rows = [[*ROWS[0][:-1], cell]]
    source = write_csv(tmp_path / "inventory.csv", rows)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(NUMBER_MAPPING, encoding="utf-8")
    out = tmp_path / "out"
    code, report, _ = run_import(source, mapping, out)
    assert code in (0, 1)
    assert report["unmapped"] and report["unmapped"][0]["value"] == cell
    data = plain(next(out.glob("*.yaml")))
    assert "spend_musd" not in data.get("custom", {})


def test_a_mapping_that_is_a_pipe_is_refused_as_not_a_file(tmp_path: Path) -> None:
    source, _ = inputs(tmp_path)
    fifo = tmp_path / "mapping.yaml"
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)
    code, _, stderr = run_cli(
        "import", str(source), "--mapping", str(fifo), "--out", str(tmp_path / "out")
    )
    assert code == 2
    assert "not a regular file" in stderr


def alias_bomb(levels: int = 9) -> str:
    """Nine nested lists of nine aliases: a few hundred bytes that stand for 9**9 values."""
    text = '\nnotes_bomb:\n  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghi"[: levels - 1]:
        text += f"  {name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


def test_an_alias_bomb_in_an_imported_file_is_not_rewritten(tmp_path: Path) -> None:
    # A pull request can commit one into the proposals folder; the next re-import used to
    # walk its 9**9 values while rewriting the file and never returned.
    source, mapping = inputs(tmp_path)
    out = tmp_path / "out"
    assert run_import(source, mapping, out)[0] == 0
    target = out / "route-tickets.yaml"
    target.write_text(target.read_text(encoding="utf-8") + alias_bomb(), encoding="utf-8")
    before = target.read_bytes()
    rows = [list(r) for r in ROWS]
    rows[0][2] = "Send each ticket to the right queue, first time and every time."
    rows = rows[:2]  # and row 3 leaves the source: its file is marked, route-tickets' is not
    write_csv(source, rows)
    code, report, _ = run_import(source, mapping, out)
    assert code == 1
    row = by_row(report)[2]
    assert row["action"] == "not_written"
    assert any("YAML alias" in p and "not updated" in p for p in row["problems"])
    assert target.read_bytes() == before


def test_an_alias_bomb_in_a_file_leaving_the_source_is_not_rewritten(tmp_path: Path) -> None:
    source, mapping = inputs(tmp_path)
    out = tmp_path / "out"
    assert run_import(source, mapping, out)[0] == 0
    target = next(p for p in out.glob("*.yaml") if plain(p)["external_id"] == "A-3")
    target.write_text(target.read_text(encoding="utf-8") + alias_bomb(), encoding="utf-8")
    before = target.read_bytes()
    write_csv(source, ROWS[:2])
    _, report, _ = run_import(source, mapping, out)
    assert [r for r in report["refused"] if "YAML alias" in r["reason"]]
    assert target.read_bytes() == before
