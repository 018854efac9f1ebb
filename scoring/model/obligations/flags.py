"""Obligation gaps as proposal flags, so they show wherever flags show (pages, JSON, CSV,
the terminal): a required obligation missing in production, or not met past its due date,
is red; one in progress in production is high. Not reported never raises one."""

from __future__ import annotations

from scoring.model.findings import Flag
from scoring.model.obligations.status import ObligationStatus, RegimeCompliance

PLAYBOOK = "playbooks/responsible-ai.md"
KINDS = {
    "missing": "missing",
    "in_progress": "in progress",
    "past_due": "past its due date",
}


def flag_kind(item: ObligationStatus) -> str:
    if item.past_due and item.status != "missing":
        return "past_due"
    return "missing" if item.status == "missing" else "in_progress"


def flag_id(profile_id: str, obligation_id: str, kind: str) -> str:
    """Unique per regime, obligation and kind: portfolio.json writes each id's text once."""
    return f"{profile_id}:{obligation_id}:{kind.replace('_', '-')}"


def obligation_flags(results: tuple[RegimeCompliance, ...]) -> list[Flag]:
    flags = []
    for result in results:
        profile = result.profile
        for item in result.obligations:
            if item.flag is None:
                continue
            kind = flag_kind(item)
            obligation = item.obligation
            due = f", due {obligation.due.isoformat()}" if obligation.due else ""
            title = (
                f"{obligation.text.rstrip('.')}: {KINDS[kind]} ({profile.short}, {obligation.rule})"
            )
            message = (
                f"{profile.short} requires this of the uses it covers in its highest class "
                f"({obligation.rule}{due}). The proposal's answers show it "
                f"{KINDS[kind]}. Complete it, record a waiver, or say why it does not apply."
            )
            flags.append(
                Flag(flag_id(profile.id, obligation.id, kind), item.flag, title, message, PLAYBOOK)
            )
    return flags
