"""`sweetspot select`: choose what to fund under a budget scenario (issue 31)."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import IO, Any

from scoring.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    UsageError,
    add_command,
    one_line,
    proposal_paths,
    rubric_from,
)
from scoring.cli.validate import report_problems
from scoring.model.scorecard import score_intake
from scoring.portfolio.selection import Plan, Scenario, select
from scoring.portfolio.selection.export import plans_csv, plans_json
from scoring.portfolio.selection.moves import chosen_set_moves
from scoring.portfolio.selection.plan import MEANINGS
from scoring.proposals.loading import load_proposals
from scoring.proposals.proposal import Intake
from scoring.rubric import Rubric
from scoring.site.environment import money
from scoring.site.generated_site import SiteSourceError, read_config, sweetspot_options
from scoring.site.settings import SettingsError, SiteSettings


def site_settings(config: Path | None) -> SiteSettings:
    """The plugin's options in ``config`` (default ./mkdocs.yml when there is one)."""
    if config is None:
        config = Path("mkdocs.yml")
        if not config.is_file():
            return SiteSettings()
    try:
        options = sweetspot_options(read_config(config), str(config)) or {}
        return SiteSettings.from_options(options)
    except SiteSourceError as error:
        raise UsageError(str(error)) from None
    except SettingsError as error:
        raise UsageError(f"{config}: sweetspot: {error}") from None


def chosen_scenarios(
    args: argparse.Namespace, settings: SiteSettings, rubric: Rubric
) -> list[Scenario]:
    where = args.config or "mkdocs.yml"
    horizon = rubric.roi_horizon_years
    try:
        scenarios = list(settings.budget_scenarios(rubric))
    except SettingsError as error:
        raise UsageError(f"{where}: sweetspot: {error}") from None
    if args.budget is not None:
        if not math.isfinite(args.budget) or args.budget < 0:
            raise UsageError(f"--budget must be an amount of at least 0, not {args.budget:g}")
        return [Scenario(f"Budget {args.budget:,.0f}", horizon, budget=args.budget)]
    if args.scenario is not None:
        found = [s for s in scenarios if s.name == args.scenario or s.slug == args.scenario]
        if not found:
            names = ", ".join(s.name for s in scenarios) or "none"
            raise UsageError(f"no scenario named '{args.scenario}' in {where} (scenarios: {names})")
        return found
    if not scenarios:
        raise UsageError(
            f"no scenarios in {where} (the sweetspot plugin's `scenarios` option); "
            "give --budget AMOUNT"
        )
    return scenarios


def chosen_set_moves_here(before: Intake, after: Intake, rubric: Rubric) -> list[dict[str, Any]]:
    """`sweetspot diff`'s moves of the chosen set, for the scenarios of ./mkdocs.yml (none
    when it has none)."""
    settings = site_settings(None)
    try:
        scenarios = settings.budget_scenarios(rubric)
        rates = settings.rates()
    except SettingsError as error:
        raise UsageError(f"mkdocs.yml: sweetspot: {error}") from None
    return chosen_set_moves(before, after, rubric, scenarios, settings.currency, rates)


def write_table(plans: list[Plan], out: IO[str]) -> None:
    for plan in plans:
        scenario, currency = plan.scenario, plan.currency
        budget = (
            f"{money(scenario.budget, currency)} over {scenario.horizon_years:g} years"
            if scenario.budget is not None
            else f"{money(scenario.budget_per_year, currency)} a year for "
            f"{scenario.horizon_years:g} years"
        )
        out.write(f"Scenario {one_line(scenario.name)}: {budget}\n")
        if plan.infeasible:
            out.write(f"  No plan: {plan.infeasible}.\n\n")
            continue
        out.write(
            f"  Chosen: {len(plan.chosen)} proposal(s) and {len(plan.committed)} committed; "
            f"cost {money(plan.cost, currency)}, expected net value {money(plan.value, currency)} "
            f"({money(plan.low, currency)} if every one came in at its low figure, "
            f"{money(plan.high, currency)} at its high)\n"
        )
        sections = (
            ("Committed (paid first)", plan.committed, False),
            ("Chosen", plan.chosen, False),
            ("Left out", plan.left_out, True),
            (
                "Not candidates",
                [c for c in plan.choices if c.label in ("not costed", "not eligible")],
                True,
            ),
        )
        width = max((len(c.id) for c in plan.choices), default=0)
        for title, choices, with_reason in sections:
            if not choices:
                continue
            out.write(f"  {title}:\n")
            for choice in choices:
                extra = f"  {one_line(choice.reason)}" if with_reason and choice.reason else ""
                share = (
                    f" (core index {choice.core_index:.0%})"
                    if choice.core_index is not None
                    else ""
                )
                info = "  answering its questions could change the plan" if choice.decisive else ""
                out.write(f"    {choice.id.ljust(width)}  {choice.label}{share}{extra}{info}\n")
        out.write(
            "  core: "
            + MEANINGS["core"]
            + "; borderline: "
            + MEANINGS["borderline"]
            + "; out: "
            + MEANINGS["out"]
            + ".\n"
        )
        if plan.unsettled:
            out.write(
                f"  {plan.unsettled} borderline label(s) are not proven either way (too many "
                "candidates to ask the solver about each).\n"
            )
        out.write("\n")


def run(args: argparse.Namespace) -> int:
    rubric = rubric_from(args)
    settings = site_settings(Path(args.config) if args.config else None)
    scenarios = chosen_scenarios(args, settings, rubric)
    intake = load_proposals(proposal_paths(args), rubric)
    if intake.invalid:
        report_problems(intake, "text", sys.stderr, False)
    portfolio = score_intake(intake, rubric)
    try:
        rates = settings.rates()
    except SettingsError as error:
        raise UsageError(f"{args.config or 'mkdocs.yml'}: sweetspot: {error}") from None
    plans = [select(portfolio.cards, s, settings.currency, rates) for s in scenarios]
    if args.format == "json":
        sys.stdout.write(plans_json(plans) + "\n")
    elif args.format == "csv":
        sys.stdout.write(plans_csv(plans))
    else:
        write_table(plans, sys.stdout)
    return EXIT_INVALID if intake.invalid else EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = add_command(
        sub,
        "select",
        "Choose what to fund under a budget: the best set, and how sure each choice is.",
    )
    command.add_argument("paths", nargs="*", metavar="PATH", help="files or folders")
    which = command.add_mutually_exclusive_group()
    which.add_argument("--scenario", metavar="NAME", help="one scenario of mkdocs.yml")
    which.add_argument(
        "--budget", type=float, metavar="AMOUNT", help="a total budget over the return horizon"
    )
    command.add_argument(
        "--config", metavar="FILE", help="the site config with the scenarios (default mkdocs.yml)"
    )
    command.add_argument("--format", choices=["table", "csv", "json"], default="table")
    command.set_defaults(func=run)
