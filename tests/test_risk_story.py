"""One risk story on every surface (issue 24, item 4).

"Risk" is the stakes figure (what the system can do to whom, after its safeguards), always
inside its class's band and shown with its class and the reason for it; "Delivery risk" is
the placement axis. A real site is built and every surface is read as a user sees it: the
proposal page, the portfolio table, the chart, rows.json, and `sweetspot score` as a table,
CSV and JSON. The same numbers must appear under the same names everywhere.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from sitekit import make_site

DEMO = Path(__file__).resolve().parent.parent / "content" / "proposals"
BASE = """\
schema_version: 1
title: {title}
summary: {title}.
team: Content
stage: proposed
delivery:
  uses_llm: {llm}
risks:
  human_oversight: review-before-action
stakes:
  area: none
  decides_about_people: false
  people_affected: hundreds
  reversibility: easy
"""
# A writing aid: a person edits and sends every draft, so it does not talk to people.
WRITER = BASE.format(title="Draft product descriptions with a language model", llm="true")
WRITER_WITHOUT_LLM = BASE.format(title="Draft product descriptions from templates", llm="false")
# Replies a language model writes and sends on its own: it talks to people (Art. 50(1)).
SENDER = BASE.format(title="Send generated replies to customers", llm="true") + (
    "  talks_to_people: true\n"
)
PROPOSALS = {
    "llm-writer": WRITER,
    "template-writer": WRITER_WITHOUT_LLM,
    "auto-replies": SENDER,
    # Minimal class with a high flag and a high delivery risk; a high-risk credit model.
    "returns-volume-forecast": (DEMO / "returns-volume-forecast.yaml").read_text("utf-8"),
    "credit-scorecard-challenger": (DEMO / "credit-scorecard-challenger.yaml").read_text("utf-8"),
}
CLASS_LABELS = {"minimal": "Minimal risk", "limited": "Limited risk", "high": "High risk"}
WHY_NOT_THE_CLASS = "do not set the class"


def run(root: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "scoring.cli.main", "score", "content/proposals", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("risk-story")
    return root, make_site(root, PROPOSALS)


@pytest.fixture(scope="module")
def scored(built: tuple[Path, Path]) -> dict[str, dict[str, Any]]:
    payload = json.loads(run(built[0], "--format", "json"))
    return {p["id"]: p for p in payload["proposals"]}


def page(site: Path, relative: str) -> BeautifulSoup:
    return BeautifulSoup((site / relative).read_text("utf-8"), "html.parser")


def text(node: Tag | None) -> str:
    assert node is not None
    return " ".join(node.get_text(" ").split())


def whole(value: float | None) -> str:
    return "not yet assessed" if value is None else f"{value:.0f}"


def test_json_names_risk_and_delivery_risk_and_keeps_risk_in_its_band(
    scored: dict[str, dict[str, Any]],
) -> None:
    for pid, entry in scored.items():
        low, high = entry["risk_band"]
        assert low <= entry["risk"] <= high, pid
        # The range holds the figure and starts in the band; its top may reach the band of
        # a higher class an unanswered stakes question could set, and the reason says so.
        assert low <= entry["risk_range"][0] <= entry["risk"] <= entry["risk_range"][1], pid
        assert entry["risk_range"][1] <= high or "could be" in entry["risk_reason"], pid
        assert entry["risk_reason"], pid
        # The engine's risk-factor score has its own name; "risk" is never it.
        assert "risk" not in entry["scores"] and "risk_factors" in entry["scores"], pid
        assert entry["delivery_risk"] == pytest.approx(
            (entry["scores"]["risk_factors"] + 100 - entry["scores"]["feasibility"]) / 2, abs=0.1
        )


def test_language_model_alone_is_not_limited_and_sending_replies_is(
    scored: dict[str, dict[str, Any]],
) -> None:
    writer, plain, sender = scored["llm-writer"], scored["template-writer"], scored["auto-replies"]
    assert writer["risk_class"] == plain["risk_class"] == "minimal"
    # The language model moves the use up inside the same band.
    assert writer["risk"] > plain["risk"]
    assert sender["risk_class"] in ("limited", "high")
    assert "Art. 50" in sender["risk_reason"]
    assert scored["credit-scorecard-challenger"]["risk_class"] == "high"
    assert "Annex III 5(b)" in scored["credit-scorecard-challenger"]["risk_reason"]


def test_csv_and_terminal_show_the_same_figures_under_the_same_names(
    built: tuple[Path, Path], scored: dict[str, dict[str, Any]]
) -> None:
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(run(built[0], "--format", "csv")))}
    for pid, entry in scored.items():
        assert float(rows[pid]["risk"]) == entry["risk"], pid
        assert float(rows[pid]["delivery_risk"]) == entry["delivery_risk"], pid
        assert float(rows[pid]["risk_factors"]) == entry["scores"]["risk_factors"], pid
        assert rows[pid]["risk_class"] == entry["risk_class"]
        assert rows[pid]["risk_reason"] == entry["risk_reason"]
    # The site's download is the same table.
    site_csv = (built[1] / "portfolio" / "portfolio.csv").read_text("utf-8")
    site_rows = {r["id"]: r for r in csv.DictReader(io.StringIO(site_csv))}
    for pid, entry in scored.items():
        assert float(site_rows[pid]["risk"]) == entry["risk"], pid
        assert float(site_rows[pid]["delivery_risk"]) == entry["delivery_risk"], pid

    table = run(built[0], "--format", "table", "--color", "never").splitlines()
    header = table[0].split("  ")
    assert "Delivery risk" in [h.strip() for h in header] and "Risk" in [h.strip() for h in header]
    assert not any(h.strip() == "R" for h in header)
    for pid, entry in scored.items():
        line = next(row for row in table if row.startswith(pid + " "))
        assert re.search(
            rf"\s{entry['delivery_risk']:.0f}\s+{entry['risk']:.0f}\s+{entry['risk_class']}\s", line
        ), line
        why = next(row for row in table if row.strip().startswith(pid + " ") and "·" in row)
        assert f"Risk {entry['risk']:.0f} · {CLASS_LABELS[entry['risk_class']]}" in why
        assert entry["risk_reason"][1:] in why
        # A figure beside the class that reads as a contradiction is explained there too.
        if entry.get("risk_note"):
            assert entry["risk_note"] in why, (pid, why)
    notes = [pid for pid, entry in scored.items() if entry.get("risk_note")]
    assert "credit-scorecard-challenger" in notes, notes  # a quick win in the high class


def test_proposal_pages_show_risk_with_class_and_reason(
    built: tuple[Path, Path], scored: dict[str, dict[str, Any]]
) -> None:
    for pid, entry in scored.items():
        article = page(built[1], f"proposals/{pid}/index.html").find("article")
        assert isinstance(article, Tag)
        label = CLASS_LABELS[entry["risk_class"]]
        head = f"Risk {entry['risk']:.0f} · {label}"
        badge = article.select_one(f".ss-badge.ss-class-{entry['risk_class']}")
        assert text(badge) == head, pid
        bars = {text(b.select_one(".ss-score-label")): b for b in article.select(".ss-score")}
        assert text(bars["Risk"].select_one(".ss-score-value")) == whole(entry["risk"])
        assert label in text(bars["Risk"])
        assert text(bars["Delivery risk"].select_one(".ss-score-value")) == whole(
            entry["delivery_risk"]
        )
        line = next(s for s in article.find_all("strong") if text(s) == head + ".")
        said = text(line.parent)
        assert entry["risk_reason"] in said, pid
        # A minimal or limited class beside a serious flag or a high delivery risk: a sentence.
        serious = any(f["severity"] in ("red", "high") for f in entry["flags"])
        if entry["risk_class"] != "high" and (serious or entry["delivery_risk"] >= 50):
            assert WHY_NOT_THE_CLASS in said, pid
        risks = text(article.find(id="risks"))
        assert f"Delivery risk {entry['delivery_risk']:.0f}" in risks
        assert f"Inside the {entry['risk_class']} band" in risks
        no_plain_risk_with(article, entry, pid)


def no_plain_risk_with(node: Tag, entry: dict[str, Any], where: str) -> None:
    """Every number called plain "risk" is the risk figure, never delivery risk ("inherent
    risk", before safeguards, is named as such beside the figure after them)."""
    plain_risk = re.compile(r"(?<!delivery )(?<!inherent )\brisk\s+(\d+)\b", re.IGNORECASE)
    for match in plain_risk.finditer(text(node)):
        assert match[1] == whole(entry["risk"]), (where, match[0])


def test_minimal_class_with_flags_explains_itself(scored: dict[str, dict[str, Any]]) -> None:
    flagged = scored["returns-volume-forecast"]
    assert flagged["risk_class"] == "minimal"
    assert flagged["risk"] <= flagged["risk_band"][1]
    assert any(f["severity"] == "high" for f in flagged["flags"])
    assert flagged["delivery_risk"] >= 50
    assert WHY_NOT_THE_CLASS in flagged["risk_note"]


def test_portfolio_table_chart_and_rows_json_agree(
    built: tuple[Path, Path], scored: dict[str, dict[str, Any]]
) -> None:
    portfolio = page(built[1], "portfolio/index.html")
    table = portfolio.select_one("table.ss-ptable")
    assert table is not None
    headers = [text(th) for th in table.select("thead th")]
    assert "Delivery risk" in headers and "Risk" in headers and "Risk class" not in headers
    column = {name: n for n, name in enumerate(headers)}
    for tr in table.select("tbody tr"):
        pid = tr["data-proposal"]
        entry = scored[str(pid)]
        cells = tr.find_all("td")
        assert text(cells[column["Delivery risk"]]).split()[0] == whole(entry["delivery_risk"])
        risk_cell = text(cells[column["Risk"]])
        assert risk_cell.startswith(f"{entry['risk']:.0f} {CLASS_LABELS[entry['risk_class']]}")
        # The table gives why the class, without what an open answer could raise it to
        # (it shows no range): the reason up to its "could be" clause.
        assert entry["risk_reason"].split("; could be")[0] in risk_cell
        assert "could be" not in risk_cell
    chart = portfolio.select_one("svg.ss-quadrant-chart")
    assert chart is not None
    assert "Delivery risk" in text(chart.select_one("text.ss-axis"))
    for point in chart.select("a.ss-point"):
        entry = scored[str(point["data-proposal"])]
        tip = text(point.find("title"))
        assert f"delivery risk {entry['delivery_risk']:.0f}" in tip
        assert f"Risk {entry['risk']:.0f} · {CLASS_LABELS[entry['risk_class']]}" in tip
    rows = json.loads((built[1] / "portfolio" / "rows.json").read_text("utf-8"))
    field = {name: n for n, name in enumerate(rows["fields"])}
    for row in rows["rows"]:
        entry = scored[row[field["id"]]]
        assert row[field["risk"]] == entry["risk"]
        assert row[field["delivery_risk"]] == entry["delivery_risk"]
        assert row[field["risk_reason"]] == entry["risk_reason"].split("; could be")[0]


def test_scoring_method_defines_limited_by_art_50(built: tuple[Path, Path]) -> None:
    method = text(page(built[1], "reference/scoring-method/index.html").find("article"))
    assert "Art. 50" in method
    assert "talks to people through a language model" not in method
    assert "Delivery risk = (risk factors + (100 − feasibility)) ÷ 2" in method
