"""Portfolio analytics: totals by group and state, balance against the target mix (placed
proposals only, with "needs information" reported apart), open-pitfall counts, and where a
reader or a tool sees them (portfolio page, `sweetspot score`)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup
from sitekit import make_site, page_of

from scoring.cli.main import main
from scoring.model.scorecard import ScoredPortfolio, score_intake
from scoring.portfolio.summary import PortfolioSummary, summarise, summary_json
from scoring.proposals.loading import load_proposals
from scoring.rubric import load_rubric

RUBRIC = load_rubric()
RATED = [f.id for f in RUBRIC.risk_factors if f.kind == "rated"]
EVIDENCE = [c.id for c in RUBRIC.criteria if c.kind == "evidence"]


def proposal(
    title: str,
    stage: str,
    team: str,
    value: int | None = None,
    one_off: int = 0,
    running: int = 0,
    *,
    kind: str,
    data_answer: str = "no",
) -> str:
    """``kind``: "strong" lands in quick win (everything answered at the top, low risk),
    "weak" in reconsider (everything answered at the bottom, risks rated 3 x 3: its ranges
    place it there, and its stated decision level 0 is also a red flag, which would put it
    there on its own), "bare" in needs information (almost nothing answered). Checked in the
    fixture below."""
    body: dict[str, Any] = {
        "title": title,
        "summary": "A proposal written for the portfolio tests.",
        "team": team,
        "stage": stage,
    }
    if value is not None:
        body["value"] = {
            "currency": "EUR",
            "annual_value": value,
            "one_off_cost": one_off,
            "annual_running_cost": running,
            "confidence": "high",
        }
    body["checklists"] = {"data": {"golden_set": data_answer}}
    if kind == "strong":
        body.update(
            {
                "sponsor": "CFO",
                "problem": {
                    "decision": "Which orders to check",
                    "user_need": "Asked for",
                    "non_ml_alternative": "A rule",
                    "stakeholders": "Agreed",
                    "automation": "augment",
                    "business_metric": {"name": "Loss"},
                },
                "data": {
                    "sources": [{"name": "Orders", "access": "granted"}],
                    "labels": "available",
                    "representativeness": "Covers all regions",
                    "split_plan": "By time",
                },
                "roles": {
                    "product_owner": "A",
                    "data_scientist": "B",
                    "data_engineer": "C",
                    "backend_engineer": "D",
                    "qa_engineer": "E",
                    "research_engineer": "F",
                    "subject_matter_expert": "G",
                },
                "delivery": {
                    "mvp": "One region",
                    "serving": "batch",
                    "ab_plan": "Half the stores",
                    "guardrails": ["Complaints"],
                    "technical_evidence": "Prototype",
                    "builds_on": "model_swap",
                    "existing_system_monitored": True,
                },
                "stakes": {
                    "area": "none",
                    "decides_about_people": False,
                    "people_affected": "none",
                    "reversibility": "easy",
                },
                "evidence": dict.fromkeys(EVIDENCE, 4),
                "risks": {
                    "human_oversight": "review-before-action",
                    "factors": {f: {"severity": 1, "likelihood": 1} for f in RATED},
                },
            }
        )
        body["value"]["scale"] = "major"
        body["checklists"] = {c.id: {i.id: "yes" for i in c.items} for c in RUBRIC.checklists}
        body["checklists"]["data"]["golden_set"] = data_answer
    elif kind == "weak":
        body.update(
            {
                "evidence": dict.fromkeys(EVIDENCE, 0),
                "roles": {"data_scientist": "vacant"},
                "risks": {
                    "human_oversight": "human-decides",
                    "factors": {f: {"severity": 3, "likelihood": 3} for f in RATED},
                },
            }
        )
        body["value"]["scale"] = "negligible"
        body["checklists"] = {c.id: {i.id: "no" for i in c.items} for c in RUBRIC.checklists}
    return yaml.safe_dump(body, sort_keys=False)


PROPOSALS = {
    "a-win": proposal("Alpha", "pilot", "Risk", 400_000, 100_000, 20_000, kind="strong"),
    "b-win": proposal(
        "Beta", "approved", "Risk", 200_000, 50_000, 10_000, kind="strong", data_answer="yes"
    ),
    "c-bare": proposal("Gamma", "idea", "Marketing", 90_000, 30_000, 5_000, kind="bare"),
    "d-retired": proposal("Delta", "retired", "Marketing", 50_000, 10_000, 1_000, kind="strong"),
    "e-weak": proposal("Epsilon", "proposed", "Finance", 10_000, 100_000, 20_000, kind="weak"),
    "f-draft": proposal("Zeta", "idea", "Marketing", kind="bare"),
}
STATES = {
    "a-win": "quick_win",
    "b-win": "quick_win",
    "c-bare": "needs_information",
    "d-retired": "quick_win",
    "e-weak": "reconsider",
    "f-draft": "needs_information",
}


def scored(folder: Path) -> ScoredPortfolio:
    intake = load_proposals([folder], RUBRIC)
    assert not intake.invalid, intake.problems
    return score_intake(intake, RUBRIC)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("portfolio")
    for pid, text in PROPOSALS.items():
        (root / f"{pid}.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def summary(folder: Path) -> PortfolioSummary:
    portfolio = scored(folder)
    assert {c.proposal.id: c.state for c in portfolio.cards} == STATES
    weak = next(c for c in portfolio.cards if c.proposal.id == "e-weak")
    # Reconsider by its scores, not only by the red flag that stops it.
    assert weak.placed and weak.quadrant == "reconsider"
    assert "no_decision_or_metric" in {f.id for f in weak.flags if f.severity == "red"}
    return summarise(portfolio)


def test_totals_by_group(summary: PortfolioSummary) -> None:
    assert (summary.total, summary.active, summary.currency) == (6, 5, "EUR")
    # Active totals leave out the retired proposal: 400k + 200k + 90k + 10k (the draft has
    # no figures).
    assert summary.annual_value == 700_000
    assert summary.one_off_cost == 280_000
    by_team = {t.key: (t.count, t.annual_value) for t in summary.by_team}
    assert by_team == {"Finance": (1, 10_000), "Marketing": (3, 140_000), "Risk": (2, 600_000)}
    # By state: every proposal, retired ones included.
    by_state = {t.key: t.count for t in summary.by_quadrant}
    assert by_state == {"quick_win": 3, "reconsider": 1, "needs_information": 2}
    assert [t.key for t in summary.by_quadrant] == ["quick_win", "reconsider", "needs_information"]
    assert [t.key for t in summary.by_stage] == ["idea", "proposed", "approved", "pilot", "retired"]


def test_balance_counts_only_placed_proposals(summary: PortfolioSummary) -> None:
    # Active: a-win, b-win (quick wins), e-weak (reconsider) are placed; c-bare and the
    # draft need information and are not counted. Shares are of the 3 placed proposals.
    assert (summary.placed, summary.needs_information) == (3, 2)
    assert summary.placed + summary.needs_information == summary.active
    rows = {b.quadrant: b for b in summary.balance}
    assert set(rows) == {"quick_win", "strategic_bet", "incremental", "reconsider"}
    assert {q: b.count for q, b in rows.items()} == {
        "quick_win": 2,
        "strategic_bet": 0,
        "incremental": 0,
        "reconsider": 1,
    }
    assert rows["quick_win"].share == pytest.approx(2 / 3, abs=0.001)
    assert rows["reconsider"].share == pytest.approx(1 / 3, abs=0.001)
    assert sum(b.share for b in rows.values()) == pytest.approx(1, abs=0.002)
    # Targets 40/30/20/10, tolerance 15 points.
    assert rows["quick_win"].status == "over"  # 67% against 40%
    assert rows["strategic_bet"].status == "under"  # 0% against 30%
    assert rows["incremental"].status == "under"  # 0% against 20%: 20 points > 15
    assert rows["reconsider"].status == "over"  # 33% against 10%
    assert rows["quick_win"].gap == pytest.approx(2 / 3 - 0.40, abs=0.001)
    assert summary.in_balance is False


def test_unplaced_proposals_do_not_move_the_balance(
    tmp_path: Path, summary: PortfolioSummary
) -> None:
    """More early drafts add to "needs information", never to a quadrant's share."""
    extra = {
        **PROPOSALS,
        **{f"g-draft-{n}": proposal(f"Draft {n}", "idea", "Risk", kind="bare") for n in range(4)},
    }
    for pid, text in extra.items():
        (tmp_path / f"{pid}.yaml").write_text(text, encoding="utf-8")
    bigger = summarise(scored(tmp_path))
    assert bigger.needs_information == summary.needs_information + 4
    assert bigger.placed == summary.placed
    assert [dataclasses.astuple(b) for b in bigger.balance] == [
        dataclasses.astuple(b) for b in summary.balance
    ]


def test_only_drafts_is_in_balance_with_nothing_placed(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"draft-{n}.yaml").write_text(
            proposal(f"Draft {n}", "idea", "Risk", kind="bare"), encoding="utf-8"
        )
    result = summarise(scored(tmp_path))
    assert (result.placed, result.needs_information, result.active) == (0, 3, 3)
    assert all(b.count == 0 and b.share == 0 for b in result.balance)
    assert result.in_balance is True  # nothing placed, nothing to be out of balance


def test_open_pitfalls_count_active_proposals_only(summary: PortfolioSummary) -> None:
    golden = next(
        r for r in summary.heatmap if (r.checklist_id, r.item_id) == ("data", "golden_set")
    )
    # a-win no, b-win yes, c-bare no, e-weak no, f-draft no; the retired one does not count.
    assert (golden.open_count, golden.applicable) == (4, 5)
    assert golden.open_ids == ("a-win", "c-bare", "e-weak", "f-draft")
    payload = summary_json(summary)
    assert json.loads(json.dumps(payload)) == payload
    assert (payload["placed"], payload["needs_information"]) == (3, 2)
    assert {row["key"]: row["count"] for row in payload["by_state"]} == {  # type: ignore[attr-defined]
        "quick_win": 3,
        "reconsider": 1,
        "needs_information": 2,
    }


def test_score_cli_reports_the_portfolio(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(folder), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["portfolio"]["active"] == 5
    assert (payload["portfolio"]["placed"], payload["portfolio"]["needs_information"]) == (3, 2)
    assert payload["portfolio"]["balance"]["in_balance"] is False
    shares = {q["quadrant"]: q["share"] for q in payload["portfolio"]["balance"]["quadrants"]}
    assert shares["quick_win"] == pytest.approx(2 / 3, abs=0.001)
    assert main(["score", str(folder)]) == 0
    # 3 placed proposals say nothing about the mix: the terminal says so, as the page does.
    out = capsys.readouterr().out
    assert "the balance cannot be judged yet: it needs at least 10 placed" in out
    assert "OUT OF BALANCE" not in out


@pytest.mark.slow
def test_portfolio_page_shows_value_by_state_and_the_unplaced(tmp_path: Path) -> None:
    site = make_site(tmp_path, PROPOSALS)
    soup = BeautifulSoup(
        page_of(site, "portfolio/index.md").read_text(encoding="utf-8"), "html.parser"
    )
    heading = soup.find(id="value-by-quadrant")
    assert heading is not None
    table = heading.find_next("table")
    assert table is not None
    rows = {
        tr.find_all("td")[0].get_text(strip=True): [
            td.get_text(strip=True) for td in tr.find_all("td")
        ]
        for tr in table.select("tbody tr")
    }
    # Active proposals only, as the balance counts them: the retired quick win is left out.
    assert rows["Quick win"][1] == "2"
    assert rows["Quick win"][2] == "EUR 600,000"  # 400k + 200k
    assert rows["Reconsider"][2] == "EUR 10,000"
    assert rows["Needs information"][1] == "2"
    assert rows["Needs information"][2] == "EUR 90,000"
    text = soup.get_text(" ")
    # 3 placed proposals are too few to judge the mix (the rubric's portfolio.judge_from).
    assert "Balance cannot be judged yet: 3 of 5 active proposals are placed" in text
    assert "out of balance" not in text
    assert "Shares count the 3 active proposals that are placed; 2 more" in text
    # The unplaced proposals are listed by name under their own heading.
    needs = soup.find(id="needs-information")
    assert needs is not None
    needs_table = needs.find_next("table")
    assert needs_table is not None
    listed = needs_table.get_text(" ")
    assert "Gamma" in listed and "Zeta" in listed
    assert "Alpha" not in listed and "Epsilon" not in listed
