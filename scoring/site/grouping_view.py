"""View data for the grouping pages: teams, stages and organisation units.

Each grouping has an index page (one row per group with its roll-up) and a page per group
(its roll-up and its proposals). Long lists are cut into pages of ``PAGE_SIZE`` rows,
``x.md``, ``x-page-2.md`` …, each linking to all the others, so no page grows with the
portfolio and every row is reachable without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from scoring.model.scorecard import ScoreCard
from scoring.portfolio.orgunits import Rollup
from scoring.proposals.proposal import INACTIVE_STAGES
from scoring.rubric import Rubric

PAGE_SIZE = 100

T = TypeVar("T")


def paged_path(first: str, number: int) -> str:
    """The source path of page ``number`` of a list whose first page is ``first``."""
    return first if number == 1 else f"{first[:-3]}-page-{number}.md"


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a long list, with the paths of all its sibling pages."""

    items: Sequence[T]
    number: int
    paths: tuple[str, ...]  # page 1 first
    start: int  # the 1-based position of the first item
    total: int

    @property
    def path(self) -> str:
        return self.paths[self.number - 1]

    @property
    def end(self) -> int:
        return self.start + len(self.items) - 1


def paginate(items: Sequence[T], first: str, size: int = PAGE_SIZE) -> list[Page[T]]:
    """The pages of ``items``: always at least one, even when there are none."""
    count = max(1, -(-len(items) // size))
    paths = tuple(paged_path(first, n) for n in range(1, count + 1))
    return [Page(items[(n - 1) * size:n * size], n, paths, (n - 1) * size + 1, len(items))
            for n in range(1, count + 1)]


def pager(page: Page[T], link: Callable[[str], str]) -> list[dict[str, object]]:
    """Links to every page of the list, the current one marked; empty for a single page."""
    if len(page.paths) == 1:
        return []
    return [{"number": n, "href": link(path), "current": n == page.number}
            for n, path in enumerate(page.paths, start=1)]


def card_order(card: ScoreCard) -> tuple[bool, float, str]:
    """Active proposals first, by priority; retired and rejected ones after them."""
    return (card.proposal.stage in INACTIVE_STAGES, -card.priority, card.proposal.id)


def proposal_row(card: ScoreCard, href: str, rubric: Rubric) -> dict[str, object]:
    """One row of a grouping page's proposals table."""
    red = [f for f in card.flags if f.severity == "red"]
    others = len(card.flags) - len(red)
    risk_class = rubric.risk_model.classes.get(card.risk_class)
    return {
        "id": card.proposal.id,
        "title": " ".join(card.proposal.title.split()),
        "href": href,
        "state": card.state,
        "state_name": rubric.state_name(card.state),
        "priority": card.priority,
        "impact": card.impact,
        "risk": card.delivery_risk,
        "class_id": card.risk_class,
        "class_label": risk_class.label if risk_class else card.risk_class,
        "red": len(red),
        "other_flags": others,
        "flag_titles": "; ".join(f.title for f in card.flags),
        "stage": card.proposal.stage,
        "team": card.proposal.team,
        "active": card.proposal.stage not in INACTIVE_STAGES,
    }


def group_row(name: str, href: str | None, rollup: Rollup, depth: int = 0) -> dict[str, object]:
    """One row of an index of groups."""
    return {"name": name, "href": href, "r": rollup, "states": dict(rollup.by_state),
            "depth": depth}
