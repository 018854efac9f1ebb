"""`sweetspot init DIR`: a new site for an organisation's own proposals or inventory,
without the demo.

It writes the site's mkdocs.yml (the sweetspot plugin, Material, a navigation that
includes the organisation units), a home page that says what the site is, an empty
proposals folder (with only the editor schema in it), the playbooks, a CI workflow that
checks pull requests as this repository's own does, and a .gitignore.

DIR must be new or an empty folder: init never overwrites or merges (there is no --force,
so a mistyped DIR cannot clobber anything). DIR itself may not be a symlink, and every
file is written through folder handles opened without following links (diskwrite.py), so
nothing is ever written outside DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from importlib import metadata
from pathlib import Path

import yaml

from scoring.cli.common import EXIT_OK, UsageError, add_command, one_line, rubric_from
from scoring.portfolio.currencies import is_currency
from scoring.proposals.schema import SCHEMA_FILE_NAME, schema_json
from scoring.rubric import Rubric
from scoring.site.diskwrite import OutputError, OutputFolder

# The playbooks ship with Sweetspot's own site; a new site starts from a copy of them.
PLAYBOOKS = Path(__file__).resolve().parents[2] / "content" / "playbooks"
# The demo's order (a reader's path through them); any other playbook follows by name.
PLAYBOOK_ORDER = (
    "index.md",
    "choosing-the-problem.md",
    "data-first.md",
    "model-to-product.md",
    "offline-online.md",
    "stakeholders-and-planning.md",
    "building-the-team.md",
    "domain-experts.md",
    "designing-for-people.md",
    "responsible-ai.md",
    "submitting-a-proposal.md",
)
DEFAULT_TITLE = "AI use cases"
PLAYBOOK_LIMIT = 1 << 20  # a playbook is a page of text; anything larger is not one

CONFIG_HEAD = """\
# The site's configuration, written by `sweetspot init`. The README's "The MkDocs plugin"
# section lists every sweetspot option.
site_name: {title}
site_description: {description}
docs_dir: content
site_dir: site

theme:
  name: material
  font: false  # no Google Fonts: nothing is fetched from a CDN
  features:
    - navigation.indexes
    - navigation.top
    - search.highlight
    - content.tooltips

plugins:
  - search
  - tags
  - sweetspot:
      proposals_dir: content/proposals
      # Totals are in this currency; amounts in others are converted at exchange_rates,
      # e.g. {{USD: 0.92}}, or added up per currency where no rate is given.
      currency: {currency}
      # The regimes whose obligations the Governance pages judge each use case against:
      # rubric-classes, eu-ai-act-2026, omb-m-25-21, omb-m-24-10, canada-dadm, uk-atrs,
      # or a profile file of your own.
      regimes: [rubric-classes]
      exchange_rates: null

markdown_extensions:
  - admonition
  - attr_list
  - md_in_html
  - tables
  - toc:
      permalink: true
  - pymdownx.details
  - pymdownx.superfences
  - pymdownx.tasklist:
      custom_checkbox: true

validation:
  anchors: warn
  unrecognized_links: warn

"""

HOME_PAGE = """\
---
title: Home
hide:
  - toc
---

# {title}

<!-- sweetspot:fallback -->
!!! danger "The generated pages are missing"
    This site was built without Sweetspot, so the portfolio, unit, pitfall checklist and \
reference pages were never generated. Build it with `mkdocs build` (or `mkdocs serve`) \
with Sweetspot installed, or run `sweetspot build-docs` first.
<!-- /sweetspot:fallback -->

This site is the register of {title_text}: every AI or machine-learning use case, from an \
idea to a system in production, with what it is for, who runs it, and how it scores on \
desirability, profitability, feasibility and risk. Each use case has its own page with its \
flags, its open pitfalls and the questions that would settle its place.

## The portfolio today

<!-- sweetspot:summary -->

## Where to go next

| If you want to… | Go to |
|---|---|
| See every use case, the impact-versus-risk chart and what to fund next | \
[Portfolio](portfolio/index.md) |
| See each organisation unit's use cases, with a roll-up at every level | \
[Organisation units](portfolio/units/index.md) |
| Understand why ML projects fail and how to avoid it | [Playbooks](playbooks/index.md) |
| Check a use case against the common pitfalls | [Pitfall checklists](pitfalls/index.md) |
| Know exactly how a score is computed | [Scoring method](reference/scoring-method.md) |

## Adding use cases

Import an existing inventory (`sweetspot import inventory.csv --mapping us-federal-2024`, \
or a mapping of your own), or write one proposal at a time (`sweetspot new my-use-case`). \
Either way the files go to `content/proposals/`, and a pull request is checked line by line. \
The [proposal format](reference/proposal-format.md) lists every field.
"""

WORKFLOW = """\
# Checks every pull request: validates the proposals (errors appear on the changed lines),
# builds the site strictly, and posts one comment that says what the change does to the
# portfolio. The comment is updated in place on every push, found by its hidden marker.
# Written by `sweetspot init`, after Sweetspot's own .github/workflows/proposals.yml.
name: Proposals

on:
  pull_request:

permissions:
  contents: read
  pull-requests: write

concurrency:
  group: proposals-${{ github.event.pull_request.number }}
  cancel-in-progress: true

jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - name: Check out the pull request with full history
        uses: actions/checkout@v4
        with:
          # The diff needs the base branch (origin/<base>); depth 0 fetches every branch.
          fetch-depth: 0

      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip

      - name: Install Sweetspot
        id: install
        # requirements.txt names the Sweetspot this site is built with.
        run: pip install -r requirements.txt

      - name: Validate proposals
        id: validate
        run: sweetspot validate --format github

      - name: Drop any cache committed to the repository
        run: rm -rf .cache

      - name: Build the site (strict)
        id: build
        if: always() && steps.install.outcome == 'success'
        env:
          NO_MKDOCS_2_WARNING: "1"
        run: mkdocs build --strict

      - name: Compare proposals with the base branch
        id: diff
        if: always() && steps.install.outcome == 'success'
        env:
          BASE_REF: ${{ github.base_ref }}
        run: |
          set +e
          sweetspot diff "origin/$BASE_REF" --format markdown > diff.md
          status=$?
          set -e
          cat diff.md >> "$GITHUB_STEP_SUMMARY"
          # 1 means a changed proposal is invalid: the validate step already fails the job.
          # 2 means the comparison could not run.
          if [ "$status" -eq 2 ]; then exit 2; fi

      - name: Post or update the pull request comment
        # Pull requests from forks get a read-only token: their report stays in the job
        # summary instead.
        if: >-
          always() && steps.diff.outcome != 'skipped'
          && github.event.pull_request.head.repo.full_name == github.repository
        uses: actions/github-script@v7
        with:
          script: |
            const fs = require('fs');
            const marker = '<!-- sweetspot-diff -->';
            if (!fs.existsSync('diff.md')) {
              core.info('No report was written.');
              return;
            }
            const body = fs.readFileSync('diff.md', 'utf8');
            if (!body.trim()) {
              core.info('The report is empty; nothing to post.');
              return;
            }
            const { owner, repo } = context.repo;
            const issue_number = context.issue.number;
            const comments = await github.paginate(github.rest.issues.listComments, {
              owner, repo, issue_number, per_page: 100,
            });
            const mine = comments.find(
              (c) => c.user && c.user.type === 'Bot' && (c.body || '').startsWith(marker));
            if (mine) {
              await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
            } else {
              await github.rest.issues.createComment({ owner, repo, issue_number, body });
            }
"""

REQUIREMENTS = """\
# The Sweetspot this site is checked and built with (CI: pip install -r requirements.txt).
# Pin the release you use, or point at your copy of its repository, for example:
#   sweetspot-kb @ git+https://github.com/your-org/sweetspot@v{version}
sweetspot-kb=={version}
"""

GITIGNORE = """\
# Built site, build cache and build-docs output: made again by every build.
site/
.cache/
build/
"""


def _version() -> str:
    try:
        return metadata.version("sweetspot-kb")
    except metadata.PackageNotFoundError:  # a checkout that was never installed
        return "0.1.0"


def _yaml_text(value: str) -> str:
    """One line of text as a YAML scalar (JSON's double-quoted strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def read_playbooks(folder: Path = PLAYBOOKS) -> dict[str, bytes]:
    """Every playbook as file name → bytes: regular Markdown files only, no links."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        raise UsageError(
            f"the playbooks are not at {one_line(str(folder))} ({error.strerror or error}); "
            "run sweetspot init from an installed checkout of Sweetspot (pip install -e .)"
        ) from None
    found: dict[str, bytes] = {}
    for entry in entries:
        if not entry.name.endswith(".md") or not entry.is_file(follow_symlinks=False):
            continue
        with open(entry.path, "rb") as stream:  # a regular file, checked just above
            data = stream.read(PLAYBOOK_LIMIT + 1)
        if len(data) <= PLAYBOOK_LIMIT:
            found[entry.name] = data
    order = {name: n for n, name in enumerate(PLAYBOOK_ORDER)}
    return dict(sorted(found.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))


def navigation(playbooks: list[str], rubric: Rubric) -> list[object]:
    """The site's nav: pages by path, so each shows its own title."""
    return [
        {"Home": "index.md"},
        {
            "Portfolio": [
                "portfolio/index.md",
                {"Organisation units": "portfolio/units/index.md"},
                {"By team": "portfolio/by-team.md"},
                {"By stage": "portfolio/by-stage.md"},
            ]
        },
        {"Playbooks": [f"playbooks/{name}" for name in playbooks]},
        {
            "Pitfall checklists": ["pitfalls/index.md"]
            + [{c.title: f"pitfalls/{c.slug}.md"} for c in rubric.checklists]
        },
        {
            "Governance": [
                "governance/index.md",
                {"Decisions": "decisions/index.md"},
                {"What changed": "what-changed.md"},
                {"Publication and register exports": "publication.md"},
            ]
        },
        {
            "Reference": [
                {"Proposal format": "reference/proposal-format.md"},
                {"Scoring method": "reference/scoring-method.md"},
                {"Inventory mapping format": "reference/mapping-format.md"},
                {"Regulatory profiles": "reference/regulatory-profiles.md"},
                {"Intake problems": "intake-problems.md"},
            ]
        },
    ]


def site_files(title: str, currency: str, rubric: Rubric, version: str) -> dict[str, bytes]:
    """Every file of a new site, by its path inside the site folder."""
    playbooks = read_playbooks()
    config = CONFIG_HEAD.format(
        title=_yaml_text(title),
        description=_yaml_text(f"The register of {title}: every use case, scored."),
        currency=currency,
    ) + yaml.safe_dump(
        {"nav": navigation(list(playbooks), rubric)},
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    # The title goes into Markdown as text: characters Markdown would act on are escaped.
    title_md = "".join(f"\\{ch}" if ch in "\\`*_{}[]<>()#+-.!|" else ch for ch in title)
    files = {
        "mkdocs.yml": config,
        "content/index.md": HOME_PAGE.format(title=title_md, title_text=title_md),
        f"content/proposals/{SCHEMA_FILE_NAME}": schema_json(rubric),
        ".github/workflows/proposals.yml": WORKFLOW,
        "requirements.txt": REQUIREMENTS.format(version=version),
        ".gitignore": GITIGNORE,
    }
    encoded = {path: text.encode("utf-8") for path, text in files.items()}
    encoded.update({f"content/playbooks/{name}": data for name, data in playbooks.items()})
    return encoded


def prepare(folder: Path) -> None:
    """Make ``folder`` if it is new; refuse a symlink, a file or a folder with anything
    in it, with a one-line reason (exit status 2)."""
    shown = one_line(str(folder))
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        try:
            os.mkdir(folder)
        except FileNotFoundError:
            raise UsageError(
                f"{shown}: the folder above it does not exist; create it first"
            ) from None
        except OSError as error:
            raise UsageError(f"{shown}: cannot create it ({error.strerror or error})") from None
        return
    except OSError as error:
        raise UsageError(f"{shown}: cannot be checked ({error.strerror or error})") from None
    if stat.S_ISLNK(info.st_mode):
        raise UsageError(
            f"{shown} is a symlink; sweetspot init never writes through a link: name a new folder"
        )
    if not stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{shown} exists and is not a folder; name a new folder")
    try:
        with os.scandir(folder) as listing:
            first = next(iter(listing), None)
    except OSError as error:
        raise UsageError(f"{shown}: cannot be read ({error.strerror or error})") from None
    if first is not None:
        raise UsageError(
            f"{shown} is not empty (it holds {one_line(first.name)}); sweetspot init only "
            "writes a new site into a new or empty folder"
        )


def run(args: argparse.Namespace) -> int:
    title = " ".join(str(args.title).split())
    if not title:
        raise UsageError("--title must not be empty")
    if not is_currency(args.currency):
        raise UsageError(
            f"--currency must be a three-letter code in capitals such as EUR or USD, "
            f"not {one_line(str(args.currency))}"
        )
    files = site_files(title, args.currency, rubric_from(args), _version())
    folder = Path(args.dir)
    prepare(folder)
    try:
        with OutputFolder(folder, one_line(str(folder))) as out:
            for relative, data in files.items():
                out.write(relative, data)
    except OutputError as error:
        raise UsageError(one_line(str(error))) from None
    shown = one_line(str(folder))
    print(
        f"Wrote a new site in {shown}: mkdocs.yml, content/ (home page, playbooks, an empty "
        "proposals folder), .github/workflows/proposals.yml, requirements.txt.\n"
        f"Next: cd {shown} && sweetspot import INVENTORY --mapping MAPPING && mkdocs serve",
        file=sys.stdout,
    )
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = add_command(
        sub,
        "init",
        "Make a new site (no demo proposals) in a new or empty folder.",
        epilog="DIR must be new or an empty folder: init never overwrites or merges anything "
        "(there is no --force). --rubric shapes the pitfall navigation and the editor schema; "
        "name the same file in the plugin's rubric option.",
    )
    init.add_argument("dir", metavar="DIR", help="the folder to make the site in")
    init.add_argument("--title", default=DEFAULT_TITLE, help="the site's name")
    init.add_argument(
        "--currency", default="EUR", help="the currency of the site's totals (ISO 4217)"
    )
    init.set_defaults(func=run)
