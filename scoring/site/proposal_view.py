"""View data for a proposal page: the lead (next steps, red flags) and a readable breakdown.

The page leads with what a leader decides on: the state and why, the four scores with their
ranges, the red flags and the first three next steps (ranked by scoring/model/steps.py). The
breakdown follows as compact HTML (tables and lists built here and in
``proposal_parts.html.j2``), which keeps each page small and fast to build; Markdown tables
would cost more bytes and more time.

Everything from a proposal is untrusted: it reaches HTML only through markupsafe's escape
(or an autoescaping template), never as Markup made from proposal text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from scoring.model.scorecard import BreakdownRow, ChecklistStatus, ScoreCard
from scoring.model.steps import Step, next_steps
from scoring.rubric import Rubric

TOP_STEPS = 3
# Short names of rubric ids where the id alone reads badly; the others are the id in words.
SHORT_LABELS = {
    "roi": "Return on cost",
    "human_fit": "Automate or assist",
    "leak_free_split": "Leak-free split",
    "stakes": "Stakes of the use",
    "findings": "Findings (flags)",
    "llm_production_concerns": "LLM production concerns",
}
# Checklist answers as a reader sees them: a mark that does not rely on colour alone.
ANSWER_MARKS = {"yes": "✓", "n/a": "–", "partial": "◐", "no": "✗", "unknown": "?"}


def short_label(rubric_id: str) -> str:
    """A criterion or factor by a short name: the table links once to the scoring method,
    which gives each one's full question."""
    text = SHORT_LABELS.get(rubric_id) or rubric_id.replace("_", " ")
    return text[:1].upper() + text[1:]


# -- structured answers -----------------------------------------------------------------


def _label(key: Any) -> str:
    return str(key).replace("_", " ")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return " ".join(str(value).split())


def _answered(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def structured(value: Any) -> Markup:
    """An answer as HTML a reader can scan: a mapping as a definition list, a list of
    mappings as a list with the first field (usually the name) in bold, other lists joined.
    Every piece of text is escaped."""
    if isinstance(value, Mapping):
        parts = [
            Markup("<dt>{}</dt><dd>{}</dd>").format(_label(k), structured(v))
            for k, v in value.items()
            if _answered(v)
        ]
        return Markup('<dl class="ss-dl">{}</dl>').format(Markup("").join(parts))
    if isinstance(value, list):
        if any(isinstance(v, Mapping) for v in value):
            return Markup('<ul class="ss-list">{}</ul>').format(
                Markup("").join(Markup("<li>{}</li>").format(_item(v)) for v in value)
            )
        return escape(", ".join(_scalar(v) for v in value if _answered(v)))
    return escape(_scalar(value))


def _item(value: Any) -> Markup:
    if not isinstance(value, Mapping):
        return structured(value)
    entries = [(k, v) for k, v in value.items() if _answered(v)]
    if not entries:
        return Markup("")
    (_, first), rest = entries[0], entries[1:]
    head = Markup("<b>{}</b>").format(
        _scalar(first) if not isinstance(first, (list, Mapping)) else ""
    )
    if not rest:
        return head
    tail = Markup("; ").join(Markup("{}: {}").format(_label(k), structured(v)) for k, v in rest)
    return Markup("{} <span>({})</span>").format(head, tail)


def answer_html(row: BreakdownRow, card: ScoreCard) -> Markup:
    """The answer cell of a breakdown row: the proposal's own structured value where the
    engine's one-line text (``describe``) would flatten a mapping or a list of them."""
    criterion = card.rubric.criterion(row.criterion_id)
    if criterion is not None and criterion.kind == "roi" and card.roi is not None:
        return escape(roi_text(card.roi, card.rubric.roi_horizon_years).split(" (")[0])
    if criterion is not None and criterion.kind == "payback" and card.roi is not None:
        return escape(payback_text(card.payback_months))
    if criterion is not None and criterion.kind == "evidence" and criterion.answer:
        raw = card.proposal.get(criterion.answer)
        if isinstance(raw, (Mapping, list)) and _answered(raw):
            return structured(raw)
    return escape(row.answer) if row.answer else Markup("—")


# -- figures with their units ------------------------------------------------------------


def level_text(row: BreakdownRow) -> str:
    """ "4 of 4 · Validated in production", or the reason there is no level."""
    if row.level is None:
        return row.level_label
    label = row.level_label.replace(
        "Asserted without a stated evidence level: counts as",
        "asserted, no level stated; counts as",
    )
    return f"{row.level:g} of 4 · {label}"


def max_points(card: ScoreCard, row: BreakdownRow) -> float:
    """The most a criterion can add to its dimension: its weight's share of 100."""
    criteria = card.rubric.criteria_for(row.dimension)
    total = sum(c.weight for c in criteria) or 1.0
    return row.weight / total * 100


@dataclass(frozen=True)
class CriterionCells:
    """One row of a breakdown table, each cell ready to print (proposal text escaped)."""

    label: str
    answer: Markup
    level: str
    points: str


def breakdown_cells(card: ScoreCard) -> dict[str, list[CriterionCells]]:
    """The breakdown's rows by dimension, formatted once here: a template that called a
    helper per cell spent most of a proposal page's build time in those calls."""
    by_dimension: dict[str, list[CriterionCells]] = {}
    totals: dict[str, float] = {}
    for row in card.breakdown:
        if row.dimension not in totals:
            totals[row.dimension] = (
                sum(c.weight for c in card.rubric.criteria_for(row.dimension)) or 1.0
            )
        most = row.weight / totals[row.dimension] * 100
        answer = answer_html(row, card)
        if row.note:
            answer = Markup("{} <i>({})</i>").format(answer, row.note)
        by_dimension.setdefault(row.dimension, []).append(
            CriterionCells(
                label=short_label(row.criterion_id),
                answer=answer,
                level=level_text(row),
                points=f"{row.contribution:,.1f} of {most:,.0f}",
            )
        )
    return by_dimension


@dataclass(frozen=True)
class ChecklistLine:
    """One line of a pitfall's checklist: an item answered no or partial, with its text, or
    every item of one other answer by its short name."""

    answer: str  # the CSS class suffix; "" for a line of names
    mark: str
    text: str


# Items answered yes, not applicable or not at all are listed by name, one line each.
NAMED_ANSWERS = (("unknown", "not answered"), ("yes", "yes"), ("n/a", "not applicable"))


def checklist_lines(status: ChecklistStatus) -> list[ChecklistLine]:
    lines = [
        ChecklistLine(item.answer, f"{ANSWER_MARKS[item.answer]} {item.answer}", item.text)
        for item in status.items
        if item.answer in ("no", "partial")
    ]
    for answer, label in NAMED_ANSWERS:
        named = [item.id.replace("_", " ") for item in status.items if item.answer == answer]
        if named:
            lines.append(ChecklistLine("", f"{ANSWER_MARKS[answer]} {label}", " · ".join(named)))
    return lines


def roi_text(roi: float | None, years: float) -> str:
    if roi is None:
        return "unknown (no value or cost given)"
    if math.isinf(roi):
        return "no cost given"
    return (
        f"{roi:.1f}× the cost returned over {years:g} years "
        f"(value ÷ cost − 1: value is {roi + 1:.1f}× the cost)"
    )


def payback_text(months: float | None) -> str:
    if months is None:
        return "unknown"
    if math.isinf(months):
        return "never: running costs eat the value"
    return f"{months:.1f} months"


def checklist_gist(statuses: tuple[ChecklistStatus, ...]) -> str:
    done = sum(s.done for s in statuses)
    applicable = sum(s.applicable for s in statuses)
    return f"{done:g} of {applicable} applicable items done"


def proposal_context(card: ScoreCard, rubric: Rubric) -> dict[str, Any]:
    """What the proposal templates need beyond the card itself."""
    steps = next_steps(card)
    reasons = "; ".join(card.stakes.reasons) or rubric.risk_model.classes[
        card.risk_class
    ].description.rstrip(".")
    return {
        "steps": steps[:TOP_STEPS],
        "more_steps": steps[TOP_STEPS:],
        "lead_flags": [f for f in card.flags if f.severity in ("red", "high")],
        "risk_reasons": reasons[:1].upper() + reasons[1:],
        "checklist_gist": checklist_gist(card.checklists),
        "roi_text": roi_text(card.roi, rubric.roi_horizon_years),
        "payback_text": payback_text(card.payback_months),
        "breakdown_cells": breakdown_cells(card),
        "checklist_lines": {status.id: checklist_lines(status) for status in card.checklists},
    }


class HtmlParts:
    """The macros of an HTML template, callable from a Markdown template.

    Jinja runs a macro with its caller's escaping, so a macro called from the Markdown
    environment would return plain text (escaped again by it). Called from here, each
    macro runs with its own autoescaping environment and returns Markup."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Callable[..., Markup]:
        macro = getattr(self._module, name)
        return lambda *args, **kwargs: Markup(macro(*args, **kwargs))


# Functions and tables the HTML parts template calls.
PART_HELPERS: dict[str, Any] = {
    "answer_html": answer_html,
    "level_text": level_text,
    "max_points": max_points,
    "structured": structured,
    "answer_marks": ANSWER_MARKS,
    "short_label": short_label,
}

__all__ = [
    "PART_HELPERS",
    "HtmlParts",
    "Step",
    "answer_html",
    "checklist_gist",
    "level_text",
    "max_points",
    "next_steps",
    "payback_text",
    "proposal_context",
    "roi_text",
    "short_label",
    "structured",
]
