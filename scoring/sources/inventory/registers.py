"""Proposals in the public registers' own formats: the UK Algorithmic Transparency
Recording Standard (ATRS v3.0) tier 1 and tier 2, and the EU database for high-risk AI
systems (AI Act Annex VIII, section B: an Annex III system its provider found not
high-risk under Art. 6(3); section C: a public authority's use of a high-risk system).

Each format is a list of columns, each filled from the proposal's fields (empty when the
proposal does not answer). The functions read plain proposal data, so a public
publication's redacted proposals give a public export: visibility is applied before this.
Entries the EU database keeps in its non-public section (Annex III 1, 6 and 7: biometrics,
law enforcement, migration) are left out of a public EU export and counted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scoring.sources.inventory.convert import get_path

Data = Mapping[str, Any]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Annex III points 1, 6 and 7: registered in the EU database's secure non-public section.
EU_NON_PUBLIC_AREAS = ("biometrics", "law_enforcement", "migration")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value if v is not None)
    return str(value)


def field(path: str) -> Callable[[Data], str]:
    return lambda data: _text(get_path(data, path))


def first(*paths: str) -> Callable[[Data], str]:
    """The first of these fields that is answered."""

    def take(data: Data) -> str:
        for path in paths:
            text = _text(get_path(data, path))
            if text:
                return text
        return ""

    return take


def _org(data: Data) -> str:
    org = data.get("org")
    return " / ".join(str(p) for p in org) if isinstance(org, list) else ""


def _organisation(data: Data) -> str:
    return _org(data) or _text(data.get("team"))


def _first_link(data: Data) -> str:
    links = data.get("links")
    if isinstance(links, list) and links and isinstance(links[0], Mapping):
        return _text(links[0].get("url"))
    return ""


def _sources(data: Data) -> str:
    sources = get_path(data, "data.sources")
    if not isinstance(sources, list):
        return ""
    return "; ".join(_text(s.get("name")) for s in sources if isinstance(s, Mapping))


def _safeguards(state: Sequence[str]) -> Callable[[Data], str]:
    def take(data: Data) -> str:
        governance = data.get("governance")
        if not isinstance(governance, Mapping):
            return ""
        return "; ".join(
            name.replace("_", " ") for name, value in governance.items() if value in state
        )

    return take


ATRS_PHASE = {
    "idea": "Pre-deployment",
    "proposed": "Pre-deployment",
    "approved": "Pre-deployment",
    "incubating": "Pre-deployment",
    "pilot": "Beta/Pilot",
    "production": "Production",
    "retired": "Retired",
    "rejected": "Not deployed",
    "not_reported": "",
}

EU_STATUS = {
    "production": "In service / on the market",
    "pilot": "In service / on the market",
    "retired": "Withdrawn",
    "rejected": "No longer in service",
}


def _phase(data: Data) -> str:
    return ATRS_PHASE.get(_text(data.get("stage")), "")


def _eu_status(data: Data) -> str:
    return EU_STATUS.get(_text(data.get("stage")), "Not yet placed on the market or in service")


Column = tuple[str, Callable[[Data], str]]


@dataclass(frozen=True)
class RegisterFormat:
    name: str
    title: str
    columns: tuple[Column, ...]
    eu: bool = False  # the EU database: Annex III 1, 6 and 7 go to its non-public section


ATRS_TIER1 = RegisterFormat(
    "atrs-tier1",
    "UK ATRS tier 1",
    (
        ("id", lambda d: ""),
        ("name", field("title")),
        ("description", field("summary")),
        ("website_url", _first_link),
        ("contact_email", first("custom.contact_email", "custom.contact")),
        ("organisation", _organisation),
        ("team", field("team")),
        ("function", field("tags")),
        ("phase", _phase),
    ),
)

ATRS_TIER2 = RegisterFormat(
    "atrs-tier2",
    "UK ATRS tier 2",
    (
        *ATRS_TIER1.columns,
        ("owner", field("owner")),
        ("senior_responsible_owner", field("sponsor")),
        ("suppliers", first("vendor", "custom.vendor_full")),
        ("sourcing", field("sourcing")),
        ("rationale", first("problem.user_need", "problem.business_metric")),
        ("alternatives_considered", field("problem.non_ml_alternative")),
        ("decision_process", field("problem.decision")),
        ("human_oversight", field("risks.human_oversight")),
        ("appeal", field("governance.appeal")),
        ("data", _sources),
        ("personal_data", field("risks.personal_data")),
        ("impact_assessment", field("governance.impact_assessment")),
        ("affected_groups", field("risks.affected_groups")),
        ("mitigations_in_place", _safeguards(("done", "partial"))),
        ("mitigations_missing", _safeguards(("none", "planned", "in_progress", "waived"))),
    ),
)

EU_SECTION_B = RegisterFormat(
    "eu-annex-viii-b",
    "EU database, Annex VIII section B",
    (
        ("provider_name", first("vendor", "custom.provider_name")),
        ("submitter", _organisation),
        ("authorised_representative", field("custom.authorised_representative")),
        ("ai_system_trade_name", field("title")),
        ("intended_purpose", field("summary")),
        ("annex_iii_area", field("stakes.area")),
        ("art_6_3_condition", field("custom.art_6_3_condition")),
        ("grounds_summary", field("custom.art_6_3_grounds")),
        ("status", _eu_status),
        ("member_states", field("custom.member_states")),
    ),
    eu=True,
)

EU_SECTION_C = RegisterFormat(
    "eu-annex-viii-c",
    "EU database, Annex VIII section C",
    (
        ("deployer_name", _organisation),
        ("deployer_contact", first("custom.contact_email", "custom.contact")),
        ("submitter", field("team")),
        ("ai_system", field("title")),
        ("provider_entry_url", field("custom.eu_database_url")),
        ("fria_summary", first("custom.fria_summary", "governance.impact_assessment")),
        ("dpia_summary", first("custom.dpia_summary", "risks.privacy_review")),
        ("annex_iii_area", field("stakes.area")),
    ),
    eu=True,
)

REGISTER_FORMATS: dict[str, RegisterFormat] = {
    f.name: f for f in (ATRS_TIER1, ATRS_TIER2, EU_SECTION_B, EU_SECTION_C)
}


@dataclass(frozen=True)
class RegisterExport:
    """The rows of one export and the entries left for the EU's non-public section."""

    columns: tuple[str, ...]
    rows: list[dict[str, str]]
    non_public: int = 0


def register_rows(
    fmt: RegisterFormat, entries: Iterable[tuple[str, Data]], *, public: bool
) -> RegisterExport:
    """One row per (id, data) entry; a public EU export leaves out the non-public areas."""
    rows: list[dict[str, str]] = []
    non_public = 0
    for proposal_id, data in entries:
        if fmt.eu and public and get_path(data, "stakes.area") in EU_NON_PUBLIC_AREAS:
            non_public += 1
            continue
        row = {name: make(data) for name, make in fmt.columns}
        if "id" in row:
            row["id"] = proposal_id
        rows.append(row)
    return RegisterExport(tuple(name for name, _ in fmt.columns), rows, non_public)


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def register_csv(export: RegisterExport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(export.columns)
    for row in export.rows:
        writer.writerow([_cell(row[name]) for name in export.columns])
    return out.getvalue()


def register_json(fmt: RegisterFormat, export: RegisterExport) -> str:
    payload: dict[str, Any] = {"format": fmt.name, "title": fmt.title, "entries": export.rows}
    if fmt.eu:
        payload["non_public_section"] = export.non_public
    return json.dumps(payload, ensure_ascii=False, indent=1) + "\n"


__all__ = [
    "EU_NON_PUBLIC_AREAS",
    "REGISTER_FORMATS",
    "RegisterExport",
    "RegisterFormat",
    "register_csv",
    "register_json",
    "register_rows",
]
