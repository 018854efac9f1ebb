"""Portfolio analytics: totals by group, balance against the target mix, open-pitfall counts,
and where a reader or a tool sees them (portfolio page, `sweetspot score`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import make_site, page_of

from scoring.cli.main import main
from scoring.model.scorecard import score_intake
from scoring.portfolio.summary import summarise, summary_json
from scoring.proposals.loading import load_proposals
from scoring.rubric import load_rubric

RUBRIC = load_rubric()


def proposal(title: str, stage: str, team: str, value: int, one_off: int, running: int,
             *, strong: bool, data_answer: str = "no") -> str:
    """A strong proposal lands in quick win, a bare one in reconsider (checked below)."""
    body: dict[str, object] = {
        "title": title, "summary": "A proposal written for the portfolio tests.",
        "team": team, "stage": stage,
        "value": {"currency": "EUR", "annual_value": value, "one_off_cost": one_off,
                  "annual_running_cost": running, "confidence": "high"},
        "checklists": {"data": {"golden_set": data_answer}},
    }
    if strong:
        body.update({
            "sponsor": "CFO",
            "problem": {"decision": "Which orders to check", "user_need": "Asked for",
                        "non_ml_alternative": "A rule", "stakeholders": "Agreed",
                        "automation": "augment", "business_metric": {"name": "Loss"}},
            "data": {"sources": [{"name": "Orders", "access": "granted"}], "labels": "available",
                     "representativeness": "Covers all regions", "split_plan": "By time"},
            "roles": {"product_owner": "A", "data_scientist": "B", "data_engineer": "C",
                      "backend_engineer": "D", "qa_engineer": "E", "research_engineer": "F",
                      "subject_matter_expert": "G"},
            "delivery": {"mvp": "One region", "serving": "batch", "ab_plan": "Half the stores",
                         "technical_evidence": "Prototype"},
            "evidence": {k: 4 for k in ("decision_named", "user_need", "beats_baseline",
                                        "stakeholder_support", "human_fit", "business_metric",
                                        "cost_estimate", "online_measurement", "data_access",
                                        "labels", "representative_data", "leak_free_split",
                                        "technical_evidence", "serving_path", "delivery_plan")},
            "risks": {"factors": {f.id: {"severity": 1, "likelihood": 1}
                                  for f in RUBRIC.risk_factors if f.kind == "rated"}},
        })
        body["checklists"] = {c.id: {i.id: "yes" for i in c.items} for c in RUBRIC.checklists}
        body["checklists"]["data"]["golden_set"] = data_answer  # type: ignore[index]
    return yaml.safe_dump(body, sort_keys=False)


PROPOSALS = {
    "a-win": proposal("Alpha", "pilot", "Risk", 400_000, 100_000, 20_000, strong=True),
    "b-win": proposal("Beta", "approved", "Risk", 200_000, 50_000, 10_000, strong=True,
                      data_answer="yes"),
    "c-bare": proposal("Gamma", "idea", "Marketing", 90_000, 30_000, 5_000, strong=False),
    "d-retired": proposal("Delta", "retired", "Marketing", 50_000, 10_000, 1_000,
                          strong=True),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("portfolio")
    for pid, text in PROPOSALS.items():
        (root / f"{pid}.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def summary(folder: Path):  # type: ignore[no-untyped-def]
    intake = load_proposals([folder], RUBRIC)
    assert not intake.invalid, intake.problems
    portfolio = score_intake(intake, RUBRIC)
    quadrants = {c.proposal.id: c.quadrant for c in portfolio.cards}
    assert quadrants == {"a-win": "quick_win", "b-win": "quick_win", "c-bare": "reconsider",
                         "d-retired": "quick_win"}
    return summarise(portfolio)


def test_totals_by_group(summary) -> None:  # type: ignore[no-untyped-def]
    assert (summary.total, summary.active, summary.currency) == (4, 3, "EUR")
    # Active totals leave out the retired proposal: 400k + 200k + 90k.
    assert summary.annual_value == 690_000
    assert summary.one_off_cost == 180_000
    by_team = {t.key: (t.count, t.annual_value) for t in summary.by_team}
    assert by_team == {"Marketing": (2, 140_000), "Risk": (2, 600_000)}
    by_quadrant = {t.key: t.count for t in summary.by_quadrant}
    assert by_quadrant == {"quick_win": 3, "reconsider": 1}
    assert [t.key for t in summary.by_stage] == ["idea", "approved", "pilot", "retired"]


def test_balance_against_the_target_mix(summary) -> None:  # type: ignore[no-untyped-def]
    # Active: two quick wins and one reconsider of three. Targets 40/30/20/10, tolerance 15.
    rows = {b.quadrant: b for b in summary.balance}
    assert rows["quick_win"].share == pytest.approx(2 / 3, abs=0.001)
    assert rows["quick_win"].status == "over"  # 67% against 40%
    assert rows["strategic_bet"].status == "under"  # 0% against 30%
    assert rows["incremental"].status == "under"  # 0% against 20%: 20 points > 15
    assert rows["reconsider"].status == "over"  # 33% against 10%
    assert summary.in_balance is False


def test_open_pitfalls_count_active_proposals_only(summary) -> None:  # type: ignore[no-untyped-def]
    golden = next(r for r in summary.heatmap if (r.checklist_id, r.item_id) == ("data",
                                                                                 "golden_set"))
    # a-win answered no, b-win yes, c-bare no; the retired proposal does not count.
    assert (golden.open_count, golden.applicable) == (2, 3)
    assert golden.open_ids == ("a-win", "c-bare")
    payload = summary_json(summary)
    assert json.loads(json.dumps(payload)) == payload


def test_score_cli_reports_the_portfolio(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(folder), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["portfolio"]["active"] == 3
    assert payload["portfolio"]["balance"]["in_balance"] is False
    assert main(["score", str(folder)]) == 0
    assert "portfolio OUT OF BALANCE" in capsys.readouterr().out


def test_portfolio_page_shows_value_by_quadrant(tmp_path: Path) -> None:
    site = make_site(tmp_path, PROPOSALS)
    soup = BeautifulSoup(page_of(site, "portfolio/index.md").read_text(encoding="utf-8"),
                         "html.parser")
    heading = soup.find(id="value-by-quadrant")
    assert heading is not None
    table = heading.find_next("table")
    rows = {tr.find_all("td")[0].get_text(strip=True): [td.get_text(strip=True)
                                                        for td in tr.find_all("td")]
            for tr in table.select("tbody tr")}
    assert rows["Quick win"][1] == "3"
    assert rows["Quick win"][2] == "EUR 650,000"
    assert rows["Reconsider"][2] == "EUR 90,000"
    assert "out of balance" in soup.get_text()
