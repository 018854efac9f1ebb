"""Every generated page of a site, family by family, from a scored portfolio.

Data flows one way: ScoredPortfolio → view data (the families) → templates → page text. The
MkDocs plugin and `sweetspot build-docs` / `render` all call ``build_site`` and only differ
in what they do with the pages.
"""

from __future__ import annotations

import shutil
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import TemplateError

from scoring.model.cardjson import release
from scoring.model.scorecard import ScoreCard, ScoredPortfolio, rescore, score_intake
from scoring.proposals.loading import imported_from, unit_of
from scoring.proposals.proposal import Intake, InvalidFile, Proposal
from scoring.rubric import Rubric
from scoring.site.environment import builtin_template_dirs, builtin_templates, template_names
from scoring.site.pages import (
    budget,
    decisions,
    exports,
    governance,
    groups,
    history,
    intake,
    pitfalls,
    portfolio,
    proposal,
    reference,
)
from scoring.site.pages.blocks import GeneratedPage
from scoring.site.pages.context import SiteContext
from scoring.site.pages.intake import SourceLine
from scoring.site.pages.options import SiteOptions
from scoring.site.pages.publication import publication_pages
from scoring.site.pages.regimes import regimes_page
from scoring.site.rebuild.keys import fingerprint
from scoring.site.rebuild.memo import RebuildMemo
from scoring.sources.problems import Problem, terminal_safe

if TYPE_CHECKING:
    from scoring.model.decisions import DecisionRegister
    from scoring.site.rebuild.pagefiles import ProposalPages


class SiteBuilder:
    """The site's pages over one SiteContext; each family lives in its own module."""

    def __init__(
        self,
        portfolio: ScoredPortfolio,
        options: SiteOptions,
        rebuild_memo: RebuildMemo | None = None,
        on_disk: ProposalPages | None = None,
    ) -> None:
        self.ctx = SiteContext(portfolio, options, rebuild_memo)
        self.portfolio = portfolio
        self.options = options
        self.on_disk = on_disk  # proposal pages go straight to files (the plugin's, cached)

    def proposal_page(self, card: ScoreCard) -> GeneratedPage:
        return proposal.proposal_page(self.ctx, card)

    @cached_property
    def page_key(self) -> str:
        return proposal_page_key(self.ctx)

    def proposal_page_on_disk(self, card: ScoreCard) -> GeneratedPage:
        """The page written to its file (kept under serve while nothing it shows changed);
        the list all_pages() returns holds only its name."""
        assert self.on_disk is not None
        ctx, proposal = self.ctx, card.proposal

        def rendered() -> GeneratedPage:
            page = self.proposal_page(card)
            release(card)  # its explanation tables, built for this page only
            ctx.drop_blocks(page)  # the page holds them; on disk beside it once written
            return page

        decided = self.portfolio.decisions  # its block reads the build date and decisions
        key = (
            (
                self.page_key,
                ctx.options.source_links.get(proposal.id),
                decided.key_for(proposal.id) if decided is not None else None,
                history.page_key(ctx, proposal),
                budget.selection_key(ctx, proposal.id),
            )
            if ctx.rebuild_memo is not None
            else None
        )
        self.on_disk.page(ctx.proposal_path(proposal.id), proposal, key, ctx.rebuild_memo, rendered)
        return GeneratedPage(ctx.proposal_path(proposal.id), "", proposal.id, in_nav=False)

    def invalid_pages(self, source_line: SourceLine | None = None) -> list[GeneratedPage]:
        """A page at each invalid proposal's URL (``source_line`` only under serve)."""
        return intake.invalid_pages(self.ctx, source_line)

    def fill_late_blocks(self, page: str, html: str) -> str:
        """The rendered ``page``'s HTML with the blocks made after rendering put in
        (history)."""
        return history.fill_late_blocks(self.ctx, page, html)

    def close(self, *, failed: bool = False) -> None:
        """The end of the build: work still running in the background finished (or, after a
        failed build, stopped)."""
        history.close_history(self.ctx, failed=failed)

    def home_summary(self, page: str) -> str:
        return portfolio.home_summary(self.ctx, page)

    def banner(self, page: str) -> str:
        return self.ctx.banner(page)

    def all_pages(self) -> list[GeneratedPage]:
        ctx = self.ctx
        pages = [
            self.proposal_page(card) if self.on_disk is None else self.proposal_page_on_disk(card)
            for card in self.portfolio.cards
        ]
        pages += [
            portfolio.portfolio_page(ctx),
            *groups.group_pages(ctx, "team"),
            *groups.group_pages(ctx, "stage"),
        ]
        pages += portfolio.list_pages(ctx)
        pages.append(portfolio.rows_json(ctx))
        pages += groups.unit_pages(ctx)
        pages += pitfalls.pitfall_pages(ctx)
        pages += governance.governance_pages(ctx)
        pages += reference.reference_pages(ctx)
        pages.append(regimes_page(ctx))
        pages.append(intake.intake_page(ctx))
        pages += decisions.decisions_page(ctx)
        pages += exports.exports(ctx)
        pages += publication_pages(ctx)
        pages += history.history_pages(ctx)
        pages += budget.budget_pages(ctx)
        pages = [ctx.with_blocks(page) for page in pages]
        ctx.blocks = {}  # each page holds its own now
        if ctx.rebuild_memo is not None:
            ctx.rebuild_memo.finish()
        return pages


# Names in a proposal page's templates whose values come from the whole portfolio.
PORTFOLIO_NAMES = ("summary", "invalid")
PROPOSAL_TEMPLATES = ("proposal", "score_bars")  # names starting so make a proposal page


def proposal_page_key(ctx: SiteContext) -> str:
    """What every proposal page depends on besides its proposal: the rubric, the options,
    the templates and, when the templates read them, the portfolio-wide names."""
    reads = ctx.memo(("proposal templates read",), (), lambda: template_reads(ctx))
    options = ctx.options
    portfolio = [
        repr(ctx.summary) if "summary" in reads else None,
        repr(ctx.portfolio.intake.invalid) if "invalid" in reads else None,
    ]
    return fingerprint(
        (
            repr(ctx.rubric),
            (
                options.output_dir,
                options.use_directory_urls,
                options.template_dirs,
                options.source_root,
            ),
            portfolio,
            ctx.templates_fingerprint,
            # Obligations depend on the enabled regimes and the build date (issue 27).
            repr(ctx.portfolio.context.key()) if ctx.portfolio.context else None,
            options.publication.key,
        )
    )


def template_reads(ctx: SiteContext) -> frozenset[str]:
    """The names the proposal page's templates read (parsing them takes a while)."""
    # Only the top-level templates named so (list_templates would walk the assets too).
    listed = sorted(
        {
            path.name
            for folder in (*ctx.options.template_dirs, *builtin_template_dirs())
            for start in PROPOSAL_TEMPLATES
            for path in Path(folder).glob(f"{start}*.j2")
        }
    )
    try:
        pages = [n for n in listed if n.endswith(".md.j2")]
        fragments = [n for n in listed if not n.endswith(".md.j2")]
        return frozenset(
            template_names(ctx.md_env, pages) | template_names(ctx.html_env, fragments)
        )
    except TemplateError:  # the page's own rendering reports it; assume it reads all
        return frozenset(PORTFOLIO_NAMES)


class SiteBuildError(Exception):
    """The site could not be built, and no single proposal was to blame."""


def build_pages(
    intake: Intake,
    rubric: Rubric,
    options: SiteOptions,
    *,
    previous: ScoredPortfolio | None = None,
    memo: RebuildMemo | None = None,
    on_disk: ProposalPages | None = None,
    decisions: DecisionRegister | None = None,
) -> tuple[SiteBuilder, list[GeneratedPage], ScoredPortfolio]:
    """Score (``rescore`` against ``previous``) and render every page. A proposal whose page
    raises (a case the schema lets through and the code does not expect) becomes an intake
    problem naming its file, and the rest are rendered again: no traceback, and no stale
    `mkdocs serve`."""
    while True:
        try:
            scored = rescore(intake, rubric, previous, options.compliance, decisions)
            builder = build_site(scored, options, memo, on_disk)
            return builder, builder.all_pages(), scored
        except Exception as error:
            broken = _broken(intake, rubric, options)
            if not broken:
                raise SiteBuildError(
                    f"the site could not be built ({type(error).__name__}: "
                    f"{terminal_safe(str(error))[:300]})"
                ) from None
        for bad, failure in broken:
            intake.proposals.remove(bad)
            intake.invalid.append(
                InvalidFile(
                    bad.file,
                    bad.id,
                    (
                        Problem(
                            bad.file,
                            0,
                            0,
                            "",
                            f"its page could not be built "
                            f"({type(failure).__name__}: {str(failure)[:200]}); it is left "
                            "out of the site. Please report this with the file",
                            "build-error",
                        ),
                    ),
                    imported_from(bad.fields),
                    unit_of(bad.fields),
                )
            )


def _broken(
    intake: Intake, rubric: Rubric, options: SiteOptions
) -> list[tuple[Proposal, Exception]]:
    """The proposals whose own scoring or page fails, each tried alone."""
    found = []
    for candidate in intake.proposals:
        try:
            alone = score_intake(Intake(proposals=[candidate]), rubric, options.compliance)
            build_site(alone, options).proposal_page(alone.cards[0])
        except Exception as error:
            found.append((candidate, error))
    return found


def build_site(
    portfolio: ScoredPortfolio,
    options: SiteOptions,
    rebuild_memo: RebuildMemo | None = None,
    on_disk: ProposalPages | None = None,
) -> SiteBuilder:
    return SiteBuilder(portfolio, options, rebuild_memo, on_disk)


def write_pages(builder: SiteBuilder, out: Path) -> list[GeneratedPage]:
    """Write every generated page and the static assets under ``out`` as plain files."""
    pages = builder.all_pages()
    for page in pages:
        target = out / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        content = page.inlined()
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    for relative, path in asset_files():
        target = out / "assets" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return pages


def asset_files() -> list[tuple[str, Path]]:
    """Static files every site needs (CSS, JS and vendored libraries with their licences)."""
    root = builtin_templates() / "assets"
    return sorted(
        (str(p.relative_to(root)).replace("\\", "/"), p) for p in root.rglob("*") if p.is_file()
    )


__all__ = [
    "SiteBuildError",
    "SiteBuilder",
    "asset_files",
    "build_pages",
    "build_site",
    "write_pages",
]
