"""The 2025 US federal inventory format (`--mapping us-federal-2025`), on a fixture built
from its data dictionary, and next year's file imported over last year's import."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml
from fixtures.us_federal_2025 import BENEFITS, COLUMNS, rows_2024, rows_2025, write
from inventorykit import by_title, do_import, files, run_cli


def test_the_2025_format_imports_every_row_valid_with_stakes_and_safeguards(
    tmp_path: Path,
) -> None:
    source = write(tmp_path / "2025.csv", rows_2025())
    out = tmp_path / "proposals"
    code, report = do_import(source, out, "us-federal-2025")
    assert code == 0, [f["problems"] for f in report["files"] if f["problems"]]
    assert report["written"] == 20 and report["unmapped"] == [] and report["unused_columns"] == []
    assert report["repeated_ids"] == [{"id": "DOE | 9", "rows": [9, 10]}]
    assert report["rows_without_id"] == [13, 14]
    found = by_title(out)

    high = found["Medical record matching"]
    assert high["stakes"]["declared_class"] == "high"
    assert "M-25-21" in high["stakes"]["declared_basis"]
    assert high["governance"] == {
        "impact_assessment": "in_progress",
        "real_world_testing": "done",
        "independent_review": "done",
        "monitoring": "done",
        "appeal": "done",
    }
    assert high["risks"] == {"personal_data": True, "privacy_review": "done"}
    assert {"title": "Privacy impact assessment", "url": "https://www.va.gov/pia/claims.pdf"} in (
        high["links"]
    )
    assert high["custom"]["public_consultation"] == [
        "a) Direct usability testing",
        "e) In-progress",
    ]
    assert high["custom"]["operator_training"].startswith("b) Establishment")
    assert high["custom"]["demographic_features"] == ["a) Race/Ethnicity", "b) Sex", "c) Age"]

    waived = found["Appointment reminders"]["governance"]
    assert waived["real_world_testing"] == "waived" and waived["appeal"] == "waived"
    assert waived["monitoring"] == "in_progress"
    shorthand = found["Proposal screening"]
    assert shorthand["stakes"]["declared_class"] == "high"
    assert shorthand["governance"]["impact_assessment"] == "waived"
    assert shorthand["governance"]["real_world_testing"] == "in_progress"
    assert shorthand["stage"] == "production"

    presumed = found["Call summaries"]
    assert "declared_class" not in presumed.get("stakes", {})
    assert presumed["custom"]["high_impact_justification"].startswith("A person reviews")
    assert found["Form prefill"]["custom"]["withheld"].startswith("b) Yes")
    assert found["Crop yield forecasts"]["risks"]["privacy_review"] == "not-needed"
    assert found["Crop yield forecasts"]["dates"]["deployed"] == "2025"
    assert found["Tip line triage"]["org"] == ["Department of Justice", "FBI"]
    assert found["Beam tuning"]["vendor"] == "Acme Analytics"
    long = found["Earnings record checks"]
    assert len(long["team"]) <= 200 and len(long["custom"]["bureau"]) == 206
    assert long["summary"] == BENEFITS  # "NAMASTE" is too short to be the problem
    assert len(long["custom"]["outputs"]) == 1490  # up to 1,495 in the real file: it fits
    assert found["Retired chatbot"]["stage"] == "retired"


def test_an_export_in_the_2025_format_gives_the_same_fields_again(tmp_path: Path) -> None:
    source = write(tmp_path / "2025.csv", rows_2025())
    first, again = tmp_path / "first", tmp_path / "again"
    do_import(source, first, "us-federal-2025")
    exported = tmp_path / "export.csv"
    code, _, err = run_cli(
        "export", str(first), "--format", "us-federal-2025", "--out", str(exported)
    )
    assert code == 0, err
    with exported.open(encoding="utf-8") as handle:
        back = list(csv.DictReader(handle))
    assert list(back[0]) == COLUMNS
    practice = {r["use_case_name"]: r["hi_independent_review"] for r in back}
    assert practice["Medical record matching"] == "c) Yes – by the CAIO"  # as it was
    do_import(exported, again, "us-federal-2025")
    before, after = files(first), files(again)
    assert set(before) == set(after)
    for name, data in before.items():
        data["source"].pop("file"), after[name]["source"].pop("file")
        data["source"].pop("row"), after[name]["source"].pop("row")
        assert data == after[name], name


def test_next_years_file_over_last_years_import_keeps_ids_and_hand_edits(
    tmp_path: Path,
) -> None:
    out = tmp_path / "proposals"
    do_import(write(tmp_path / "2024.csv", rows_2024()), out, "us-federal-2024")
    ids_2024 = {data["title"]: name for name, data in files(out).items()}
    edited = out / f"{ids_2024['Medical record matching']}.yaml"
    edited.write_text(
        edited.read_text("utf-8").replace("stage: production", "stage: pilot"), "utf-8"
    )

    code, report = do_import(write(tmp_path / "2025.csv", rows_2025()), out, "us-federal-2025")
    assert code == 0
    now = {data["title"]: name for name, data in files(out).items()}
    matched = [
        "Medical record matching",
        "Appointment reminders",
        "Wildfire smoke maps",
        "Beam tuning",
        "Phone queue forecasts",  # a blank 2025 id: matched on agency and name
    ]
    for title in matched:
        assert now[title] == ids_2024[title], title
    assert len(report["matched_to_earlier_format"]) == len(matched)
    assert report["written"] == 20 - len(matched) and report["updated"] == len(matched)
    # The hand edit stays; the rest of the file now follows the 2025 row.
    data = yaml.safe_load(edited.read_text("utf-8"))
    assert data["stage"] == "pilot"
    assert data["source"]["inventory"] == "us-federal-2025" and data["external_id"] == "VA-1"
    assert data["governance"]["impact_assessment"] == "in_progress"
    hand = next(f for f in report["files"] if f["file"] == str(edited))
    assert hand["hand_edits_kept"] == ["stage"]
    # Rows of last year that no row matched, and the likely rename among them.
    left = {Path(p).stem for p in report["earlier_not_matched"]}
    assert left == {ids_2024["Tip-line triage pilot"], ids_2024["Accelerator logbook search"]}
    assert [(r["title"], r["new_title"]) for r in report["likely_renames"]] == [
        ("Tip-line triage pilot", "Tip line triage")
    ]
    # The year after: the same file again changes nothing.
    _, report = do_import(tmp_path / "2025.csv", out, "us-federal-2025")
    assert report["written"] == 0 and report["updated"] == 0
