"""Every generated page of a site, family by family, from a scored portfolio.

Data flows one way: ScoredPortfolio → view data (the families) → templates → page text. The
MkDocs plugin and `sweetspot build-docs` / `render` all call ``build_site`` and only differ
in what they do with the pages.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from scoring.model.scorecard import ScoreCard, ScoredPortfolio, rescore, score_intake
from scoring.proposals.loading import imported_from
from scoring.proposals.proposal import Intake, InvalidFile, Proposal
from scoring.rubric import Rubric
from scoring.site.environment import builtin_templates
from scoring.site.pages import exports, groups, intake, pitfalls, portfolio, proposal, reference
from scoring.site.pages.blocks import GeneratedPage
from scoring.site.pages.context import SiteContext
from scoring.site.pages.intake import SourceLine
from scoring.site.pages.options import SiteOptions
from scoring.site.rebuild.memo import RebuildMemo
from scoring.sources.problems import Problem, terminal_safe

if TYPE_CHECKING:
    from scoring.site.rebuild.pagefiles import ProposalPages


class SiteBuilder:
    """The site's pages over one SiteContext; each family lives in its own module."""

    def __init__(self, portfolio: ScoredPortfolio, options: SiteOptions,
                 rebuild_memo: RebuildMemo | None = None,
                 on_disk: ProposalPages | None = None) -> None:
        self.ctx = SiteContext(portfolio, options, rebuild_memo)
        self.portfolio = portfolio
        self.options = options
        self.on_disk = on_disk  # proposal pages go straight to files (the plugin's, cached)

    def proposal_page(self, card: ScoreCard) -> GeneratedPage:
        return proposal.proposal_page(self.ctx, card)

    def invalid_pages(self, source_line: SourceLine | None = None) -> list[GeneratedPage]:
        """A page at each invalid proposal's URL (``source_line`` only under serve)."""
        return intake.invalid_pages(self.ctx, source_line)

    def home_summary(self, page: str) -> str:
        return portfolio.home_summary(self.ctx, page)

    def banner(self, page: str) -> str:
        return self.ctx.banner(page)

    def all_pages(self) -> list[GeneratedPage]:
        ctx = self.ctx
        store = self.on_disk
        pages = [store.page(ctx, card, self.proposal_page) if store is not None
                 else self.proposal_page(card) for card in self.portfolio.cards]
        pages += [portfolio.portfolio_page(ctx), *groups.group_pages(ctx, "team"),
                  *groups.group_pages(ctx, "stage")]
        pages += portfolio.list_pages(ctx)
        pages.append(portfolio.rows_json(ctx))
        pages += groups.unit_pages(ctx)
        pages += pitfalls.pitfall_pages(ctx)
        pages += reference.reference_pages(ctx)
        pages.append(intake.intake_page(ctx))
        pages += exports.exports(ctx)
        pages = [ctx.with_blocks(page) for page in pages]
        ctx.blocks = {}  # each page holds its own now
        if ctx.rebuild_memo is not None:
            ctx.rebuild_memo.finish()
        return pages


class SiteBuildError(Exception):
    """The site could not be built, and no single proposal was to blame."""


def build_pages(intake: Intake, rubric: Rubric, options: SiteOptions, *,
                previous: ScoredPortfolio | None = None, memo: RebuildMemo | None = None,
                on_disk: ProposalPages | None = None
                ) -> tuple[SiteBuilder, list[GeneratedPage], ScoredPortfolio]:
    """Score (``rescore`` against ``previous``) and render every page. A proposal whose page
    raises (a case the schema lets through and the code does not expect) becomes an intake
    problem naming its file, and the rest are rendered again: no traceback, and no stale
    `mkdocs serve`."""
    while True:
        try:
            scored = rescore(intake, rubric, previous)
            builder = build_site(scored, options, memo, on_disk)
            return builder, builder.all_pages(), scored
        except Exception as error:
            broken = _broken(intake, rubric, options)
            if not broken:
                raise SiteBuildError(f"the site could not be built ({type(error).__name__}: "
                                     f"{terminal_safe(str(error))[:300]})") from None
        for bad, failure in broken:
            intake.proposals.remove(bad)
            intake.invalid.append(InvalidFile(bad.file, bad.id, (Problem(
                bad.file, 0, 0, "", f"its page could not be built "
                f"({type(failure).__name__}: {str(failure)[:200]}); it is left out of the "
                "site. Please report this with the file", "build-error"),),
                imported_from(bad.fields)))


def _broken(intake: Intake, rubric: Rubric,
            options: SiteOptions) -> list[tuple[Proposal, Exception]]:
    """The proposals whose own scoring or page fails, each tried alone."""
    found = []
    for candidate in intake.proposals:
        try:
            alone = score_intake(Intake(proposals=[candidate]), rubric)
            build_site(alone, options).proposal_page(alone.cards[0])
        except Exception as error:
            found.append((candidate, error))
    return found


def build_site(portfolio: ScoredPortfolio, options: SiteOptions,
               rebuild_memo: RebuildMemo | None = None,
               on_disk: ProposalPages | None = None) -> SiteBuilder:
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
    return sorted((str(p.relative_to(root)).replace("\\", "/"), p)
                  for p in root.rglob("*") if p.is_file())


__all__ = ["SiteBuildError", "SiteBuilder", "asset_files", "build_pages", "build_site",
           "write_pages"]
