"""Decisions on the built site (#29): the proposal page's Decisions block and flags, the
decisions page, and cached pages that follow the build date and the decision files."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from sitekit import REPO, write_site

LLM = "support-reply-drafts-llm"
CARRIER = "carrier-delay-alerts"

ACCEPTANCE = f"""\
proposal: {LLM}
kind: risk_acceptance
requested_by: "Camille <script>alert(1)</script> Laurent"
decided_by: Frederik Aalto
date: 2026-11-20
expires: 2027-05-31
scope:
  flag: labels_without_guidelines
"""

APPROVAL = f"""\
proposal: {CARRIER}
kind: approval
requested_by: Daan Visser
decided_by: Pieter Janssens
date: 2026-11-02
scope:
  stage: approved
conditions:
  - id: guidelines
    text: "Labelling{{hostile}} guidelines written"
    due: 2027-06-30
"""


def project(root: Path, build_date: str, hostile: str = "") -> Path:
    proposals = {
        pid: (REPO / "content" / "proposals" / f"{pid}.yaml").read_text("utf-8")
        for pid in (LLM, CARRIER)
    }
    write_site(
        root,
        proposals,
        plugin_options={
            "build_date": build_date,
            "deciders": ["Frederik Aalto", "Pieter Janssens"],
        },
        extra_files={
            "decisions/accept.yaml": ACCEPTANCE,
            "decisions/approval.yaml": APPROVAL.format(hostile=hostile),
        },
    )
    return root


def set_build_date(root: Path, day: str) -> None:
    config = yaml.safe_load((root / "mkdocs.yml").read_text("utf-8"))
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "sweetspot" in plugin:
            plugin["sweetspot"]["build_date"] = day
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def serve_build(root: Path, *, startup: bool) -> Any:
    """One build as `mkdocs serve` runs it: config read afresh, the plugin instance kept,
    proposal pages cached on disk and kept while their key holds."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(config_file=str(root / "mkdocs.yml"))
    if startup:
        config.plugins.on_startup(command="serve", dirty=True)
    build(config, dirty=True)
    return config


def text_of(site: Path, page: str) -> str:
    raw = (site / page / "index.html").read_text("utf-8")
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", raw)))


def flags_section(text: str) -> str:
    return text[text.index("Flags ¶") : text.index("Decisions ¶")]


def portfolio_state(site: Path, proposal: str) -> str:
    """The State cell of the proposal's row in the portfolio table, as a reader sees it."""
    page = (site / "portfolio" / "index.html").read_text("utf-8")
    row = re.search(rf'<tr data-proposal="{proposal}">(.*?)</tr>', page, re.DOTALL)
    assert row, f"no row for {proposal} in the portfolio table"
    cells = re.findall(r"<td\b[^>]*>(.*?)</td>", row.group(1), re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "", cells[2])).strip()


@pytest.mark.slow
def test_an_acceptance_and_a_condition_follow_the_build_date_on_a_cached_site(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, "2027-05-31")
    site = Path(serve_build(root, startup=True).site_dir)
    llm = text_of(site, f"proposals/{LLM}")
    assert "labels_without_guidelines" not in flags_section(llm)
    assert (
        "Flag accepted : Partial labels without guidelines, by Frederik Aalto until "
        "2027-05-31." in llm
    ), llm
    carrier = text_of(site, f"proposals/{CARRIER}")
    assert (
        "Condition guidelines: Labelling guidelines written, due 2027-06-30, in 30 days." in carrier
    )
    assert "Needs review" not in carrier
    assert "Needs review" not in portfolio_state(site, CARRIER)

    set_build_date(root, "2027-07-01")  # no file of the proposals changed
    serve_build(root, startup=False)
    llm = text_of(site, f"proposals/{LLM}")
    flags = flags_section(llm)
    assert "Expired decision: risk acceptance of flag labels_without_guidelines" in flags
    assert "Partial labels without guidelines" in flags  # back
    carrier = text_of(site, f"proposals/{CARRIER}")
    assert "Needs review The condition 'guidelines' of approval" in carrier
    assert "1 day overdue" in carrier
    assert portfolio_state(site, CARRIER).startswith("Needs review: ")  # the table's state
    page = text_of(site, "decisions")
    assert "Needs review ¶ An approval's condition is past its due date" in page
    assert "Expired : expired after 2027-05-31" in page

    shutil.rmtree(root / "decisions")
    (root / "decisions").mkdir()
    serve_build(root, startup=False)
    llm = text_of(site, f"proposals/{LLM}")
    assert "Expired decision" not in llm
    assert "Decisions ¶" not in llm  # no decisions, not approved: no section


@pytest.mark.slow
def test_decision_text_is_escaped_and_the_page_lists_requester_and_decider(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, "2026-12-07", hostile=" <script>alert(2)</script>")
    site = Path(serve_build(root, startup=True).site_dir)
    for page, shown in (
        (f"proposals/{CARRIER}", "Labelling <script>alert(2)</script> guidelines written"),
        ("decisions", "Camille <script>alert(1)</script> Laurent"),
    ):
        raw = (site / page / "index.html").read_text("utf-8")
        assert "<script>alert" not in raw
        assert shown in text_of(site, page)
    page = text_of(site, "decisions")
    assert "Risk acceptance (1)" in page and "Frederik Aalto" in page
    assert "Expiring within 90 days" in page


@pytest.mark.slow
def test_a_public_build_shows_decisions_without_names_or_record_links(tmp_path: Path) -> None:
    """Requesters and deciders are personal data (issue 28): no page, download or search
    index of a public build holds them, nor the link to the internal record; the internal
    build keeps them."""
    markers = {"requested_by": "mkrequesterq21", "decided_by": "mkdeciderq22"}
    acceptance = (
        ACCEPTANCE.replace(
            'requested_by: "Camille <script>alert(1)</script> Laurent"',
            f"requested_by: Camille {markers['requested_by']}",
        ).replace("decided_by: Frederik Aalto", f"decided_by: Frederik {markers['decided_by']}")
        + "record: https://intranet.example.com/mkrecordq23\n"
    )
    markers["record"] = "mkrecordq23"
    sites = {}
    for publication in ("public", "internal"):
        root = tmp_path / publication
        proposals = {LLM: (REPO / "content" / "proposals" / f"{LLM}.yaml").read_text("utf-8")}
        write_site(
            root,
            proposals,
            plugin_options={"publication": publication, "build_date": "2026-12-07"},
            extra_files={"decisions/accept.yaml": acceptance},
        )
        sites[publication] = Path(serve_build(root, startup=True).site_dir)
    public_text = "\n".join(
        p.read_text("utf-8", "replace").casefold()
        for p in sites["public"].rglob("*")
        if p.is_file() and p.suffix in (".html", ".json", ".csv", ".xml", ".txt")
    )
    assert not [m for m in markers.values() if m in public_text]
    assert "flag accepted : partial labels without guidelines, by name withheld until" in (
        text_of(sites["public"], f"proposals/{LLM}").casefold()
    )
    internal = text_of(sites["internal"], f"proposals/{LLM}")
    assert markers["decided_by"] in internal
    decisions_json = (sites["internal"] / "portfolio" / "portfolio.json").read_text("utf-8")
    assert markers["requested_by"] in decisions_json


@pytest.mark.slow
def test_every_decisions_table_turns_into_labelled_cards_on_a_phone(tmp_path: Path) -> None:
    """Each table of the decisions page is an HTML card table: every cell carries the label
    its column has, which the phone layout shows beside the value (no sideways scroll)."""
    from bs4 import BeautifulSoup

    root = project(tmp_path, "2026-12-07", hostile="")
    site = Path(serve_build(root, startup=True).site_dir)
    soup = BeautifulSoup((site / "decisions" / "index.html").read_text("utf-8"), "html.parser")
    tables = soup.select("article table")
    assert tables, "the decisions page has no table"
    for table in tables:
        assert "ss-cards" in (table.get("class") or []), table.get("class")
        columns = [th.get_text(strip=True) for th in table.select("thead th")]
        for row in table.select("tbody tr"):
            cells = row.find_all(["th", "td"], recursive=False)
            assert [c.get("data-label") for c in cells] == columns
    conditions = soup.find(id="conditions").find_next("table")
    labels = [td["data-label"] for td in conditions.select("tbody tr td")]
    assert labels[:4] == ["Condition", "Due", "When", "Set by"]
