"""The mapping language, grown from real registers (issue 25, "What the mapping could not
say"): one test per point, each on a small register shaped like the 2025 US federal
inventory, written as a CSV in a tmp folder and imported with `sweetspot import`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path
from typing import Any

import yaml

from scoring.cli.main import main

HEADER = ["agency", "id", "agency_bureau", "use_case_name", "problem", "benefits", "stage"]

BASE_MAPPING = """\
mapping_version: 1
name: register
columns:
  agency: agency
  id: id
  bureau: agency_bureau
  name: use_case_name
  problem: problem
  benefits: benefits
  stage: stage
id:
  external_id: id
  qualify: [agency]
  key: [agency, bureau, name]
  repeats: number
  slug: [agency, name]
fields:
  title: {column: name}
  summary: {column: problem}
  team: {column: bureau, fallback: agency}
  stage: {column: stage, default: not_reported, values: {Deployed: production, Pilot: pilot}}
"""


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def row(**cells: str) -> list[str]:
    return [cells.get(h, "") for h in HEADER]


def setup(
    tmp_path: Path, rows: list[list[str]], mapping: str = BASE_MAPPING, header: list[str] = HEADER
) -> tuple[Path, Path, Path]:
    source = write_csv(tmp_path / "register.csv", header, rows)
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text(mapping, encoding="utf-8")
    return source, mapping_file, tmp_path / "proposals"


def do_import(source: Path, mapping: Path, out: Path) -> dict[str, Any]:
    code, stdout, stderr = run_cli(
        "import", str(source), "--mapping", str(mapping), "--out", str(out), "--format", "json"
    )
    assert code in (0, 1), stderr
    report: dict[str, Any] = json.loads(stdout)
    return report


def files(out: Path) -> dict[str, Any]:
    return {p.stem: yaml.safe_load(p.read_text("utf-8")) for p in sorted(out.glob("*.yaml"))}


def by_title(out: Path) -> dict[str, Any]:
    return {data["title"]: data for data in files(out).values()}


def exported(out: Path, mapping: Path) -> list[dict[str, str]]:
    code, text, err = run_cli("export", str(out), "--mapping", str(mapping))
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(text)))


# 1. Ids of the source's own ------------------------------------------------------------


def test_source_ids_are_qualified_derived_when_blank_numbered_when_repeated_and_stable(
    tmp_path: Path,
) -> None:
    rows = [
        row(agency="USDA", id="7", agency_bureau="FS", use_case_name="Fire maps", problem="p" * 30),
        row(
            agency="DOE", id="7", agency_bureau="SC", use_case_name="Beam tuning", problem="p" * 30
        ),
        row(agency="DOE", id="9", agency_bureau="SC", use_case_name="Grid A", problem="p" * 30),
        row(agency="DOE", id="9", agency_bureau="EM", use_case_name="Grid B", problem="p" * 30),
        row(agency="VA", id="", agency_bureau="VHA", use_case_name="Triage", problem="p" * 30),
        row(agency="VA", id=" ", agency_bureau="VBA", use_case_name="Claims", problem="p" * 30),
    ]
    source, mapping, out = setup(tmp_path, rows)
    report = do_import(source, mapping, out)
    assert report["written"] == 6 and report["skipped"] == 0
    found = by_title(out)
    # Two agencies both numbering 7 are two use cases, matched as "agency | id".
    assert found["Fire maps"]["external_id"] == "7"
    assert found["Fire maps"]["source"]["key"] == "USDA | 7"
    assert found["Beam tuning"]["source"]["key"] == "DOE | 7"
    # A repeat within one agency is numbered and reported.
    assert found["Grid B"]["source"]["key"] == "DOE | 9 #2"
    assert report["repeated_ids"] == [{"id": "DOE | 9", "rows": [4, 5]}]
    # Blank ids: the key is derived from the key columns, and the rows are reported.
    assert "external_id" not in found["Triage"]
    assert found["Triage"]["source"]["key"] == "VA | VHA | Triage"
    assert report["rows_without_id"] == [6, 7]
    ids = {data["title"]: name for name, data in files(out).items()}

    # Next year: every use case renamed, and a row moved (repeats keep their source order).
    renamed = [list(r) for r in (rows[1], rows[0], rows[2], rows[3])]
    for r in renamed:
        r[3] += " (renamed)"
    source = write_csv(tmp_path / "register.csv", HEADER, renamed + rows[4:])
    report = do_import(source, mapping, out)
    assert report["written"] == 0 and report["no_longer_in_source"] == []
    after = {data["title"]: name for name, data in files(out).items()}
    for title, name in ids.items():
        assert after.get(f"{title} (renamed)", after.get(title)) == name


def test_repeated_ids_are_still_refused_unless_the_mapping_numbers_them(tmp_path: Path) -> None:
    rows = [
        row(agency="DOE", id="9", agency_bureau="SC", use_case_name="A", problem="p" * 30),
        row(agency="DOE", id="9", agency_bureau="EM", use_case_name="B", problem="p" * 30),
    ]
    source, mapping, out = setup(tmp_path, rows, BASE_MAPPING.replace("  repeats: number\n", ""))
    code, _, err = run_cli("import", str(source), "--mapping", str(mapping), "--out", str(out))
    assert code == 2 and "Traceback" not in err
    assert "register.csv: row 3, column 'id'" in err and "row 2" in err


def test_the_importer_names_where_the_source_id_goes(tmp_path: Path) -> None:
    source, mapping, out = setup(tmp_path, [], BASE_MAPPING + "  external_id: {column: id}\n")
    code, _, err = run_cli("import", str(source), "--mapping", str(mapping), "--out", str(out))
    assert code == 2
    assert "mapping.yaml:" in err and "id.external_id" in err and "id.qualify" in err


# 2. Joining columns ----------------------------------------------------------------------


def test_columns_join_into_one_text(tmp_path: Path) -> None:
    mapping = BASE_MAPPING.replace(
        "  summary: {column: problem}",
        '  summary: {columns: [problem, benefits], join: "\\n\\nBenefits: "}',
    )
    rows = [
        row(agency="A", id="1", use_case_name="Both", problem="Late invoices.", benefits="Cash."),
        row(agency="A", id="2", use_case_name="One", problem="Late invoices.", benefits=""),
    ]
    source, mapping_file, out = setup(tmp_path, rows, mapping)
    do_import(source, mapping_file, out)
    found = by_title(out)
    assert found["Both"]["summary"] == "Late invoices.\n\nBenefits: Cash."
    assert found["One"]["summary"] == "Late invoices."
    # An export splits it back at the separator.
    back = {r["use_case_name"]: r for r in exported(out, mapping_file)}
    assert (back["Both"]["problem"], back["Both"]["benefits"]) == ("Late invoices.", "Cash.")
    assert (back["One"]["problem"], back["One"]["benefits"]) == ("Late invoices.", "")


# 3. Several rules per field ---------------------------------------------------------------

PRIVACY_HEADER = [*HEADER, "has_pii", "pia_url", "code_url", "docs_url"]


def test_several_rules_for_one_field_first_match_wins(tmp_path: Path) -> None:
    extra = "  pii: has_pii\n  pia_url: pia_url\n  code_url: code_url\n  docs_url: docs_url\n"
    mapping = (
        BASE_MAPPING.replace("  stage: stage\n", "  stage: stage\n" + extra)
        + """\
  risks.privacy_review:
    - {column: pia_url, values: {"http*": done}, export: false}
    - {column: pii, values: {"No": not-needed, "Yes": null}}
  links:
    - {column: code_url, link_title: Source code}
    - {column: docs_url, link_title: Documentation}
custom:
  pia_url: {column: pia_url}
"""
    )
    base = {"agency": "A", "problem": "p" * 30}
    rows = [
        [*row(**base, id="1", use_case_name="Link"), "Yes", "https://pia.example/1", "", ""],
        [*row(**base, id="2", use_case_name="No PII"), "No", "", "https://git.example/2", ""],
        [*row(**base, id="3", use_case_name="PII, no PIA"), "Yes", "", "", "https://d.example/3"],
        [*row(**base, id="4", use_case_name="Odd"), "Maybe", "pending", "", ""],
    ]
    source, mapping_file, out = setup(tmp_path, rows, mapping, PRIVACY_HEADER)
    report = do_import(source, mapping_file, out)
    found = by_title(out)
    assert found["Link"]["risks"]["privacy_review"] == "done"  # first rule
    assert found["No PII"]["risks"]["privacy_review"] == "not-needed"  # second rule
    assert "risks" not in found["PII, no PIA"]  # neither gives a value
    assert "risks" not in found["Odd"]
    # Only a row no rule could place is reported, with each value no rule knew.
    assert [(u["row"], u["value"]) for u in report["unmapped"]] == [(5, "pending"), (5, "Maybe")]
    # Several link columns, each with its own title.
    assert found["No PII"]["links"] == [{"title": "Source code", "url": "https://git.example/2"}]
    assert found["PII, no PIA"]["links"] == [
        {"title": "Documentation", "url": "https://d.example/3"}
    ]
    back = {r["use_case_name"]: r for r in exported(out, mapping_file)}
    assert back["No PII"]["has_pii"] == "No" and back["No PII"]["code_url"].startswith("https")
    assert back["Link"]["pia_url"] == "https://pia.example/1"  # from custom, not "http"


# 4. Values tables ---------------------------------------------------------------------------


def test_unlisted_values_can_be_kept_or_take_the_default(tmp_path: Path) -> None:
    mapping = BASE_MAPPING.replace(
        "  stage: {column: stage, default: not_reported, values: {Deployed: production, "
        "Pilot: pilot}}",
        "  stage: {column: stage, default: not_reported, unlisted: default,\n"
        "          values: {Deployed: production, Pilot: pilot}}\n"
        "  team: {column: bureau, unlisted: keep, values: {OCIO: Office of the CIO}}",
    ).replace("  team: {column: bureau, fallback: agency}\n", "")
    rows = [
        row(agency="A", id="1", agency_bureau="OCIO", use_case_name="One", stage="Pilot"),
        row(agency="A", id="2", agency_bureau="Census", use_case_name="Two", stage="Planned"),
    ]
    source, mapping_file, out = setup(tmp_path, rows, mapping)
    report = do_import(source, mapping_file, out)
    found = by_title(out)
    assert found["One"]["team"] == "Office of the CIO"
    assert found["Two"]["team"] == "Census"  # kept as it is
    assert found["Two"]["stage"] == "not_reported"  # unlisted: the default, silently
    assert report["unmapped"] == []
    assert "unmapped" not in found["Two"]["source"]


def test_a_catch_all_that_would_hide_the_default_is_refused(tmp_path: Path) -> None:
    mapping = BASE_MAPPING.replace("Pilot: pilot}", 'Pilot: pilot, "*": null}')
    source, mapping_file, out = setup(tmp_path, [], mapping)
    code, _, err = run_cli("import", str(source), "--mapping", str(mapping_file), "--out", str(out))
    assert code == 2 and "Traceback" not in err
    line = mapping.splitlines().index(next(x for x in mapping.splitlines() if "stage: {" in x))
    assert f"mapping.yaml:{line + 1}:" in err
    assert "catch-all" in err and "unlisted: default" in err


# 5. List cells --------------------------------------------------------------------------


def test_stringified_python_lists_become_lists_in_custom_fields(tmp_path: Path) -> None:
    header = [*HEADER, "demographic_features"]
    mapping = (
        BASE_MAPPING.replace("  stage: stage\n", "  stage: stage\n  demo: demographic_features\n")
        + "custom:\n  demographic_features: {column: demo, python_list: true}\n"
    )
    base = {"agency": "A", "problem": "p" * 30}
    rows = [
        [*row(**base, id="1", use_case_name="Two"), "['a) Race/Ethnicity', 'b) Sex']"],
        [*row(**base, id="2", use_case_name="Quote"), '["g) Veteran\'s status"]'],
        [*row(**base, id="3", use_case_name="Empty"), "[]"],
        [*row(**base, id="4", use_case_name="Plain"), "None of the above"],
    ]
    source, mapping_file, out = setup(tmp_path, rows, mapping, header)
    do_import(source, mapping_file, out)
    found = by_title(out)
    assert found["Two"]["custom"]["demographic_features"] == ["a) Race/Ethnicity", "b) Sex"]
    assert found["Quote"]["custom"]["demographic_features"] == ["g) Veteran's status"]
    assert "custom" not in found["Empty"]
    assert found["Plain"]["custom"]["demographic_features"] == ["None of the above"]
    back = {r["use_case_name"]: r for r in exported(out, mapping_file)}
    assert back["Two"]["demographic_features"] == "['a) Race/Ethnicity', 'b) Sex']"


# 6. Length --------------------------------------------------------------------------------


def test_long_texts_are_cut_with_the_full_text_kept_and_short_ones_fall_back(
    tmp_path: Path,
) -> None:
    mapping = (
        BASE_MAPPING.replace(
            "  summary: {column: problem}",
            "  summary: {column: problem, fallback: benefits, min_length: 20}",
        )
        .replace(
            "  team: {column: bureau, fallback: agency}",
            "  team: {column: bureau, fallback: agency, max_length: 200}",
        )
        .replace(
            "  title: {column: name}",
            "  title: {column: name}\n"
            "  problem.decision: {column: benefits, max_length: 1000, "
            "full_text: custom.decision_full}",
        )
    )
    long_bureau = "Office of " + "very " * 40 + "long names"  # 210 characters
    long_output = "Ranks claims. " * 107  # 1,498 characters
    rows = [
        row(
            agency="A",
            id="1",
            agency_bureau=long_bureau,
            use_case_name="Long",
            problem="NAMASTE",
            benefits=long_output,
        ),
        row(agency="A", id="2", use_case_name="Short", problem="x" * 25, benefits="Fine."),
    ]
    source, mapping_file, out = setup(tmp_path, rows, mapping)
    code, stdout, _ = run_cli(
        "import", str(source), "--mapping", str(mapping_file), "--out", str(out)
    )
    assert code == 0, stdout  # every row valid: nothing over a field's limit
    found = by_title(out)
    long = found["Long"]
    assert len(long["team"]) <= 200 and long["team"].endswith("…")
    assert len(long["problem"]["decision"]) <= 1000
    assert long["custom"]["decision_full"] == long_output.strip()
    assert long["summary"] == long_output.strip()  # "NAMASTE" is too short: the fallback
    assert "custom" not in found["Short"]
    assert found["Short"]["problem"]["decision"] == "Fine."
    # An export writes the whole text back, not the cut one.
    back = {r["use_case_name"]: r for r in exported(out, mapping_file)}
    assert back["Long"]["benefits"] == long_output.strip()


# 7. Text transforms -------------------------------------------------------------------------


def test_prefixes_are_stripped_and_parts_taken(tmp_path: Path) -> None:
    mapping = BASE_MAPPING.replace(
        "  team: {column: bureau, fallback: agency}",
        "  team: {column: bureau, fallback: agency, take: {split: ' / ', part: -1}}\n"
        "  org:\n"
        "    columns: [agency, bureau]\n"
        "    strip_prefix: ['Department of Justice / ', 'DOJ - ']",
    )
    rows = [
        row(agency="DOJ", id="1", agency_bureau="Department of Justice / FBI", use_case_name="A"),
        row(agency="DOJ", id="2", agency_bureau="DOJ - ATF", use_case_name="B"),
        row(agency="DOJ", id="3", agency_bureau="FBI", use_case_name="C"),
    ]
    source, mapping_file, out = setup(tmp_path, rows, mapping)
    do_import(source, mapping_file, out)
    found = by_title(out)
    assert found["A"]["team"] == "FBI" and found["A"]["org"] == ["DOJ", "FBI"]
    assert found["B"]["org"] == ["DOJ", "ATF"] and found["B"]["team"] == "DOJ - ATF"
    assert found["C"]["team"] == "FBI" and found["C"]["org"] == ["DOJ", "FBI"]


# 8 and 9. Dates, and what an export writes ----------------------------------------------


def test_dates_keep_their_precision_and_export_writes_real_dates(tmp_path: Path) -> None:
    header = [*HEADER, "date_initiated", "date_deployed"]
    mapping = BASE_MAPPING.replace(
        "  stage: stage\n",
        "  stage: stage\n  initiated: date_initiated\n  deployed: date_deployed\n",
    ) + (
        "  dates.initiated: {column: initiated, type: date, formats: ['%Y-%m-%d %H:%M:%S', '%Y']}\n"
        "  dates.deployed: {column: deployed, type: date, formats: ['%m/%d/%Y', '%Y-%m-%d']}\n"
        "  org: {columns: [agency, bureau]}\n"
    )
    base = {"agency": "A", "problem": "p" * 30}
    rows = [
        [*row(**base, id="1", use_case_name="Year", stage="Pilot"), "2025", ""],
        [*row(**base, id="2", use_case_name="Time"), "2025-09-08 00:00:00", "10/1/2023"],
        [*row(**base, id="3", use_case_name="None", agency_bureau=""), "", ""],
    ]
    source, mapping_file, out = setup(tmp_path, rows, mapping, header)
    do_import(source, mapping_file, out)
    found = by_title(out)
    assert found["Year"]["dates"] == {"initiated": "2025"}  # no month invented
    assert found["Time"]["dates"] == {"initiated": "2025-09-08", "deployed": "2023-10-01"}
    assert found["None"]["stage"] == "not_reported" and found["None"]["team"] == "A"
    back = {r["use_case_name"]: r for r in exported(out, mapping_file)}
    assert back["Year"]["date_initiated"] == "2025"
    assert back["Time"]["date_initiated"] == "2025-09-08 00:00:00"  # padded, no % left
    assert back["Time"]["date_deployed"] == "10/1/2023"  # as spreadsheets write it
    # A default or a fallback's value is never written into the source's column.
    assert back["None"]["stage"] == "" and back["None"]["agency_bureau"] == ""
    assert back["None"]["agency"] == "A"


# 10. Labels ---------------------------------------------------------------------------------


def test_custom_fields_take_labels_from_the_mapping(tmp_path: Path) -> None:
    header = [*HEADER, "has_ato"]
    mapping = (
        BASE_MAPPING.replace("  stage: stage\n", "  stage: stage\n  ato: has_ato\n")
        + "custom:\n  has_ato: {column: ato, label: Has an Authority to Operate (ATO)}\n"
    )
    rows = [[*row(agency="A", id="1", use_case_name="One", problem="p" * 30), "Yes"]]
    source, mapping_file, out = setup(tmp_path, rows, mapping, header)
    report = do_import(source, mapping_file, out)
    assert report["custom_fields"] == {
        "has_ato": {"label": "Has an Authority to Operate (ATO)", "type": "text"}
    }
    code, stdout, _ = run_cli(
        "import", str(source), "--mapping", str(mapping_file), "--out", str(out)
    )
    assert code == 0
    assert '  has_ato: {label: "Has an Authority to Operate (ATO)", type: text}' in stdout
    # Once the rubric declares the field (its label then shows on pages), it is not listed.
    rubric = tmp_path / "rubric.yaml"
    shipped = Path(__file__).parent.parent / "scoring" / "data" / "rubric.yaml"
    rubric.write_text(
        shipped.read_text("utf-8")
        + "\ncustom_fields:\n  has_ato: {label: Has an Authority to Operate (ATO), type: text}\n",
        encoding="utf-8",
    )
    code, stdout, _ = run_cli(
        "import",
        str(source),
        "--mapping",
        str(mapping_file),
        "--out",
        str(out),
        "--rubric",
        str(rubric),
        "--format",
        "json",
    )
    assert json.loads(stdout)["custom_fields"] == {}


def test_the_federal_mapping_labels_its_custom_fields_and_keeps_contracts_apart() -> None:
    from scoring.proposals.schema import proposal_schema
    from scoring.rubric import load_rubric
    from scoring.sources.inventory.mapping import load_mapping, shipped_path

    mapping = load_mapping(shipped_path("us-federal-2024"), proposal_schema(load_rubric(None)))
    labels = mapping.labels()
    assert labels["has_ato"][0] == "Has an Authority to Operate (ATO)"
    assert set(labels) == {t.split(".", 1)[1] for t in mapping.targets() if t.startswith("custom.")}
    assert "vendor" not in mapping.targets()
    piids = next(r for r in mapping.rules if r.target == "custom.contract_piids")
    assert piids.columns == ("23_contract_piids",)


# The reference ------------------------------------------------------------------------------


def test_the_mapping_reference_is_generated_from_the_schema(tmp_path: Path) -> None:
    from scoring.sources.inventory.mapping import mapping_schema

    code, text, err = run_cli("schema", "--mapping")
    assert code == 0, err
    assert text.startswith("# Inventory mapping reference")
    schema = mapping_schema()
    for name, spec in schema["$defs"]["rule"]["properties"].items():
        rules = text.split("## A rule", 1)[1].splitlines()
        line = next(x for x in rules if x.startswith(f"| `{name}` |"))
        assert " ".join(spec["description"].split())[:40] in line.replace("\\|", "|"), name
    for name in schema["properties"]["id"]["properties"]:
        assert f"| `id.{name}` |" in text
    assert "| `unlisted` | `report` or `keep` or `default` |" in text
    out = tmp_path / "mapping-reference.md"
    assert run_cli("schema", "--mapping", "--out", str(out))[0] == 0
    assert out.read_text("utf-8") == text


def test_rules_that_cannot_work_are_refused_at_their_lines(tmp_path: Path) -> None:
    mapping = BASE_MAPPING.replace(
        "  stage: {column: stage, default: not_reported, values: {Deployed: production, "
        "Pilot: pilot}}",
        "  stage: {column: stage, unlisted: keep, values: {Deployed: production}}\n"
        "  team: {column: bureau, max_length: 500}\n"
        "  owner: {column: name, full_text: custom.owner_full}\n"
        "  sponsor: {column: name, label: Sponsor}",
    ).replace("  team: {column: bureau, fallback: agency}\n", "") + (
        "previous: {inventories: [older], match: [titel]}\n"
    )
    source, mapping_file, out = setup(tmp_path, [], mapping)
    code, _, err = run_cli("import", str(source), "--mapping", str(mapping_file), "--out", str(out))
    assert code == 2 and "Traceback" not in err
    lines = mapping.splitlines()

    def line_of(text: str) -> int:
        return next(i for i, x in enumerate(lines, 1) if text in x)

    assert f"mapping.yaml:{line_of('unlisted: keep')}:" in err and "cannot be kept" in err
    assert f"mapping.yaml:{line_of('max_length: 500')}:" in err and "at most 200" in err
    assert f"mapping.yaml:{line_of('owner_full')}:" in err and "give max_length" in err
    assert f"mapping.yaml:{line_of('label: Sponsor')}:" in err and "custom field" in err
    assert f"mapping.yaml:{line_of('titel')}:" in err and "'titel' is not a proposal field" in err
