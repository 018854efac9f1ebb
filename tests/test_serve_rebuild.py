"""What a `mkdocs serve` rebuild keeps from the last one, and when it must not.

Under serve, unchanged proposals keep their score cards (``rescore``), and what is made from
cards alone is kept with them (scoring/site/rebuild/memo.py): portfolio.json entries, rows.json
rows, table rows; the theme's compiled templates are kept too. tests/test_dirty_build.py
compares a whole dirty rebuild with a full build; these tests cover the parts one by one and
the changes that must throw the kept parts away (templates, theme overrides, the rubric).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sitekit import write_site
from test_dirty_build import serve_build

from benchmarks.synthetic import write_proposals
from scoring.model.cardjson import pack, replay
from scoring.model.scorecard import rescore, score_intake
from scoring.proposals.loading import LoadCache, load_proposals
from scoring.proposals.proposal import Intake
from scoring.rubric import load_rubric
from scoring.site.rebuild.memo import RebuildMemo


def card_facts(card: Any) -> tuple[Any, ...]:
    return (
        card.proposal.id,
        card.scores,
        card.ranges,
        card.placement,
        card.state,
        card.priority,
        card.flags,
        card.questions,
        card.suggestions,
        card.breakdown,
        card.risks,
        card.checklists,
    )


@pytest.mark.slow
def test_rescore_keeps_unchanged_cards_and_equals_a_full_scoring(tmp_path: Path) -> None:
    rubric = load_rubric(None)
    folder = tmp_path / "proposals"
    write_proposals(folder, 12, seed=4)
    cache: LoadCache = {}
    first = score_intake(load_proposals([folder], rubric, cache), rubric)
    # One proposal edited (answers that move its scores), one deleted, one added.
    edited = folder / "synthetic-00003.yaml"
    text = re.sub(r"(?m)^(  [a-z_]+): [0-3]$", r"\1: 4", edited.read_text("utf-8"))
    edited.write_text(text, encoding="utf-8")
    (folder / "synthetic-00005.yaml").unlink()
    (folder / "synthetic-00011.yaml").rename(folder / "renamed-idea.yaml")
    intake = load_proposals([folder], rubric, cache)
    again = rescore(intake, rubric, first)
    full = score_intake(intake, rubric)
    assert [card_facts(c) for c in again.cards] == [card_facts(c) for c in full.cards]
    assert again.frame.equals(full.frame)
    kept = {c.proposal.id for c in again.cards} & {c.proposal.id for c in first.cards}
    reused = {pid for pid in kept if again.card(pid) is first.card(pid)}
    assert reused == kept - {"synthetic-00003"}
    assert again.card("synthetic-00003") is not first.card("synthetic-00003")
    # Another rubric (here: other thresholds) scores everything again.
    other = rubric.with_quadrants(
        impact_threshold=70, risk_threshold=None, target_mix=None, tolerance=None
    )
    moved = rescore(intake, other, first)
    assert not any(moved.card(c.proposal.id) is c for c in first.cards)
    assert [card_facts(c) for c in moved.cards] == [
        card_facts(c) for c in score_intake(intake, other).cards
    ]


def test_a_packed_entry_is_reused_only_against_the_same_shared_texts() -> None:
    entry = {
        "id": "a",
        "flags": [{"id": "f1", "severity": "red", "title": "T", "message": "M", "playbook": "p"}],
        "checklists": {"data": {"x": "yes", "y": "no"}},
    }
    texts: dict[str, dict[str, Any]] = {}
    packed, uses = pack(entry, texts)
    assert packed["flags"] == {"cols": ["id", "severity"], "rows": [["f1", "red"]]}
    same: dict[str, dict[str, Any]] = {}
    assert replay(uses, same) and same == texts
    assert list(same) == list(texts)  # keys in the same order: the same bytes
    # Another entry first gave flag f1 another text: this entry's packing would now carry
    # its own text under "own", so the kept one must not be used.
    clash: dict[str, dict[str, Any]] = {}
    pack({**entry, "flags": [{**entry["flags"][0], "message": "other"}]}, clash)
    assert not replay(uses, clash)


def test_the_memo_keeps_values_only_for_the_same_objects_and_context() -> None:
    memo = RebuildMemo()
    source = object()
    memo.begin("context")
    memo.put("k", (source,), "value")
    assert memo.get("k", (source,)) == "value"
    assert memo.get("k", (object(),)) is None  # another object, even an equal one
    memo.finish()
    memo.begin("context")
    assert memo.get("k", (source,)) == "value"
    memo.begin("other templates")
    assert memo.get("k", (source,)) is None
    memo.put("gone", (), 1)
    memo.finish()
    memo.begin("other templates")
    memo.finish()  # not asked for in this build: dropped
    assert memo.get("gone", ()) is None


ROW_OVERRIDE = """{% macro row(r) %}<tr class="custom-row-VERSION"><td>{{ r.title }}</td></tr>\
{% endmacro %}<table class="ss-ptable"><tbody>
{% for r in rows %}{{ memo_row('portfolio_table', row, r) }}
{% endfor %}</tbody></table>
"""


def proposals_table_rows(site: Path) -> list[str]:
    soup = BeautifulSoup(
        (site / "portfolio" / "proposals" / "index.html").read_text("utf-8"), "html.parser"
    )
    return [" ".join(tr.get("class") or []) for tr in soup.select("table.ss-ptable tbody tr")]


@pytest.mark.dirty
def test_an_edited_template_is_used_by_the_next_serve_rebuild(tmp_path: Path) -> None:
    """Table rows are kept across rebuilds by their values; a changed template (or an
    override added, or the theme's own templates) must never leave old rows behind."""
    root = write_site(
        tmp_path,
        {},
        plugin_options={"custom_templates": "templates"},
        extra_files={"templates/portfolio_table.html.j2": ROW_OVERRIDE.replace("VERSION", "one")},
    )
    write_proposals(root / "content" / "proposals", 6, seed=2)
    config = serve_build(root, dirty=True, startup=True)
    site = Path(config.site_dir)
    assert proposals_table_rows(site) == ["custom-row-one"] * 6
    (root / "templates" / "portfolio_table.html.j2").write_text(
        ROW_OVERRIDE.replace("VERSION", "two-longer"), encoding="utf-8"
    )
    serve_build(root, dirty=True, startup=False)
    assert proposals_table_rows(site) == ["custom-row-two-longer"] * 6


@pytest.mark.dirty
def test_an_edited_theme_override_shows_in_the_next_serve_rebuild(tmp_path: Path) -> None:
    """The theme's compiled templates are kept in memory under serve (rebuild/templates.py:
    MemoryBytecodeCache); Jinja checks each one's source, so an edit shows at once."""
    main = '{% extends "base.html" %}{% block footer %}<p id="marker">VERSION</p>{% endblock %}'
    root = write_site(
        tmp_path,
        {},
        overrides={"theme": {"name": "material", "font": False, "custom_dir": "overrides"}},
        extra_files={"overrides/main.html": main.replace("VERSION", "first")},
    )
    write_proposals(root / "content" / "proposals", 2, seed=2)
    config = serve_build(root, dirty=False, startup=True)
    site = Path(config.site_dir)
    page = site / "proposals" / "synthetic-00001" / "index.html"
    assert 'id="marker">first<' in page.read_text("utf-8")
    (root / "overrides" / "main.html").write_text(
        main.replace("VERSION", "second one"), encoding="utf-8"
    )
    serve_build(root, dirty=False, startup=False)
    assert 'id="marker">second one<' in page.read_text("utf-8")


def test_rescore_without_a_previous_scoring_is_a_full_scoring(tmp_path: Path) -> None:
    rubric = load_rubric(None)
    write_proposals(tmp_path, 3, seed=1)
    intake = load_proposals([tmp_path], rubric)
    assert [card_facts(c) for c in rescore(intake, rubric, None).cards] == [
        card_facts(c) for c in score_intake(intake, rubric).cards
    ]
    empty = rescore(Intake(), rubric, score_intake(intake, rubric))
    assert empty.cards == [] and len(empty.frame) == 0


def test_stacked_what_ifs_equal_item_by_item_ones(tmp_path: Path, monkeypatch: Any) -> None:
    """A few proposals (an edit under serve) have their checklist what-ifs computed in one
    stacked pass, a large portfolio item by item: both must suggest the same steps."""
    import scoring.model.actions as actions

    rubric = load_rubric(None)
    write_proposals(tmp_path, 25, seed=6)
    intake = load_proposals([tmp_path], rubric)

    def suggestions(limit: int) -> list[Any]:
        monkeypatch.setattr(actions, "STACK_LIMIT", limit)
        return [(c.proposal.id, c.suggestions) for c in score_intake(intake, rubric).cards]

    def item_gains(limit: int) -> list[tuple[str, list[float]]]:
        monkeypatch.setattr(actions, "STACK_LIMIT", limit)
        features, inputs, estimates, _, _ = score_intake(intake, rubric).cards[0].actions._args
        return [
            (c.id, list(c.gain))
            for c in actions._item_candidates(features, inputs, estimates.priority, rubric)
        ]

    assert suggestions(10**9) == suggestions(0)
    stacked, itemwise = item_gains(10**9), item_gains(0)
    assert stacked == itemwise
    assert len(stacked) > 10 and any(g > 0 for _, gains in stacked for g in gains)
