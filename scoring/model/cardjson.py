"""One scored proposal as plain JSON-ready data, for `sweetspot score` and the site's
portfolio.json alike (so the site never imports from the CLI)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from scoring.model.obligations import worst_state
from scoring.model.scorecard import ScoreCard

V = TypeVar("V")


def published(by_score: dict[str, V]) -> dict[str, V]:
    """A dict keyed by the engine's scores, with "risk" (the risk-factor score) published
    under the name every surface gives it, "risk_factors"."""
    return {("risk_factors" if k == "risk" else k): v for k, v in by_score.items()}


# The explanation tables a ScoreCard builds on first use (functools.cached_property).
_CACHED = ("levels", "risk_values", "placement_sentence", "breakdown", "risks", "checklists")


def release(card: ScoreCard) -> None:
    """Drop a card's explanation tables once written out; they are rebuilt if used again."""
    for name in _CACHED:
        card.__dict__.pop(name, None)


def card_json(card: ScoreCard) -> dict[str, Any]:
    """Everything a tool needs about one scored proposal, JSON-ready."""
    p = card.proposal
    story = card.risk_story
    return {
        "id": p.id,
        "file": p.file,
        "title": p.title,
        "team": p.team,
        "stage": p.stage,
        "owner": p.owner,
        "sponsor": p.sponsor,
        "tags": list(p.tags),
        # The engine's "risk" score is published as risk_factors: "risk" is the stakes
        # figure below, the same number as on the site and in the CSV.
        "scores": published(card.scores),
        "confidence": published(card.confidence),
        "priority": card.priority,
        "impact": card.impact,
        "delivery_risk": card.delivery_risk,
        "risk": story.figure,
        "risk_range": [story.low, story.high],
        "risk_band": list(story.band),
        "risk_class": card.risk_class,
        "risk_reason": story.reason,
        "risk_note": story.note,
        "state": card.state,
        "placement_sentence": card.placement_sentence,
        "quadrant": card.quadrant,
        "ranges": {name: list(bounds) for name, bounds in published(card.ranges).items()},
        "placement_range": {name: list(bounds) for name, bounds in card.placement.items()},
        "inherent_risk": card.stakes.inherent,
        # The class the proposal's own words suggest, beside the class (which only the
        # stakes answers set), and the rules that suggest it.
        "suggested_class": card.suggestion.risk_class if card.suggestion else None,
        "suggested_rules": suggested_rules(card),
        "stakes": {
            "reasons": list(card.stakes.reasons),
            "safeguards_done": list(card.stakes.safeguards_done),
            "safeguards_missing": list(card.stakes.safeguards_missing),
            "safeguards_unknown": list(card.stakes.safeguards_unknown),
        },
        "answered_share": card.answered_share,
        "weakest": card.weakest,
        "roi": None if card.roi is None or card.roi == float("inf") else round(card.roi, 2),
        "payback_months": None
        if card.payback_months is None or card.payback_months == float("inf")
        else round(card.payback_months, 1),
        "shortfall_probability": None if card.money is None else round(card.money.shortfall, 2),
        "caps": [c.id for c in card.caps],
        # Flat dataclasses of plain values: a shallow copy of their fields is enough, and
        # much cheaper than dataclasses.asdict's deep copy on large portfolios.
        "flags": [dict(vars(f)) for f in card.flags],
        "suggestions": [dict(vars(s)) for s in card.suggestions],
        "questions": [dict(vars(q)) for q in card.questions],
        "breakdown": [dict(vars(b)) for b in card.breakdown],
        "risks": [dict(vars(r)) for r in card.risks],
        "checklists": {c.id: {i.id: i.answer for i in c.items} for c in card.checklists},
        **compliance_json(card),
    }


def compliance_json(card: ScoreCard) -> dict[str, Any]:
    """Issue 27: the state across regimes, each regime's determination and state, and one
    row per applicable obligation (flat rows, so portfolio.json keeps each text once)."""
    results = card.compliance
    return {
        "compliance": worst_state(results),
        "regimes": [
            {
                "regime": r.profile.id,
                "determination": r.determination.label,
                "outcome": r.determination.outcome.id if r.determination.outcome else None,
                "needs_grounds": r.determination.needs_grounds,
                "state": r.state,
                "as_of": r.as_of.isoformat(),
            }
            for r in results
        ],
        "obligations": [
            {
                "regime": r.profile.id,
                "id": o.id,
                "status": o.status,
                "due": o.due.isoformat() if o.due else None,
                "past_due": o.past_due,
                "gap": o.gap,
                "flag": o.flag,
                "note": o.note,
                "text": o.obligation.text,
                "rule": o.obligation.rule,
            }
            for r in results
            for o in r.obligations
        ],
    }


def suggested_rules(card: ScoreCard) -> list[dict[str, Any]]:
    """The rules that suggest the proposal's class from its own words: each with the class
    it suggests, its reason and source (the rubric's texts, which portfolio.json writes
    once) and the words that matched in which texts."""
    suggestion = card.suggestion
    if suggestion is None:
        return []
    return [
        {
            "id": rule.id,
            "suggests": rule.suggests,
            "reason": rule.reason,
            "source": rule.source,
            "words": list(rule.words),
            "texts": list(rule.texts),
        }
        for rule in suggestion.rules
    ]


# Rubric texts in card_json's lists: the same for every proposal that has the row, so
# portfolio.json writes them once, under "texts", keyed by list and row id. Each list may
# share texts in more than one table, each keyed by its own fields (a criterion's question
# by the criterion, the label of a level by the level and how it was reached).
TextTable = tuple[str, tuple[str, ...], tuple[str, ...]]  # table, key fields, text fields
TEXT_FIELDS: dict[str, tuple[TextTable, ...]] = {
    "flags": (("flags", ("id",), ("title", "message", "playbook")),),
    "suggestions": (("suggestions", ("kind", "id"), ("text", "playbook")),),
    "questions": (("questions", ("kind", "id"), ("text", "playbook", "low_label", "high_label")),),
    "breakdown": (
        ("breakdown", ("criterion_id",), ("dimension", "question", "playbook", "weight")),
        ("breakdown_levels", ("basis", "level"), ("level_label",)),
    ),
    "risks": (("risks", ("factor_id",), ("question", "playbook", "weight")),),
    "suggested_rules": (("suggested_rules", ("id",), ("suggests", "reason", "source")),),
    "obligations": (("obligations", ("regime", "id"), ("text", "rule")),),
}
# The proposal's own words in those lists (its answers and notes) are in its file, which the
# site publishes beside its page; portfolio.json leaves them out (``sweetspot score
# --format json`` keeps them). They were a third of its size.
OWN_WORDS: dict[str, tuple[str, ...]] = {"breakdown": ("answer", "note"), "risks": ("note",)}
PORTFOLIO_FORMAT = "sweetspot-portfolio/4"


def _row_key(row: dict[str, Any], names: tuple[str, ...]) -> str:
    return ":".join(str(row.get(name)) for name in names)


# One lookup of a shared text made while packing an entry: (table, row key, the entry's own
# texts, the texts the table held for the key); a key of None stands for making the table.
# See ``pack`` and ``replay``.
TextUse = tuple[str, str | None, Any, Any]


def pack(
    entry: dict[str, Any], texts: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], list[TextUse]]:
    """One card_json entry made compact for portfolio.json, and the shared texts it was
    packed against. ``expand`` undoes it, giving the entry back without the proposal's own
    words (``OWN_WORDS``):

    * rubric texts move into ``texts`` (filled as entries go by), keyed
      ``texts[list][row key]``; a row whose text differs from the one kept for its key
      keeps its own under ``own``, so nothing is ever lost;
    * each list becomes columns: ``{"cols": [...], "rows": [[...], ...]}`` (every row of a
      list has the same fields, being one dataclass);
    * checklist answers become lists in the rubric's item order, kept once under
      ``texts["checklist_items"]``.
    """
    uses: list[TextUse] = []
    items: dict[str, list[str]] = texts.setdefault("checklist_items", {})
    entry = dict(entry)
    for name, tables in TEXT_FIELDS.items():
        if name not in entry:
            continue
        shared_fields = {f for _, _, fields in tables for f in fields}
        left_out = set(OWN_WORDS.get(name, ()))
        for table_name, _, _ in tables:
            texts.setdefault(table_name, {})
            uses.append((table_name, None, None, None))
        cols: list[str] = []
        rows: list[list[Any]] = []
        own: dict[str, dict[str, Any]] = {}
        for index, row in enumerate(entry[name]):
            differs: dict[str, Any] = {}
            for table_name, key_fields, text_fields in tables:
                key = _row_key(row, key_fields)
                shared = {f: row[f] for f in text_fields if f in row}
                kept = texts[table_name].setdefault(key, shared)
                uses.append((table_name, key, shared, kept))
                differs.update({f: v for f, v in shared.items() if kept.get(f) != v})
            if not cols:
                cols = [f for f in row if f not in shared_fields and f not in left_out]
            rows.append([row.get(f) for f in cols])
            if differs:
                own[str(index)] = differs
        packed: dict[str, Any] = {"cols": cols, "rows": rows}
        if own:
            packed["own"] = own
        entry[name] = packed
    if isinstance(entry.get("checklists"), dict):
        answers = {}
        for checklist, given in entry["checklists"].items():
            order = items.setdefault(checklist, list(given))
            uses.append(("checklist_items", checklist, list(given), order))
            if list(given) == order:
                answers[checklist] = [given[item] for item in order]
            else:  # not the rubric's items (a custom rubric changed): kept as it is
                answers[checklist] = given
        entry["checklists"] = answers
    return entry, uses


def replay(uses: list[TextUse], texts: dict[str, dict[str, Any]]) -> bool:
    """Make the lookups an entry packed earlier made, against this run's ``texts``: True
    when each finds the texts it found then, so the earlier packing is this run's too
    (under `mkdocs serve`, an unchanged proposal's entry is not packed again)."""
    texts.setdefault("checklist_items", {})  # as pack does first: keys keep their order
    for name, key, shared, kept in uses:
        table = texts.setdefault(name, {})
        if key is not None and table.setdefault(key, shared) != kept:
            return False
    return True


def without_own_words(entry: dict[str, Any]) -> dict[str, Any]:
    """A card_json entry as portfolio.json keeps it: the proposal's answers and notes out."""
    entry = dict(entry)
    for name, fields in OWN_WORDS.items():
        if isinstance(entry.get(name), list):
            entry[name] = [{k: v for k, v in row.items() if k not in fields} for row in entry[name]]
    return entry


def normalise(
    entries: Iterable[dict[str, Any]], texts: dict[str, dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    """card_json entries packed for portfolio.json one by one (see ``pack``)."""
    for entry in entries:
        yield pack(entry, texts)[0]


def expand(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """portfolio.json's proposals as card_json wrote them, texts, rows and checklist answers
    back, but for the proposal's own words in the lists (``OWN_WORDS``), left out."""
    texts = payload.get("texts", {})
    items = texts.get("checklist_items", {})
    found = []
    for entry in payload["proposals"]:
        entry = dict(entry)
        for name, tables in TEXT_FIELDS.items():
            packed = entry.get(name)
            if not isinstance(packed, dict):
                continue
            own = packed.get("own", {})
            rows = []
            for index, values in enumerate(packed["rows"]):
                row = dict(zip(packed["cols"], values, strict=True))
                shared: dict[str, Any] = {}
                for table_name, key_fields, _ in tables:
                    shared.update(texts.get(table_name, {}).get(_row_key(row, key_fields), {}))
                rows.append({**shared, **row, **own.get(str(index), {})})
            entry[name] = rows
        if isinstance(entry.get("checklists"), dict):
            entry["checklists"] = {
                checklist: dict(zip(items.get(checklist, []), given, strict=True))
                if isinstance(given, list)
                else given
                for checklist, given in entry["checklists"].items()
            }
        found.append(entry)
    return found
