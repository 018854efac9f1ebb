"""The small faults a newcomer saw on the leaders' pages (issue 32, "Also seen"):

1. the balance is not judged from a handful of placed proposals.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sitekit import MINIMAL_YAML, REPO, make_site, page_of

from scoring.portfolio.summary import can_judge
from scoring.rubric import load_rubric
from scoring.rubric.definitions import BalanceJudgement

DRAFTS = 10  # early drafts added to the demo's 17 active proposals (12 of them placed)


def soup_of(site: Path, src: str) -> BeautifulSoup:
    return BeautifulSoup(page_of(site, src).read_text("utf-8"), "html.parser")


# --------------------------------------------------------------------------------------------
# 1. The balance is judged only from enough placed proposals
# --------------------------------------------------------------------------------------------


def test_the_rubric_says_when_balance_can_be_judged() -> None:
    rule = load_rubric().judge_from
    assert rule == BalanceJudgement(placed=10, share=0.5)
    assert not can_judge(12, 1_992, rule)  # the portfolio: 12 placed of 1,992
    assert can_judge(12, 17, rule)  # the demo: 12 of 17 placed
    assert not can_judge(9, 9, rule)  # every one placed, but too few to speak of a mix


@pytest.mark.slow
def test_portfolio_with_few_placed_says_balance_cannot_be_judged(tmp_path: Path) -> None:
    proposals = {p.name: p.read_text("utf-8") for p in (REPO / "content/proposals").glob("*.yaml")}
    for n in range(DRAFTS):
        proposals[f"early-draft-{n}"] = MINIMAL_YAML.replace(
            "spare parts", f"spare parts, draft {n}"
        )
    site = make_site(tmp_path, proposals)
    text = " ".join(soup_of(site, "portfolio/index.md").get_text(" ").split())
    sentence = (
        "Balance cannot be judged yet: 12 of 27 active proposals are placed; it needs at "
        "least 10 placed and half of the active ones."
    )
    assert text.count(sentence) >= 2, "the leader answer and the Balance section say why"
    for verdict in ("In balance", "is in balance", "out of balance", "too many", "too few"):
        assert verdict not in text, verdict
    assert "not judged" in text  # the balance table's status column
    home = " ".join(soup_of(site, "index.md").get_text(" ").split())
    assert "out of balance" not in home
    payload = json.loads((site / "portfolio" / "portfolio.json").read_text("utf-8"))
    balance = payload["portfolio"]["balance"]
    assert balance["judged"] is False
    assert balance["judge_from"] == {"placed": 10, "share": 0.5}


def test_the_demo_is_still_judged(demo_site: Path) -> None:
    text = " ".join(soup_of(demo_site, "portfolio/index.md").get_text(" ").split())
    assert "In balance: every quadrant's share of the 12 placed active proposals" in text
    assert "cannot be judged" not in text
