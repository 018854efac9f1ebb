"""The Dutch algorithm register (`--mapping nl-algoritmeregister`), on a CSV export built
from its publication standard: every registration imports valid or is reported with its
reason, high-risk AI systems get the high class, an export gives the same fields again and
a re-import changes nothing. Also the one addition the register needed from the mapping
language: a values key between two * matches a value holding that text."""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fixtures.nl_algoritmeregister import COLUMNS, LONG_LEGAL_BASIS, rows, write
from inventorykit import by_title, files, run_cli
from inventorykit import do_import as import_with
from sitekit import logged_build, page_of

MAPPING = "nl-algoritmeregister"


def do_import(source: Path, out: Path, mapping: str = MAPPING) -> tuple[int, dict[str, Any]]:
    return import_with(source, out, mapping)


def test_every_registration_imports_valid_or_is_reported_with_its_reason(
    tmp_path: Path,
) -> None:
    code, report = do_import(write(tmp_path / "register.csv", rows()), tmp_path / "out")
    assert code == 1  # one registration has no name
    assert report["written"] == 16 and report["unused_columns"] == []
    invalid = [f for f in report["files"] if f["problems"]]
    assert len(invalid) == 1 and invalid[0]["row"] == 17
    assert any("'title'" in problem for problem in invalid[0]["problems"])
    # A status outside the standard's three choices is named with its row and column.
    assert [(u["row"], u["column"], u["value"]) for u in report["unmapped"]] == [
        (16, "Status", "Gepland")
    ]
    # Bron-ID is unique only within an organisation: both municipalities use 1, 2 and 3.
    assert report["repeated_ids"] == [] and report["rows_without_id"] == [11, 12]
    found = by_title(tmp_path / "out")
    assert found["Plannen van onderhoud aan provinciale wegen"]["stage"] == "not_reported"
    assert found["Plannen van onderhoud aan provinciale wegen"]["source"]["unmapped"] == {
        "Status": "Gepland"
    }
    ringweg = found["Automatische Verkeersregeling Ringweg"]
    assert ringweg["org"] == ["Gemeente Noorderhaaks"] and ringweg["team"] == ringweg["org"][0]
    assert ringweg["external_id"] == "1"
    assert ringweg["source"]["key"] == "Gemeente Noorderhaaks | 1"
    assert ringweg["tags"] == ["verkeer"] and ringweg["stage"] == "production"
    assert ringweg["dates"] == {"deployed": "2023-01"}
    assert ringweg["sourcing"] == "vendor" and ringweg["vendor"] == "Haaks Softwarebedrijf"
    assert ringweg["summary"].endswith(
        "Doel en impact: Het doel is een betere doorstroming "
        "van het verkeer. Weggebruikers komen sneller van A "
        "naar B door kortere wachttijden."
    )
    assert {link["title"] for link in ringweg["links"]} == {
        "Public page about the algorithm",
        "The organisation's own register entry",
        "Legal basis",
        "Data source",
        "Source code",
    }
    assert ringweg["custom"]["search_terms"].startswith("Verkeer, Mobiliteit")


def test_high_risk_registrations_get_the_high_class_and_their_safeguards(
    tmp_path: Path,
) -> None:
    do_import(write(tmp_path / "register.csv", rows()), tmp_path / "out")
    found = by_title(tmp_path / "out")
    high = [
        "Beoordelen aanvragen bijzondere bijstand",
        "Selectie van aanvragen voor controle op studiesubsidie",  # "(Categorie A)" spelling
        "Spraakherkenning bij meldingen op het alarmnummer",
    ]
    for title in high:
        stakes = found[title]["stakes"]
        assert stakes["declared_class"] == "high", title
        assert "high-risk AI system under the EU AI Act" in stakes["declared_basis"]
    others = [t for t, data in found.items() if t and t not in high]
    assert all(
        "declared_class" not in data.get("stakes", {}) for t, data in found.items() if t in others
    )
    assert found["Parkeercontrole met scanauto"]["custom"]["publication_category"] == (
        "Impactvolle algoritmes"
    )

    # DPIA and IAMA named together: both safeguards, their links, personal data.
    bijstand = found["Beoordelen aanvragen bijzondere bijstand"]
    assert bijstand["governance"] == {"impact_assessment": "done"}
    assert bijstand["risks"]["personal_data"] is True
    assert bijstand["risks"]["privacy_review"] == "done"
    assert [link["url"] for link in bijstand["links"] if link["title"] == "Impact assessment"] == [
        "https://gemeentezuiderhaaks.nl/dpia.pdf",
        "https://gemeentezuiderhaaks.nl/iama.pdf",
    ]
    # The legal basis runs past the 1,000 characters regulation holds: cut, whole kept.
    assert len(bijstand["risks"]["regulation"]) <= 1000
    assert bijstand["custom"]["legal_basis_full"] == LONG_LEGAL_BASIS
    alarm = found["Spraakherkenning bij meldingen op het alarmnummer"]
    assert alarm["stage"] == "incubating" and alarm["governance"]["impact_assessment"] == "done"
    assert alarm["risks"]["privacy_review"] == "done"  # "DPIA en IAMA"
    studie = found["Selectie van aanvragen voor controle op studiesubsidie"]
    assert studie["governance"]["impact_assessment"] == "done"  # an IAMA alone
    assert "privacy_review" not in studie.get("risks", {})
    assert studie["tags"] == ["onderwijs-en-wetenschap", "financien"]  # a list cell
    # Only an answer saying there is none sets human oversight; the text is always kept.
    assert "human_oversight" not in studie.get("risks", {})
    assert studie["custom"]["human_intervention"].startswith("Geen menselijke tussenkomst bij")
    assert found["Chatbot op de gemeentelijke website"]["risks"]["human_oversight"] == "none"
    assert found["Inschatten van wachttijden bij de balie"]["risks"]["human_oversight"] == "none"

    # No personal data, said in the explanation of the impact assessments.
    assert found["Automatische Verkeersregeling Ringweg"]["risks"] == {
        "personal_data": False,
        "privacy_review": "not-needed",
        "regulation": "Het algoritme voert taken uit de Wegenverkeerswet uit, zoals het bewaken "
        "van de verkeersveiligheid.",
    }
    dijk = found["Detectie van dijkschade met beeldherkenning"]
    assert dijk["governance"]["impact_assessment"] == "none"  # "Geen"
    assert dijk["risks"]["personal_data"] is False
    scan = found["Parkeercontrole met scanauto"]
    assert scan["risks"]["personal_data"] is True and scan["risks"]["privacy_review"] == "done"
    huur = found["Toewijzen van sociale huurwoningen"]  # the Dutch name of a DPIA
    assert huur["risks"]["privacy_review"] == "done" and huur["sourcing"] == "not_reported"
    afval = found["Herkennen van illegaal afval op foto's"]
    assert afval["governance"]["impact_assessment"] == "not_applicable"
    ambulance = found["Inzetten van ambulances op basis van drukte"]
    assert ambulance["risks"]["regulation"] == "Wet publieke gezondheid"  # the title alone
    assert ambulance["dates"]["deployed"] == "2022-11-01"
    chatbot = found["Chatbot op de gemeentelijke website"]
    assert chatbot["dates"]["deployed"] == "2021"  # a year alone, no month invented
    schulden = found["Voorspellen van schuldenproblematiek"]
    assert schulden["stage"] == "retired"
    assert schulden["dates"] == {"deployed": "2020-03", "retired": "2024-06"}
    assert schulden["tags"] == ["sociale-zekerheid", "werk"]
    assert found["Detectie van dijkschade met beeldherkenning"]["sourcing"] == "in_house"
    assert "vendor" not in found["Detectie van dijkschade met beeldherkenning"]


def test_an_export_to_the_registers_columns_gives_the_same_fields_again(
    tmp_path: Path,
) -> None:
    registrations = rows()
    first, again = tmp_path / "first", tmp_path / "again"
    do_import(write(tmp_path / "register.csv", registrations), first)
    exported = tmp_path / "export.csv"
    code, _, err = run_cli("export", str(first), "--format", MAPPING, "--out", str(exported))
    assert code == 0, err
    with exported.open(encoding="utf-8") as handle:
        back = list(csv.DictReader(handle))
    assert list(back[0]) == COLUMNS
    # Every cell is written back as the register had it, but for the separator between
    # two links in one cell (a space).
    by_name = {(r["Organisatie"], r["Naam"]): r for r in back}
    for row in registrations:
        written = by_name[(row["Organisatie"], row["Naam"])]
        for column in COLUMNS:
            if column != "Link naar impacttoets":
                assert written[column] == row[column], (row["Naam"], column)
    do_import(exported, again)
    before, after = files(first), files(again)
    assert set(before) == set(after)
    for name, data in before.items():
        data["source"].pop("file"), after[name]["source"].pop("file")
        data["source"].pop("row"), after[name]["source"].pop("row")
        assert data == after[name], name


def test_a_reimport_of_the_same_register_changes_nothing(tmp_path: Path) -> None:
    source = write(tmp_path / "register.csv", rows())
    out = tmp_path / "out"
    do_import(source, out)
    written = {p.name: p.read_bytes() for p in out.glob("*.yaml")}
    _, report = do_import(source, out)
    assert report["written"] == 0 and report["updated"] == 0 and report["unchanged"] == 16
    assert {p.name: p.read_bytes() for p in out.glob("*.yaml")} == written


def test_a_values_key_between_two_stars_matches_a_value_holding_that_text(
    tmp_path: Path,
) -> None:
    """Before, "*IAMA*" was a prefix key, "*IAMA", which no assessment list starts with."""
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "mapping_version: 1\n"
        "name: contains\n"
        "id: {key: [Naam]}\n"
        "fields:\n"
        "  title: {column: Naam}\n"
        "  summary: {column: Naam}\n"
        "  team: {column: Naam}\n"
        "  stage: {column: Naam, values: {'*': not_reported}}\n"
        "  governance.impact_assessment:\n"
        "    column: Toetsen\n"
        "    values: {Geen IAMA: none, '*iama*': done, '*mensenrechten*': done, '*': null}\n",
        "utf-8",
    )
    source = tmp_path / "t.csv"
    source.write_text(
        "Naam,Toetsen\n"
        'Registratie a met een naam,"DPIA, IAMA"\n'
        "Registratie b met een naam,Impact Assessment Mensenrechten en Algoritmes\n"
        "Registratie c met een naam,Geen IAMA\n"
        "Registratie d met een naam,DPIA\n",
        "utf-8",
    )
    code, report = do_import(source, tmp_path / "out", str(mapping))
    assert code == 0 and report["unmapped"] == []
    found = {
        t: d.get("governance", {}).get("impact_assessment")
        for t, d in by_title(tmp_path / "out").items()
    }
    # Exact keys first ("Geen IAMA"), then the patterns in order, the catch-all last.
    assert found == {
        f"Registratie {k} met een naam": v
        for k, v in {"a": "done", "b": "done", "c": "none", "d": None}.items()
    }


@pytest.mark.slow
def test_a_new_site_with_the_register_imported_builds_strict_and_shows_it(
    tmp_path: Path,
) -> None:
    site = tmp_path / "algoritmes"
    assert run_cli("init", str(site), "--title", "Algoritmes")[0] == 0
    # Without the registration that has no name: a strict build refuses invalid proposals.
    source = write(tmp_path / "register.csv", rows()[:-1])
    with contextlib.chdir(site):
        code, _, err = run_cli("import", str(source), "--mapping", MAPPING)
    assert code == 0, err
    outcome = logged_build(site, strict=True)
    assert outcome.error is None, outcome.warnings
    assert outcome.site_dir is not None
    proposals = site / "content" / "proposals"
    high = next(proposals.glob("gemeente-zuiderhaaks-beoordelen-*.yaml")).stem
    page = BeautifulSoup(
        page_of(outcome.site_dir, f"proposals/{high}.md").read_text("utf-8"), "html.parser"
    )
    text = " ".join(page.select_one("article").get_text(" ", strip=True).split())
    assert "Beoordelen aanvragen bijzondere bijstand" in text
    assert "High risk" in text and "Dutch algorithm register" in text
    units = page_of(outcome.site_dir, "portfolio/units/index.md").read_text("utf-8")
    for organisation in ("Gemeente Noorderhaaks", "Waterschap Haakse Polders"):
        assert organisation in units
