"""The rubric's flag rules, as data: evaluate `when` conditions for a whole portfolio at once.

A leaf tests a proposal field (`field`), a fact the engine derives (`fact`), a criterion's
level (`level`) or a score (`score`) with `equals`, `in`, `not_in`, `below`, `at_least` or
`answered`. Rules are read in three values (Kleene's logic): a test for what is missing
(`not_in`, `answered: false`) on a value that is not answered is neither true nor false but
open, and so is any test of a stakes question left out (STAKES_FIELDS, and the facts they
settle); a test of any other field left out is false, since a hazard nobody declared is not
assumed. A rule fires only where it is true on what the proposal says; where it is open,
the answers left out could make it fire, so it is a question (the risk range makes room for
it, and the next steps ask it), never a flag (issue 26, item 4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from scoring.model.answered import is_answered
from scoring.model.stakes import settled_stakes
from scoring.proposals.proposal import Proposal
from scoring.rubric import FlagRule

SEVERITY_POINTS = {"red": 100.0, "high": 75.0, "medium": 50.0, "low": 25.0}
# The stakes questions: what the system does to whom, its safeguards and who reviews it. The
# risk range already holds what any answer to them could give, so a rule on one left out is
# open whatever it compares. Any other field left out is open only where a rule asks for
# what is missing (`not_in`, `answered: false`: a safeguard left out could be missing); a
# hazard the proposal does not declare (a stand-in target, learning in use) is not assumed.
STAKES_FIELDS = ("stakes.", "governance.", "risks.human_oversight", "problem.automation")


def _hashable(value: Any) -> bool:
    return not isinstance(value, (list, dict, set))


_UNHASHABLE = object()  # a list or mapping's key: among no options
# Kinds of value compared as they are: no yes/no to tell from 1, no list or mapping; or
# only yes/no (and unanswered), where no number can be among the options compared.
_PLAIN = frozenset({type(None), str, int, float})
_YES_NO = frozenset({type(None), bool})


def _member_key(value: Any) -> Any:
    """What a value is compared by: its kind (yes/no or not) and itself, so true never
    matches 1; a list or mapping matches nothing."""
    return (type(value) is bool, value) if _hashable(value) else _UNHASHABLE


def uses_scores(condition: Mapping[str, Any]) -> bool:
    """Whether a rule looks at scores (so it can only run after scoring)."""
    if "score" in condition:
        return True
    return any(uses_scores(part) for key in ("all", "any") for part in condition.get(key, ()))


def _children(column: list[Any], key: str) -> list[Any]:
    """Each value's ``key`` where it is a mapping, else None (a section left out)."""
    return [
        value.get(key)
        if type(value) is dict
        else None
        if value is None
        else value.get(key)
        if isinstance(value, Mapping)
        else None
        for value in column
    ]


class FieldColumns:
    """``proposal.get(path)`` for every proposal, one column per path; sections shared by
    several paths ("risks", "data") are read once each."""

    def __init__(self, proposals: Sequence[Proposal]) -> None:
        self.proposals = proposals
        self._paths: dict[tuple[str, ...], list[Any]] = {}

    def column(self, dotted: str) -> list[Any]:
        return self._column(tuple(dotted.split(".")))

    def _column(self, path: tuple[str, ...]) -> list[Any]:
        column = self._paths.get(path)
        if column is None:
            if len(path) == 1:
                parent = [proposal.fields for proposal in self.proposals]
            else:
                parent = self._column(path[:-1])
            column = self._paths[path] = _children(parent, path[-1])
        return column


class RuleTable:
    """The values rules test, one column per leaf, one row per proposal: rules are then
    evaluated for the whole portfolio at once, each proposal field read once."""

    def __init__(
        self,
        proposals: Sequence[Proposal],
        facts: Mapping[str, Sequence[Any]],
        levels: Mapping[str, Sequence[Any]],
        scores: Mapping[str, Sequence[float]] | None = None,
        fields: FieldColumns | None = None,
    ) -> None:
        self.proposals = proposals
        self.facts = facts
        self.levels = levels
        self.scores = scores or {}
        self._values: dict[tuple[str, str], list[Any]] = {}
        self._known: dict[tuple[str, str], np.ndarray] = {}
        self._keys: dict[tuple[str, str], tuple[list[Any], str]] = {}
        self._kinds: dict[tuple[str, str], set[type]] = {}
        # Field columns, shared with whoever read the same proposals' fields before.
        self.fields = fields if fields is not None else FieldColumns(proposals)

    @staticmethod
    def _key(leaf: Mapping[str, Any]) -> tuple[str, str]:
        for kind in ("field", "fact", "level", "score"):
            if kind in leaf:
                return kind, str(leaf[kind])
        return "none", ""

    def member_keys(self, leaf: Mapping[str, Any]) -> tuple[list[Any], str]:
        """The leaf's values as membership tests compare them, worked out once a column:
        the values themselves where all are plain (no yes/no, list or mapping: "plain") or
        all yes/no ("yes_no"); else each as ``_member_key`` compares it ("keyed")."""
        key = self._key(leaf)
        found = self._keys.get(key)
        if found is None:
            column = self.values(leaf)[0]
            kinds = self._kinds[key]
            if kinds <= _PLAIN:
                found = (column, "plain")
            elif kinds <= _YES_NO:
                found = (column, "yes_no")
            else:
                keys = [(type(v) is bool, v) if _hashable(v) else _UNHASHABLE for v in column]
                found = (keys, "keyed")
            self._keys[key] = found
        return found

    def values(self, leaf: Mapping[str, Any]) -> tuple[list[Any], np.ndarray]:
        key = self._key(leaf)
        if key not in self._values:
            kind, name = key
            if kind == "field" and name.startswith("stakes."):
                # As the class reads them: what other answers settle counts as answered.
                column = [settled_stakes(p).get(name.split(".", 1)[1]) for p in self.proposals]
            elif kind == "field":
                column = self.fields.column(name)
            elif kind == "fact":
                column = list(self.facts.get(name, [None] * len(self.proposals)))
            elif kind == "level":
                column = [
                    None if v is None or v != v else v
                    for v in self.levels.get(name, [None] * len(self.proposals))
                ]
            elif kind == "score":
                column = list(self.scores.get(name, [None] * len(self.proposals)))
            else:
                column = [None] * len(self.proposals)
            self._values[key] = column
            kinds = self._kinds[key] = set(map(type, column))
            if kinds == {type(None)}:  # a field no proposal answers: common in a register
                self._known[key] = np.zeros(len(column), dtype=bool)
            else:
                self._known[key] = np.fromiter(
                    map(is_answered, column), dtype=bool, count=len(column)
                )
        return self._values[key], self._known[key]


Truth = tuple[np.ndarray, np.ndarray]  # (true, open): false is neither


def _and(left: Truth, right: Truth) -> Truth:
    true = left[0] & right[0]
    false = (~left[0] & ~left[1]) | (~right[0] & ~right[1])
    return true, ~true & ~false


def _or(left: Truth, right: Truth) -> Truth:
    true = left[0] | right[0]
    false = ~left[0] & ~left[1] & ~right[0] & ~right[1]
    return true, ~true & ~false


def truth_for(condition: Mapping[str, Any], table: RuleTable) -> Truth:
    """Which proposals satisfy a condition on what they say (true), and which could, once
    what they leave out is answered (open)."""
    n = len(table.proposals)
    nothing = np.zeros(n, dtype=bool)
    if "all" in condition:
        result: Truth = (~nothing, nothing)
        for part in condition["all"]:
            result = _and(result, truth_for(part, table))
        return result
    if "any" in condition:
        result = (nothing, nothing)
        for part in condition["any"]:
            result = _or(result, truth_for(part, table))
        return result
    values, known = table.values(condition)

    def each(test: Any) -> np.ndarray:
        return np.fromiter((test(v) for v in values), dtype=bool, count=n)

    def member(options: list[Any]) -> np.ndarray:
        # A value matches when its kind (yes/no or not) and its value both match, so true
        # never matches 1; unhashable values (lists, mappings) match nothing.
        keys, how = table.member_keys(condition)
        if how == "plain":  # no yes/no among the values: a yes/no option matches none
            wanted = {o for o in options if _hashable(o) and type(o) is not bool}
        elif how == "yes_no":  # only yes/no (or unanswered): no other option matches one
            wanted = {o for o in options if type(o) is bool or o is None}
        else:
            wanted = {_member_key(o) for o in options if _hashable(o)}  # schema: scalars
        return np.fromiter(map(wanted.__contains__, keys), dtype=bool, count=n)

    # A test for what is missing is open on an unanswered value; so is any test of a stakes
    # question or of a fact they settle (None: open). `answered: true` is known either way.
    name = str(condition.get("field", ""))
    stakes_question = "fact" in condition or name.startswith(STAKES_FIELDS)
    unasked = ~known if stakes_question else nothing
    tests: list[Truth] = []
    if "answered" in condition:
        if condition["answered"]:
            tests.append((known, nothing))
        else:
            tests.append((nothing, ~known))
    if "equals" in condition:
        tests.append((known & member([condition["equals"]]), unasked))
    if "in" in condition:
        tests.append((known & member(condition["in"]), unasked))
    if "not_in" in condition:
        tests.append((known & ~member(condition["not_in"]), ~known))
    for key, compare in (("below", float.__lt__), ("at_least", float.__ge__)):
        if key in condition:
            limit = float(condition[key])
            hit = each(
                lambda v, c=compare, lim=limit: (
                    isinstance(v, (int, float)) and not isinstance(v, bool) and c(float(v), lim)
                )
            )
            tests.append((known & hit, unasked))
    result = (~nothing, nothing)
    for test in tests:
        result = _and(result, test)
    if "if_left_out" in condition:
        # The rubric settles what a left-out value means here (a second place to confirm
        # a safeguard that the proposal says, in the first, is not in place).
        left_out = ~known if condition["if_left_out"] else nothing
        return (result[0] & known) | left_out, nothing
    return result


def holds_for(condition: Mapping[str, Any], table: RuleTable) -> np.ndarray:
    """Which proposals satisfy a condition on what they say."""
    return truth_for(condition, table)[0]


def severities(rule: FlagRule, table: RuleTable) -> list[str | None]:
    """Each proposal's severity for a rule, or None where it does not fire."""
    return severities_and_reach(rule, table)[0]


def could_reach(rule: FlagRule, table: RuleTable) -> list[str | None]:
    """The highest severity each proposal could get from a rule once the questions it leaves
    open are answered (its severity now where it fires and nothing is open), or None where
    no answer could make it fire."""
    return severities_and_reach(rule, table)[1]


def severities_and_reach(
    rule: FlagRule, table: RuleTable
) -> tuple[list[str | None], list[str | None]]:
    """``severities`` and ``could_reach`` together, each condition read once."""
    n = len(table.proposals)
    if not rule.when:
        return [None] * n, [None] * n
    true, open_ = truth_for(rule.when, table)
    if rule.escalate:
        up_true, up_open = truth_for(rule.escalate["when"], table)
    else:
        up_true = up_open = np.zeros(n, dtype=bool)
    higher = str(rule.escalate["severity"]) if rule.escalate else rule.severity

    def graded(fires: np.ndarray, up: np.ndarray) -> list[str | None]:
        if not fires.any():
            return [None] * n  # fires nowhere: most rules on most rows of a register
        return [
            None if not hit else (higher if raised else rule.severity)
            for hit, raised in zip(fires.tolist(), up.tolist(), strict=True)
        ]

    return graded(true, up_true), graded(true | open_, up_true | up_open)
