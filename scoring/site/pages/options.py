"""Where one build's pages go and how their links are written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scoring.portfolio.selection.scenario import Scenario


@dataclass(frozen=True)
class SiteOptions:
    """Where pages go and how links are written."""

    output_dir: str = ""
    use_directory_urls: bool = True
    template_dirs: tuple[Path, ...] = ()
    source_links: dict[str, str] = field(default_factory=dict)  # proposal id → YAML link
    cache_dir: Path | None = None  # compiled templates are kept here between builds
    source_root: Path | None = None  # what problem file names are relative to (the cwd)
    currency: str = "EUR"  # the site's totals; see SiteSettings.currency
    exchange_rates: Mapping[str, float] = field(default_factory=dict)
    scenarios: tuple[Scenario, ...] = ()  # budget scenarios (SiteSettings.budget_scenarios)
