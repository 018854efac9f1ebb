"""A budget scenario from the site config (`scenarios:` in mkdocs.yml), checked.

Each is a name, a budget (a total over the horizon, or a budget per year with the number of
years), an optional capacity in people per team and an optional cap on Risk. A value that
cannot be used is a ScenarioError naming the scenario and the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FIELDS = ("name", "budget", "budget_per_year", "horizon_years", "capacity", "max_risk")
MAX_SCENARIOS = 12  # side by side on one page; more is not a plan but a sweep
SLUG = re.compile(r"[^a-z0-9]+")


class ScenarioError(ValueError):
    """A scenario cannot be used; the message names it and the field."""


@dataclass(frozen=True)
class Scenario:
    name: str
    horizon_years: float
    budget: float | None = None  # the total over the horizon
    budget_per_year: float | None = None  # or a limit on each year's spending
    capacity: Mapping[str, float] = field(default_factory=dict)  # people per team
    max_risk: float | None = None  # proposals whose Risk is above this are left out

    @property
    def slug(self) -> str:
        return SLUG.sub("-", self.name.lower()).strip("-") or "scenario"

    @property
    def total_budget(self) -> float:
        """The money over the whole horizon (a yearly budget times the years)."""
        if self.budget is not None:
            return self.budget
        assert self.budget_per_year is not None
        return self.budget_per_year * self.horizon_years

    def with_budget(self, budget: float) -> Scenario:
        """The same scenario with a total budget of ``budget`` (`sweetspot select --budget`)."""
        return Scenario(self.name, self.horizon_years, budget, None, self.capacity, self.max_risk)


def _number(value: Any, where: str, *, positive: bool = False, top: float = math.inf) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (positive and value == 0) or value > top:
        bound = "a positive number" if positive else "a number of at least 0"
        if top < math.inf:
            bound = f"a number between 0 and {top:g}"
        raise ScenarioError(f"{where} must be {bound}, not {value!r}")
    return float(value)


def parse_scenario(given: Any, index: int, default_horizon: float) -> Scenario:
    where = f"scenarios[{index}]"
    if not isinstance(given, Mapping):
        raise ScenarioError(f"{where} must be a mapping with a name and a budget")
    unknown = sorted(str(k) for k in set(given) - set(FIELDS))
    if unknown:
        raise ScenarioError(
            f"{where}: unknown field(s) {', '.join(unknown)}; use {', '.join(FIELDS)}"
        )
    name = given.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 80:
        raise ScenarioError(f"{where}.name must be a text of 1 to 80 characters")
    where = f"scenarios[{index}] ({name})"
    budget, per_year = given.get("budget"), given.get("budget_per_year")
    if (budget is None) == (per_year is None):
        raise ScenarioError(f"{where} needs either budget (a total) or budget_per_year")
    horizon = given.get("horizon_years")
    if per_year is not None and horizon is None:
        raise ScenarioError(f"{where}: budget_per_year needs horizon_years")
    horizon_years = (
        default_horizon if horizon is None else _number(horizon, f"{where}.horizon_years", top=50)
    )
    if horizon_years <= 0:
        raise ScenarioError(f"{where}.horizon_years must be a positive number, not {horizon!r}")
    capacity = given.get("capacity") or {}
    if not isinstance(capacity, Mapping):
        raise ScenarioError(f"{where}.capacity must map each team to a number of people")
    return Scenario(
        name=" ".join(name.split()),
        horizon_years=horizon_years,
        budget=None if budget is None else _number(budget, f"{where}.budget"),
        budget_per_year=(
            None if per_year is None else _number(per_year, f"{where}.budget_per_year")
        ),
        capacity={
            str(team): _number(people, f"{where}.capacity.{team}")
            for team, people in capacity.items()
        },
        max_risk=(
            None
            if given.get("max_risk") is None
            else _number(given["max_risk"], f"{where}.max_risk", top=100)
        ),
    )


def parse_scenarios(given: Any, default_horizon: float) -> tuple[Scenario, ...]:
    """The scenarios of the `scenarios` option (None or [] is none)."""
    if given is None:
        return ()
    if not isinstance(given, Sequence) or isinstance(given, str | bytes):
        raise ScenarioError("scenarios must be a list of {name, budget, ...}")
    if len(given) > MAX_SCENARIOS:
        raise ScenarioError(f"scenarios: at most {MAX_SCENARIOS}, not {len(given)}")
    scenarios = tuple(parse_scenario(s, n, default_horizon) for n, s in enumerate(given))
    slugs = [s.slug for s in scenarios]
    for n, slug in enumerate(slugs):
        if slug in slugs[:n]:
            raise ScenarioError(
                f"scenarios[{n}] ({scenarios[n].name}): a second scenario with the same page "
                f"name ({slug}); give each a different name"
            )
    return scenarios


__all__ = ["Scenario", "ScenarioError", "parse_scenario", "parse_scenarios"]
