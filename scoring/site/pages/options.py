"""Where one build's pages go and how their links are written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from scoring.model.obligations import ComplianceContext
from scoring.portfolio.selection.scenario import Scenario
from scoring.proposals.publication import Publication


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
    # The regimes and build date obligations are judged against (issue 27); None: defaults.
    compliance: ComplianceContext | None = None
    # Which publication this is and what the public one leaves out (counts, field names).
    publication: Publication = field(default_factory=Publication, compare=False)
    # History from git (history.py): off unless the plugin or build-docs turns it on.
    history: bool = False
    history_since: date | None = None  # where "what moved since" starts
    # History blocks filled after MkDocs renders each page (the plugin's builds, not serve):
    # old versions are scored by worker processes meanwhile. Other generators read the
    # pages' files whole, so they get the blocks in place.
    history_late: bool = False
    proposals_dir: Path | None = None  # the folder whose git log is read
    rubric_path: Path | None = None  # the rubric file, when the site names one
    scenarios: tuple[Scenario, ...] = ()  # budget scenarios (SiteSettings.budget_scenarios)
