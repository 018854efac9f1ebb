"""What every page family shares: where pages go and how they link (paths, links, urls),
how they are rendered (Markdown and HTML templates, deferred HTML blocks), the shared view
data (ranks, rows, the proposals table, the banner) and one ``memo`` entry point for work a
`mkdocs serve` rebuild may keep (what invalidates what: scoring/site/rebuild/)."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from functools import cached_property
from typing import Any

from markupsafe import Markup

from scoring.model.engine import PLAIN_DIMENSIONS
from scoring.model.scorecard import ScoreCard, ScoredPortfolio
from scoring.portfolio.summary import PortfolioSummary, summarise
from scoring.proposals.proposal import STAGES
from scoring.rubric import DIMENSIONS, QUADRANTS, RISK_CLASSES, Rubric
from scoring.site import portfolio_view
from scoring.site.environment import builtin_templates, make_environment
from scoring.site.pager import PAGE_SIZE
from scoring.site.pages.blocks import HTML_BLOCK, HTML_BLOCK_MARKER, GeneratedPage, block_key
from scoring.site.pages.options import SiteOptions
from scoring.site.rebuild.keys import fingerprint, frozen, tree_fingerprint
from scoring.site.rebuild.memo import RebuildMemo
from scoring.site.urls import html_link, md_link


class SiteContext:
    """One build's paths, links, templates and memo, handed to every page family."""

    def __init__(
        self,
        portfolio: ScoredPortfolio,
        options: SiteOptions,
        rebuild_memo: RebuildMemo | None = None,
    ) -> None:
        self.portfolio = portfolio
        self.rubric: Rubric = portfolio.rubric
        self.options = options
        self.md_env, self.html_env = make_environment(
            options.template_dirs, options.cache_dir, self.templates_fingerprint
        )
        self.summary: PortfolioSummary = summarise(
            portfolio, options.currency, options.exchange_rates
        )
        prefix = options.output_dir.strip("/")
        self.prefix = f"{prefix}/" if prefix else ""
        self.blocks: dict[str, str] = {}  # deferred HTML by marker key, all pages
        # Under serve: what pages and rows were made from, kept from the last rebuild.
        self.rebuild_memo = rebuild_memo
        if rebuild_memo is not None:
            rebuild_memo.begin(
                fingerprint(
                    (
                        repr(self.rubric),
                        options.output_dir,
                        options.currency,
                        sorted(options.exchange_rates.items()),
                        options.use_directory_urls,
                        options.template_dirs,
                        self.templates_fingerprint,
                    )
                )
            )

    @cached_property
    def templates_fingerprint(self) -> str:
        """Changes when any file under the template folders (built-in or the site's) does."""
        return tree_fingerprint((builtin_templates(), *self.options.template_dirs))

    # -- paths and links ------------------------------------------------------------------
    def path(self, relative: str) -> str:
        return self.prefix + relative

    def proposal_path(self, proposal_id: str) -> str:
        return self.path(f"proposals/{proposal_id}.md")

    def link(self, from_page: str, target: str) -> Markup:
        # Targets are built from slugs and rubric paths, never from free proposal text.
        return Markup(md_link(from_page, target))

    def url(self, from_page: str, target: str) -> Markup:
        return Markup(html_link(from_page, target, self.options.use_directory_urls))

    # -- rendering ------------------------------------------------------------------------
    def quadrant_name(self, state: str) -> str:
        """The display name of a state: a quadrant or "needs information"."""
        return self.rubric.state_name(state)

    def common(self, page: str) -> dict[str, Any]:
        return {
            "page": page,
            "rubric": self.rubric,
            "summary": self.summary,
            "link": lambda target: self.link(page, target),
            "url": lambda target: self.url(page, target),
            "p": self.path,
            "quadrant_name": self.quadrant_name,
            # Names the templates loop over come from the engine, never from a copy.
            "dimensions": DIMENSIONS,
            "plain_dimensions": PLAIN_DIMENSIONS,
            "quadrants": QUADRANTS,
            "risk_classes": RISK_CLASSES,
            "page_size": PAGE_SIZE,
            "invalid": self.portfolio.intake.invalid,
            "stages": STAGES,
            "inf": math.inf,
            "memo_row": self.memo_row,
        }

    def render(self, template: str, page: str, **context: Any) -> str:
        """Render a Markdown page. Its `html_block(markup)` and `html_part(name)` calls defer
        HTML past Markdown; ``with_blocks`` attaches them to the page's GeneratedPage."""

        def html_block(markup: Markup) -> Markup:
            text = str(markup)
            key = block_key(text)
            self.blocks[key] = text
            return Markup("\n\n" + HTML_BLOCK_MARKER.format(key) + "\n\n")

        def html_part(name: str, **extra: Any) -> Markup:
            """Render an HTML template (escaped for HTML) as a deferred block."""
            return html_block(self.render_html(name, page, **{**context, **extra}))

        return self.md_env.get_template(template).render(
            **self.common(page), html_block=html_block, html_part=html_part, **context
        )

    def render_html(self, template: str, page: str, **context: Any) -> Markup:
        return Markup(self.html_env.get_template(template).render(**self.common(page), **context))

    def with_blocks(self, page: GeneratedPage) -> GeneratedPage:
        """The page with the deferred HTML its Markdown refers to."""
        if (
            not isinstance(page.content, str) or page.html_blocks or not page.path.endswith(".md")
        ):  # downloads (CSV, JSON) are left as they are
            return page
        # A marker only our own blocks fill: one typed into proposal text is escaped anyway.
        found = {
            key: self.blocks[key] for key in HTML_BLOCK.findall(page.content) if key in self.blocks
        }
        return page.with_html_blocks(found) if found else page

    def drop_blocks(self, page: GeneratedPage) -> None:
        """Forget a written page's deferred HTML (memory: it is most of a proposal page)."""
        for key in page.html_blocks:
            self.blocks.pop(key, None)

    # -- the one memo -----------------------------------------------------------------------
    def memo(
        self,
        key: Any,
        inputs: Sequence[object],
        make: Callable[[], Any],
        *,
        valid: Callable[[Any], bool] | None = None,
    ) -> Any:
        """``make()``, or under serve the value kept from the last rebuild under ``key`` (plain
        values) when it was made from these very ``inputs`` objects and ``valid`` accepts it.
        A key that is not plain values (an overriding template's object) is never kept."""
        if self.rebuild_memo is None:
            return make()
        try:
            frozen_key: Hashable = frozen(key)
        except TypeError:
            return make()
        kept = self.rebuild_memo.get(frozen_key, tuple(inputs))
        if kept is not None and (valid is None or valid(kept)):
            return kept
        return self.rebuild_memo.put(frozen_key, tuple(inputs), make())

    def memo_each(
        self,
        keys: Sequence[Any],
        inputs: Sequence[object],
        make_missing: Callable[[list[int]], list[Any] | None],
    ) -> list[Any] | None:
        """``memo`` for many values made best together (one CSV write for all the lines):
        ``make_missing(positions)`` makes those not kept, or gives None when it cannot one
        by one. None when nothing is kept (not under serve): make them all the usual way."""
        memo = self.rebuild_memo
        if memo is None:
            return None
        frozen_keys = [frozen(key) for key in keys]
        values = [memo.get(key, (source,)) for key, source in zip(frozen_keys, inputs, strict=True)]
        missing = [n for n, value in enumerate(values) if value is None]
        made = make_missing(missing)
        if made is None or len(made) != len(missing):
            return None
        for n, value in zip(missing, made, strict=True):
            values[n] = memo.put(frozen_keys[n], (inputs[n],), value)
        return values

    def memo_page(
        self, key: Any, make: Callable[[], GeneratedPage], cards: Sequence[ScoreCard] = ()
    ) -> GeneratedPage:
        """A page through ``memo``: ``key`` holds what it shows as plain values (pager, titles,
        ranks, rows), ``cards`` the very cards it lists, and every page's key the part of the
        portfolio any page may show (the summary and the invalid files, in the banner)."""
        return self.memo(("page", self.portfolio_key, key), cards, lambda: self.with_blocks(make()))

    def memo_row(self, name: str, macro: Callable[..., Markup], *args: Any) -> Markup:
        """A table row rendered by a template's macro, which reads only its arguments."""
        return self.memo((name, args), (), lambda: macro(*args))

    @cached_property
    def portfolio_key(self) -> str:
        return fingerprint((repr(self.summary), repr(self.portfolio.intake.invalid)))

    # -- view data several families show ---------------------------------------------------
    @cached_property
    def ranks(self) -> dict[str, int]:
        """Each proposal's place by priority: the number on the chart and in the tables."""
        return {
            c.proposal.id: n
            for n, c in enumerate(portfolio_view.by_priority(self.portfolio.cards), start=1)
        }

    def rows(self, page: str, cards: Sequence[ScoreCard]) -> list[dict[str, Any]]:
        return [
            {
                "card": card,
                "link": self.link(page, self.proposal_path(card.proposal.id)),
                "quadrant_name": self.quadrant_name(card.state),
            }
            for card in sorted(cards, key=lambda c: (-c.priority, c.proposal.id))
        ]

    def proposal_table(self, page: str, cards: Sequence[ScoreCard], caption: str) -> Markup:
        """The proposals table as plain HTML (fast to build; cards on a phone)."""
        rows = portfolio_view.table_rows(
            cards, self.ranks, self.rubric, lambda pid: self.url(page, self.proposal_path(pid))
        )
        return self.render_html("portfolio_table.html.j2", page, rows=rows, caption=caption)

    def banner(self, page: str) -> Markup:
        if not self.portfolio.intake.invalid:
            return Markup("")
        # Rendered (and escaped) by our own template, so it is embedded as is.
        return Markup(
            self.render(
                "banner.md.j2", page, problems_link=self.link(page, self.path("intake-problems.md"))
            )
        )


__all__ = ["SiteContext"]
