"""Metamorphic tests of the scoring model (issue 24, items 1 and 6).

The model should judge what a proposal says, not how its author wrote it. Each property
here changes a real proposal (a calibration case's first encoding in tests/calibration/cases,
or a demo proposal in content/proposals) in a way that keeps its facts, scores the original
and the variant side by side, and checks how far the result may move:

- rewording: free text whose words no rule reads is replaced by other words of the same
  length. Rules read whether such a field is answered, never what it says, so state, risk
  class, flags, scores and ranges stay exactly as they were.
- structure sharpens: a fact the second encodings left in prose (a stakes answer, a
  safeguard, who reviews, what is automated, an evidence level) is removed from its
  structured field, as if the author had only written it in prose; answering the field again
  may only sharpen the result: no P10-P90 range widens, and each new estimate lies inside
  the range the proposal had without the answer (within the published rounding).
- dropping an evidence level: the proposal either stays where it was or moves to Needs
  information, and its risk class is not lowered (minimal < limited < high; an assessed class
  never becomes unassessed, since dropping evidence says nothing about the stakes).

Item 6 (low stakes stay low) is `test_low_stakes_recommenders_land_low`: the suite's
low-stakes recommender, in both writing styles, lands in Quick win or Incremental; and
`test_recommenders_with_a_pitfall_are_not_waved_through`: the recommenders whose own pitfalls
say otherwise (item 6's "unless") are placed by their ranges.

Every variant is written as a file and loaded through the normal validator, and all of
them are scored in one intake (scoring one proposal does not depend on the others). The
calibration cases run in the fast tier (about two seconds); the demo proposals, with five
times as many variants, and a hypothesis search over random rewordings run in the full one.

Where the current model breaks a property, the case is kept and marked as a strict expected
failure naming what the model does (FAILING below): it turns into a failure once the model
is fixed, and the mark is then removed.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import re
import string
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.model.answered import is_answered
from scoring.model.scorecard import ScoreCard, score_intake
from scoring.proposals.loading import load_proposals
from scoring.proposals.schema import proposal_schema
from scoring.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
FIRST = ROOT / "tests" / "calibration" / "cases"
SECOND = ROOT / "tests" / "calibration" / "second"
DEMO = ROOT / "content" / "proposals"
RUBRIC = load_rubric()

NEEDS_INFORMATION = "needs_information"
LOW_STATES = {"quick_win", "incremental"}
CLASS_RANK = {"minimal": 0, "limited": 1, "high": 2}  # unassessed has no rank
# Scores and range ends are published with one decimal; a width is the difference of two.
ROUNDING = 0.1 + 1e-9

# Free text whose words are read, not only whether it is answered: role holders' names are
# compared to count distinct people and to spot vacancies ("TBD", "vacant").
WORDS_READ = ("roles",)
# Sections whose structured answers the second encodings wrote as prose (README, "Second
# encodings"): who is affected and how badly, the safeguards, whether a person reviews and
# what is automated. Evidence levels are removed one by one as well.
PROSE_SECTIONS = ("stakes", "governance")
PROSE_FIELDS = ("risks.human_oversight", "problem.automation")
# The low-stakes recommender of the suite: a small, easily reversed change on a mature
# platform where every model ships behind a randomised experiment with guardrail metrics
# (issue 24, item 6).
LOW_STAKES_RECOMMENDERS = ("booking-filter-suggestions",)
# The suite's other recommenders, where a specific pitfall says otherwise (item 6's
# "unless"): the Netflix Prize blend optimises RMSE on ratings as a stand-in for retention
# and names no guardrail metrics (expected: needs information; its sources say the gain did
# not justify the engineering); the cold-start photo filter optimises popularity for
# retention on a correlation, with other models on the same feed.
PITFALL_RECOMMENDERS = ("netflix-prize-blend", "cold-start-photo-recommender")

# ---- where the current model breaks a property ------------------------------------------
# What the model does, and the cases where it shows. Each case is a strict expected failure
# (see the module docstring); the lists are the input for the model work of issue 24.

SHARPEN = "test_answering_a_structured_field_only_sharpens"
DROP = "test_dropping_an_evidence_level_only_moves_towards_needs_information"

ENDS = "test_dropping_a_level_stated_at_either_end_only_moves_towards_needs_information"

LOW_LEVEL_BELOW_NO_LEVEL = (
    "issue 24: a stated level of 1 scores below no level at all (asserted, 2.5 +- 1.17), so "
    "dropping it raises impact and places an honest draft as a strategic bet; no model of an "
    "unstated level fixes this alone (see PLACED_ON_AN_UNSTATED_LEVEL)"
)
# The same break, from the other side: these first encodings are placed as expected.yaml
# asks only because an evidence level is left unstated; stated at its lowest (1), each lands
# in needs information, so the case as written is more decided than with the level stated.
# How stated levels score decides that, whatever an unstated level is taken to be: the
# property and these cases' expectations cannot both hold under today's scoring.
PLACED_ON_AN_UNSTATED_LEVEL = (
    "issue 24: placed by expected.yaml, yet needs information once this level is stated at 1: "
    "the property and the case's expected placement conflict under today's scoring of levels"
)

FAILING: dict[str, dict[str, tuple[str, ...]]] = {
    DROP: {LOW_LEVEL_BELOW_NO_LEVEL: ("engine-failure-one-person:evidence.decision_named",)},
    ENDS: {
        PLACED_ON_AN_UNSTATED_LEVEL: (
            "bank-pcb-model-swap:evidence.labels=1",
            "bank-pcb-model-swap:evidence.representative_data=1",
            "bank-pcb-model-swap:evidence.leak_free_split=1",
            "bank-pcb-model-swap:evidence.delivery_plan=1",
            "cold-start-photo-recommender:evidence.beats_baseline=1",
            "cold-start-photo-recommender:evidence.stakeholder_support=1",
        )
    },
}
KNOWN_FAILURES: dict[tuple[str, str], str] = {
    (test, param_id): reason
    for test, by_reason in FAILING.items()
    for reason, param_ids in by_reason.items()
    for param_id in param_ids
}


# ---- proposals and variants -------------------------------------------------------------


def read_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path}: not a mapping"
    return data


@cache
def originals() -> dict[str, dict[str, Any]]:
    """Every first encoding and demo proposal, by id (its file name)."""
    found: dict[str, dict[str, Any]] = {}
    for folder in (FIRST, DEMO):
        for path in sorted(folder.glob("*.yaml")):
            assert path.stem not in found, f"{path.stem} is both a case and a demo proposal"
            found[path.stem] = read_yaml(path)
    return found


def without(data: dict[str, Any], dotted: str) -> dict[str, Any]:
    """A copy of the proposal with one field removed (and its section, if left empty)."""
    copied = copy.deepcopy(data)
    *parents, leaf = dotted.split(".")
    chain = [copied]
    for key in parents:
        chain.append(chain[-1][key])
    del chain[-1][leaf]
    for key, section in zip(reversed(parents), reversed(chain[:-1]), strict=True):
        if section[key] == {}:
            del section[key]
    return copied


def lookup(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


# ---- free text --------------------------------------------------------------------------


def _branch(node: dict[str, Any], value: Any) -> dict[str, Any]:
    """The schema node that describes value (the matching branch of a oneOf)."""
    for option in node.get("oneOf", ()):
        wanted = option.get("type")
        if (wanted == "object") == isinstance(value, dict):
            return dict(option)
    return node


def _child(node: dict[str, Any], key: str) -> dict[str, Any] | None:
    if key in node.get("properties", {}):
        return dict(node["properties"][key])
    extra = node.get("additionalProperties")
    return dict(extra) if isinstance(extra, dict) else None


def _is_free_text(node: dict[str, Any]) -> bool:
    kinds = node.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    constrained = ("enum", "const", "pattern", "format")
    return "string" in kinds and not any(key in node for key in constrained)


FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class TextField:
    path: FieldPath
    min_length: int
    max_length: int


def free_text(value: Any, node: dict[str, Any] | None, path: FieldPath = ()) -> Iterator[TextField]:
    """Where the proposal holds free text (a schema string with no enum, pattern or format),
    with the lengths the schema allows there."""
    if node is None:
        return
    node = _branch(node, value)
    if isinstance(value, str):
        if _is_free_text(node) and value.strip():
            yield TextField(path, max(1, node.get("minLength", 1)), node.get("maxLength", 10_000))
    elif isinstance(value, dict):
        for key, item in value.items():
            if path == () and key in WORDS_READ:
                continue
            yield from free_text(item, _child(node, key), (*path, key))
    elif isinstance(value, list):
        items = node.get("items")
        for index, item in enumerate(value):
            yield from free_text(item, items if isinstance(items, dict) else None, (*path, index))


@cache
def schema() -> dict[str, Any]:
    return proposal_schema(RUBRIC)


def free_text_paths(data: dict[str, Any]) -> list[FieldPath]:
    return [field.path for field in free_text(data, schema())]


FILLER = "Said again in other words for the test; the facts stay as they were. "


def reworded(text: str) -> str:
    """Different words of the same length (so every length limit still holds)."""
    start = len(text) % len(FILLER)
    new = (FILLER[start:] + FILLER * (len(text) // len(FILLER) + 2))[: len(text)]
    new = new.strip() or "Reworded"[: max(1, len(text))]
    return new if new != text else new.upper()


def with_text(data: dict[str, Any], replacements: dict[FieldPath, str]) -> dict[str, Any]:
    copied = copy.deepcopy(data)
    for path, text in replacements.items():
        *parents, leaf = path
        holder: Any = copied
        for key in parents:
            holder = holder[key]
        holder[leaf] = text
    return copied


def text_at(data: dict[str, Any], path: FieldPath) -> str:
    value: Any = data
    for key in path:
        value = value[key]
    return str(value)


# ---- scoring ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """Everything a reader sees of a proposal's result, as published."""

    state: str
    risk_class: str
    flags: tuple[tuple[str, str], ...]
    scores: tuple[tuple[str, float], ...]
    ranges: tuple[tuple[str, tuple[float, float]], ...]
    impact: float
    delivery_risk: float
    priority: float

    @classmethod
    def of(cls, card: ScoreCard) -> Outcome:
        return cls(
            state=card.state,
            risk_class=card.risk_class,
            flags=tuple(sorted((f.id, f.severity) for f in card.flags)),
            scores=tuple(sorted(card.scores.items())),
            ranges=tuple(sorted(card.ranges.items())),
            impact=card.impact,
            delivery_risk=card.delivery_risk,
            priority=card.priority,
        )

    def estimate(self, key: str) -> float:
        if key == "impact":
            return self.impact
        if key == "delivery_risk":
            return self.delivery_risk
        return dict(self.scores)[key]

    def differences(self, other: Outcome) -> list[str]:
        return [
            f"{name}: {getattr(self, name)} -> {getattr(other, name)}"
            for name in self.__dataclass_fields__
            if getattr(self, name) != getattr(other, name)
        ]


def score_all(proposals: dict[str, dict[str, Any]]) -> dict[str, Outcome]:
    """Score every proposal in one intake, written as files and loaded as a user's are."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for pid, data in proposals.items():
            # JSON is YAML, and writes a thousand variants in a fraction of the time.
            text = json.dumps(data, ensure_ascii=False, indent=1)
            (folder / f"{pid}.yaml").write_text(text, encoding="utf-8")
        intake = load_proposals([folder], RUBRIC)
        problems = [f"{p.file}: {p.field}: {p.message}" for p in intake.problems]
        assert not problems, "a variant is invalid (a bug in this test):\n" + "\n".join(problems)
        portfolio = score_intake(intake, RUBRIC)
    return {card.proposal.id: Outcome.of(card) for card in portfolio.cards}


@dataclass(frozen=True)
class Pair:
    """A proposal and one variant of it."""

    case: str
    change: str  # the field changed, as a dotted path
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def param_id(self) -> str:
        return f"{self.case}:{self.change}" if self.change else self.case


@cache
def rewording_pairs() -> tuple[Pair, ...]:
    pairs = []
    for case, data in originals().items():
        paths = free_text_paths(data)
        new = with_text(data, {p: reworded(text_at(data, p)) for p in paths})
        pairs.append(Pair(case, "", data, new))
    return tuple(pairs)


def structured_fields(data: dict[str, Any]) -> list[str]:
    """The structured answers the second encodings moved to prose, as dotted paths."""
    fields = [
        f"{section}.{key}"
        for section in PROSE_SECTIONS
        for key in (data.get(section) or {})
        if key != "notes"  # governance notes: free text, read by no rule
    ]
    fields += [name for name in PROSE_FIELDS if lookup(data, name) is not None]
    fields += [f"evidence.{criterion}" for criterion in data.get("evidence") or {}]
    return fields


@cache
def answering_pairs() -> tuple[Pair, ...]:
    """Before: the field left out (the fact only in prose); after: the original, answered."""
    return tuple(
        Pair(case, field, without(data, field), data)
        for case, data in originals().items()
        for field in structured_fields(data)
    )


@cache
def evidence_pairs() -> tuple[Pair, ...]:
    return tuple(
        Pair(case, f"evidence.{criterion}", data, without(data, f"evidence.{criterion}"))
        for case, data in originals().items()
        for criterion in data.get("evidence") or {}
    )


# The ends of what an evidence level left unstated can be: at least asserted (1), at most 4.
UNSTATED_LEVEL_ENDS = (1, 4)


@cache
def ends_pairs() -> tuple[Pair, ...]:
    """Before: an answer's evidence level stated at either end of what it could be; after:
    the proposal as written, which leaves that level unstated (dropping the stated level)."""
    pairs = []
    for case, data in originals().items():
        stated = data.get("evidence") or {}
        for criterion in RUBRIC.criteria:
            answer = lookup(data, criterion.answer)
            if criterion.kind != "evidence" or criterion.id in stated or not is_answered(answer):
                continue
            if isinstance(answer, str) and answer in criterion.answer_levels:
                continue  # the answer itself says the level
            for level in UNSTATED_LEVEL_ENDS:
                before = copy.deepcopy(data)
                before.setdefault("evidence", {})[criterion.id] = level
                pairs.append(Pair(case, f"evidence.{criterion.id}={level}", before, data))
    return tuple(pairs)


@cache
def demo_ids() -> frozenset[str]:
    return frozenset(path.stem for path in DEMO.glob("*.yaml"))


def group_of(case: str) -> str:
    """Calibration cases run in the fast tier; the demo proposals, five times as many
    variants, in the full one."""
    return "demo" if case in demo_ids() else "cases"


@cache
def outcomes(group: str) -> dict[str, tuple[Outcome, Outcome]]:
    """Every pair of every property for one group of proposals, scored in one intake:
    "property/param id" -> (before, after)."""
    batch: dict[str, dict[str, Any]] = {}
    ids: dict[str, str] = {}  # content -> variant id: each distinct variant is scored once
    keys: dict[str, tuple[str, str]] = {}

    def variant_id(data: dict[str, Any]) -> str:
        content = json.dumps(data, sort_keys=True)
        if content not in ids:
            ids[content] = f"v{len(ids)}"
            batch[ids[content]] = data
        return ids[content]

    for prop, pairs in PROPERTIES.items():
        for pair in pairs():
            if group_of(pair.case) == group:
                before, after = variant_id(pair.before), variant_id(pair.after)
                keys[f"{prop}/{pair.param_id}"] = (before, after)
    scored = score_all(batch)
    return {key: (scored[b], scored[a]) for key, (b, a) in keys.items()}


def outcome_pair(prop: str, param_id: str) -> tuple[Outcome, Outcome]:
    return outcomes(group_of(param_id.split(":")[0]))[f"{prop}/{param_id}"]


PROPERTIES = {
    "reword": rewording_pairs,
    "answer": answering_pairs,
    "evidence": evidence_pairs,
    "ends": ends_pairs,
}


def params(prop: str, test: str) -> list[Any]:
    marked = []
    for pair in PROPERTIES[prop]():
        reason = KNOWN_FAILURES.get((test, pair.param_id))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        if group_of(pair.case) == "demo":
            marks.append(pytest.mark.slow)
        marked.append(pytest.param(pair.param_id, marks=marks, id=pair.param_id))
    return marked


def test_known_failures_name_real_cases() -> None:
    ids = {
        "test_rewording_free_text_changes_nothing": rewording_pairs,
        "test_answering_a_structured_field_only_sharpens": answering_pairs,
        "test_dropping_an_evidence_level_only_moves_towards_needs_information": evidence_pairs,
        ENDS: ends_pairs,
    }
    for test, param_id in KNOWN_FAILURES:
        assert test in ids, f"KNOWN_FAILURES names an unknown test {test}"
        assert param_id in {p.param_id for p in ids[test]()}, f"{test}: no case {param_id}"
    cases = {
        f"{folder.name}/{case}" for folder in (FIRST, SECOND) for case in LOW_STAKES_RECOMMENDERS
    }
    assert set(LOW_STAKES_FAILURES) <= cases


# ---- 1a. rewording ----------------------------------------------------------------------


def test_every_proposal_has_free_text_to_reword() -> None:
    """Guards the property against a schema walk that silently finds nothing."""
    for case, data in originals().items():
        paths = free_text_paths(data)
        assert ("summary",) in paths, f"{case}: the summary was not found as free text"
        assert not any(p[0] in WORDS_READ for p in paths)


def rule_leaves(condition: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("all", "any"):
        for part in condition.get(key, ()):
            yield from rule_leaves(part)
    if "all" not in condition and "any" not in condition:
        yield condition


def schema_node(dotted: str) -> dict[str, Any] | None:
    node: dict[str, Any] | None = schema()
    for key in dotted.split("."):
        node = _child(node, key) if node is not None else None
    return node


def test_no_rule_reads_the_words_of_free_text() -> None:
    """The rubric's rules compare only fields with set answers; of free text they test only
    whether it is answered, which rewording keeps."""
    compares = ("equals", "in", "not_in", "below", "at_least")
    for flag in RUBRIC.flags:
        conditions = [flag.when or {}, (flag.escalate or {}).get("when") or {}]
        for leaf in (leaf for c in conditions for leaf in rule_leaves(c)):
            if "field" not in leaf or not any(key in leaf for key in compares):
                continue
            node = schema_node(str(leaf["field"]))
            assert node is not None, f"{flag.id}: {leaf['field']} is not in the schema"
            assert not _is_free_text(node), f"{flag.id} reads the words of {leaf['field']}"


@pytest.mark.parametrize("param_id", params("reword", "test_rewording_free_text_changes_nothing"))
def test_rewording_free_text_changes_nothing(param_id: str) -> None:
    before, after = outcome_pair("reword", param_id)
    assert before == after, f"{param_id}: rewording free text changed " + "; ".join(
        before.differences(after)
    )


# ---- 1b. structure only sharpens --------------------------------------------------------


def sharpening_problems(before: Outcome, after: Outcome) -> list[str]:
    """How answering a field did more than sharpen: a range that widened, or an estimate
    outside the range the proposal had without the answer."""
    problems = []
    old_ranges, new_ranges = dict(before.ranges), dict(after.ranges)
    for key, (old_low, old_high) in old_ranges.items():
        new_low, new_high = new_ranges[key]
        if (new_high - new_low) > (old_high - old_low) + ROUNDING:
            problems.append(
                f"{key} range widened from {old_low}-{old_high} to {new_low}-{new_high}"
            )
        estimate = after.estimate(key)
        if not old_low - ROUNDING <= estimate <= old_high + ROUNDING:
            problems.append(
                f"{key} moved to {estimate}, outside its old range {old_low}-{old_high}"
            )
    return problems


@pytest.mark.parametrize(
    "param_id", params("answer", "test_answering_a_structured_field_only_sharpens")
)
def test_answering_a_structured_field_only_sharpens(param_id: str) -> None:
    before, after = outcome_pair("answer", param_id)
    problems = sharpening_problems(before, after)
    assert not problems, f"{param_id}: answering the field " + "; ".join(problems)


def test_sharpening_is_checked_on_the_fields_the_second_encodings_moved() -> None:
    """Guards the property against a field list that silently lost its cases."""
    changed = {pair.change.split(".")[0] for pair in answering_pairs()}
    assert {"stakes", "governance", "risks", "problem", "evidence"} <= changed


# ---- 1c. dropping an evidence level -----------------------------------------------------


def class_not_lowered(before: str, after: str) -> bool:
    if before == after:
        return True
    return before in CLASS_RANK and after in CLASS_RANK and CLASS_RANK[after] > CLASS_RANK[before]


@pytest.mark.parametrize(
    "param_id",
    params("evidence", "test_dropping_an_evidence_level_only_moves_towards_needs_information"),
)
def test_dropping_an_evidence_level_only_moves_towards_needs_information(param_id: str) -> None:
    before, after = outcome_pair("evidence", param_id)
    assert after.state in {before.state, NEEDS_INFORMATION}, (
        f"{param_id}: dropping the evidence level moved it from {before.state} to {after.state} "
        f"(impact {before.impact} -> {after.impact}, "
        f"delivery risk {before.delivery_risk} -> {after.delivery_risk})"
    )
    assert class_not_lowered(before.risk_class, after.risk_class), (
        f"{param_id}: dropping the evidence level moved the class from {before.risk_class} "
        f"to {after.risk_class}"
    )


def test_levels_are_stated_at_both_ends_of_unstated_ones() -> None:
    """Guards the property against a walk that silently finds no unstated level."""
    changed = {pair.change for pair in ends_pairs()}
    assert any(change.endswith("=1") for change in changed)
    assert any(change.endswith("=4") for change in changed)


@pytest.mark.parametrize("param_id", params("ends", ENDS))
def test_dropping_a_level_stated_at_either_end_only_moves_towards_needs_information(
    param_id: str,
) -> None:
    """The same property from the other side: a case as written leaves an evidence level
    unstated; stating it at either end of what it could be (1 or 4) and dropping it again
    may move the proposal only towards needs information, never lower its class."""
    stated, unstated = outcome_pair("ends", param_id)
    assert unstated.state in {stated.state, NEEDS_INFORMATION}, (
        f"{param_id}: with the level stated {stated.state}, without it {unstated.state} "
        f"(impact {stated.impact} -> {unstated.impact}, "
        f"delivery risk {stated.delivery_risk} -> {unstated.delivery_risk})"
    )
    assert class_not_lowered(stated.risk_class, unstated.risk_class)


# ---- 1a, searched: random rewordings of random fields -----------------------------------

CHARACTERS = string.ascii_letters + string.digits + " .,;:-()'"


def other_text(field: TextField, old: str) -> st.SearchStrategy[str]:
    """Any text the schema allows in the field, not blank and not the old text."""
    longest = min(field.max_length, 300)
    return (
        st.text(alphabet=CHARACTERS, min_size=field.min_length, max_size=longest)
        .map(str.strip)
        .filter(lambda text: len(text) >= field.min_length and text != old)
    )


# CI runs a fixed set of examples; SWEETSPOT_EXAMPLES=400 searches afresh with that many.
SEARCH = os.environ.get("SWEETSPOT_EXAMPLES")


@pytest.mark.slow
@settings(
    max_examples=int(SEARCH or 50),
    deadline=None,
    derandomize=not SEARCH,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.data())
def test_any_rewording_of_any_free_text_changes_nothing(data: st.DataObject) -> None:
    """Any subset of free-text fields, reworded to any text (of a length the schema allows
    and not blank), leaves the result exactly as it was."""
    case = data.draw(st.sampled_from(sorted(originals())), label="case")
    original = originals()[case]
    fields = list(free_text(original, schema()))
    chosen = data.draw(st.lists(st.sampled_from(fields), min_size=1, unique=True), label="fields")
    replacements = {
        field.path: data.draw(other_text(field, text_at(original, field.path)), label=str(field))
        for field in chosen
    }
    scored = score_all({"before": original, "after": with_text(original, replacements)})
    assert scored["before"] == scored["after"], "; ".join(
        scored["before"].differences(scored["after"])
    )


# ---- 6. low stakes stay low -------------------------------------------------------------

LOW_STAKES_FAILURES: dict[str, str] = {}


def low_stakes_params() -> list[Any]:
    marked = []
    for folder in (FIRST, SECOND):
        for case in LOW_STAKES_RECOMMENDERS:
            param_id = f"{folder.name}/{case}"
            reason = LOW_STAKES_FAILURES.get(param_id)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            marked.append(pytest.param(folder / f"{case}.yaml", marks=marks, id=param_id))
    return marked


@cache
def encodings() -> dict[str, Outcome]:
    found = {}
    for folder in (FIRST, SECOND):
        for case in (*LOW_STAKES_RECOMMENDERS, *PITFALL_RECOMMENDERS):
            found[f"{folder.name}-{case}"] = read_yaml(folder / f"{case}.yaml")
    return score_all(found)


@pytest.mark.parametrize("path", low_stakes_params())
def test_low_stakes_recommenders_land_low(path: Path) -> None:
    """A minimal-class, easily reversed change behind a randomised experiment with guardrail
    metrics, on a monitored platform, is a quick win or incremental (issue 24, item 6)."""
    outcome = encodings()[f"{path.parent.name}-{path.stem}"]
    assert outcome.state in LOW_STATES, (
        f"{path.parent.name}/{path.name}: {outcome.state} ({outcome.risk_class} class), "
        f"impact {outcome.impact}, delivery risk {outcome.delivery_risk}, "
        f"ranges {dict(outcome.ranges)}, flags {[f for f, _ in outcome.flags]}"
    )


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(folder / f"{case}.yaml", id=f"{folder.name}/{case}")
        for folder in (FIRST, SECOND)
        for case in PITFALL_RECOMMENDERS
    ],
)
def test_recommenders_with_a_pitfall_are_not_waved_through(path: Path) -> None:
    """Item 6's "unless a specific pitfall says otherwise": a recommender that raises a
    pitfall (a medium flag or worse) is placed by its ranges, as any other proposal."""
    outcome = encodings()[f"{path.parent.name}-{path.stem}"]
    pitfalls = [flag for flag, severity in outcome.flags if severity in {"medium", "high", "red"}]
    assert pitfalls, f"{path.parent.name}/{path.name}: no pitfall raised"
    assert outcome.state not in LOW_STATES, f"{path.parent.name}/{path.name}: {outcome.state}"


# ---- the report of both writing styles --------------------------------------------------


def test_calibration_styles_report_sums_up_both_encodings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """benchmarks/calibration_styles.py is a report: it exits 0, shows both encodings of
    every case against its expectation, and ends with the summary the README quotes."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    report = importlib.import_module("calibration_styles")
    assert report.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    cases = sorted(path.stem for path in FIRST.glob("*.yaml"))
    for case in cases:
        at = lines.index(next(line for line in lines if line.startswith(f"{case}: expected")))
        assert lines[at + 1].split()[0] == "first" and lines[at + 2].split()[0] == "second"
    summary = re.fullmatch(
        r"first encodings: (\d+)/(\d+) hold; second encodings: (\d+)/(\d+) hold; both: (\d+)",
        lines[-1],
    )
    assert summary, lines[-1]
    first, total, second, total_again, both = map(int, summary.groups())
    assert total == total_again == len(cases)
    assert both <= min(first, second)
