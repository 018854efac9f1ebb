"""Helpers that write and build real MkDocs sites with the sweetspot plugin, in-process.

Test modules import what they need from here (``from sitekit import write_site, ...``);
conftest.py keeps only fixtures and the hooks that choose the test tier.

``write_site`` writes a small project (mkdocs.yml, a home page with the summary marker and the
given proposals) into a folder and ``build_project`` builds it the way ``mkdocs build`` does.
Builds share one plugin instance per process, exactly as ``mkdocs serve`` does, because MkDocs
caches plugins that define ``on_startup``. ``logged_build`` returns a failed build with its log
instead of raising.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "corpus"
SUMMARY_MARKER = "<!-- sweetspot:summary -->"

HOME_MD = f"""---
title: Home
---

# Test home

Proposals scored by Sweetspot.

{SUMMARY_MARKER}

Read the [portfolio](portfolio/index.md).
"""

MARKDOWN_EXTENSIONS: list[Any] = [
    "admonition",
    "attr_list",
    "md_in_html",
    "tables",
    {"toc": {"permalink": True}},
    "pymdownx.superfences",
    {"pymdownx.tasklist": {"custom_checkbox": True}},
]

# --------------------------------------------------------------------------------------------
# Sample proposals (all valid). Checklist answers 'yes' and 'no' are quoted on purpose.
# --------------------------------------------------------------------------------------------

FULL_ID = "late-invoice-ranking"
FULL_YAML = """\
# A fuller valid proposal: every section has something in it.
schema_version: 1
title: Rank overdue invoices by the chance of late payment
summary: >-
  Collections calls every overdue account in the same order. A *ranked list* would let the
  team call the customers most likely to pay late first.
team: Credit Risk
stage: proposed
owner: Dana Okafor
sponsor: Head of Credit Risk
tags: [collections, ranking]
links:
  - title: Discovery notes
    url: "https://wiki.example.com/collections/discovery"
problem:
  decision: Which overdue accounts the collections team calls first each morning
  decision_owner: Collections team leads
  non_ml_alternative: "Sorting by amount overdue; it recovers 61% of late invoices within 30 days"
  automation: augment
  business_metric:
    name: Share of late invoices recovered within 30 days
    unit: "%"
    baseline: 61
    target: 70
    direction: increase
value:
  currency: EUR
  annual_value: 420000
  one_off_cost: 180000
  annual_running_cost: 60000
  confidence: medium
  months_to_value: 6
  basis: Roughly 2,400 late invoices a year; costs are two engineers for four months.
data:
  sources:
    - name: Invoice ledger
      owner: Finance systems
      access: granted
      notes: "Daily extract since 2019"
  labels: available
  leakage_exposure: [temporal]
  split_plan: Train on invoices before 2025-07 and test on later ones.
roles:
  product_owner: Dana Okafor
  data_scientist: Lee Park
delivery:
  serving: batch
  uses_llm: false
risks:
  human_oversight: review-before-action
  personal_data: true
  privacy_review: planned
  affected_groups: [Small-business customers]
  factors:
    harm_if_wrong: {severity: 2, likelihood: 1, note: A wrong rank delays a call by a day}
evidence:
  decision_named: 3
  user_need: {level: 2, note: Asked for in the 2025 process review}
checklists:
  data:
    golden_set: partial
    sources_and_owners: 'yes'
    representative: 'no'
  team:
    domain_expert: 'no'
    product_owner: 'n/a'
"""

MINIMAL_ID = "spare-parts-reorder"
MINIMAL_YAML = """\
title: Suggest reorder quantities for spare parts
summary: Depot managers reorder spare parts by feel. A suggestion per part could cut stock-outs.
team: Field Service
stage: idea
"""

PILOT_ID = "ticket-routing"
PILOT_YAML = """\
title: Route support tickets to the right queue
summary: Two dispatchers sort every ticket by hand; a classifier could route most of them.
team: Customer Support
stage: pilot
owner: Dario Esposito
sponsor: Head of Customer Support
tags: [support, routing]
problem:
  decision: Which queue a new ticket goes to
  decision_owner: The dispatcher on duty
  user_need: Queue leads named misrouting their top irritation in the 2024 survey.
  non_ml_alternative: Keyword rules routed 52% correctly against 88% for the classifier.
  automation: automate
  stakeholders: Head of Customer Support owns the budget and agreed the threshold.
  business_metric:
    name: Median hours to first agent touch
    unit: hours
    baseline: 3.1
    target: 1.0
    direction: decrease
value:
  currency: EUR
  annual_value: 210000
  one_off_cost: 70000
  annual_running_cost: 25000
  confidence: high
data:
  sources:
    - name: Helpdesk archive
      owner: Support operations
      access: granted
  labels: available
  golden_set: 1,500 relabelled tickets never trained on.
  leakage_exposure: [duplicates]
  split_plan: Test on the most recent two months.
roles:
  product_owner: Dario Esposito
  data_scientist: Wen Li
  data_engineer: Emil Sorensen
  backend_engineer: Marco Bianchi
  qa_engineer: Jana Novak
  research_engineer: Kim Lee
  subject_matter_expert: Sanne de Boer
delivery:
  serving: online
  uses_llm: false
  online_metrics: [Share routed without a dispatcher]
  guardrails: [First-contact resolution]
  ab_plan: Half of the tickets for two weeks, then full rollout.
risks:
  human_oversight: spot-checks
  personal_data: true
  privacy_review: done
evidence:
  decision_named: 4
  user_need: 4
  beats_baseline: 4
  stakeholder_support: 4
  human_fit: 3
  business_metric: 4
  cost_estimate: 3
  online_measurement: 3
  data_access: 4
  labels: 4
  representative_data: 3
  leak_free_split: 3
  technical_evidence: 3
  serving_path: 3
  delivery_plan: 3
checklists:
  wrong_problem:
    decision_and_owner: 'yes'
    metric_with_target: 'yes'
    non_ml_option_costed: 'yes'
  data:
    sources_and_owners: 'yes'
    golden_set: 'yes'
    representative: partial
"""

RETIRED_ID = "send-time-optimisation"
RETIRED_YAML = """\
title: Personalised send times for the weekly email
summary: Send each subscriber the weekly email at the hour they usually open it.
team: Marketing
stage: retired
owner: Jo Smith
"""

SAMPLE_PROPOSALS: dict[str, str] = {
    FULL_ID: FULL_YAML,
    MINIMAL_ID: MINIMAL_YAML,
    PILOT_ID: PILOT_YAML,
    RETIRED_ID: RETIRED_YAML,
}

# An invalid proposal: line 4 has a stage that does not exist.
INVALID_ID = "broken-stage"
INVALID_YAML = """\
title: Forecast weekly pick volume
summary: Planners guess staffing from last year's numbers; a forecast would cut overtime.
team: Logistics
stage: pilott
"""
INVALID_LINE = 4
INVALID_FIELD = "stage"


# --------------------------------------------------------------------------------------------
# Playbook stubs: generated pages link to playbook sections, so a strict test site needs them
# --------------------------------------------------------------------------------------------

# The section anchors SPEC.md requires, per playbook; links found in the rubric and the
# templates are added on top, so a new link never makes a test site fail on its own.
SPEC_ANCHORS: dict[str, tuple[str, ...]] = {
    "choosing-the-problem": (
        "is-it-ml",
        "sweet-spot",
        "questions-before-committing",
        "balanced-portfolio",
        "fail-fast",
    ),
    "data-first": (
        "representativeness",
        "leakage",
        "data-silos",
        "labels-and-golden-sets",
        "evaluating-llm-features",
        "new-signal",
    ),
    "model-to-product": (
        "beyond-the-model",
        "end-to-end-first",
        "production-llm",
        "reproducibility",
        "serving-and-monitoring",
    ),
    "offline-online": (
        "three-discrepancies",
        "ab-test-early",
        "guardrail-metrics",
        "overlapping-models",
    ),
    "stakeholders-and-planning": (
        "setting-expectations",
        "mvp",
        "end-to-end-early",
        "incubator-vs-product-line",
        "ticketing-exploration",
        "sponsorship",
    ),
    "building-the-team": (
        "tasks-and-roles",
        "unicorn",
        "research-vs-engineering",
        "subject-matter-experts",
        "end-to-end-data-scientists",
    ),
    "domain-experts": ("ai-saviorism", "seven-steps", "fit-their-stack"),
    "designing-for-people": ("consistency", "mostly-correct", "smooth-failing"),
    "responsible-ai": (
        "bias-sources",
        "anonymisation-limits",
        "transparency",
        "trade-offs",
        "act-early",
        "model-cards",
    ),
    "submitting-a-proposal": (
        "workflow",
        "drafting-locally",
        "scores-explained",
        "raising-scores",
        "ci-checks",
        "publishing",
    ),
}
_PLAYBOOK_LINK = re.compile(r"playbooks/([a-z0-9-]+)\.md(?:#([a-z0-9-]+))?")


def playbook_stubs() -> dict[str, str]:
    """``content/playbooks/<slug>.md`` stubs holding every anchor the generated pages use."""
    anchors: dict[str, set[str]] = {name: set(ids) for name, ids in SPEC_ANCHORS.items()}
    sources = [
        REPO / "scoring" / "data" / "rubric.yaml",
        *sorted((REPO / "site_templates").rglob("*.j2")),
    ]
    for source in sources:
        for match in _PLAYBOOK_LINK.finditer(source.read_text(encoding="utf-8")):
            found = anchors.setdefault(match[1], set())
            if match[2]:
                found.add(match[2])
    stubs = {}
    for name, ids in sorted(anchors.items()):
        sections = "".join(
            f"## Section {anchor} {{#{anchor}}}\n\nStub text.\n\n" for anchor in sorted(ids)
        )
        stubs[f"content/playbooks/{name}.md"] = (
            f"# Playbook {name}\n\nA stub playbook for tests.\n\n{sections}"
        )
    return stubs


# --------------------------------------------------------------------------------------------
# Writing and building sites
# --------------------------------------------------------------------------------------------


def site_config(
    *,
    plugin_options: Mapping[str, Any] | None = None,
    theme: str = "material",
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The mkdocs.yml of a test site, as a dict."""
    options = {"proposals_dir": "content/proposals", **(plugin_options or {})}
    plugins: list[Any] = ["search"]
    if theme == "material":
        plugins.append("tags")
    plugins.append({"sweetspot": options})
    theme_config: dict[str, Any] = {"name": theme}
    if theme == "material":
        theme_config.update(font=False, features=["content.action.edit", "navigation.indexes"])
    config: dict[str, Any] = {
        "site_name": "Sweetspot test site",
        "site_url": "https://sweetspot.example.test/",
        "docs_dir": "content",
        "site_dir": "site",
        "edit_uri": "https://git.example.test/org/repo/edit/main/content/",
        "theme": theme_config,
        "plugins": plugins,
        "markdown_extensions": MARKDOWN_EXTENSIONS,
        "validation": {"anchors": "warn"},
    }
    config.update(overrides or {})
    return config


def write_site(
    root: Path,
    proposals: Mapping[str, str],
    *,
    plugin_options: Mapping[str, Any] | None = None,
    extra_files: Mapping[str, str | bytes] | None = None,
    theme: str = "material",
    overrides: Mapping[str, Any] | None = None,
    playbooks: bool = True,
) -> Path:
    """Write a site project into ``root`` and return ``root``.

    ``proposals`` maps a proposal id (or a file name ending in .yaml/.yml) to its YAML text.
    ``extra_files`` maps paths relative to ``root`` to text or bytes. Playbook stubs are
    written unless ``playbooks`` is false.
    """
    root.mkdir(parents=True, exist_ok=True)
    config = site_config(plugin_options=plugin_options, theme=theme, overrides=overrides)
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    content = root / "content"
    (content / "proposals").mkdir(parents=True, exist_ok=True)
    (content / "index.md").write_text(HOME_MD, encoding="utf-8")
    for name, text in proposals.items():
        file_name = name if name.endswith((".yaml", ".yml")) else f"{name}.yaml"
        (content / "proposals" / file_name).write_text(text, encoding="utf-8")
    files: dict[str, str | bytes] = dict(playbook_stubs()) if playbooks else {}
    files.update(extra_files or {})
    for relative, data in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")
    return root


def build_project(
    root: Path, *, strict: bool = False, command: str = "build", **overrides: Any
) -> Path:
    """Build ``root/mkdocs.yml`` in-process, as ``mkdocs build`` does; return the site dir.

    MkDocs keeps one instance of each plugin that defines ``on_startup`` per process, so
    successive builds reuse the sweetspot plugin, as ``mkdocs serve`` does.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(config_file=str(root / "mkdocs.yml"), strict=strict, **overrides)
    config.plugins.on_startup(command=command, dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    return Path(config.site_dir)


def make_site(
    tmp_path: Path,
    proposals: Mapping[str, str],
    *,
    plugin_options: Mapping[str, Any] | None = None,
    extra_files: Mapping[str, str | bytes] | None = None,
    theme: str = "material",
    overrides: Mapping[str, Any] | None = None,
    strict: bool = False,
) -> Path:
    """Write a site into ``tmp_path`` and build it; return the built site folder."""
    write_site(
        tmp_path,
        proposals,
        plugin_options=plugin_options,
        extra_files=extra_files,
        theme=theme,
        overrides=overrides,
    )
    return build_project(tmp_path, strict=strict)


@dataclass
class BuildOutcome:
    """What a build left behind: the error (None on success) and the "mkdocs" log records."""

    error: BaseException | None
    records: list[logging.LogRecord] = field(default_factory=list)
    site_dir: Path | None = None

    @property
    def messages(self) -> list[str]:
        return [r.getMessage() for r in self.records]

    @property
    def warnings(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno >= logging.WARNING]

    @property
    def text(self) -> str:
        return "\n".join(self.messages)


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def mkdocs_log() -> Iterator[list[logging.LogRecord]]:
    """Collect the "mkdocs" logger's records (INFO and up) without pytest's caplog."""
    logger = logging.getLogger("mkdocs")
    handler = _ListHandler()
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def build_catching(
    root: Path, strict: bool, command: str
) -> tuple[Path | None, BaseException | None]:
    from mkdocs.exceptions import Abort, MkDocsException

    try:
        return build_project(root, strict=strict, command=command), None
    except (Abort, MkDocsException) as exc:
        return None, exc


def logged_build(root: Path, *, strict: bool = False, command: str = "build") -> BuildOutcome:
    """Build and collect the log; a failed build is returned, never raised."""
    with mkdocs_log() as records:
        site_dir, error = build_catching(root, strict, command)
    return BuildOutcome(error, list(records), site_dir)


# --------------------------------------------------------------------------------------------
# The demo site, the bad corpus, and reading built sites
# --------------------------------------------------------------------------------------------


def build_demo(site_dir: Path, *, strict: bool = True) -> BuildOutcome:
    """Build the repository's own mkdocs.yml into ``site_dir``."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, MkDocsException

    error: BaseException | None = None
    cwd = Path.cwd()
    os.chdir(REPO)  # proposal paths in messages are shown relative to the working folder
    try:
        with mkdocs_log() as records:
            config = load_config(
                config_file=str(REPO / "mkdocs.yml"), strict=strict, site_dir=str(site_dir)
            )
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            except (Abort, MkDocsException) as exc:
                error = exc
            finally:
                config.plugins.on_shutdown()
    finally:
        os.chdir(cwd)
    return BuildOutcome(error, list(records), site_dir)


def bad_corpus_files() -> dict[str, bytes]:
    """Every file of tests/corpus/bad, plus byte-level traps that are awkward to commit."""
    files = {
        f"content/proposals/{p.name}": p.read_bytes()
        for p in sorted((CORPUS / "bad").glob("*"))
        if p.is_file()
    }
    head = MINIMAL_YAML.encode()
    files.update(
        {
            "content/proposals/bom-utf16.yaml": MINIMAL_YAML.encode("utf-16"),
            "content/proposals/invalid-utf8.yaml": head + b"owner: Dana \xff\n",
            "content/proposals/binary-junk.yaml": bytes(range(256)) * 4,
            "content/proposals/deep-nesting.yaml": b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n",
            "content/proposals/billion-laughs.yaml": (
                b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n"
            ),
        }
    )
    return files


def html_files(site_dir: Path) -> list[Path]:
    return sorted(site_dir.rglob("*.html"))


def page_of(site_dir: Path, src: str) -> Path:
    """The built HTML file of a source page such as ``proposals/x.md`` (directory URLs)."""
    stem = src[:-3]
    if stem == "index" or stem.endswith("/index"):
        return site_dir / stem[: -len("index")] / "index.html"
    return site_dir / stem / "index.html"


def counting_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Record the name of every template Jinja really compiles (not taken from a cache)."""
    from jinja2 import Environment

    compiled: list[str | None] = []
    real = Environment.compile

    def compile_and_count(
        self: Environment, source: Any, name: str | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        compiled.append(name)
        return real(self, source, name, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", compile_and_count)
    return compiled


# A small mapping of an inventory with the columns Id, Name, Purpose, Dept, Unit, Stage and
# Vendor, shared by the import tests.
TINY_MAPPING = """\
mapping_version: 1
name: tiny
id:
  external_id: Id
  slug: [Name]
fields:
  title: {column: Name}
  summary: {column: Purpose}
  team: {column: Unit}
  org: {columns: [Dept, Unit]}
  stage:
    column: Stage
    default: not_reported
    values: {Live: production, Trial: pilot, Idea: idea}
custom:
  vendor_name: {column: Vendor}
"""


def use_case(pid: str, title: str, summary: str, extra: Mapping[str, Any]) -> Any:
    """A proposal object in memory, in production, for the class-suggestion tests: the
    words of a use case without a file or a build."""
    from scoring.proposals.proposal import Proposal

    data = {"schema_version": 1, "team": "Operations", "stage": "production"}
    data |= {"title": title, "summary": summary, **extra}
    return Proposal(
        id=pid,
        file=f"{pid}.yaml",
        title=title,
        summary=summary,
        team="Operations",
        stage="production",
        owner=None,
        sponsor=None,
        tags=tuple(data.get("tags", ())),
        links=(),
        fields=data,
    )


def scored_json_texts(
    tmp_path: Path, cases: Mapping[str, tuple[str, str, Mapping[str, Any]]]
) -> dict[str, str]:
    """Each (title, summary, extra) written as a proposal file and scored as a user runs it,
    `sweetspot score --format json`: each proposal's JSON as text, by id."""
    import contextlib
    import io
    import json

    from scoring.cli.main import main as cli

    folder = tmp_path / "proposals"
    folder.mkdir()
    for pid, (title, summary, extra) in cases.items():
        data = {"schema_version": 1, "team": "Operations", "stage": "production"}
        data |= {"title": title, "summary": summary, **extra}
        (folder / f"{pid}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.chdir(tmp_path),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        code = cli(["score", str(folder), "--format", "json"])
    assert code == 0, err.getvalue()
    return {p["id"]: json.dumps(p) for p in json.loads(out.getvalue())["proposals"]}
