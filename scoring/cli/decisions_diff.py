"""`sweetspot diff`'s part for decisions (#29): decisions added and revoked by the change,
and, at the build date, those expiring within 30 days, expired, and invalidated (the
proposal fields they cover changed). Decision files are read from git as proposals are
(no symlinks, capped) and loaded by the same rules as `sweetspot validate`."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from scoring.model.decisions import (
    ACTIVE,
    EXPIRED,
    NEEDS_RENEWAL,
    REVOKED,
    DecisionRegister,
    DecisionState,
    rules_for,
)
from scoring.proposals.decisions import load_decisions
from scoring.proposals.proposal import Intake
from scoring.rubric import Rubric
from scoring.sources.problems import Problem

DUE_SOON = timedelta(days=30)


@dataclass
class DecisionChanges:
    today: date
    added: list[dict[str, Any]] = field(default_factory=list)
    revoked: list[dict[str, Any]] = field(default_factory=list)
    expiring: list[dict[str, Any]] = field(default_factory=list)
    expired: list[dict[str, Any]] = field(default_factory=list)
    invalidated: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.revoked
            or self.expiring
            or self.expired
            or self.invalidated
            or self.problems
        )

    def lapsed_touched(self) -> list[dict[str, Any]]:
        """Expired or invalidated decisions this change touches (its file, or its proposal)."""
        return [d for d in [*self.expired, *self.invalidated] if d["touched"]]

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.today.isoformat(),
            "added": self.added,
            "revoked": self.revoked,
            "expiring_within_30_days": self.expiring,
            "expired": self.expired,
            "invalidated": self.invalidated,
            "problems": [p.as_dict() for p in self.problems],
        }


def _register(
    files: dict[str, bytes], folder: str, rubric: Rubric, intake: Intake, today: date
) -> DecisionRegister:
    """The decisions among ``files`` (repository path → bytes), checked as validate does."""
    with tempfile.TemporaryDirectory(prefix="sweetspot-decisions-") as tmp:
        top = Path(tmp)
        for path, content in files.items():
            target = top / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        base = top / folder if folder else top
        loaded = load_decisions([base] if base.is_dir() else [], rules_for(rubric, intake), top)
    return DecisionRegister(tuple(loaded.decisions), today, tuple(loaded.problems))


def _entry(state: DecisionState, touched: bool) -> dict[str, Any]:
    d = state.decision
    return {
        "id": d.id,
        "file": d.file,
        "proposal": d.proposal,
        "kind": d.kind,
        "subject": d.subject,
        "status": state.status,
        "reason": state.reason,
        "expires": d.expires.isoformat() if d.expires else None,
        "touched": touched,
    }


def decision_changes(
    base_files: dict[str, bytes],
    head_files: dict[str, bytes],
    folder: str,
    rubric: Rubric,
    base_intake: Intake,
    head_intake: Intake,
    changed_proposals: set[str],
    today: date,
) -> DecisionChanges:
    """What the change does to decisions, and where they stand at ``today`` after it."""
    base = _register(base_files, folder, rubric, base_intake, today)
    head = _register(head_files, folder, rubric, head_intake, today)
    changes = DecisionChanges(today, problems=list(head.problems))
    before = {d.id: d for d in base.decisions}
    base_states = {s.decision.id: s for p in base_intake.proposals for s in base.ledger(p).states}
    for proposal in head_intake.proposals:
        for state in head.ledger(proposal).states:
            d = state.decision
            file_changed = d.id not in before or before[d.id] != d
            touched = file_changed or proposal.id in changed_proposals
            entry = _entry(state, touched)
            if d.id not in before:
                changes.added.append(entry)
            was = base_states.get(d.id)
            if state.status == REVOKED and (was is None or was.status != REVOKED):
                changes.revoked.append(entry)
            elif state.status == EXPIRED:
                changes.expired.append(entry)
            elif state.status == NEEDS_RENEWAL:
                changes.invalidated.append(entry)
            elif state.status == ACTIVE and d.expires is not None and d.expires <= today + DUE_SOON:
                changes.expiring.append(entry)
    return changes


def markdown_lines(changes: DecisionChanges, text: Any, code: Any) -> list[str]:
    """The pull-request comment's Decisions section (``text``/``code``: the diff's Markdown
    escapers, so decision text can never become a link, a mention or HTML)."""
    if changes.empty:
        return []
    out = ["**Decisions**", ""]

    def item(entry: dict[str, Any], what: str) -> str:
        return (
            f"- {code(entry['id'])} ({text(entry['kind'].replace('_', ' '))} of "
            f"{text(entry['subject'])}, {code(entry['proposal'])}): {text(what)}"
        )

    for entry in changes.added:
        out.append(item(entry, f"added; {entry['reason']}"))
    for entry in changes.revoked:
        out.append(item(entry, entry["reason"]))
    for entry in changes.expiring:
        out.append(item(entry, f"expires on {entry['expires']}, within 30 days"))
    for entry in changes.expired:
        out.append(item(entry, f"expired: {entry['reason']}"))
    for entry in changes.invalidated:
        out.append(item(entry, f"needs renewal: {entry['reason']}"))
    for problem in changes.problems:
        out.append(f"- {text(problem.as_text())}")
    out += ["", f"_Decisions as of {changes.today}, the build date._", ""]
    return out


__all__ = ["DecisionChanges", "decision_changes", "markdown_lines"]
