"""Scoring a register without the cycle collector doing work that frees nothing (issue 26's
speed target): a proposal's words are freed as soon as it is read, and while a batch is
scored its inputs are held out of the collector, then everything is as it was."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from sitekit import use_case

from scoring.model import collector, scorecard
from scoring.model.collector import FULL_PASS_WAIT, inputs_held
from scoring.model.prose import _combined
from scoring.model.suggestion import _Texts, _words_by_field, suggest_class
from scoring.proposals.proposal import Intake
from scoring.rubric import load_rubric


@pytest.fixture
def collector_paused() -> Iterator[None]:
    """No automatic collection while a test looks at what refcounting alone frees."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@pytest.fixture
def rubric() -> Any:
    return load_rubric()


def test_a_proposals_words_are_freed_without_the_cycle_collector(
    rubric: Any, collector_paused: None
) -> None:
    """Each text of a proposal once held the object holding it (a reference cycle), so the
    words of every row of a register waited for the collector."""
    matcher, _ = _combined(rubric)
    proposal = use_case(
        "faces",
        "Traveller identity checks",
        "Facial recognition of travellers at the gate. Officers review each match.",
        {"problem": {"outputs": "A match score for each traveller."}},
    )
    texts = _Texts(proposal, matcher)
    for name in matcher.texts:  # every text cut into sentences, as a rule reads it
        assert texts[name].sentences is not None
        assert texts[name].present is not None
    held = weakref.ref(texts)
    del texts
    assert held() is None


def test_a_text_holding_a_nul_keeps_each_fields_words_apart() -> None:
    """The fields are translated together, cut apart at a NUL; a NUL in a text itself
    (YAML's "\\0") must not move words from one field to another."""
    together = {"a": ["facial recognition"], "b": ["of travellers"]}
    assert _words_by_field(together) == {
        "a": {b"facial", b"recognition"},
        "b": {b"of", b"travellers"},
    }
    with_nul = {"a": ["facial\x00recognition"], "b": ["of travellers"]}
    assert _words_by_field(with_nul) == {
        "a": {b"facial", b"recognition"},
        "b": {b"of", b"travellers"},
    }


def test_a_summary_holding_a_nul_suggests_the_same_class(rubric: Any) -> None:
    plain = use_case("a", "Gate checks", "Facial recognition of travellers at the gate.", {})
    with_nul = use_case("b", "Gate checks", "Facial recognition\x00of travellers at the gate.", {})
    first, second = suggest_class(plain, rubric), suggest_class(with_nul, rubric)
    assert first.risk_class == "high"
    assert second.risk_class == first.risk_class
    assert [r.id for r in second.rules] == [r.id for r in first.rules]


def test_inputs_are_held_out_of_the_collector_only_while_a_batch_runs() -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with inputs_held():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (before[0], before[1], before[2] * FULL_PASS_WAIT)
        with inputs_held():  # a batch inside a batch changes nothing
            pass
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_a_batch_that_fails_still_gives_everything_back() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), inputs_held():
        raise RuntimeError("scoring failed")
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
    assert collector._depth == 0


def test_a_process_that_froze_for_itself_keeps_its_own() -> None:
    """A server that froze its start-up objects (gc.freeze before forking) keeps them
    frozen after a batch."""
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        before = gc.get_threshold()
        with inputs_held():
            pass
        assert gc.get_freeze_count() >= frozen
        assert gc.get_threshold() == before
    finally:
        gc.unfreeze()


def test_a_process_that_turned_the_collector_off_is_left_alone(
    collector_paused: None,
) -> None:
    before = gc.get_threshold()
    with inputs_held():
        assert gc.get_freeze_count() == 0
        assert gc.get_threshold() == before
    assert not gc.isenabled()


def test_scoring_holds_its_inputs_while_it_runs(
    rubric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    extract = scorecard.extract

    def watched(*args: Any) -> Any:
        seen.append(gc.get_freeze_count())
        return extract(*args)

    monkeypatch.setattr(scorecard, "extract", watched)
    proposal = use_case("faces", "Gate checks", "Facial recognition of travellers.", {})
    portfolio = scorecard.score_intake(Intake(proposals=[proposal]), rubric)
    assert seen and seen[0] > 0
    assert gc.get_freeze_count() == 0
    assert portfolio.cards[0].proposal.id == "faces"
