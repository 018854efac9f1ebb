"""The sweetspot plugin's options as one settings object, read by the MkDocs plugin and by
`sweetspot build-docs` / `render` alike, so the two accept the same options and check them
the same way.

The MkDocs plugin declares them for MkDocs too (plugins/config.py, which checks their types);
tests/test_site_layer.py holds the two lists to each other, default by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from scoring.model.clock import BuildDateError, build_date
from scoring.model.obligations import ComplianceContext, ProfileError, make_context
from scoring.portfolio.currencies import check_rates, is_currency
from scoring.portfolio.selection.scenario import Scenario, ScenarioError, parse_scenarios
from scoring.proposals.publication import (
    PUBLICATIONS,
    Visibility,
    VisibilityError,
    parse_visibility,
)
from scoring.rubric import QUADRANTS, Rubric

PUBLICATION_VARIABLE = "SWEETSPOT_PUBLICATION"
HISTORY_DAYS = 90  # "What changed" looks this far back unless history_since says otherwise


class SettingsError(ValueError):
    """An option's value cannot be used; the message names the option (callers add where)."""


@dataclass(frozen=True)
class SiteSettings:
    """Every plugin option, with its default. Paths are as written (relative to mkdocs.yml)."""

    enabled: bool = True
    proposals_dir: str = "content/proposals"
    rubric: str | None = None
    output_dir: str = ""
    custom_templates: str | None = None
    impact_threshold: float | None = None
    risk_threshold: float | None = None
    target_mix: Mapping[str, Any] | None = None
    balance_tolerance: float | None = None
    cache: bool = True
    cache_dir: str = ".cache/plugin/sweetspot"
    compact_html: bool = True  # the plugin's HTML only; a plugin-free build has no HTML of ours
    strict: bool = False
    home_page: str = "index.md"
    focus: tuple[str, ...] = ()  # under `mkdocs serve` only
    # Totals are in this currency; amounts in another are converted at these rates (what
    # one unit is worth in ``currency``) or, without a rate, added up per currency.
    currency: str = "EUR"
    exchange_rates: Mapping[str, Any] | None = None
    # The date date-dependent answers use (YYYY-MM-DD); unset: SWEETSPOT_BUILD_DATE, then
    # SOURCE_DATE_EPOCH, then today (scoring/model/clock.py).
    build_date: str | None = None
    # Decision files (approvals, acceptances, waivers...), one per file; a missing folder
    # means no decisions. Deciders: the people who may decide (empty: anyone but the
    # requester).
    decisions_dir: str = "decisions"
    deciders: tuple[str, ...] = ()
    # The regulatory profiles obligations are judged against (issue 27): built-in ids or
    # profile files relative to mkdocs.yml; the default is the rubric's own classes.
    regimes: tuple[str, ...] = ("rubric-classes",)
    # public: the public register (withheld rows and internal or withheld fields left out,
    # scoring/proposals/publication.py); internal: everything, marked. ``visibility``
    # overrides the field levels a shipped mapping and the defaults give.
    publication: str = "internal"
    visibility: Mapping[str, Any] | None = None
    # History from git (scoring/site/pages/history.py): a timeline on each proposal page
    # and the "What changed" page, which starts at history_since (YYYY-MM-DD; unset:
    # HISTORY_DAYS before the build date).
    history: bool = True
    history_since: str | None = None
    # Budget scenarios for the Budget pages and `sweetspot select` (issue 31): a list of
    # {name, budget | budget_per_year + horizon_years, capacity, max_risk}.
    scenarios: tuple[Any, ...] | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> SiteSettings:
        """The settings an options mapping gives (missing ones take their default)."""
        unknown = sorted(set(options) - OPTION_NAMES)
        if unknown:
            raise SettingsError(f"unknown option(s) {', '.join(unknown)}")
        given = {name: value for name, value in options.items() if value is not None}
        if isinstance(given.get("scenarios"), list):
            given["scenarios"] = tuple(given["scenarios"])
        if isinstance(given.get("focus"), (list, tuple)):
            given["focus"] = tuple(str(pattern) for pattern in given["focus"])
        if isinstance(given.get("deciders"), (list, tuple)):
            given["deciders"] = tuple(str(name) for name in given["deciders"])
        if isinstance(given.get("regimes"), (list, tuple)):
            given["regimes"] = tuple(str(name) for name in given["regimes"])
        return cls(**given)

    def rates(self) -> dict[str, float]:
        """The exchange rates, checked; SettingsError names what is wrong."""
        if not is_currency(self.currency):
            raise SettingsError(
                f"currency must be a three-letter code in capitals such as EUR or USD, "
                f"not {self.currency!r}"
            )
        try:
            return check_rates(self.exchange_rates, self.currency)
        except ValueError as error:
            raise SettingsError(str(error)) from None

    def today(self) -> date:
        """The build date (scoring/model/clock.py); SettingsError when it is not a date."""
        try:
            return build_date(self.build_date)
        except BuildDateError as error:
            raise SettingsError(str(error)) from None

    def compliance(self, rubric: Rubric, base: Path) -> ComplianceContext:
        """The enabled regimes at the build date; SettingsError names a regime that cannot
        be used (an unknown id, or a profile file with its file, line and field)."""
        if isinstance(self.regimes, str) or not self.regimes:
            raise SettingsError("regimes must be a list of profile ids or files, not empty")
        try:
            return make_context(rubric, self.regimes, self.today(), base)
        except ProfileError as error:
            problems = "; ".join(
                p.message if p.file == "regimes" else p.as_text() for p in error.problems
            )
            raise SettingsError(f"regimes: {problems}") from None

    def from_environment(self, environ: Mapping[str, str]) -> SiteSettings:
        """These settings with SWEETSPOT_PUBLICATION, when set, as the publication: CI
        chooses what each deployment target gets, whatever mkdocs.yml says."""
        chosen = environ.get(PUBLICATION_VARIABLE, "").strip()
        return replace(self, publication=chosen) if chosen else self

    def publication_rules(self) -> tuple[str, Visibility]:
        """The publication and the site's visibility rules; SettingsError names the fault."""
        if self.publication not in PUBLICATIONS:
            raise SettingsError(
                f"publication (or {PUBLICATION_VARIABLE}) must be "
                f"{' or '.join(PUBLICATIONS)}, not {self.publication!r}"
            )
        try:
            return self.publication, parse_visibility(self.visibility, "visibility")
        except VisibilityError as error:
            raise SettingsError(str(error)) from None

    def history_start(self) -> date:
        """Where "what moved since" starts; SettingsError when history_since is not a date."""
        if self.history_since is None:
            return self.today() - timedelta(days=HISTORY_DAYS)
        try:
            return date.fromisoformat(str(self.history_since))
        except ValueError:
            raise SettingsError(
                f"history_since must be a date written YYYY-MM-DD, not {self.history_since!r}"
            ) from None

    def budget_scenarios(self, rubric: Rubric) -> tuple[Scenario, ...]:
        """The scenarios, checked (a total budget's horizon is the rubric's return horizon)."""
        try:
            return parse_scenarios(self.scenarios, rubric.roi_horizon_years)
        except ScenarioError as error:
            raise SettingsError(str(error)) from None

    def quadrants_of(self, rubric: Rubric) -> Rubric:
        """The rubric with the thresholds, target mix and tolerance these settings set.
        The currency settings are checked here too, so every build refuses them early."""
        self.rates()
        self.today()
        self.publication_rules()
        self.history_start()
        self.budget_scenarios(rubric)
        return rubric.with_quadrants(
            impact_threshold=_share(self.impact_threshold, "impact_threshold", 100),
            risk_threshold=_share(self.risk_threshold, "risk_threshold", 100),
            target_mix=self._target_mix(rubric),
            tolerance=_share(self.balance_tolerance, "balance_tolerance", 1),
        )

    def _target_mix(self, rubric: Rubric) -> dict[str, float] | None:
        """A partial mix overrides only the quadrants it names; unknown names are errors."""
        given = self.target_mix
        if given is None:
            return None
        if not isinstance(given, Mapping):
            raise SettingsError("target_mix must be a mapping")
        unknown = sorted(set(given) - set(QUADRANTS))
        if unknown:
            raise SettingsError(
                f"target_mix: unknown quadrant(s) {', '.join(unknown)}; use {', '.join(QUADRANTS)}"
            )
        for name, share in given.items():
            if (
                isinstance(share, bool)
                or not isinstance(share, (int, float))
                or not 0 <= share <= 1
            ):
                raise SettingsError(
                    f"target_mix: {name} must be a share between 0 and 1, not {share!r}"
                )
        return {**rubric.target_mix, **{k: float(v) for k, v in given.items()}}


def _share(value: Any, name: str, top: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= top:
        raise SettingsError(f"{name} must be between 0 and {top}, not {value!r}")
    return value  # as given: what the pages print goes through the num and pct filters


OPTION_NAMES = frozenset(option.name for option in fields(SiteSettings))
DEFAULTS: dict[str, Any] = {option.name: option.default for option in fields(SiteSettings)}

__all__ = ["DEFAULTS", "OPTION_NAMES", "SettingsError", "SiteSettings"]
