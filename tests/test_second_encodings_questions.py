"""Questions that fit the row (issue 26, item 5): a register's rows with the same empty
answers still differ in what their words, topic and capabilities point to, and the first
questions each page shows are the ones that would settle that row's class."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from scoring.model.scorecard import ScoreCard, score_intake
from scoring.model.steps import next_steps
from scoring.proposals.loading import load_proposals
from scoring.rubric import load_rubric

RUBRIC = load_rubric()
SHOWN = 3


def row(title: str, summary: str, **extra: Any) -> dict[str, Any]:
    """A register's row, declared minimal by the register, nothing else about its stakes."""
    data: dict[str, Any] = {
        "schema_version": 1,
        "title": title,
        "summary": summary,
        "team": "An agency office",
        "stage": "production",
        "source": {"inventory": "a-register", "file": "register.csv", "row": 1, "key": title},
        "stakes": {"declared_class": "minimal", "declared_basis": "the register's determination"},
    }
    for dotted, value in extra.items():
        *parents, leaf = dotted.split(".")
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return data


def cards(tmp_path: Path, rows: dict[str, dict[str, Any]]) -> dict[str, ScoreCard]:
    folder = tmp_path / "rows"
    folder.mkdir()
    for name, data in rows.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    intake = load_proposals([folder], RUBRIC)
    assert not intake.problems, [p.message for p in intake.problems]
    return {card.proposal.id: card for card in score_intake(intake, RUBRIC).cards}


def first_texts(card: ScoreCard) -> list[str]:
    return [step.text for step in next_steps(card)[:SHOWN]]


def test_the_area_question_names_the_area_a_row_points_to(tmp_path: Path) -> None:
    found = cards(
        tmp_path,
        {
            "sepsis": row("Sepsis alerts", "Predicts sepsis in inpatients for the care team."),
            "topic-only": row(
                "Case notes search", "Finds notes.", **{"custom.topic_area": "Law & Justice"}
            ),
            "plain": row("Printer queue", "Orders print jobs."),
        },
    )
    sepsis, topic, plain = (first_texts(found[n]) for n in ("sepsis", "topic-only", "plain"))
    assert any("in health, a high-stakes area" in text for text in sepsis), sepsis
    assert any("in law enforcement, a high-stakes area" in text for text in topic), topic
    assert any("such as credit, employment, health" in text for text in plain), plain
    assert sepsis != plain and topic != plain


def test_a_language_model_row_is_asked_the_art_50_question_first(tmp_path: Path) -> None:
    found = cards(
        tmp_path,
        {
            "assistant": row(
                "Drafting assistant", "Drafts replies to letters.", **{"delivery.uses_llm": True}
            ),
            "plain": row("Printer queue", "Orders print jobs."),
        },
    )
    assistant = first_texts(found["assistant"])
    assert any("Art. 50(1)" in text for text in assistant), assistant
    assert not any("Art. 50" in text for text in first_texts(found["plain"]))
    step = next(s for s in next_steps(found["assistant"]) if "Art. 50(1)" in s.text)
    assert "it uses a language model" in step.why
