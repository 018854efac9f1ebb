"""Configuration of the `sweetspot` MkDocs plugin: every option has a default."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class SweetspotConfig(base.Config):
    enabled = c.Type(bool, default=True)
    """Turn the plugin off without removing it from mkdocs.yml."""

    proposals_dir = c.Type(str, default="content/proposals")
    """Folder of proposal YAML files, relative to mkdocs.yml."""

    rubric = c.Optional(c.Type(str))
    """A rubric YAML file (relative to mkdocs.yml); the built-in rubric when unset."""

    output_dir = c.Type(str, default="")
    """Folder inside the site where generated pages go ("" for the site root)."""

    custom_templates = c.Optional(c.Type(str))
    """A folder of templates searched before the built-in site_templates/."""

    impact_threshold = c.Optional(c.Type((int, float)))
    """Impact at or above which a proposal counts as high impact (rubric default: 50)."""

    risk_threshold = c.Optional(c.Type((int, float)))
    """Delivery risk at or above which a proposal counts as high risk (rubric default: 50)."""

    target_mix = c.Optional(c.Type(dict))
    """Target share of active proposals per quadrant, e.g. {quick_win: 0.4, ...}."""

    balance_tolerance = c.Optional(c.Type((int, float)))
    """How far a quadrant's share may stray from its target (rubric default: 0.15)."""

    cache = c.Type(bool, default=True)
    """Keep loaded proposals and compiled templates on disk, so later builds only re-read
    the files that changed."""

    cache_dir = c.Type(str, default=".cache/plugin/sweetspot")
    """Where that cache lives, relative to mkdocs.yml (Material's plugins use .cache/plugin/
    too). Safe to delete at any time; never commit it."""

    compact_html = c.Type(bool, default=True)
    """Write generated pages without the indentation the theme's templates leave (a fifth
    of a proposal page's bytes); what a browser shows is the same."""

    strict = c.Type(bool, default=False)
    """Abort the build when any proposal is invalid, even without `mkdocs build --strict`."""

    home_page = c.Type(str, default="index.md")
    """The page whose `<!-- sweetspot:summary -->` marker gets the portfolio summary."""

    focus = c.Type(list, default=[])
    """Under `mkdocs serve` only: build just the proposals whose id matches one of these
    patterns (shell-style, e.g. `churn-*`); the environment variable SWEETSPOT_FOCUS
    (comma-separated) overrides it. Ignored by `mkdocs build`, so a published site is
    always whole."""

    currency = c.Type(str, default="EUR")
    """The currency of the site's totals (a three-letter code such as EUR or USD). A
    proposal in another currency keeps its own on its page."""

    exchange_rates = c.Optional(c.Type(dict))
    """What one unit of another currency is worth in `currency`, e.g. {USD: 0.92}; totals
    add converted amounts. Without a rate, a currency's amounts are added up on their own."""

    build_date = c.Optional(c.Type(str))
    """The date the site treats as today (YYYY-MM-DD), for whatever falls due or expires.
    Unset: the environment variable SWEETSPOT_BUILD_DATE, then SOURCE_DATE_EPOCH, then
    today's date (UTC)."""

    decisions_dir = c.Type(str, default="decisions")
    """Folder of decision files (approvals, risk acceptances, waivers...), one decision per
    file, relative to mkdocs.yml; a missing folder means no decisions. Keep it outside
    docs_dir: the files name requesters and deciders, and are never published as such."""

    deciders = c.Type(list, default=[])
    """Who may take decisions (names as written in `decided_by`); empty: anyone but the
    person who requested the decision."""

    regimes = c.Type(list, default=["rubric-classes"])
    """The regulatory profiles each proposal's obligations are judged against: built-in ids
    (rubric-classes, eu-ai-act-2026, omb-m-25-21, omb-m-24-10, canada-dadm, uk-atrs) or a
    profile file of your own, relative to mkdocs.yml. Default: the rubric's own classes."""

    publication = c.Type(str, default="internal")
    """public: the public register, without withheld rows and without internal or withheld
    fields (names, e-mail addresses, what the register's rules withhold); internal (the
    default): everything, with what the public register leaves out marked."""

    visibility = c.Optional(c.Type(dict))
    """Field visibility overriding the defaults and the shipped mappings':
    {fields: {owner: public, custom.cost_note: internal}, withhold_rows: {field:
    custom.withheld, public_values: ["a) No"]}}."""

    history = c.Type(bool, default=True)
    """Show where each proposal has been, from the repository's own git: a timeline on its
    page and a "What changed" page. In a plain folder or a shallow clone the pages say
    "history unavailable" (publishing workflows need `fetch-depth: 0`)."""

    history_since = c.Optional(c.Type(str))
    """The date (YYYY-MM-DD) "what moved since" starts from. Unset: 90 days before the
    build date."""

    scenarios = c.Optional(c.Type(list))
    """Budget scenarios (issue 31), each {name, budget} or {name, budget_per_year,
    horizon_years}, with optional capacity (people per team) and max_risk: a Budget page
    each, and a line on every proposal page saying where it stands in each plan."""
