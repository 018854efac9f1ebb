"""The Budget pages (issue 31): one per scenario of the `scenarios` option, with the
frontier as a server-side SVG, the chosen set, what was left out and why; an index with the
scenarios side by side; CSV and JSON downloads; and each proposal's line ("In the 2027 plan:
core"). Plans are made once per build (scoring/portfolio/selection/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from markupsafe import Markup

from scoring.portfolio.selection import MEANINGS, Plan, Scenario, plan_of, select
from scoring.portfolio.selection.export import plans_csv, plans_json
from scoring.portfolio.selection.inputs import CANDIDATE, Item
from scoring.portfolio.selection.robustness import EXACT_UP_TO, MAX_ENUMERATED
from scoring.site.environment import money
from scoring.site.pages.blocks import GeneratedPage, front_matter
from scoring.site.pages.context import SiteContext

FOLDER = "portfolio/budget"
CLOSED_REASONS = ("in production", "retired", "rejected")
_PLANS: WeakKeyDictionary[SiteContext, list[Plan]] = WeakKeyDictionary()


def plans(ctx: SiteContext) -> list[Plan]:
    """Every scenario's plan for this build, made once."""
    found = _PLANS.get(ctx)
    if found is None and ctx.options.publication.public:
        found = []  # costs and plans are internal: the public register has no plans
        _PLANS[ctx] = found
    if found is None:
        found = [
            select(
                ctx.portfolio.cards,
                scenario,
                ctx.options.currency,
                dict(ctx.options.exchange_rates),
            )
            for scenario in ctx.options.scenarios
        ]
        _PLANS[ctx] = found
    return found


@dataclass(frozen=True)
class SelectionLine:
    scenario: str
    label: str
    chosen: bool
    meaning: str
    reason: str
    core_index: float | None
    decisive: bool
    url: str


def selection_lines(ctx: SiteContext, proposal_id: str, page: str) -> list[SelectionLine]:
    """What each plan says about one proposal, for its page."""
    lines = []
    for plan in plans(ctx):
        choice = plan.of(proposal_id)
        if choice is None or choice.reason in CLOSED_REASONS:
            continue  # in production, retired or rejected: no plan is about it
        lines.append(
            SelectionLine(
                scenario=plan.scenario.name,
                label=choice.label,
                chosen=choice.chosen,
                meaning=choice.meaning,
                reason=choice.reason,
                core_index=choice.core_index,
                decisive=choice.decisive,
                url=str(ctx.url(page, scenario_path(ctx, plan))),
            )
        )
    return lines


def selection_key(ctx: SiteContext, proposal_id: str) -> tuple[Any, ...]:
    """What a proposal page shows of the plans: part of its cache key, so a change anywhere
    in the portfolio that moves this proposal's line rebuilds its page."""
    return tuple(
        (
            plan.scenario,
            choice.label,
            choice.chosen,
            choice.reason,
            choice.core_index,
            choice.decisive,
        )
        for plan in plans(ctx)
        if (choice := plan.of(proposal_id)) is not None
    )


def scenario_path(ctx: SiteContext, plan: Plan) -> str:
    return ctx.path(f"{FOLDER}/{plan.scenario.slug}.md")


def frontier_svg(plan: Plan) -> dict[str, Any]:
    """Coordinates for site_templates/fragments/frontier.svg.j2 (a 480 x 300 view box)."""
    points = plan.frontier
    width, height, left, right, top, bottom = 480, 300, 96, 36, 30, 56
    if not points:
        return {"points": [], "width": width, "height": height}
    xs = [p.budget for p in points]
    ys = [p.value for p in points]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(0.0, min(ys)), max(ys)
    x1 = x1 if x1 > x0 else x0 + 1
    y1 = y1 if y1 > y0 else y0 + 1

    def sx(x: float) -> float:
        return round(left + (x - x0) / (x1 - x0) * (width - left - right), 1)

    def sy(y: float) -> float:
        return round(height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom), 1)

    currency = plan.currency
    return {
        "width": width,
        "height": height,
        "left": left,
        "bottom": height - bottom,
        "top": top,
        "right": width - right,
        "points": [
            {
                "x": sx(p.budget),
                "y": sy(p.value),
                "chosen": p.chosen,
                "label": f"Budget {money(p.budget, currency)}: best value "
                f"{money(p.value, currency)} with {p.count} proposal(s)",
            }
            for p in points
        ],
        "x_ticks": [
            {"x": sx(x0 + (x1 - x0) * k / 3), "text": money(x0 + (x1 - x0) * k / 3)}
            for k in range(4)
        ],
        "y_ticks": [
            {"y": sy(y0 + (y1 - y0) * k / 3), "text": money(y0 + (y1 - y0) * k / 3)}
            for k in range(4)
        ],
        "zero": sy(0.0) if y0 < 0 < y1 else None,
        "currency": currency,
    }


def worked_example() -> Plan:
    """Three candidates, two of which fit beside the first: the method page's example."""
    scenario = Scenario("Example", 3, budget=500_000)
    figures = [  # id, title, team, expected net value, low, high, cost over the horizon
        ("a", "Invoice matching", "Finance", 400_000, 350_000, 600_000, 200_000),
        ("b", "Churn model", "Marketing", 180_000, -40_000, 420_000, 180_000),
        ("c", "Send-time tuning", "Marketing", 150_000, 60_000, 260_000, 150_000),
    ]
    items = [
        Item(pid, title, team, CANDIDATE, value=v, low=lo, high=hi, cost=c, first_year_cost=c)
        for pid, title, team, v, lo, hi, c in figures
    ]
    return plan_of(items, scenario, with_frontier=False)


def budget_pages(ctx: SiteContext) -> list[GeneratedPage]:
    made = plans(ctx)
    index = ctx.path(f"{FOLDER}/index.md")
    csv_path, json_path = ctx.path(f"{FOLDER}/plans.csv"), ctx.path(f"{FOLDER}/plans.json")
    side = ctx.render_html("budget_scenarios.html.j2", index, plans=made, meanings=MEANINGS)
    pages = [
        GeneratedPage(
            index,
            front_matter({"title": "Budget"})
            + ctx.render(
                "budget_index.md.j2",
                index,
                plans=made,
                public=ctx.options.publication.public,
                side_by_side=side,
                links={
                    plan.scenario.name: ctx.link(index, scenario_path(ctx, plan)) for plan in made
                },
                csv_link=ctx.link(index, csv_path),
                json_link=ctx.link(index, json_path),
            ),
        )
    ]
    for plan in made:
        page = scenario_path(ctx, plan)
        tables = ctx.render_html(
            "budget_tables.html.j2",
            page,
            plan=plan,
            meanings=MEANINGS,
            proposal_url=lambda pid, page=page: ctx.url(page, ctx.proposal_path(pid)),
        )
        chart = ctx.render_html("frontier.svg.j2", page, plan=plan, svg=frontier_svg(plan))
        pages.append(
            GeneratedPage(
                page,
                front_matter({"title": f"Budget: {plan.scenario.name}"})
                + ctx.render(
                    "budget.md.j2",
                    page,
                    plan=plan,
                    tables=tables,
                    chart=Markup(chart),
                    meanings=MEANINGS,
                    index_link=ctx.link(page, index),
                    csv_link=ctx.link(page, csv_path),
                    json_link=ctx.link(page, json_path),
                ),
            )
        )
    method = ctx.path("reference/selection-method.md")
    pages.append(
        GeneratedPage(
            method,
            front_matter({"title": "Selection method"})
            + ctx.render(
                "selection_method.md.j2",
                method,
                example=worked_example(),
                exact_up_to=EXACT_UP_TO,
                max_enumerated=MAX_ENUMERATED,
            ),
        )
    )
    pages.append(GeneratedPage(csv_path, plans_csv(made)))
    pages.append(GeneratedPage(json_path, plans_json(made) + "\n"))
    return [ctx.with_blocks(page) for page in pages]


__all__ = ["budget_pages", "plans", "selection_key", "selection_lines"]
