"""Choosing a portfolio under a budget (issue 31): scenarios from the site config, the
proposals' inputs, the exact optimum (HiGHS through scipy), the efficient frontier and how
sure each choice is under the value ranges. Nothing here imports MkDocs."""

from scoring.portfolio.selection.plan import MEANINGS, Choice, Plan, plan_of, select
from scoring.portfolio.selection.scenario import Scenario, ScenarioError, parse_scenarios

__all__ = [
    "MEANINGS",
    "Choice",
    "Plan",
    "Scenario",
    "ScenarioError",
    "parse_scenarios",
    "plan_of",
    "select",
]
