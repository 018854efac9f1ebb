"""`sweetspot import` and `sweetspot export`: the real 2024 US federal inventory, and small
synthetic files for every kind of bad input.

The real file is read from ../shared/data relative to the repository root. Without it these
tests skip, except when the CI environment variable is set: then they fail.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup
from sitekit import REPO, TINY_MAPPING, logged_build, page_of, write_site

from scoring.cli.main import main
from scoring.proposals.loading import MAX_ID_LENGTH, load_proposals
from scoring.rubric import load_rubric
from scoring.sources.inventory.convert import one_line_text, read_date

FEDERAL_DIR = REPO.parent / "shared" / "data" / "us-federal-ai-inventory-2024"
FEDERAL_CSV = FEDERAL_DIR / "2024_consolidated_ai_inventory_raw_v2.csv"
FEDERAL_ROWS = 2133


def federal_csv() -> Path:
    if not FEDERAL_CSV.is_file():
        message = f"the real inventory is not at {FEDERAL_CSV} (see shared/data/README.md)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must provide it")
        pytest.skip(message)
    return FEDERAL_CSV


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def do_import(
    source: Path, out: Path, *extra: str, mapping: str = "us-federal-2024"
) -> tuple[int, dict[str, Any]]:
    code, stdout, stderr = run_cli(
        "import", str(source), "--mapping", mapping, "--out", str(out), "--format", "json", *extra
    )
    assert code in (0, 1), stderr
    return code, json.loads(stdout)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))}


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def plain(path: Path) -> Any:
    return yaml.load(path.read_bytes(), Loader=_Loader)


def load_all(folder: Path) -> dict[str, Any]:
    """Every file's data by file name, parsed once with libyaml."""
    return {p.name: plain(p) for p in sorted(folder.glob("*.yaml"))}


# ------------------------------------------------------------------------------------------
# The real inventory
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def federal(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("federal") / "proposals"
    _, report = do_import(federal_csv(), out)
    return out, report


@pytest.mark.inventory
def test_import_writes_one_file_per_row_and_reports_every_invalid_one(
    federal: tuple[Path, dict[str, Any]],
) -> None:
    out, report = federal
    files = sorted(out.glob("*.yaml"))
    assert len(files) == FEDERAL_ROWS
    assert report["written"] == FEDERAL_ROWS and report["skipped"] == 0
    assert report["encoding"] == "cp1252"
    # Every source row is in exactly one file, by its row number.
    data = load_all(out)
    rows = sorted(d["source"]["row"] for d in data.values())
    assert rows == list(range(2, FEDERAL_ROWS + 2))
    # Ids follow the id rule.
    assert all(
        len(p.stem) <= MAX_ID_LENGTH and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", p.stem)
        for p in files
    )
    # The files the validator rejects are exactly the rows the report lists, with reasons.
    intake = load_proposals([out], load_rubric(None))
    invalid = {Path(bad.file).name for bad in intake.invalid}
    reported = {Path(f["file"]).name: f for f in report["files"] if f["problems"]}
    assert invalid == set(reported)
    assert len(intake.proposals) + len(intake.invalid) == FEDERAL_ROWS
    for bad in intake.invalid:
        entry = reported[Path(bad.file).name]
        assert entry["row"] == data[Path(bad.file).name]["source"]["row"]
        # Invalid only for what the source leaves out, never for a length the data needs.
        for problem in bad.problems:
            assert "too long" not in problem.message
            assert problem.field in ("summary", "title", "") or "required" in problem.message


@pytest.mark.inventory
def test_titles_and_units_fit_the_limits(federal: tuple[Path, dict[str, Any]]) -> None:
    out, _ = federal
    frame = pd.read_csv(federal_csv(), encoding="cp1252", dtype=str, keep_default_na=False)
    longest = frame.loc[frame["Use Case Name"].str.strip().str.len().idxmax()]
    data = load_all(out)
    match = [out / n for n, d in data.items() if d["title"] == longest["Use Case Name"].strip()]
    assert len(match) == 1
    intake = load_proposals(match, load_rubric(None))
    assert intake.proposals, intake.problems
    # The longest bureau name is kept whole as the second level of the unit path.
    bureau = max(frame["Bureau"].str.strip(), key=len)
    assert any(d["org"][-1] == bureau for d in data.values())


@pytest.mark.inventory
def test_unmapped_values_and_unused_columns_are_reported(
    federal: tuple[Path, dict[str, Any]],
) -> None:
    out, report = federal
    assert report["unmapped"], "the federal file has free-text values outside the mapping"
    by_row = {d["source"]["row"]: d for d in load_all(out).values()}
    for item in report["unmapped"]:
        kept = by_row[item["row"]]["source"]["unmapped"][item["column"]]
        assert " ".join(kept.split()) == " ".join(item["value"].split())
    assert "If Other, please explain. (#1)" in report["unused_columns"]
    assert "Use Case Name" not in report["unused_columns"]


@pytest.mark.inventory
def test_key_collisions_get_stable_listed_suffixes(federal: tuple[Path, dict[str, Any]]) -> None:
    _, report = federal
    frame = pd.read_csv(federal_csv(), encoding="cp1252", dtype=str, keep_default_na=False)
    key = frame[["Agency", "Bureau", "Use Case Name"]].apply(
        lambda r: " | ".join(" ".join(v.split()) for v in r), axis=1
    )
    duplicated_rows = {i + 2 for i in key[key.duplicated(keep=False)].index}
    listed = {row["row"]: row for group in report["collisions"] for row in group["rows"]}
    assert duplicated_rows <= set(listed)
    ids = [row["id"] for row in listed.values()]
    assert len(ids) == len(set(ids))
    for row in listed.values():
        base_key = row["key"].rsplit(" #", 1)[0]
        digest = hashlib.sha1(base_key.encode()).hexdigest()[:6]
        assert re.search(rf"-{digest}(-\d+)?$", row["id"]), row


@pytest.mark.inventory
def test_reimport_changes_nothing(federal: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    out, _ = federal
    before = snapshot(out)
    _, report = do_import(federal_csv(), out)
    assert (report["written"], report["updated"], report["unchanged"]) == (0, 0, FEDERAL_ROWS)
    assert snapshot(out) == before


@pytest.mark.inventory
def test_round_trip_keeps_every_mapped_value(
    federal: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, _ = federal
    exported = tmp_path / "export.csv"
    code, _, err = run_cli(
        "export", str(out), "--format", "us-federal-2024", "--out", str(exported)
    )
    assert code == 0, err
    again = tmp_path / "again"
    _, report = do_import(exported, again)
    assert report["written"] == FEDERAL_ROWS
    firsts, seconds = load_all(out), load_all(again)
    assert set(firsts) == set(seconds)
    for name, first in firsts.items():
        second = seconds[name]
        first["source"].pop("file")
        second["source"].pop("file")
        assert first == second, name
    # Text columns come back exactly as the source had them (without outer spaces).
    original = pd.read_csv(federal_csv(), encoding="cp1252", dtype=str, keep_default_na=False)
    back = pd.read_csv(exported, dtype=str, keep_default_na=False)
    for column in (
        "Use Case Name",
        "Agency",
        "What is the intended purpose and expected benefits of the AI?",
        "Is the AI use case rights-impacting, safety-impacting, both, or neither?",
    ):
        expected = original[column].str.strip()
        if column == "Use Case Name":  # a title is one line: its line breaks became spaces
            expected = expected.map(one_line_text)
        assert list(expected) == list(back[column].str.lstrip("'")), column
    # Dates come back as the source wrote them (10/1/2023, or words), except the
    # bare placeholders the mapping reads as "no date".
    for column in ("Date Initiated", "Date Implemented", "Date Retired"):
        for before, after in zip(original[column].str.strip(), back[column], strict=True):
            assert after == before or (
                after == "" and before.upper() in ("N/A", "NA", "TBD", "UNKNOWN")
            ), (column, before, after)


@pytest.mark.inventory
def test_reimport_keeps_hand_edits_and_marks_rows_gone(tmp_path: Path) -> None:
    source = federal_csv()
    with source.open(encoding="cp1252", newline="") as handle:
        rows = list(csv.reader(handle))
    subset = tmp_path / "subset.csv"

    def write(records: list[list[str]]) -> None:
        with subset.open("w", encoding="cp1252", newline="") as handle:
            csv.writer(handle).writerows(records)

    write(rows[:41])
    out = tmp_path / "proposals"
    do_import(subset, out)
    target = sorted(out.glob("*.yaml"))[5]
    row_number = plain(target)["source"]["row"]
    text = target.read_text(encoding="utf-8")
    text = text.replace("title:", "# Reviewed by the AI board in May.\ntitle:", 1)
    text += "owner: Dana Okafor  # added by hand\n"
    # A hand-added stakes answer, beside the register's determination where it has one.
    if "\nstakes:\n" in text:
        text = text.replace("\nstakes:\n", "\nstakes:\n  area: health\n", 1)
    else:
        text += "stakes:\n  area: health\n"
    assert "\nlinks:" not in text
    text += "links:\n  - title: Impact assessment\n    url: https://example.org/ia\n"
    target.write_text(text, encoding="utf-8")
    # The source changes this row's stage and drops the last row.
    changed = [list(r) for r in rows[:40]]
    stage_col = rows[0].index("Stage of Development")
    changed[row_number - 1][stage_col] = "Retired"
    gone_key = " | ".join(" ".join(rows[40][i].split()) for i in (1, 3, 0))
    write(changed)
    _, report = do_import(subset, out)
    assert report["updated"] == 1 and report["written"] == 0
    data = plain(target)
    assert data["stage"] == "retired"
    assert data["owner"] == "Dana Okafor" and data["stakes"]["area"] == "health"
    assert data["links"] == [{"title": "Impact assessment", "url": "https://example.org/ia"}]
    kept = target.read_text(encoding="utf-8")
    assert "# Reviewed by the AI board in May." in kept and "# added by hand" in kept
    [gone] = report["no_longer_in_source"]
    assert gone["action"] == "marked" and gone["key"] == gone_key
    marked = plain(Path(gone["file"]))
    assert marked["stage"] == "retired" and marked["source"]["listed"] is False
    # The date it left the source: the inventory's own retirement date if it gave one, or
    # the day of the import.
    given = rows[40][rows[0].index("Date Retired")].strip()
    expected = read_date(given, ("%m/%d/%Y", "%Y-%m-%d")) if given else dt.date.today().isoformat()
    assert str(marked["dates"]["retired"]) == expected
    # A third run changes nothing.
    before = snapshot(out)
    _, report = do_import(subset, out)
    assert report["updated"] == report["written"] == 0
    assert snapshot(out) == before


@pytest.mark.inventory
def test_site_builds_from_a_sample_with_warnings_only_for_invalid_rows(
    federal: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, report = federal
    invalid = sorted(Path(f["file"]).name for f in report["files"] if f["problems"])
    sample = sorted(p.name for p in out.glob("*.yaml"))[::45][:48] + invalid[:2]
    root = write_site(tmp_path / "site", {})
    for name in sample:
        shutil.copy(out / name, root / "content" / "proposals" / name)
    outcome = logged_build(root, strict=True)
    assert outcome.error is not None
    warned = [w for w in outcome.warnings if "proposals/" in w]
    assert warned and all(any(name in w for name in invalid[:2]) for w in warned)
    assert len([w for w in outcome.warnings if w not in warned]) == 0, outcome.warnings
    # Built without --strict, the intake page names the inventory row of each invalid file.
    outcome = logged_build(root)
    assert outcome.site_dir is not None
    intake = BeautifulSoup(
        page_of(outcome.site_dir, "intake-problems.md").read_text(), "html.parser"
    ).get_text(" ", strip=True)
    for name in invalid[:2]:
        row = plain(root / "content" / "proposals" / name)["source"]["row"]
        assert f"Imported from row {row} of 2024_consolidated_ai_inventory_raw_v2.csv" in intake
    # Without the invalid rows the strict build passes, and the units have pages.
    for name in invalid[:2]:
        (root / "content" / "proposals" / name).unlink()
    outcome = logged_build(root, strict=True)
    assert outcome.error is None, outcome.warnings
    site = outcome.site_dir
    assert site is not None
    index = BeautifulSoup(page_of(site, "portfolio/units/index.md").read_text(), "html.parser")
    agencies = {plain(root / "content" / "proposals" / n)["org"][0] for n in sample[:48]}
    names = {a.get_text(strip=True) for a in index.select("table a")}
    assert agencies <= names


# ------------------------------------------------------------------------------------------
# Synthetic inventories: the mapping format, the report and every kind of bad input
# ------------------------------------------------------------------------------------------

MAPPING = TINY_MAPPING

HEADER = "Id,Name,Purpose,Dept,Unit,Stage,Vendor\n"
GOOD = HEADER + (
    "A-1,Route tickets,Send each ticket to the right queue first time.,Ops,Support,Live,Acme\n"
    "A-2,Forecast demand,Weekly demand per depot for the planners.,Ops,Planning,trial ,\n"
    "A-3,Spot fraud,Flag suspicious refunds for a second look.,Finance,Audit,Someday,\n"
)


def write_inputs(
    tmp_path: Path, csv_text: str | bytes, mapping: str = MAPPING
) -> tuple[Path, Path]:
    source = tmp_path / "inventory.csv"
    if isinstance(csv_text, bytes):
        source.write_bytes(csv_text)
    else:
        source.write_text(csv_text, encoding="utf-8")
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text(mapping, encoding="utf-8")
    return source, mapping_file


def test_synthetic_import_maps_values_and_reports_what_it_cannot(tmp_path: Path) -> None:
    source, mapping = write_inputs(tmp_path, GOOD)
    out = tmp_path / "proposals"
    code, report = do_import(source, out, mapping=str(mapping))
    assert code == 0
    by_id = {plain(p)["external_id"]: plain(p) for p in out.glob("*.yaml")}
    assert by_id["A-1"]["stage"] == "production" and by_id["A-1"]["org"] == ["Ops", "Support"]
    assert by_id["A-2"]["stage"] == "pilot"  # case and spaces do not matter
    assert by_id["A-3"]["stage"] == "not_reported"  # untranslatable: default, and reported
    assert by_id["A-3"]["source"]["unmapped"] == {"Stage": "Someday"}
    assert report["unmapped"] == [
        {"row": 4, "column": "Stage", "value": "Someday", "field": "stage"}
    ]
    assert by_id["A-1"]["custom"] == {"vendor_name": "Acme"}
    assert report["unused_columns"] == []
    # Export in the mapping's own columns gives the source back.
    code, exported, _ = run_cli("export", str(out), "--mapping", str(mapping))
    assert code == 0
    back = list(csv.DictReader(io.StringIO(exported)))
    assert [r["Id"] for r in back] == ["A-1", "A-2", "A-3"]
    assert [r["Stage"] for r in back] == ["Live", "Trial", "Someday"]


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    source, mapping = write_inputs(tmp_path, GOOD)
    out = tmp_path / "proposals"
    code, stdout, _ = run_cli(
        "import", str(source), "--mapping", str(mapping), "--out", str(out), "--dry-run"
    )
    assert code == 0
    assert not out.exists()
    assert stdout.count("would write") == 3
    assert "3 file(s) would be written" in stdout


def test_external_id_matches_rows_on_reimport_even_when_titles_change(tmp_path: Path) -> None:
    source, mapping = write_inputs(tmp_path, GOOD)
    out = tmp_path / "proposals"
    do_import(source, out, mapping=str(mapping))
    names = sorted(p.name for p in out.glob("*.yaml"))
    source.write_text(GOOD.replace("Route tickets", "Route support tickets"), encoding="utf-8")
    _, report = do_import(source, out, mapping=str(mapping))
    assert (report["written"], report["updated"], report["unchanged"]) == (0, 1, 2)
    assert sorted(p.name for p in out.glob("*.yaml")) == names


def test_long_titles_give_ids_within_the_limit(tmp_path: Path) -> None:
    title = "Predict " + " ".join(["very"] * 40) + " late invoices"
    text = HEADER + f"B-1,{title},Rank overdue invoices for the team.,Ops,Support,Live,\n"
    text += f"B-2,{title},Rank overdue invoices for the other team.,Ops,Support,Live,\n"
    source, mapping = write_inputs(tmp_path, text)
    out = tmp_path / "proposals"
    _, report = do_import(source, out, mapping=str(mapping))
    files = {plain(p)["external_id"]: p.stem for p in out.glob("*.yaml")}
    assert len(files) == 2
    for key, given in files.items():
        assert len(given) <= MAX_ID_LENGTH
        assert given.startswith("predict-very-very")
        assert given.endswith("-" + hashlib.sha1(key.encode()).hexdigest()[:6])
    assert len(report["collisions"]) == 1


def test_windows_1252_is_detected_and_named(tmp_path: Path) -> None:
    text = GOOD.replace("Send each ticket", "Send each customer\u2019s ticket")
    source, mapping = write_inputs(tmp_path, text.encode("cp1252"))
    out = tmp_path / "proposals"
    code, stdout, _ = run_cli("import", str(source), "--mapping", str(mapping), "--out", str(out))
    assert code == 0
    assert "encoding cp1252" in stdout
    assert any("customer\u2019s" in plain(p)["summary"] for p in out.glob("*.yaml"))


def bad_input(tmp_path: Path, csv_text: str | bytes, *extra: str, mapping: str = MAPPING) -> str:
    source, mapping_file = write_inputs(tmp_path, csv_text, mapping)
    out = tmp_path / "proposals"
    code, _, stderr = run_cli(
        "import", str(source), "--mapping", str(mapping_file), "--out", str(out), *extra
    )
    assert code == 2
    assert not out.exists(), "nothing may be written when the input is bad"
    assert "Traceback" not in stderr
    return stderr


def test_unbalanced_quote_is_located(tmp_path: Path) -> None:
    text = GOOD + 'A-4,"Unclosed,Purpose text here.,Ops,Support,Live,\n'
    error = bad_input(tmp_path, text)
    assert "inventory.csv" in error and "row 5" in error and "line 5" in error
    assert "quote" in error


def test_ragged_row_is_located(tmp_path: Path) -> None:
    text = GOOD + "A-4,Short row,Purpose text here.\n"
    error = bad_input(tmp_path, text)
    assert "inventory.csv: row 5, column 'Dept'" in error
    assert "3 cells but the header has 7" in error


def test_undecodable_encoding_is_located(tmp_path: Path) -> None:
    text = GOOD.replace("Acme", "Acm\u00e9").encode("cp1252")
    error = bad_input(tmp_path, text, "--encoding", "utf-8")
    assert "inventory.csv: row 2" in error and "0xe9" in error and "--encoding" in error


def test_duplicate_external_ids_are_refused(tmp_path: Path) -> None:
    error = bad_input(tmp_path, GOOD.replace("A-3", "A-1"))
    assert "inventory.csv: row 4, column 'Id'" in error and "row 2" in error


def test_mapping_naming_a_missing_column_is_located(tmp_path: Path) -> None:
    error = bad_input(tmp_path, GOOD, mapping=MAPPING.replace("column: Vendor", "column: Vendr"))
    assert re.search(r"mapping\.yaml:\d+:\d+: Vendr: the column 'Vendr' is not in", error)
    assert "did you mean 'Vendor'" in error


def test_mapping_naming_an_unknown_field_is_located(tmp_path: Path) -> None:
    error = bad_input(tmp_path, GOOD, mapping=MAPPING.replace("summary:", "sumary:"))
    line = MAPPING.splitlines().index("  summary: {column: Purpose}") + 1
    assert f"mapping.yaml:{line}:" in error
    assert "'sumary' is not a proposal field; did you mean 'summary'" in error


def test_mapping_translating_to_a_value_the_field_refuses_is_located(tmp_path: Path) -> None:
    error = bad_input(
        tmp_path, GOOD, mapping=MAPPING.replace("Live: production", "Live: prodution")
    )
    assert "'prodution' is not a value stage allows" in error
    assert "did you mean 'production'" in error


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)


XLSX_ROWS = [row.split(",") for row in GOOD.strip().splitlines()]


def test_xlsx_with_one_sheet_imports(tmp_path: Path) -> None:
    _, mapping = write_inputs(tmp_path, GOOD)
    source = tmp_path / "inventory.xlsx"
    write_xlsx(source, {"Use cases": XLSX_ROWS})
    out = tmp_path / "proposals"
    code, report = do_import(source, out, mapping=str(mapping))
    assert code == 0 and report["written"] == 3 and report["sheet"] == "Use cases"


def test_xlsx_with_several_sheets_asks_which(tmp_path: Path) -> None:
    _, mapping = write_inputs(tmp_path, GOOD)
    source = tmp_path / "inventory.xlsx"
    write_xlsx(source, {"Notes": [["Read me"]], "Use cases": XLSX_ROWS})
    out = tmp_path / "proposals"
    code, _, err = run_cli("import", str(source), "--mapping", str(mapping), "--out", str(out))
    assert code == 2 and not out.exists()
    assert "several sheets: 'Notes', 'Use cases'; choose one with --sheet" in err
    code, report = do_import(source, out, "--sheet", "Use cases", mapping=str(mapping))
    assert report["written"] == 3


def test_score_filters_by_unit_and_carries_the_path(tmp_path: Path) -> None:
    source, mapping = write_inputs(tmp_path, GOOD)
    out = tmp_path / "proposals"
    do_import(source, out, mapping=str(mapping))
    code, stdout, _ = run_cli("score", str(out), "--org", "Ops", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert sorted(r["org"] for r in rows) == ["Ops / Planning", "Ops / Support"]
    code, stdout, _ = run_cli("score", str(out), "--org", "Ops/Planning", "--format", "json")
    payload = json.loads(stdout)
    assert [p["org"] for p in payload["proposals"]] == [["Ops", "Planning"]]
    code, stdout, _ = run_cli("export", str(out), "--format", "csv")
    assert code == 0 and "org" in next(csv.reader(io.StringIO(stdout)))


# ------------------------------------------------------------------------------------------
# Organisation units and declared custom fields
# ------------------------------------------------------------------------------------------


def unit_proposal(
    title: str,
    org: list[str],
    stage: str = "proposed",
    value: int | None = None,
    declared: str | None = None,
) -> str:
    text = (
        f"title: {title}\nsummary: A use case used to test the unit roll-ups.\n"
        f"team: {org[-1]}\nstage: {stage}\norg: {json.dumps(org)}\n"
    )
    if value is not None:
        text += f"value: {{currency: USD, annual_value: {value}}}\n"
    if declared:
        text += f"stakes: {{declared_class: {declared}}}\n"
    return text


UNIT_PROPOSALS = {
    "energy-grid": unit_proposal("Grid load forecast", ["Energy", "Grid Office"], value=100),
    "energy-grid-2": unit_proposal(
        "Outage triage", ["Energy", "Grid Office"], value=50, declared="high"
    ),
    "energy-lab": unit_proposal(
        "Beam tuning", ["Energy", "Lab", "Beam Group"], stage="retired", value=70
    ),
    "energy-hq": unit_proposal("Mail sorting", ["Energy"], value=10),
    "health-claims": unit_proposal("Claim review", ["Health", "Claims"], value=5),
}


def test_unit_roll_up_counts_every_level(tmp_path: Path) -> None:
    from scoring.model.scorecard import score_intake
    from scoring.portfolio.orgunits import unit_tree

    folder = tmp_path / "proposals"
    folder.mkdir()
    for name, text in UNIT_PROPOSALS.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    intake = load_proposals([folder], load_rubric(None))
    assert not intake.invalid, intake.problems
    roots = unit_tree(score_intake(intake, load_rubric(None)), "USD")
    nodes = {node.path: node for root in roots for node in root.walk()}
    energy = nodes[("Energy",)]
    assert energy.stats is not None
    assert (energy.stats.count, energy.stats.active, energy.stats.declared_high) == (4, 3, 1)
    assert energy.stats.annual_value == 160  # the retired use case's value is not counted
    assert dict(energy.stats.by_stage) == {"proposed": 3, "retired": 1}
    assert [c.proposal.id for c in energy.direct] == ["energy-hq"]
    grid = nodes[("Energy", "Grid Office")]
    assert grid.stats is not None and grid.stats.count == 2 and grid.slug == "energy/grid-office"
    assert nodes[("Energy", "Lab", "Beam Group")].stats.count == 1  # type: ignore[union-attr]
    assert [r.name for r in roots] == ["Energy", "Health"]


@pytest.mark.slow
def test_unit_pages_show_roll_ups_and_link_down(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", UNIT_PROPOSALS)
    outcome = logged_build(root, strict=True)
    assert outcome.error is None, outcome.warnings
    site = outcome.site_dir
    assert site is not None
    energy = BeautifulSoup(page_of(site, "portfolio/units/energy.md").read_text(), "html.parser")
    rollup = {
        dt.get_text(strip=True): dd.get_text(strip=True)
        for dt, dd in zip(
            energy.select("dl.ss-rollup dt"), energy.select("dl.ss-rollup dd"), strict=True
        )
    }
    assert (rollup["Proposals"], rollup["Active"]) == ("4", "3")
    sub_units = {a.get_text(strip=True) for a in energy.select("table.ss-rollups a")}
    assert sub_units == {"Grid Office", "Lab"}
    assert "Mail sorting" in energy.get_text()
    beam = BeautifulSoup(
        page_of(site, "portfolio/units/energy/lab/beam-group.md").read_text(), "html.parser"
    )
    trail = [a.get_text(strip=True) for a in beam.select(".ss-trail a")]
    assert trail == ["Organisation units", "Energy", "Lab"]
    assert "Beam tuning" in beam.get_text()
    index = BeautifulSoup(page_of(site, "portfolio/units/index.md").read_text(), "html.parser")
    assert {a.get_text(strip=True) for a in index.select("table a")} == {"Energy", "Health"}


CUSTOM_RUBRIC_TAIL = """
custom_fields:
  risk_tier:
    label: Internal risk tier
    type: text
    values: [tier-1, tier-2]
  budget_code:
    label: Budget code
    type: integer
"""


def test_declared_custom_fields_are_checked_shown_and_exported(tmp_path: Path) -> None:
    rubric_file = tmp_path / "rubric.yaml"
    rubric_file.write_text(
        (REPO / "scoring" / "data" / "rubric.yaml").read_text("utf-8") + CUSTOM_RUBRIC_TAIL,
        encoding="utf-8",
    )
    folder = tmp_path / "proposals"
    folder.mkdir()
    base = (
        "title: Claim review\nsummary: A use case with custom fields.\nteam: Claims\n"
        "stage: proposed\n"
    )
    (folder / "good.yaml").write_text(
        base + "custom:\n  risk_tier: tier-2\n  budget_code: 17\n  free_note: anything\n",
        encoding="utf-8",
    )
    (folder / "bad.yaml").write_text(base + "custom:\n  risk_tier: tier-9\n", encoding="utf-8")
    code, stdout, _ = run_cli("validate", str(folder), "--rubric", str(rubric_file))
    assert code == 1
    assert re.search(r"bad\.yaml:6:\d+: custom\.risk_tier: .*tier-9", stdout), stdout
    assert "good.yaml" not in stdout
    (folder / "bad.yaml").unlink()
    code, stdout, _ = run_cli(
        "export", str(folder), "--format", "csv", "--rubric", str(rubric_file)
    )
    assert code == 0
    [row] = list(csv.DictReader(io.StringIO(stdout)))
    assert row["custom.risk_tier"] == "tier-2" and row["custom.budget_code"] == "17"
    out = tmp_path / "rendered"
    code, _, err = run_cli(
        "render", "--out", str(out), "--proposals", str(folder), "--rubric", str(rubric_file)
    )
    assert code == 0, err
    page = (out / "proposals" / "good.md").read_text(encoding="utf-8")
    # The inventory record of the proposal page, a definition list in plain HTML.
    assert "<dt>Internal risk tier</dt><dd>tier-2</dd>" in page
    assert "<dt>Budget code</dt><dd>17</dd>" in page
    assert "<dt>Free note</dt><dd>anything</dd>" in page


def test_links_from_the_source_and_by_hand_live_side_by_side(tmp_path: Path) -> None:
    mapping = MAPPING.replace(
        "custom:\n", "  links: {column: Vendor, link_title: Docs, values: {none: null}}\ncustom:\n"
    )
    text = (
        HEADER + "A-1,Route tickets,Send each ticket to the right queue.,Ops,Support,Live,"
        "see https://docs.example.org/a1.\nA-2,Forecast demand,Weekly demand "
        "per depot for planners.,Ops,Planning,Live,none\n"
    )
    source, mapping_file = write_inputs(tmp_path, text, mapping)
    out = tmp_path / "proposals"
    do_import(source, out, mapping=str(mapping_file))
    [path] = [p for p in out.glob("*.yaml") if plain(p)["external_id"] == "A-1"]
    assert plain(path)["links"] == [{"title": "Docs", "url": "https://docs.example.org/a1"}]
    edited = path.read_text(encoding="utf-8").replace(
        "links:\n", "links:\n- title: Review\n  url: https://review.example.org/1\n", 1
    )
    path.write_text(edited, encoding="utf-8")
    source.write_text(text.replace("/a1.", "/a1-v2."), encoding="utf-8")
    _, report = do_import(source, out, mapping=str(mapping_file))
    assert report["updated"] == 1 and report["unmapped"] == []
    assert plain(path)["links"] == [
        {"title": "Docs", "url": "https://docs.example.org/a1-v2"},
        {"title": "Review", "url": "https://review.example.org/1"},
    ]
    _, report = do_import(source, out, mapping=str(mapping_file))
    assert report["updated"] == 0


def test_shipped_mapping_is_valid_and_names_every_federal_column() -> None:
    from scoring.proposals.schema import proposal_schema
    from scoring.sources.inventory.mapping import load_mapping, shipped_path

    mapping = load_mapping(shipped_path("us-federal-2024"), proposal_schema(load_rubric(None)))
    assert len(mapping.column_names) == 62
    assert set(mapping.referenced()) <= set(mapping.column_names)
    targets = set(mapping.targets())
    assert {
        "title",
        "summary",
        "team",
        "stage",
        "org",
        "stakes.declared_class",
        "governance.impact_assessment",
        "governance.appeal",
    } <= targets
