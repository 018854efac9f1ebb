"""Where a proposal has been: its versions from git, each scored with today's engine and
rubric so the lines compare like with like, and what moved between two versions in plain
words.

Only what the site shows about a version is kept (small, plain values): the memo holds one
``Version`` per blob, so a rebuild scores nothing it scored before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata

from scoring.model.scorecard import ScoreCard
from scoring.proposals.proposal import InvalidFile

SCORE_NAMES = {
    "desirability": "Desirability",
    "profitability": "Profitability",
    "feasibility": "Feasibility",
    "risk": "Risk factors",
}
LARGEST = 3  # score changes "since the last review" names


def engine_version() -> str:
    """The installed engine's version: an upgrade recomputes every kept version."""
    try:
        return metadata.version("sweetspot-kb")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class Facts:
    """One valid version as the site shows it."""

    stage: str
    state: str  # a quadrant, or needs_information
    state_name: str
    risk_class: str
    risk_label: str  # "Minimal risk", "Likely high, not yet assessed"
    risk_head: str  # "Risk 15 · Minimal risk": the one risk figure, as pages show it
    priority: float
    scores: tuple[tuple[str, float], ...]  # the engine's four scores, by name
    flags: tuple[tuple[str, str, str], ...]  # (id, severity, title)
    # What each score is made of: (score name, item, answer as written); None when not
    # worked out, for a version only a timeline line shows (lines show no reasons).
    answers: tuple[tuple[str, str, str], ...] | None = None


@dataclass(frozen=True)
class Version:
    """A version of a proposal file: its facts, or why it is not valid under today's format."""

    facts: Facts | None
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.facts is not None


def facts_of(card: ScoreCard, state_name: str, *, answers: bool = True) -> Facts:
    """The facts a page shows of a scored version; ``answers=False`` leaves out what each
    score is made of (working it out costs a sixth of scoring a version), which only "since
    the last review" reads."""
    story = card.risk_story
    return Facts(
        stage=card.proposal.stage,
        state=card.state,
        state_name=state_name,
        risk_class=card.risk_class,
        risk_label=story.label,
        risk_head=story.head,
        priority=card.priority,
        scores=tuple((name, float(card.scores[name])) for name in SCORE_NAMES),
        flags=tuple((f.id, f.severity, f.title) for f in card.flags),
        answers=_answers(card) if answers else None,
    )


def _answers(card: ScoreCard) -> tuple[tuple[str, str, str], ...]:
    answers = [
        (row.dimension, row.criterion_id, row.answer or "unanswered") for row in card.breakdown
    ]
    answers += [
        (
            "risk",
            row.factor_id,
            "unrated"
            if row.severity is None
            else f"severity {row.severity}, likelihood {row.likelihood}",
        )
        for row in card.risks
    ]
    return tuple(answers)


def invalid_version(bad: InvalidFile) -> Version:
    """ "not valid under today's format: <field>", naming the first field at fault."""
    errors = [p for p in bad.problems if p.severity == "error"] or list(bad.problems)
    if not errors:
        return Version(None, "not valid under today's format")
    first = errors[0]
    where = (first.field or " ".join(first.message.split()))[:80]
    return Version(None, f"not valid under today's format: {where}")


@dataclass(frozen=True)
class Line:
    """One commit on a proposal's timeline, newest first."""

    commit: str  # short id
    date: str  # YYYY-MM-DD
    version: Version | None  # None: this commit removed the file
    proposal_changed: bool
    rubric_changed: bool

    @property
    def words(self) -> str:
        """The version as the line shows it: "pilot · Quick win · priority 54.8 · Risk 12
        · Limited risk", why it is not valid, or "file removed"."""
        version = self.version
        if version is None:
            return "file removed"
        facts = version.facts
        if facts is None:
            return version.problem
        priority = "–" if math.isnan(facts.priority) else f"{facts.priority:,.1f}"
        return f"{facts.stage} · {facts.state_name} · priority {priority} · {facts.risk_head}"


@dataclass(frozen=True)
class ScoreMove:
    name: str
    before: float
    after: float
    reasons: tuple[str, ...]  # "data_quality: low → high"

    @property
    def delta(self) -> float:
        return round(self.after) - round(self.before)


@dataclass(frozen=True)
class Movement:
    """What moved between an earlier version and now, in plain words."""

    since: str  # YYYY-MM-DD
    sentences: tuple[str, ...]
    stage: bool = False
    state: bool = False
    risk_class: bool = False
    flags_raised: tuple[str, ...] = ()
    flags_cleared: tuple[str, ...] = ()
    scores: tuple[ScoreMove, ...] = ()
    new: bool = False  # no version on the date
    was_invalid: bool = False

    @property
    def moved(self) -> bool:
        return bool(self.sentences) and (
            self.stage
            or self.state
            or self.risk_class
            or bool(self.flags_raised or self.flags_cleared or self.scores)
            or self.new
            or self.was_invalid
        )


def _flag_words(flags: Sequence[tuple[str, str, str]]) -> str:
    return "; ".join(f"{title} ({severity})" for _, severity, title in flags)


def _moved(before: Facts, after: Facts) -> list[tuple[str, float, float]]:
    """(name, before, after) of each score that moved visibly (scores show with no
    decimals)."""
    old, new = dict(before.scores), dict(after.scores)
    return [
        (name, old[name], new[name])
        for name in SCORE_NAMES
        if name in old and name in new and round(old[name]) != round(new[name])
    ]


def scores_moved(before: Facts, after: Facts) -> bool:
    """Whether any score moved visibly: only then does ``score_moves`` read the answers."""
    return bool(_moved(before, after))


def score_moves(before: Facts, after: Facts) -> tuple[ScoreMove, ...]:
    """The largest visible score changes, with the answers that changed under each."""
    old_answers = {(d, item): answer for d, item, answer in before.answers or ()}
    # Both sides' answers are worked out wherever a score moved (History.movement).
    changed = [
        (d, f"{item}: {old_answers.get((d, item), 'unanswered')} → {answer}")
        for d, item, answer in after.answers or ()
        if old_answers.get((d, item), "unanswered") != answer
    ]
    moves = []
    for name, was, now in _moved(before, after):
        own = [words for d, words in changed if d == name]
        # A score can move through another's answers (a finding raises a risk factor).
        reasons = own or [words for _, words in changed][:LARGEST]
        moves.append(ScoreMove(SCORE_NAMES[name], was, now, tuple(reasons)))
    moves.sort(key=lambda m: (-abs(m.delta), m.name))
    return tuple(moves[:LARGEST])


def movement(since: str, before: Version | None, now: Facts) -> Movement:
    """What moved from ``before`` (the version on ``since``; None: there was none) to now."""
    if before is None:
        return Movement(since, (f"New since {since}: {now.stage}, {now.state_name}.",), new=True)
    if before.facts is None:
        return Movement(
            since,
            (
                f"On {since} the file was {before.problem}; it is valid now: "
                f"{now.stage}, {now.state_name}.",
            ),
            was_invalid=True,
        )
    was = before.facts
    words: list[str] = []
    stage = was.stage != now.stage
    state = was.state != now.state
    risk_class = was.risk_class != now.risk_class
    if stage:
        words.append(f"Stage: {was.stage} → {now.stage}.")
    if state:
        words.append(f"State: {was.state_name} → {now.state_name}.")
    if risk_class:
        words.append(f"Class: {was.risk_label} → {now.risk_label}.")
    old_flags = {f[0] for f in was.flags}
    new_flags = {f[0] for f in now.flags}
    raised = [f for f in now.flags if f[0] not in old_flags]
    cleared = [f for f in was.flags if f[0] not in new_flags]
    if raised:
        words.append(f"Flags raised: {_flag_words(raised)}.")
    if cleared:
        words.append(f"Flags cleared: {_flag_words(cleared)}.")
    moves = score_moves(was, now)
    for move in moves:
        sign = "+" if move.delta > 0 else ""
        why = f" ({'; '.join(move.reasons)})" if move.reasons else ""
        words.append(
            f"{move.name}: {move.before:.0f} → {move.after:.0f} ({sign}{move.delta:.0f}){why}."
        )
    return Movement(
        since,
        tuple(words),
        stage=stage,
        state=state,
        risk_class=risk_class,
        flags_raised=tuple(f[2] for f in raised),
        flags_cleared=tuple(f[2] for f in cleared),
        scores=moves,
    )


__all__ = [
    "Facts",
    "Line",
    "Movement",
    "ScoreMove",
    "Version",
    "engine_version",
    "facts_of",
    "invalid_version",
    "movement",
    "score_moves",
    "scores_moved",
]
