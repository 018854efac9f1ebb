"""`sweetspot compare BEFORE AFTER`: what a change of rubric or of scoring method moves.

Each side is either a rubric file (scored now on the given proposals) or a JSON file
written by `sweetspot score --format json`, for example by an earlier version of Sweetspot.
The report lists every proposal whose state, scores or flags move, and why: the scores
that moved most and the flags raised or cleared. It is how leaders see what a new method
changes before it is adopted.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.cli.common import (
    DEFAULT_PROPOSALS,
    EXIT_OK,
    UsageError,
    add_command,
    md_code,
    md_text,
    plural,
    proposal_paths,
)
from scoring.cli.scorefile import read_scores
from scoring.model.cardjson import card_json
from scoring.model.scorecard import score_intake
from scoring.proposals.loading import load_proposals
from scoring.rubric import load_rubric

SCORES = ("desirability", "profitability", "feasibility", "risk_factors")
FIGURES = ("impact", "delivery_risk", "risk", "priority")
LABELS = {
    "desirability": "desirability",
    "profitability": "profitability",
    "feasibility": "feasibility",
    "risk_factors": "risk factors",
    "risk": "risk",
    "impact": "impact",
    "delivery_risk": "delivery risk",
    "priority": "priority",
}
STATE_NAMES = {
    "quick_win": "Quick win",
    "strategic_bet": "Strategic bet",
    "incremental": "Incremental",
    "reconsider": "Reconsider",
    "needs_information": "Needs information",
}


@dataclass(frozen=True)
class Side:
    """One side of the comparison: a name and each proposal's published figures."""

    name: str
    proposals: dict[str, dict[str, Any]]


@dataclass
class Move:
    id: str
    title: str
    state_before: str | None
    state_after: str | None
    changes: dict[str, tuple[float, float]] = field(default_factory=dict)
    flags_raised: list[str] = field(default_factory=list)
    flags_cleared: list[str] = field(default_factory=list)

    @property
    def state_moved(self) -> bool:
        return self.state_before != self.state_after

    def why(self) -> str:
        reasons = []
        ranked = sorted(
            ((abs(b - a), name) for name, (a, b) in self.changes.items() if name in SCORES),
            reverse=True,
        )
        for delta, name in ranked[:2]:
            if delta >= 1:
                before, after = self.changes[name]
                reasons.append(f"{LABELS[name]} {before:.0f} → {after:.0f}")
        if self.flags_raised:
            reasons.append("raised " + ", ".join(self.flags_raised))
        if self.flags_cleared:
            reasons.append("cleared " + ", ".join(self.flags_cleared))
        return "; ".join(reasons) or "ranges only"


def _state(entry: dict[str, Any]) -> str | None:
    # Scores written before the needs-information state name only a quadrant.
    state = entry.get("state") or entry.get("quadrant")
    return str(state) if state else None


def _figures(entry: dict[str, Any]) -> dict[str, float]:
    # read_scores has checked each is a number from 0 to 100, or null (left out here).
    scores = dict(entry.get("scores") or {})
    if "risk_factors" not in scores and "risk" in scores:
        # Files written before issue 24 called the risk factors scores.risk.
        scores["risk_factors"] = scores.pop("risk")
    values = {name: float(scores[name]) for name in SCORES if scores.get(name) is not None}
    values.update({name: float(entry[name]) for name in FIGURES if entry.get(name) is not None})
    return values


def load_side(source: str, paths: list[Path]) -> Side:
    """A score file (read and checked by `read_scores`: a bad one is exit 2 naming the file
    and JSON path), or a rubric to score the proposals with now."""
    path = Path(source)
    if path.suffix.lower() == ".json":
        entries = read_scores(path, source)["proposals"]
        return Side(path.name, {str(e["id"]): e for e in entries})
    if not path.exists() and not path.is_symlink():
        raise UsageError(f"no such file: {source}")
    rubric = load_rubric(path)
    portfolio = score_intake(load_proposals(paths, rubric), rubric)
    return Side(path.name, {card.proposal.id: card_json(card) for card in portfolio.cards})


def compare(before: Side, after: Side, threshold: float = 1.0) -> list[Move]:
    """Every proposal whose state, flags or a score (by at least ``threshold``) moves."""
    moves = []
    for pid in sorted(set(before.proposals) | set(after.proposals)):
        old, new = before.proposals.get(pid), after.proposals.get(pid)
        title = str((new or old or {}).get("title", pid))
        move = Move(pid, title, _state(old) if old else None, _state(new) if new else None)
        if old and new:
            a, b = _figures(old), _figures(new)
            move.changes = {
                name: (a[name], b[name])
                for name in a
                if name in b and abs(b[name] - a[name]) >= threshold
            }
            old_flags = {f["id"] for f in old.get("flags", [])}
            new_flags = {f["id"] for f in new.get("flags", [])}
            move.flags_raised = sorted(new_flags - old_flags)
            move.flags_cleared = sorted(old_flags - new_flags)
        if move.state_moved or move.changes or move.flags_raised or move.flags_cleared:
            moves.append(move)
    return moves


def _name(state: str | None) -> str:
    return "—" if state is None else md_text(STATE_NAMES.get(state, state))


def render_markdown(before: Side, after: Side, moves: list[Move]) -> str:
    total = len(set(before.proposals) | set(after.proposals))
    moved = [m for m in moves if m.state_moved]
    lines = [
        f"## {md_text(before.name)} → {md_text(after.name)}",
        "",
        f"{plural(total, 'proposal')} compared: {len(moved)} change state, "
        f"{len(moves) - len(moved)} more change a score by a point or more or a flag.",
        "",
    ]
    counts: dict[tuple[str, str], int] = {}
    for m in moved:
        key = (_name(m.state_before), _name(m.state_after))
        counts[key] = counts.get(key, 0) + 1
    if counts:
        lines += ["| From | To | Proposals |", "|---|---|---|"]
        lines += [f"| {a} | {b} | {n} |" for (a, b), n in sorted(counts.items())]
        lines.append("")
    if moves:
        lines += [
            "| Proposal | State | Priority | Impact | Delivery risk | Why |",
            "|---|---|---|---|---|---|",
        ]
        for m in moves:

            def figure(name: str, move: Move = m) -> str:
                if name not in move.changes:
                    return "="
                a, b = move.changes[name]
                return f"{a:.0f} → {b:.0f}"

            state = (
                f"{_name(m.state_before)} → {_name(m.state_after)}"
                if m.state_moved
                else _name(m.state_after)
            )
            # Titles, ids, states and flag ids come from proposals or a score file: escaped,
            # as `sweetspot diff` escapes them, for a pull-request comment.
            lines.append(
                f"| {md_text(m.title)} ({md_code(m.id)}) | {state} | "
                f"{figure('priority')} | {figure('impact')} | "
                f"{figure('delivery_risk')} | {md_text(m.why())} |"
            )
    return "\n".join(lines) + "\n"


def render_json(before: Side, after: Side, moves: list[Move]) -> str:
    return (
        json.dumps(
            {
                "before": before.name,
                "after": after.name,
                "moves": [
                    {
                        "id": m.id,
                        "title": m.title,
                        "state_before": m.state_before,
                        "state_after": m.state_after,
                        "changes": {k: list(v) for k, v in m.changes.items()},
                        "flags_raised": m.flags_raised,
                        "flags_cleared": m.flags_cleared,
                        "why": m.why(),
                    }
                    for m in moves
                ],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def run(args: argparse.Namespace) -> int:
    # Proposals are only read for a rubric side; two score files need none.
    scored = all(Path(side).suffix.lower() == ".json" for side in (args.before, args.after))
    paths = [] if scored else proposal_paths(args)
    before, after = load_side(args.before, paths), load_side(args.after, paths)
    moves = compare(before, after)
    render = render_json if args.format == "json" else render_markdown
    sys.stdout.write(render(before, after, moves))
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = add_command(
        sub,
        "compare",
        "Compare two rubrics, or two versions of the scoring, on the same "
        "proposals: every state, score and flag that moves, and why.",
    )
    command.add_argument(
        "before",
        metavar="BEFORE",
        help="a rubric file, or a JSON file from `sweetspot score "
        "--format json` (for example from an earlier version)",
    )
    command.add_argument("after", metavar="AFTER", help="the same kinds as BEFORE")
    command.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help=f"proposal files or folders for rubric sides (default: {DEFAULT_PROPOSALS})",
    )
    command.add_argument(
        "--format",
        choices=["markdown", "json"],
        default="markdown",
        help="markdown for a pull request or CHANGELOG, json for tools",
    )
    command.set_defaults(func=run)
