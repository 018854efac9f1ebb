"""Answers a proposal gives in its own words where it leaves the structured field out.

A terse author writes a fact in a note ("applicants are not told a model rates them") rather
than in its field (`governance.notice: none`). The rules in scoring/data/prose_answers.yaml
read such plain statements, with the word matcher of the class suggestions, and settle the
field they state, so that the flags, the class and the ranges judge what the proposal says,
not how it is written (issue 24, item 1). A structured answer always wins: a rule only fills
a field the proposal leaves out, and nothing is read from words that are missing.

Scoring reads the proposal as read here (``as_read``); pages keep the proposal as written.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from scoring.model.suggestion import (
    ClassSuggestion,
    _Compiled,
    _Texts,
    candidates,
    matching_rules,
    suggestion_of,
)
from scoring.proposals.proposal import Proposal
from scoring.rubric import Rubric, WordRule


@dataclass(frozen=True, kw_only=True)
class ProseRule(WordRule):
    """One rule: the field it settles and its value, with the words that state it."""

    field: str
    value: Any


@dataclass(frozen=True)
class ProseAnswer:
    """A field a proposal's words settle: which rule, the value and the words it read."""

    field: str
    value: Any
    rule: ProseRule
    words: tuple[str, ...]
    texts: tuple[str, ...]

    @property
    def sentence(self) -> str:
        said = ", ".join(f"'{w}'" for w in self.words[:3])
        return f"{self.rule.reason} ({self.field}, from {said})"


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or ())


@cache
def prose_rules() -> tuple[dict[str, tuple[str, ...]], tuple[ProseRule, ...]]:
    """The shipped rules and the texts they read (read once)."""
    path = resources.files("scoring") / "data" / "prose_answers.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts = {str(name): _tuple(fields) for name, fields in data["texts"].items()}
    rules = tuple(
        ProseRule(
            id=str(entry["id"]),
            field=str(entry["field"]),
            value=entry["value"],
            reason=str(entry["reason"]),
            source=str(entry["source"]),
            words=_tuple(entry["words"]),
            with_words=_tuple(entry.get("with")),
            unless=_tuple(entry.get("unless")),
            texts=_tuple(entry.get("texts")),
            context_words=_tuple((entry.get("context") or {}).get("words")),
            context_texts=_tuple((entry.get("context") or {}).get("texts")),
        )
        for entry in data["rules"]
    )
    return texts, rules


@cache
def _matcher() -> _Compiled:
    texts, rules = prose_rules()
    return _Compiled(texts, rules)


def prose_answers(proposal: Proposal) -> tuple[ProseAnswer, ...]:
    """The fields the proposal leaves out that its words settle, the first matching rule of
    each field in the file's order."""
    return _answers(proposal, matching_rules(_matcher(), proposal))


def _answers(proposal: Proposal, matched: list[tuple[Any, Any, Any]]) -> tuple[ProseAnswer, ...]:
    found: dict[str, ProseAnswer] = {}
    for rule, words, where in matched:
        if rule.field in found or proposal.get(rule.field) is not None:
            continue
        found[rule.field] = ProseAnswer(rule.field, rule.value, rule, words, where)
    return tuple(found.values())


def as_read(proposal: Proposal) -> Proposal:
    """The proposal with the fields its words settle filled in (itself when there are none)."""
    return _settled(proposal, prose_answers(proposal))


def _settled(proposal: Proposal, answers: tuple[ProseAnswer, ...]) -> Proposal:
    if not answers:
        return proposal
    fields = copy.deepcopy(dict(proposal.fields))
    for answer in answers:
        *parents, leaf = answer.field.split(".")
        node = fields
        for key in parents:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node[leaf] = copy.deepcopy(answer.value)
    return dataclasses.replace(proposal, fields=fields)


# ---- one reading for the answers and the class suggestion --------------------------------

PROSE_TEXT = "prose:"  # the prose rules' texts, apart from the class suggestions' own


_COMBINED: dict[int, tuple[Rubric, _Compiled, int]] = {}


def _combined(rubric: Rubric) -> tuple[_Compiled, int]:
    """One matcher for the prose rules (first) and the rubric's class suggestions, so a
    proposal's words are read and looked up once for both; and how many prose rules."""
    cached = _COMBINED.get(id(rubric))
    if cached is None or cached[0] is not rubric:
        texts, rules = prose_rules()
        own = [
            dataclasses.replace(
                rule,
                texts=tuple(PROSE_TEXT + t for t in rule.texts or texts),
                context_texts=tuple(PROSE_TEXT + t for t in rule.context_texts),
            )
            for rule in rules
        ]
        section = rubric.class_suggestions
        all_texts = {
            **{PROSE_TEXT + name: fields for name, fields in texts.items()},
            **section.texts,
        }
        matcher = _Compiled(all_texts, [*own, *section.rules])
        cached = (rubric, matcher, len(own))
        _COMBINED[id(rubric)] = cached
    return cached[1], cached[2]


def read_with_suggestion(
    proposal: Proposal, rubric: Rubric
) -> tuple[Proposal, ClassSuggestion | None]:
    """The proposal as read (``as_read``) and the class its words suggest (None when the
    rubric has no suggestion rules), from one reading of its words. The suggestions' own
    conditions on structured fields read the proposal as read."""
    matcher, prose_count = _combined(rubric)
    texts = _Texts(proposal, matcher)
    # The rules that could match found once for both; the prose rules come first.
    found = candidates(matcher, texts)
    own = [index for index in found if index < prose_count]
    answers = _answers(proposal, matching_rules(matcher, proposal, texts, own))
    read = _settled(proposal, answers)
    if not rubric.class_suggestions.rules:
        return read, None
    classes = [index for index in found if index >= prose_count]
    return read, suggestion_of(matching_rules(matcher, read, texts, classes))
