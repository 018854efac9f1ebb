"""Render every generated page from a scored portfolio, using overridable Jinja templates.

Data flows one way: ScoredPortfolio → view data here → templates → page text. The MkDocs
plugin and `sweetspot render` both call ``build_site`` and only differ in what they do
with the pages.
"""

from __future__ import annotations

import html
import io
import json
import math
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup

from scoring.model.cardjson import card_json
from scoring.model.scorecard import ScoreCard, ScoredPortfolio
from scoring.portfolio.csvfile import write_csv
from scoring.portfolio.orgunits import UnitNode, unit_tree
from scoring.portfolio.summary import PortfolioSummary, summarise, summary_json
from scoring.proposals.loading import ID_PATTERN, MAX_ID_LENGTH
from scoring.proposals.proposal import INACTIVE_STAGES, STAGES, InvalidFile
from scoring.proposals.schema import SCHEMA_FILE_NAME, proposal_schema
from scoring.rubric import DIMENSIONS, STATES, Rubric
from scoring.site import portfolio_view
from scoring.site.chart import (
    DENSITY_THRESHOLD,
    RED_HIGHLIGHTS,
    TOP_HIGHLIGHTS,
    PointInput,
    build_chart,
)
from scoring.site.environment import builtin_templates, make_environment
from scoring.site.markup import rich_text, safe_url
from scoring.site.proposal_view import PART_HELPERS, HtmlParts, proposal_context
from scoring.site.urls import html_link, md_link
from scoring.sources.problems import Problem
from scoring.sources.yamlsource import excerpt

SEVERITY_ADMONITION = {"red": "danger", "high": "warning", "medium": "note", "low": "info"}
SEVERITY_LABEL = {"red": "Red flag", "high": "High", "medium": "Medium", "low": "Low"}


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
# parses raw HTML slowly, and these blocks are most of a proposal page. Proposal text can
# never form a marker: every value is escaped and sanitised HTML drops comments.
HTML_BLOCK_MARKER = "<!--sweetspot-html:{}-->"
_HTML_BLOCK = re.compile(r"<!--sweetspot-html:(\d+)-->")


def fill_html_blocks(text: str, blocks: Sequence[str]) -> str:
    """Put each block back in place of its marker (an unknown index becomes nothing)."""
    if not blocks:
        return text
    return _HTML_BLOCK.sub(lambda m: blocks[int(m[1])] if int(m[1]) < len(blocks) else "",
                           text)


@dataclass(frozen=True)
class GeneratedPage:
    path: str
    content: str | bytes  # Markdown with block markers, or a download's text or bytes
    proposal_id: str | None = None
    in_nav: bool = True
    html_blocks: tuple[str, ...] = ()  # the HTML each marker in `content` stands for

    def inlined(self) -> str | bytes:
        """The page as one Markdown file, the blocks as raw HTML: for generators that read
        files (build-docs, render), where no plugin puts them back."""
        if not self.html_blocks or isinstance(self.content, bytes):
            return self.content
        return fill_html_blocks(self.content, [f"\n\n{block}\n\n"
                                               for block in self.html_blocks])


_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's, when present
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def front_matter(meta: dict[str, Any]) -> str:
    """YAML front matter written by a YAML dumper, so no proposal text can break out of it."""
    text = yaml.dump(meta, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    return "---\n" + text + "---\n\n"


class SiteBuilder:
    def __init__(self, portfolio: ScoredPortfolio, options: SiteOptions) -> None:
        self.portfolio = portfolio
        self.rubric: Rubric = portfolio.rubric
        self.options = options
        self.md_env, self.html_env = make_environment(options.template_dirs, options.cache_dir)
        self.summary: PortfolioSummary = summarise(portfolio)
        prefix = options.output_dir.strip("/")
        self.prefix = f"{prefix}/" if prefix else ""
        self._blocks: list[str] = []  # deferred HTML of the page rendered last

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
        }

    def render(self, template: str, page: str, **context: Any) -> str:
        """Render a Markdown page. Its `html_block(markup)` calls defer HTML past Markdown;
        ``take_blocks()`` hands them over for the page's GeneratedPage."""
        self._blocks = blocks = []

        def html_block(markup: Markup) -> Markup:
            blocks.append(str(markup))
            return Markup("\n\n" + HTML_BLOCK_MARKER.format(len(blocks) - 1) + "\n\n")

        def html_part(name: str, **extra: Any) -> Markup:
            """Render an HTML template (escaped for HTML) as a deferred block."""
            return html_block(self.render_html(name, page, **{**context, **extra}))

        return self.md_env.get_template(template).render(
            **self.common(page), html_block=html_block, html_part=html_part, **context)

    def take_blocks(self) -> tuple[str, ...]:
        """The HTML blocks deferred by the last ``render`` call."""
        blocks, self._blocks = tuple(self._blocks), []
        return blocks

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
        return GeneratedPage(page, front_matter(meta) + body, proposal.id, in_nav=False,
                             html_blocks=self.take_blocks())

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
            table=self.proposal_table(page, ordered[:pv.PAGE_SIZE],
                                      "Proposals by priority"),
            shown=min(len(ordered), pv.PAGE_SIZE),
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
        return GeneratedPage(page, front_matter(meta) + body, html_blocks=self.take_blocks())

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
        paths = [self.path(p) for p in portfolio_view.paged_paths(base, len(cards))]
        pages = []
        portfolio = self.path("portfolio/index.md")
        for pager in portfolio_view.pagers(paths, len(cards)):
            page = paths[pager.number - 1]
            chunk = cards[pager.first_row - 1:pager.last_row]
            body = self.render(
                "portfolio_list.md.j2", page, title=title, intro=intro, pager=pager,
                pages=[(n, self.link(page, p)) for n, p in pager.pages],
                prev_link=self.link(page, pager.prev_path) if pager.prev_path else None,
                next_link=self.link(page, pager.next_path) if pager.next_path else None,
                portfolio_link=self.link(page, portfolio),
                table=self.proposal_table(page, chunk, title))
            heading = title if pager.count == 1 else f"{title}, page {pager.number}"
            meta = {"title": html.escape(heading), "hide": ["navigation", "toc"],
                    "search": {"exclude": True}}
            pages.append(GeneratedPage(page, front_matter(meta) + body, in_nav=False,
                                       html_blocks=self.take_blocks()))
        return pages

    def rows_json(self) -> GeneratedPage:
        page = self.path("portfolio/index.md")
        template = self.url(page, self.proposal_path("ID")).replace("ID", "{id}", 1)
        payload = portfolio_view.rows_json(self.portfolio.cards, self.ranks(), self.rubric,
                                           template)
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

    def group_page(self, by: str) -> GeneratedPage:
        page = self.path(f"portfolio/by-{by}.md")
        key = (lambda c: c.proposal.team) if by == "team" else (lambda c: c.proposal.stage)
        order = list(STAGES) if by == "stage" else sorted({key(c) for c in self.portfolio.cards})
        groups = [(name, self.rows(page, [c for c in self.portfolio.cards if key(c) == name]))
                  for name in order]
        totals = self.summary.by_team if by == "team" else self.summary.by_stage
        body = self.render("group.md.j2", page, by=by, groups=groups,
                           totals={t.key: t for t in totals})
        return GeneratedPage(page, front_matter({"title": f"Proposals by {by}"}) + body)

    def unit_pages(self) -> list[GeneratedPage]:
        """A page per organisation unit, with its roll-up and its sub-units', and an index
        of the hierarchy; none when no proposal names a unit (``org``)."""
        roots = unit_tree(self.portfolio, self.summary.currency)
        if not roots:
            return []
        index = self.path("portfolio/units/index.md")

        def unit_page(node: UnitNode) -> str:
            return self.path(f"portfolio/units/{node.slug}.md")

        def entries(page: str, nodes: list[UnitNode], depth: int = 0,
                    recurse: bool = True) -> list[dict[str, Any]]:
            found = []
            for node in nodes:
                found.append({"node": node, "depth": depth, "stats": node.stats,
                              "link": self.link(page, unit_page(node))})
                if recurse:
                    found += entries(page, node.children, depth + 1)
            return found

        body = self.render("org.md.j2", index, unit=None, units=entries(index, roots),
                           trail=[], rows=[])
        pages = [GeneratedPage(index, front_matter({"title": "Organisation units"}) + body)]
        for root in roots:
            for node in root.walk():
                page = unit_page(node)
                ancestors = [n for n in root.walk() if n.path == node.path[:len(n.path)]
                             and n is not node]
                trail = [(n.name, self.link(page, unit_page(n))) for n in ancestors]
                body = self.render(
                    "org.md.j2", page, unit=node, stats=node.stats,
                    units=entries(page, node.children, recurse=False),
                    trail=[("Organisation units", self.link(page, index)), *trail],
                    rows=self.rows(page, node.direct), all_count=len(node.cards))
                title = html.escape(" ".join(node.name.split()))
                pages.append(GeneratedPage(page, front_matter({"title": title}) + body,
                                           in_nav=False))
        return pages

    def pitfall_pages(self) -> list[GeneratedPage]:
        pages = []
        index = self.path("pitfalls/index.md")
        heat = {(r.checklist_id, r.item_id): r for r in self.summary.heatmap}
        for checklist in self.rubric.checklists:
            page = self.path(f"pitfalls/{checklist.slug}.md")
            items = [{
                "item": item,
                "heat": heat[(checklist.id, item.id)],
                "open": [(self.portfolio.card(pid), self.link(page, self.proposal_path(pid)),
                          self.answer(pid, checklist.id, item.id))
                         for pid in heat[(checklist.id, item.id)].open_ids],
            } for item in checklist.items]
            body = self.render("pitfall.md.j2", page, checklist=checklist, items=items)
            pages.append(GeneratedPage(page, front_matter({"title": checklist.title}) + body))
        body = self.render("pitfalls_index.md.j2", index,
                           checklists=[(c, self.link(index, self.path(f"pitfalls/{c.slug}.md")))
                                       for c in self.rubric.checklists])
        pages.insert(0, GeneratedPage(index, front_matter({"title": "Pitfall checklists"})
                                      + body))
        return pages

    def answer(self, proposal_id: str, checklist_id: str, item_id: str) -> str:
        card = self.portfolio.card(proposal_id)
        given = (card.proposal.get("checklists") or {}).get(checklist_id) or {} if card else {}
        return str(given.get(item_id, "unknown"))

    def reference_pages(self) -> list[GeneratedPage]:
        format_page = self.path("reference/proposal-format.md")
        method_page = self.path("reference/scoring-method.md")
        schema = proposal_schema(self.rubric)
        fields = list(schema_fields(schema))
        fmt = self.render("proposal_format.md.j2", format_page, schema=schema, fields=fields,
                          schema_link=self.link(format_page,
                                                self.path(f"schema/{SCHEMA_FILE_NAME}")))
        method = self.render("scoring_method.md.j2", method_page)
        return [
            GeneratedPage(format_page, front_matter({"title": "Proposal format"}) + fmt),
            GeneratedPage(method_page, front_matter({"title": "Scoring method"}) + method),
        ]

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
                if path.stat().st_size > 1_000_000:
                    continue
                data = yaml.load(path.read_bytes(), Loader=_Loader)
            except (OSError, RuntimeError, ValueError, yaml.YAMLError):
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
        write_csv(self.portfolio.frame.reset_index(), buffer)
        payload = {
            "rubric": self.rubric.name,
            "portfolio": summary_json(self.summary),
            "proposals": [card_json(card) for card in self.portfolio.cards],
            "invalid": [{"file": bad.file,
                         "problems": [p.as_dict() for p in bad.problems]}
                        for bad in self.portfolio.intake.invalid],
        }
        return [
            GeneratedPage(self.path("portfolio/portfolio.csv"), buffer.getvalue()),
            # Compact JSON: the C encoder is only used without indent, and this file holds
            # every breakdown of every proposal.
            GeneratedPage(self.path("portfolio/portfolio.json"),
                          json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n"),
            GeneratedPage(self.path(f"schema/{SCHEMA_FILE_NAME}"),
                          json.dumps(proposal_schema(self.rubric), indent=2,
                                     ensure_ascii=False) + "\n"),
        ]

    def all_pages(self) -> list[GeneratedPage]:
        pages = [self.proposal_page(card) for card in self.portfolio.cards]
        pages += [self.portfolio_page(), self.group_page("team"), self.group_page("stage")]
        pages += self.list_pages()
        pages.append(self.rows_json())
        pages += self.unit_pages()
        pages += self.pitfall_pages()
        pages += self.reference_pages()
        pages.append(self.intake_page())
        pages += self.exports()
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


@dataclass(frozen=True)
class SchemaField:
    path: str
    depth: int
    type: str
    required: bool
    description: str
    example: str
    allowed: str


def schema_fields(schema: dict[str, Any], prefix: str = "",
                  depth: int = 0) -> Iterator[SchemaField]:
    """Walk the schema's properties in order, for the reference page."""
    required = set(schema.get("required", []))
    for name, spec in schema.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        kind = spec.get("type", "")
        if not kind and "oneOf" in spec:
            kind = " or ".join(str(option.get("type", "")) for option in spec["oneOf"])
        if kind == "array" and isinstance(spec.get("items"), dict):
            kind = f"list of {spec['items'].get('type', 'item')}"
        allowed = ""
        enum = spec.get("enum") or spec.get("items", {}).get("enum") if isinstance(
            spec.get("items", {}), dict) else spec.get("enum")
        if enum:
            allowed = ", ".join(str(v) for v in enum)
        elif "minimum" in spec or "maximum" in spec:
            allowed = f"{spec.get('minimum', '')}–{spec.get('maximum', '')}"
        examples = spec.get("examples") or []
        example = json.dumps(examples[0], ensure_ascii=False) if examples else ""
        yield SchemaField(path, depth, str(kind), name in required,
                          spec.get("description", ""), example, allowed)
        if spec.get("type") == "object" and "properties" in spec:
            yield from schema_fields(spec, path, depth + 1)
        items = spec.get("items")
        if isinstance(items, dict) and items.get("type") == "object":
            yield from schema_fields(items, f"{path}[]", depth + 1)


def build_site(portfolio: ScoredPortfolio, options: SiteOptions) -> SiteBuilder:
    return SiteBuilder(portfolio, options)


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


__all__ = ["GeneratedPage", "SiteBuilder", "SiteOptions", "asset_files",
           "build_site", "fill_html_blocks", "write_pages"]
