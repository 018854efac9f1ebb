"""Render every generated page from a scored portfolio, using overridable Jinja templates.

Data flows one way: ScoredPortfolio → view data here → templates → page text. The MkDocs
plugin and `sweetspot render` both call ``build_site`` and only differ in what they do
with the pages.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import math
import re
import shutil
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from markupsafe import Markup

from scoring.model.cardjson import PORTFOLIO_FORMAT, card_json, pack, release, replay
from scoring.model.scorecard import ScoreCard, ScoredPortfolio
from scoring.portfolio.csvfile import write_csv
from scoring.portfolio.orgunits import (
    UnitNode,
    rollup_for,
    unique_slugs,
    unit_path,
    unit_tree,
    with_org,
)
from scoring.portfolio.summary import PortfolioSummary, summarise, summary_json
from scoring.proposals.loading import ID_PATTERN, MAX_ID_LENGTH
from scoring.proposals.plaindata import read_data
from scoring.proposals.proposal import INACTIVE_STAGES, STAGES, InvalidFile
from scoring.proposals.schema import SCHEMA_FILE_NAME, proposal_schema
from scoring.rubric import DIMENSIONS, STATES, Checklist, Rubric
from scoring.site import portfolio_view
from scoring.site.chart import (
    DENSITY_THRESHOLD,
    RED_HIGHLIGHTS,
    TOP_HIGHLIGHTS,
    PointInput,
    build_chart,
)
from scoring.site.environment import builtin_templates, make_environment
from scoring.site.grouping_view import card_order, group_row, proposal_row
from scoring.site.markup import rich_text, safe_url
from scoring.site.pager import PAGE_SIZE, Page, pager_links, paginate
from scoring.site.proposal_view import PART_HELPERS, HtmlParts, proposal_context
from scoring.site.rebuildmemo import RebuildMemo, fingerprint, tree_fingerprint
from scoring.site.reference_view import SchemaField, schema_fields, sections
from scoring.site.urls import html_link, md_link
from scoring.sources.problems import Problem
from scoring.sources.yamlsource import excerpt

SEVERITY_ADMONITION = {"red": "danger", "high": "warning", "medium": "note", "low": "info"}
SEVERITY_LABEL = {"red": "Red flag", "high": "High", "medium": "Medium", "low": "Low"}
TOP_OPEN = 10  # open proposals listed per pitfall item; the filtered table has the rest


@dataclass(frozen=True)
class SiteOptions:
    """Where pages go and how links are written."""

    output_dir: str = ""
    use_directory_urls: bool = True
    template_dirs: tuple[Path, ...] = ()
    source_links: dict[str, str] = field(default_factory=dict)  # proposal id → YAML link
    cache_dir: Path | None = None  # compiled templates are kept here between builds
    source_root: Path | None = None  # what problem file names are relative to (the cwd)


# Large HTML (tables, score bars) skips Markdown: the page's Markdown holds a marker where
# each block goes, and the block is put back after Markdown has run (the plugin's
# on_page_content), or inlined as a raw HTML block for other generators. Python-Markdown
# parses raw HTML slowly, and these blocks are most of a proposal page. A marker names its
# block by a hash of the block's HTML, so a page's Markdown changes only when its HTML does
# (serve --dirty relies on it). Proposal text can never form a marker: every value is
# escaped, and sanitised HTML drops comments.
HTML_BLOCK_MARKER = "<!--sweetspot-html:{}-->"
_HTML_BLOCK = re.compile(r"<!--sweetspot-html:([0-9a-f]{20})-->")


def block_key(html_text: str) -> str:
    return hashlib.blake2b(html_text.encode("utf-8"), digest_size=10).hexdigest()


def fill_html_blocks(text: str, blocks: Mapping[str, str]) -> str:
    """Put each block back in place of its marker (an unknown marker becomes nothing)."""
    if not blocks:
        return text
    return _HTML_BLOCK.sub(lambda m: blocks.get(m[1], ""), text)


@dataclass(frozen=True)
class GeneratedPage:
    path: str
    content: str | bytes  # Markdown with block markers, or a download's text or bytes
    proposal_id: str | None = None
    in_nav: bool = True
    html_blocks: Mapping[str, str] = field(default_factory=dict)  # marker key → its HTML

    def inlined(self) -> str | bytes:
        """The page as one Markdown file, the blocks as raw HTML: for generators that read
        files (build-docs, render), where no plugin puts them back."""
        if not self.html_blocks or isinstance(self.content, bytes):
            return self.content
        return fill_html_blocks(self.content, {key: f"\n\n{block}\n\n"
                                               for key, block in self.html_blocks.items()})


_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's, when present


_PLAIN = (str, int, float, bool, type(None))


def frozen(value: Any) -> Hashable:
    """Plain values (dicts, lists and tuples of strings and numbers) as a hashable key;
    TypeError for anything else (an object's identity is not what a row shows)."""
    if isinstance(value, dict):
        return tuple((k, v if isinstance(v, _PLAIN) else frozen(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(v if isinstance(v, _PLAIN) else frozen(v) for v in value)
    if isinstance(value, _PLAIN):
        return value
    raise TypeError(f"not a plain value: {type(value).__name__}")


def front_matter(meta: dict[str, Any]) -> str:
    """YAML front matter written by a YAML dumper, so no proposal text can break out of it."""
    text = yaml.dump(meta, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    return "---\n" + text + "---\n\n"


class SiteBuilder:
    def __init__(self, portfolio: ScoredPortfolio, options: SiteOptions,
                 rebuild_memo: RebuildMemo | None = None) -> None:
        self.portfolio = portfolio
        self.rubric: Rubric = portfolio.rubric
        self.options = options
        self.md_env, self.html_env = make_environment(options.template_dirs, options.cache_dir)
        self.summary: PortfolioSummary = summarise(portfolio)
        prefix = options.output_dir.strip("/")
        self.prefix = f"{prefix}/" if prefix else ""
        self._blocks: dict[str, str] = {}  # deferred HTML by marker key, all pages
        # Under serve: parts made from unchanged cards, kept from the last rebuild.
        self.rebuild_memo = rebuild_memo
        if rebuild_memo is not None:
            rebuild_memo.begin(fingerprint((
                repr(self.rubric), self.options.output_dir, self.options.use_directory_urls,
                self.options.template_dirs, self.templates_fingerprint)))

    @cached_property
    def templates_fingerprint(self) -> str:
        """Changes when any file under the template folders (built-in or the site's) does."""
        return tree_fingerprint((builtin_templates(), *self.options.template_dirs))

    # -- paths -----------------------------------------------------------------------
    def path(self, relative: str) -> str:
        return self.prefix + relative

    def proposal_path(self, proposal_id: str) -> str:
        return self.path(f"proposals/{proposal_id}.md")

    def link(self, from_page: str, target: str) -> Markup:
        # Targets are built from slugs and rubric paths, never from free proposal text.
        return Markup(md_link(from_page, target))

    def url(self, from_page: str, target: str) -> Markup:
        return Markup(html_link(from_page, target, self.options.use_directory_urls))

    # -- shared view data ----------------------------------------------------------------
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
            "dimensions": DIMENSIONS,
            "invalid": self.portfolio.intake.invalid,
            "stages": STAGES,
            "inf": math.inf,
            "memo_row": self.memo_row,
        }

    def memo_row(self, name: str, macro: Callable[..., Markup], *args: Any) -> Markup:
        """A table row rendered by a template's macro, which reads only its arguments (plain
        values): under serve, the same arguments give the row kept from the last rebuild."""
        if self.rebuild_memo is None:
            return macro(*args)
        try:
            key = (name, frozen(args))
        except TypeError:  # a value that cannot be a key (an overriding template's)
            return macro(*args)
        return self.rebuild_memo.made(key, (), lambda: macro(*args))

    def render(self, template: str, page: str, **context: Any) -> str:
        """Render a Markdown page. Its `html_block(markup)` and `html_part(name)` calls defer
        HTML past Markdown; ``with_blocks`` attaches them to the page's GeneratedPage."""

        def html_block(markup: Markup) -> Markup:
            text = str(markup)
            key = block_key(text)
            self._blocks[key] = text
            return Markup("\n\n" + HTML_BLOCK_MARKER.format(key) + "\n\n")

        def html_part(name: str, **extra: Any) -> Markup:
            """Render an HTML template (escaped for HTML) as a deferred block."""
            return html_block(self.render_html(name, page, **{**context, **extra}))

        return self.md_env.get_template(template).render(
            **self.common(page), html_block=html_block, html_part=html_part, **context)

    def drop_blocks(self, page: GeneratedPage) -> None:
        """Forget a written page's deferred HTML (memory: it is most of a proposal page)."""
        for key in page.html_blocks:
            self._blocks.pop(key, None)

    def with_blocks(self, page: GeneratedPage) -> GeneratedPage:
        """The page with the deferred HTML its Markdown refers to."""
        if not isinstance(page.content, str) or page.html_blocks \
                or not page.path.endswith(".md"):  # downloads (CSV, JSON) are left as they are
            return page
        # A marker only our own blocks fill: one typed into proposal text is escaped anyway.
        found = {key: self._blocks[key] for key in _HTML_BLOCK.findall(page.content)
                 if key in self._blocks}
        return replace(page, html_blocks=found) if found else page

    def render_html(self, template: str, page: str, **context: Any) -> Markup:
        return Markup(self.html_env.get_template(template).render(**self.common(page),
                                                                  **context))

    def rows(self, page: str, cards: Sequence[ScoreCard]) -> list[dict[str, Any]]:
        return [{
            "card": card,
            "link": self.link(page, self.proposal_path(card.proposal.id)),
            "quadrant_name": self.quadrant_name(card.state),
        } for card in sorted(cards, key=lambda c: (-c.priority, c.proposal.id))]

    def ranks(self) -> dict[str, int]:
        """Each proposal's place by priority: the number on the chart and in the tables."""
        if not hasattr(self, "_ranks"):
            self._ranks = {c.proposal.id: n for n, c in
                           enumerate(portfolio_view.by_priority(self.portfolio.cards), start=1)}
        return self._ranks

    def chart(self, page: str) -> Markup:
        cards = portfolio_view.by_priority(self.portfolio.cards)
        ranks = self.ranks()
        # In density mode only these are drawn: what to fund next and the red-flagged.
        top = {c.proposal.id for c in [c for c in cards if portfolio_view.is_active(c)
                                       and c.proposal.stage != "production"]
               [:TOP_HIGHLIGHTS]}
        red = {c.proposal.id for c in [c for c in cards if portfolio_view.is_active(c)
                                       and portfolio_view.red_flags(c)][:RED_HIGHLIGHTS]}
        inputs = [PointInput(
            rank=ranks[c.proposal.id], proposal_id=c.proposal.id, title=c.proposal.title,
            stage=c.proposal.stage, state=c.state, state_name=self.quadrant_name(c.state),
            impact=c.impact, risk=c.delivery_risk, impact_range=c.placement["impact"],
            risk_range=c.placement["delivery_risk"],
            href=self.url(page, self.proposal_path(c.proposal.id)),
            tooltip=(f"{c.proposal.title} ({c.proposal.stage}, {self.quadrant_name(c.state)}): "
                     f"impact {c.impact:.0f} (likely {c.placement['impact'][0]:.0f}–"
                     f"{c.placement['impact'][1]:.0f}), delivery risk {c.delivery_risk:.0f} "
                     f"(likely {c.placement['delivery_risk'][0]:.0f}–"
                     f"{c.placement['delivery_risk'][1]:.0f}), priority {c.priority:.0f}"),
            highlight=c.proposal.id in top or c.proposal.id in red,
            red=bool(portfolio_view.red_flags(c)),
        ) for c in cards]
        chart = build_chart(inputs, self.rubric.quadrants.impact_threshold,
                            self.rubric.quadrants.risk_threshold,
                            {s: self.quadrant_name(s) for s in STATES})
        return self.render_html("quadrant_chart.svg.j2", page, chart=chart)

    def proposal_table(self, page: str, cards: Sequence[ScoreCard], caption: str) -> Markup:
        """The proposals table as plain HTML (fast to build; cards on a phone)."""
        rows = portfolio_view.table_rows(
            cards, self.ranks(), self.rubric,
            lambda pid: self.url(page, self.proposal_path(pid)))
        return self.render_html("portfolio_table.html.j2", page, rows=rows, caption=caption)

    def portfolio_key(self) -> str:
        """What every page may show of the whole portfolio besides its own rows: the
        summary and the invalid files (the banner)."""
        if not hasattr(self, "_portfolio_key"):
            self._portfolio_key = fingerprint((repr(self.summary),
                                               repr(self.portfolio.intake.invalid)))
        return self._portfolio_key

    def memo_page(self, key: Any, make: Callable[[], GeneratedPage],
                  cards: Sequence[ScoreCard] = ()) -> GeneratedPage:
        """Under serve, the page kept from the last rebuild when everything it shows is the
        same: ``key`` holds it as plain values (pager, titles, ranks, rows), ``cards`` the
        very cards it lists (an unchanged proposal keeps its card object, see ``rescore``),
        besides what every page shares (the rebuild memo's context and ``portfolio_key``)."""
        if self.rebuild_memo is None:
            return make()
        try:
            frozen_key = ("page", self.portfolio_key(), frozen(key))
        except TypeError:  # something not plain (an object): made afresh
            return make()
        return self.rebuild_memo.made(
            frozen_key, tuple(cards), lambda: self.with_blocks(make()))

    def banner(self, page: str) -> Markup:
        if not self.portfolio.intake.invalid:
            return Markup("")
        # Rendered (and escaped) by our own template, so it is embedded as is.
        return Markup(self.render("banner.md.j2", page,
                                  problems_link=self.link(page,
                                                          self.path("intake-problems.md"))))

    # -- pages -------------------------------------------------------------------------
    def proposal_page(self, card: ScoreCard) -> GeneratedPage:
        proposal = card.proposal
        page = self.proposal_path(proposal.id)
        # MkDocs and Material print page titles and descriptions into <title>, the header
        # and <meta> without escaping, so proposal text is HTML-escaped here.
        meta: dict[str, Any] = {
            "title": html.escape(" ".join(proposal.title.split())),
            "description": html.escape(" ".join(proposal.summary.split())[:200]),
        }
        if proposal.tags:
            meta["tags"] = list(proposal.tags)
        links = [(link.title, safe_url(link.url)) for link in proposal.links]
        source = self.options.source_links.get(proposal.id)
        view = proposal_context(card, self.rubric)
        context = {
            "card": card, "proposal": proposal,
            "quadrant_label": self.quadrant_name(card.state),
            "risk_class": self.rubric.risk_model.classes[card.risk_class],
            "severity_label": SEVERITY_LABEL,
            "currency": proposal.get("value.currency") or "",
            **view,
        }
        # The breakdown is compact HTML from macros (proposal_parts.html.j2), rendered by the
        # autoescaping environment with the page's links.
        parts = HtmlParts(self.html_env.get_template("proposal_parts.html.j2").make_module(
            {**self.common(page), **context, **PART_HELPERS}))
        body = self.render(
            "proposal.md.j2", page, **context, parts=parts,
            summary_html=rich_text(proposal.summary),
            scores_html=self.render_html("score_bars.html.j2", page, card=card),
            links=[(t, u) for t, u in links if u],
            source_link=Markup(md_link(page, source)) if source else None,
            severity_admonition=SEVERITY_ADMONITION,
        )
        return self.with_blocks(GeneratedPage(page, front_matter(meta) + body, proposal.id,
                                              in_nav=False))

    def portfolio_page(self) -> GeneratedPage:
        page = self.path("portfolio/index.md")
        cards = self.portfolio.cards
        ordered = portfolio_view.by_priority(cards)
        pv = portfolio_view
        risky = pv.at_risk(cards)
        units = self.path("portfolio/units/index.md")
        has_units = any(pv.unit_path(c.proposal) for c in cards)
        body = self.render(
            "portfolio.md.j2", page, chart=self.chart(page),
            table=self.proposal_table(page, ordered[:PAGE_SIZE],
                                      "Proposals by priority"),
            shown=min(len(ordered), PAGE_SIZE),
            fund=self.rows(page, pv.fund_next(cards)),
            risky=[dict(row, reason=pv.risk_reason(row["card"], self.rubric))
                   for row in self.rows(page, risky)][:pv.AT_RISK],
            risky_count=len(risky),
            red_count=sum(1 for c in cards if pv.is_active(c) and pv.red_flags(c)),
            needs=self.rows(page, [c for c in cards if not c.placed and pv.is_active(c)]),
            state_links={s: self.link(page, self.path(f"portfolio/states/{s}.md"))
                         for s in STATES},
            state_counts={s: sum(1 for c in cards if c.state == s) for s in STATES},
            chart_mode="density" if len(cards) > DENSITY_THRESHOLD else "points",
            all_link=self.link(page, self.path("portfolio/proposals/index.md")),
            all_link_url=self.url(page, self.path("portfolio/proposals/index.md")),
            units_link=self.link(page, units) if has_units else None,
            units_url=self.url(page, units),
            rows_url=self.url(page, self.path("portfolio/rows.json")),
            rows_link=self.link(page, self.path("portfolio/rows.json")),
            filters=self.filter_options(),
            banner=self.banner(page), heat=self.heat_rows(page),
            csv_link=self.link(page, self.path("portfolio/portfolio.csv")),
            json_link=self.link(page, self.path("portfolio/portfolio.json")),
            schema_link=self.link(page, self.path(f"schema/{SCHEMA_FILE_NAME}")),
        )
        # Material's documented way to give a page the full width: hide both sidebars.
        meta = {"title": "Portfolio", "search": {"boost": 2}, "hide": ["navigation", "toc"]}
        return GeneratedPage(page, front_matter(meta) + body)

    def filter_options(self) -> dict[str, list[tuple[str, str]]]:
        """The choices of the filter bar's menus (value, label), from the portfolio."""
        cards = self.portfolio.cards
        classes = self.rubric.risk_model.classes
        present = {c.proposal.stage for c in cards}
        # Every level of every unit path, so a menu entry selects a unit and its sub-units.
        units = {"/".join(path[:n]) for path in (portfolio_view.unit_path(c.proposal)
                                                for c in cards)
                 for n in range(1, len(path) + 1)}
        return {
            "stage": [(s, s) for s in STAGES if s in present],
            "state": [(s, self.quadrant_name(s)) for s in STATES],
            "class": [(k, v.label) for k, v in classes.items()],
            "team": [(t, " ".join(t.split())) for t in sorted({c.proposal.team for c in cards})],
            "tag": [(t, " ".join(t.split()))
                    for t in sorted({t for c in cards for t in c.proposal.tags})],
            "unit": [(u, " ".join(u.split())) for u in sorted(units)],
        }

    def list_pages(self) -> list[GeneratedPage]:
        """Static, paged proposal tables (readable without JavaScript): every proposal by
        priority, and one set per state."""
        ordered = portfolio_view.by_priority(self.portfolio.cards)
        pages = self._paged("portfolio/proposals/index", ordered, "All proposals",
                            "Every proposal, active or not, by priority.")
        for state in STATES:
            name = self.quadrant_name(state)
            pages += self._paged(f"portfolio/states/{state}",
                                 [c for c in ordered if c.state == state], name,
                                 f"{self.rubric.state_description(state)}")
        return pages

    def _paged(self, base: str, cards: list[ScoreCard], title: str,
               intro: str) -> list[GeneratedPage]:
        pages = []
        portfolio = self.path("portfolio/index.md")
        for step in paginate(cards, self.path(f"{base}.md"), in_folder=True):
            page = step.path

            def make(page: str = page, step: Page[ScoreCard] = step) -> GeneratedPage:
                body = self.render(
                    "portfolio_list.md.j2", page, title=title, intro=intro, pager=step,
                    pages=[(n, self.link(page, p)) for n, p in step.pages],
                    prev_link=self.link(page, step.prev_path) if step.prev_path else None,
                    next_link=self.link(page, step.next_path) if step.next_path else None,
                    portfolio_link=self.link(page, portfolio),
                    table=self.proposal_table(page, step.items, title))
                heading = title if step.count == 1 else f"{title}, page {step.number}"
                meta = {"title": html.escape(heading), "hide": ["navigation", "toc"],
                        "search": {"exclude": True}}
                return GeneratedPage(page, front_matter(meta) + body, in_nav=False)

            ranks = [self.ranks()[c.proposal.id] for c in step.items]
            pages.append(self.memo_page(("list", page, title, intro, step.key(), ranks), make,
                                        step.items))
        return pages

    def rows_json(self) -> GeneratedPage:
        page = self.path("portfolio/index.md")
        template = self.url(page, self.proposal_path("ID")).replace("ID", "{id}", 1)
        memo = self.rebuild_memo

        def row_of(card: ScoreCard) -> list[Any]:
            if memo is None:
                return portfolio_view.card_row(card, self.rubric)
            return memo.made(
                ("rows.json", card.proposal.id), (card,),
                lambda: portfolio_view.card_row(card, self.rubric))

        payload = portfolio_view.rows_json(self.portfolio.cards, self.ranks(), self.rubric,
                                           template, row_of)
        return GeneratedPage(self.path("portfolio/rows.json"),
                             json.dumps(payload, ensure_ascii=False,
                                        separators=(",", ":")) + "\n")

    def heat_rows(self, page: str) -> list[dict[str, Any]]:
        titles = {c.id: c.title for c in self.rubric.checklists}
        slugs = {c.id: c.slug for c in self.rubric.checklists}
        return [{
            "row": row,
            "checklist_title": titles[row.checklist_id],
            "checklist_link": self.link(page, self.path(f"pitfalls/{slugs[row.checklist_id]}.md")),
            "heat": round(row.open_share, 2),
        } for row in self.summary.heatmap]

    def group_page(self, by: str) -> list[GeneratedPage]:
        """``portfolio/by-team.md`` (or by-stage): an index of the groups with a roll-up
        each, largest team first (stages in life order), then a page per group with its
        roll-up and its proposals. Both are paged beyond PAGE_SIZE rows."""
        cards = self.portfolio.cards
        currency = self.summary.currency
        groups: dict[str, list[ScoreCard]] = {}
        for card in cards:
            key = card.proposal.team if by == "team" else card.proposal.stage
            groups.setdefault(key, []).append(card)
        if by == "team":
            slugs = unique_slugs(groups, "team")
            order = sorted(groups, key=lambda n: (-len(groups[n]), n.casefold(), n))
        else:
            slugs = {s: s for s in STAGES}  # stage ids are slugs already
            order = [s for s in STAGES if s in groups]
        folder = "teams" if by == "team" else "stages"
        first = {name: self.path(f"portfolio/{folder}/{slugs[name]}.md") for name in order}
        rollups = {name: rollup_for(groups[name], currency) for name in order}
        index = self.path(f"portfolio/by-{by}.md")
        label = by.capitalize()
        pages: list[GeneratedPage] = []
        total = group_row(f"All {by}s", None, rollup_for(cards, currency))
        for part in paginate(order, index):
            rows = [group_row(name, self.url(part.path, first[name]), rollups[name])
                    for name in part.items]
            table = self.render_html("grouping_groups.html.j2", part.path, rows=rows,
                                     total=total, label=label, currency=currency,
                                     states=self.state_columns(),
                                     caption=f"{label}s {part.start}–{part.end} of "
                                             f"{part.total}, with their roll-ups"
                                     if part.total else f"No {by}s yet")
            body = self.render("group.md.j2", part.path, kind="index", by=by, table=table,
                               **self.pager_context(part, f"{label}s"))
            title = f"Proposals by {by}" + (f" (page {part.number})" if part.number > 1 else "")
            pages.append(GeneratedPage(part.path, front_matter({"title": title,
                                                               "hide": ["toc"]}) + body,
                                       in_nav=part.number == 1))
        for name in order:
            members = sorted(groups[name], key=card_order)
            filter_link = self.link(first[name], self.path("portfolio/index.md")) + \
                f"?{by}={quote(name, safe='')}#proposals"
            pages += self.card_list_pages(
                first[name], members, other="stage" if by == "team" else "team",
                template="group.md.j2", title=name,
                kind="group", by=by, name=name, filter_link=Markup(filter_link),
                rollup=self.render_html("grouping_rollup.html.j2", first[name],
                                        r=rollups[name], currency=currency,
                                        state_name=self.quadrant_name,
                                        show_stages=by == "team"))
        return pages

    def state_columns(self) -> list[tuple[str, str]]:
        return [(state, self.quadrant_name(state)) for state in STATES]

    def pager_context(self, part: Page[Any], what: str) -> dict[str, Any]:
        """Where this page sits in its list and, when there are several pages, a link to
        each (Markdown; the links are built from slugs, never from proposal text)."""
        position = f"{what} {part.start}–{part.end} of {part.total}" if part.total \
            else f"No {what.lower()} yet"
        links = pager_links(part, lambda path: self.link(part.path, path))
        line = " · ".join(f"**{pg['number']}**" if pg["current"]
                          else f"[{pg['number']}]({pg['href']})" for pg in links)
        return {"position": position,
                "pager": Markup(f"{position}. Pages: {line}\n{{: .ss-pager }}\n\n")
                if links else Markup("")}

    def card_list_pages(self, first: str, members: Sequence[ScoreCard], *, other: str,
                        template: str, title: str, **context: Any) -> list[GeneratedPage]:
        """A group's pages: its roll-up and its proposals, PAGE_SIZE rows per page."""
        pages = []
        for part in paginate(members, first):
            pager = self.pager_context(part, "Proposals")

            def make(part: Page[ScoreCard] = part, pager: dict[str, Any] = pager
                     ) -> GeneratedPage:
                rows = [proposal_row(c, self.url(part.path,
                                                 self.proposal_path(c.proposal.id)),
                                     self.rubric) for c in part.items]
                table = self.render_html(
                    "grouping_proposals.html.j2", part.path, rows=rows, other=other,
                    caption=f"Proposals {part.start}–{part.end} of {part.total}, active ones "
                            "first, by priority") if rows else Markup("")
                body = self.render(template, part.path, table=table, **pager, **context)
                shown = " ".join(title.split()) + (f" (page {part.number})"
                                                   if part.number > 1 else "")
                meta = {"title": html.escape(shown), "hide": ["toc"]}
                return GeneratedPage(part.path, front_matter(meta) + body, in_nav=False)

            key = ("group", template, part.key(), pager, other, title, context)
            pages.append(self.memo_page(key, make, part.items))
        return pages

    def unit_pages(self) -> list[GeneratedPage]:
        """A page per organisation unit: a trail of its parents, its roll-up, its
        sub-units' roll-ups and its own proposals; and an index of the top-level units.
        None when no proposal names a unit (``org``)."""
        currency = self.summary.currency
        roots = unit_tree(self.portfolio, currency)
        if not roots:
            return []
        index = self.path("portfolio/units/index.md")

        def unit_page(node: UnitNode) -> str:
            return self.path(f"portfolio/units/{node.slug}.md")

        def unit_rows(page: str, nodes: Sequence[UnitNode]) -> list[dict[str, Any]]:
            return [group_row(n.name, self.url(page, unit_page(n)), n.rollup
                              or rollup_for(n.cards, currency)) for n in nodes]

        pages: list[GeneratedPage] = []
        total = group_row("All units", None, rollup_for(
            [c for root in roots for c in root.cards], currency))
        for part in paginate(roots, index):
            table = self.render_html(
                "grouping_groups.html.j2", part.path, rows=unit_rows(part.path, part.items),
                total=total, label="Unit", currency=currency, states=self.state_columns(),
                caption=f"Top-level units {part.start}–{part.end} of {part.total}, with "
                        "the roll-up of everything below them")
            body = self.render("org.md.j2", part.path, unit=None, units=table,
                               **self.pager_context(part, "Units"))
            title = "Organisation units" + (f" (page {part.number})" if part.number > 1
                                            else "")
            pages.append(GeneratedPage(part.path, front_matter({"title": title,
                                                               "hide": ["toc"]}) + body,
                                       in_nav=part.number == 1))
        for root in roots:
            parents: dict[tuple[str, ...], UnitNode] = {n.path: n for n in root.walk()}
            for node in root.walk():
                first = unit_page(node)
                trail = [("Organisation units", self.link(first, index))] + [
                    (parents[node.path[:depth]].name,
                     self.link(first, unit_page(parents[node.path[:depth]])))
                    for depth in range(1, len(node.path))]
                rollup = node.rollup or rollup_for(node.cards, currency)
                subunits = self.render_html(
                    "grouping_groups.html.j2", first, rows=unit_rows(first, node.children),
                    total=None, label="Sub-unit", currency=currency,
                    states=self.state_columns(),
                    caption=f"The {len(node.children)} sub-units of {node.name}, each with "
                            "everything below it") if node.children else Markup("")
                unit_filter = "/".join(quote(part, safe="") for part in node.path)
                filter_link = self.link(first, self.path("portfolio/index.md")) + \
                    f"?unit={unit_filter}#proposals"
                pages += self.card_list_pages(
                    first, sorted(node.direct, key=card_order), other="team",
                    template="org.md.j2", title=node.name, unit=node, trail=trail,
                    units=subunits, below=len(node.cards) - len(node.direct),
                    filter_link=Markup(filter_link),
                    rollup=self.render_html("grouping_rollup.html.j2", first, r=rollup,
                                            currency=currency, state_name=self.quadrant_name,
                                            show_stages=True))
        return pages

    def pitfall_pages(self) -> list[GeneratedPage]:
        """A page per checklist: for each item, how many active proposals leave it open
        (by answer and by state), the ten with the highest priority, and a link to the
        portfolio table filtered to the rest. Its size does not grow with the portfolio."""
        pages = []
        index = self.path("pitfalls/index.md")
        portfolio = self.path("portfolio/index.md")
        heat = {(r.checklist_id, r.item_id): r for r in self.summary.heatmap}
        ordered = sorted(self.portfolio.cards, key=card_order)  # for each item's top ten
        for checklist in self.rubric.checklists:
            page = self.path(f"pitfalls/{checklist.slug}.md")
            given = {c.proposal.id: (c.proposal.get("checklists") or {}).get(checklist.id)
                     or {} for c in self.portfolio.cards}
            items: list[dict[str, Any]] = []
            for item in checklist.items:
                row = heat[(checklist.id, item.id)]
                cards = [c for c in (self.portfolio.card(pid) for pid in row.open_ids)
                         if c is not None]
                answers = {a: 0 for a in ("no", "partial", "unknown")}
                states = {s: 0 for s in STATES}
                for card in cards:
                    answer = given[card.proposal.id].get(item.id, "unknown")
                    answers[answer] = answers.get(answer, 0) + 1
                    states[card.state] += 1
                is_open = set(row.open_ids)
                top = list(islice((c for c in ordered if c.proposal.id in is_open), TOP_OPEN))
                rows = [{**proposal_row(c, self.url(page, self.proposal_path(c.proposal.id)),
                                        self.rubric),
                         "answer": given[c.proposal.id].get(item.id, "unknown")}
                        for c in top]
                # The contract's filter parameter; MkDocs keeps the query in the built link.
                query = f"?open={quote(checklist.id, safe='')}.{quote(item.id, safe='')}"
                items.append({
                    "item": item, "heat": row,
                    "answers": [(a, n) for a, n in answers.items() if n],
                    "states": [(s, self.quadrant_name(s), n) for s, n in states.items() if n],
                    "rows": rows,
                    "shown": len(rows),
                    "filter_link": Markup(f"{self.link(page, portfolio)}{query}#proposals"),
                })

            def make(page: str = page, checklist: Checklist = checklist,
                     items: list[dict[str, Any]] = items) -> GeneratedPage:
                for entry in items:
                    rows = entry["rows"]
                    entry["table"] = self.render_html(
                        "pitfall_open.html.j2", page, rows=rows,
                        caption=f"The {len(rows)} open proposals with the highest priority"
                        ) if rows else Markup("")
                body = self.render("pitfall.md.j2", page, checklist=checklist, items=items)
                return GeneratedPage(page, front_matter({"title": checklist.title}) + body)

            # The rubric's texts are in the memo's context; the rest, as plain values:
            key = ("pitfall", page, checklist.id,
                   [(e["item"].id, vars(e["heat"]),
                     {k: v for k, v in e.items() if k not in ("item", "heat")})
                    for e in items])
            pages.append(self.memo_page(key, make))
        body = self.render("pitfalls_index.md.j2", index,
                           checklists=[(c, self.link(index, self.path(f"pitfalls/{c.slug}.md")))
                                       for c in self.rubric.checklists])
        pages.insert(0, GeneratedPage(index, front_matter({"title": "Pitfall checklists"})
                                      + body))
        return pages

    def reference_pages(self) -> list[GeneratedPage]:
        """The proposal format and the scoring method: made from the rubric and templates
        alone (the rebuild memo's context), so a serve rebuild keeps them."""
        format_page = self.path("reference/proposal-format.md")
        method_page = self.path("reference/scoring-method.md")

        def proposal_format() -> GeneratedPage:
            schema = proposal_schema(self.rubric)
            parts = [{"id": s.id, "title": s.title, "paths": s.paths,
                      "html": self.render_html("reference_fields.html.j2", format_page,
                                               root=s.root, fields=s.fields)}
                     for s in sections(schema)]
            fmt = self.render("proposal_format.md.j2", format_page, schema=schema,
                              sections=parts,
                              schema_link=self.link(format_page,
                                                    self.path(f"schema/{SCHEMA_FILE_NAME}")))
            return GeneratedPage(format_page, front_matter({"title": "Proposal format"}) + fmt)

        def scoring_method() -> GeneratedPage:
            method = self.render("scoring_method.md.j2", method_page)
            return GeneratedPage(method_page,
                                 front_matter({"title": "Scoring method"}) + method)

        return [self.memo_page(("reference", format_page), proposal_format),
                self.memo_page(("reference", method_page), scoring_method)]

    def intake_page(self) -> GeneratedPage:
        page = self.path("intake-problems.md")
        body = self.render("intake_problems.md.j2", page,
                           valid_count=len(self.portfolio.intake.proposals),
                           imported_from=self.imported_rows())
        return GeneratedPage(page, front_matter({"title": "Intake problems"}) + body)

    def imported_rows(self) -> dict[str, str]:
        """For invalid files written by `sweetspot import`: the inventory row they came from,
        so the intake page can say which row to fix at the source."""
        root = (self.options.source_root or Path.cwd()).resolve()
        found: dict[str, str] = {}
        for bad in self.portfolio.intake.invalid:
            try:
                candidate = root / bad.file
                if candidate.is_symlink():
                    continue  # a link may loop or lead out of the site; imports write files
                path = candidate.resolve()
                if not path.is_relative_to(root) or not path.is_file():
                    continue  # never read outside the site's folder
                data = read_data(path, bad.file).data  # validation's rules: no aliases
            except (OSError, RuntimeError, ValueError):
                continue
            source = data.get("source") if isinstance(data, dict) else None
            if isinstance(source, dict) and isinstance(source.get("row"), int):
                found[bad.file] = f"row {source['row']} of {source.get('file') or 'the inventory'}"
        return found

    def invalid_pages(self, source_line: Callable[[str, int], str | None] | None = None
                      ) -> list[GeneratedPage]:
        """A page at each invalid proposal's own URL that lists its problems, so the page an
        author watches under `mkdocs serve` never turns into a bare 404. ``source_line``
        (given only under serve) reads a file's line to show it with a caret."""
        invalid = self.portfolio.intake.invalid
        valid_ids = {card.proposal.id for card in self.portfolio.cards}
        by_id: dict[str, list[tuple[int, InvalidFile]]] = {}
        for index, bad in enumerate(invalid, start=1):
            if ID_PATTERN.match(bad.id) and len(bad.id) <= MAX_ID_LENGTH \
                    and bad.id not in valid_ids:
                by_id.setdefault(bad.id, []).append((index, bad))
        pages = []
        for proposal_id, found in sorted(by_id.items()):
            page = self.proposal_path(proposal_id)
            intake = self.path("intake-problems.md")
            files = [{
                "file": bad.file,
                "index": index,
                "intake_link": Markup(f"{self.link(page, intake)}#file-{index}"),
                "problems": [{
                    "problem": problem,
                    "fix": FIX_HINTS.get(problem.code, FIX_HINTS["invalid"]),
                    "source": self._source(source_line, bad.file, problem),
                } for problem in bad.problems],
            } for index, bad in found]
            body = self.render(
                "invalid_proposal.md.j2", page, proposal_id=proposal_id, files=files,
                problem_count=sum(len(bad.problems) for _, bad in found),
                banner=self.banner(page), intake_link=self.link(page, intake),
                format_link=self.link(page, self.path("reference/proposal-format.md")),
                show_source=source_line is not None)
            meta = {"title": f"{proposal_id} (not published yet)", "search": {"exclude": True}}
            pages.append(GeneratedPage(page, front_matter(meta) + body, proposal_id,
                                       in_nav=False))
        return pages

    @staticmethod
    def _source(source_line: Callable[[str, int], str | None] | None, file: str,
                problem: Problem) -> list[str] | None:
        if source_line is None or problem.line <= 0:
            return None
        text = source_line(file, problem.line)
        return None if text is None else excerpt(text[:300], problem.column)

    def home_summary(self, page: str) -> str:
        return self.render("home_summary.md.j2", page,
                           # What to fund or start next: nothing already in production.
                           rows=self.rows(page, [c for c in self.portfolio.cards
                                                 if c.proposal.stage not in INACTIVE_STAGES
                                                 and c.proposal.stage != "production"])[:5],
                           portfolio_link=self.link(page, self.path("portfolio/index.md")),
                           banner=self.banner(page))

    def exports(self) -> list[GeneratedPage]:
        buffer = io.StringIO()
        self._write_csv(buffer)
        # Every breakdown of every proposal, packed (cardjson.pack), written entry by entry:
        # at 5,000 proposals the entries as Python objects would take several times the
        # memory of their text. As UTF-8 bytes: one character beyond Latin-1 (an en dash)
        # makes Python keep a whole text at two bytes a character. "texts" comes last, once
        # every entry has added to it; JSON keys have no order.
        def dump(value: Any) -> bytes:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()

        texts: dict[str, dict[str, Any]] = {}
        out = io.BytesIO()
        out.write(b'{"format":' + dump(PORTFOLIO_FORMAT) + b',"rubric":' + dump(self.rubric.name)
                  + b',"portfolio":' + dump(summary_json(self.summary)) + b',"proposals":[')
        memo = self.rebuild_memo
        for index, card in enumerate(self.portfolio.cards):
            key = ("portfolio.json", card.proposal.id)
            kept = memo.get(key, (card,)) if memo is not None else None
            if kept is not None and replay(kept[1], texts):
                data = kept[0]
            else:
                entry, uses = pack(self._export_entry(card), texts)
                data = dump(entry)
                if memo is not None:
                    memo.put(key, (card,), (data, uses))
            out.write(b"," + data if index else data)
        invalid = [{"file": bad.file, "problems": [p.as_dict() for p in bad.problems]}
                   for bad in self.portfolio.intake.invalid]
        out.write(b'],"texts":' + dump(texts) + b',"invalid":' + dump(invalid) + b"}\n")
        return [
            GeneratedPage(self.path("portfolio/portfolio.csv"), buffer.getvalue()),
            GeneratedPage(self.path("portfolio/portfolio.json"), out.getvalue()),
            GeneratedPage(self.path(f"schema/{SCHEMA_FILE_NAME}"),
                          json.dumps(proposal_schema(self.rubric), indent=2,
                                     ensure_ascii=False) + "\n"),
        ]

    def _write_csv(self, out: io.StringIO) -> None:
        """portfolio.csv; under serve, the lines of unchanged cards are kept from the last
        rebuild (every line is one proposal: write_csv makes line breaks in cells spaces)."""
        frame = with_org(self.portfolio).reset_index()
        memo, cards = self.rebuild_memo, self.portfolio.cards
        if memo is None or list(frame["id"]) != [c.proposal.id for c in cards]:
            write_csv(frame, out)
            return
        header = tuple(frame.columns)
        keys = [("portfolio.csv", card.proposal.id, header) for card in cards]
        lines: list[str | None] = [memo.get(key, (card,)) for key, card in zip(keys, cards,
                                                                              strict=True)]
        stale = [n for n, line in enumerate(lines) if line is None]
        fresh = io.StringIO()
        write_csv(frame.iloc[stale] if stale else frame.iloc[:0], fresh)
        head, *made = (line + "\n" for line in fresh.getvalue().split("\n")[:-1])
        if len(made) != len(stale):  # not one line per proposal after all: write it whole
            write_csv(frame, out)
            return
        for n, line in zip(stale, made, strict=True):
            lines[n] = memo.put(keys[n], (cards[n],), line)
        out.write(head + "".join(line or "" for line in lines))

    @staticmethod
    def _export_entry(card: ScoreCard) -> dict[str, Any]:
        entry = {**card_json(card), "org": list(unit_path(card.proposal))}
        release(card)  # the explanation tables, built for this entry only (memory)
        return entry

    def all_pages(self) -> list[GeneratedPage]:
        pages = [self.proposal_page(card) for card in self.portfolio.cards]
        pages += [self.portfolio_page(), *self.group_page("team"),
                  *self.group_page("stage")]
        pages += self.list_pages()
        pages.append(self.rows_json())
        pages += self.unit_pages()
        pages += self.pitfall_pages()
        pages += self.reference_pages()
        pages.append(self.intake_page())
        pages += self.exports()
        pages = [self.with_blocks(page) for page in pages]
        self._blocks = {}  # each page holds its own now
        if self.rebuild_memo is not None:
            self.rebuild_memo.finish()
        return pages


# What to do about each kind of problem, shown on an invalid proposal's page.
FIX_HINTS = {
    "syntax": "Correct the YAML at this line; the message names the usual cause.",
    "tab": "Replace the tab with spaces (two per level).",
    "required": "Add the missing field; title, summary, team and stage are required.",
    "enum": "Use one of the values the message lists.",
    "unknown-key": "Check the spelling against the suggestion, or remove the field.",
    "type": "Write the kind of value the message asks for.",
    "yaml-type": "Put the value in quotes so YAML keeps it as text.",
    "yaml11-boolean": "Write true or false for a yes/no field, or quote the word for text.",
    "yaml11-number": "Put the value in quotes so every YAML tool reads it the same way.",
    "empty-value": "Give the field a value, or delete the line.",
    "pattern": "Write the value in the form the message describes.",
    "duplicate-key": "Keep one entry for this key and merge the other into it.",
    "duplicate-id": "Rename one of the files: every proposal id must be unique.",
    "bad-id": "Rename the file to a lowercase slug such as churn-forecast.yaml.",
    "encoding": "Save the file as UTF-8.",
    "bom": "Save the file as UTF-8 without a byte-order mark.",
    "invalid": "Change the value as the message says, then save; the page updates.",
}


def build_site(portfolio: ScoredPortfolio, options: SiteOptions,
               rebuild_memo: RebuildMemo | None = None) -> SiteBuilder:
    return SiteBuilder(portfolio, options, rebuild_memo)


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


__all__ = ["GeneratedPage", "SchemaField", "SiteBuilder", "SiteOptions", "asset_files",
           "build_site", "fill_html_blocks", "schema_fields", "write_pages"]
