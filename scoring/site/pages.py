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
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup

from scoring.model.cardjson import PORTFOLIO_FORMAT, card_json, normalise, release
from scoring.model.scorecard import ScoreCard, ScoredPortfolio
from scoring.portfolio.csvfile import write_csv
from scoring.portfolio.orgunits import UnitNode, unit_path, unit_tree, with_org
from scoring.portfolio.summary import PortfolioSummary, summarise, summary_json
from scoring.proposals.loading import ID_PATTERN, MAX_ID_LENGTH
from scoring.proposals.proposal import INACTIVE_STAGES, STAGES, InvalidFile
from scoring.proposals.schema import SCHEMA_FILE_NAME, proposal_schema
from scoring.rubric import DIMENSIONS, Rubric
from scoring.site.chart import build_chart
from scoring.site.environment import builtin_templates, make_environment
from scoring.site.markup import rich_text, safe_url
from scoring.site.urls import html_link, md_link
from scoring.sources.problems import Problem
from scoring.sources.yamlsource import excerpt

SEVERITY_ADMONITION = {"red": "danger", "high": "warning", "medium": "note", "low": "info"}
SEVERITY_LABEL = {"red": "Red flag", "high": "High", "medium": "Medium", "low": "Low"}
ANSWER_MARK = {"yes": "x", "partial": " ", "no": " ", "unknown": " ", "n/a": "x"}


@dataclass(frozen=True)
class SiteOptions:
    """Where pages go and how links are written."""

    output_dir: str = ""
    use_directory_urls: bool = True
    template_dirs: tuple[Path, ...] = ()
    source_links: dict[str, str] = field(default_factory=dict)  # proposal id → YAML link
    cache_dir: Path | None = None  # compiled templates are kept here between builds
    source_root: Path | None = None  # what problem file names are relative to (the cwd)


@dataclass(frozen=True)
class GeneratedPage:
    path: str
    content: str | bytes
    proposal_id: str | None = None
    in_nav: bool = True


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
        return self.md_env.get_template(template).render(**self.common(page), **context)

    def render_html(self, template: str, page: str, **context: Any) -> Markup:
        return Markup(self.html_env.get_template(template).render(**self.common(page),
                                                                  **context))

    def rows(self, page: str, cards: Sequence[ScoreCard]) -> list[dict[str, Any]]:
        return [{
            "card": card,
            "link": self.link(page, self.proposal_path(card.proposal.id)),
            "quadrant_name": self.quadrant_name(card.state),
        } for card in sorted(cards, key=lambda c: (-c.priority, c.proposal.id))]

    def chart(self, page: str) -> Markup:
        cards = sorted(self.portfolio.cards, key=lambda c: (-c.priority, c.proposal.id))
        rows = [{
            "id": c.proposal.id, "title": c.proposal.title, "stage": c.proposal.stage,
            "quadrant": c.state, "quadrant_name": self.quadrant_name(c.state),
            "impact": c.impact, "risk": c.delivery_risk,
            "href": self.url(page, self.proposal_path(c.proposal.id)),
            "tooltip": (f"{c.proposal.title} ({c.proposal.stage}): impact {c.impact:.0f}, "
                        f"delivery risk {c.delivery_risk:.0f}, priority {c.priority:.0f}; "
                        f"D {c.scores['desirability']:.0f} P {c.scores['profitability']:.0f} "
                        f"F {c.scores['feasibility']:.0f} R {c.scores['risk']:.0f}"),
        } for c in cards]
        chart = build_chart(rows, self.rubric.quadrants.impact_threshold,
                            self.rubric.quadrants.risk_threshold)
        return self.render_html("quadrant_chart.svg.j2", page, chart=chart)

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
        body = self.render(
            "proposal.md.j2", page, card=card, proposal=proposal,
            summary_html=rich_text(proposal.summary),
            quadrant_label=self.quadrant_name(card.state),
            risk_class=self.rubric.risk_model.classes[card.risk_class],
            scores_html=self.render_html("score_bars.html.j2", page, card=card),
            links=[(t, u) for t, u in links if u],
            source_link=Markup(md_link(page, source)) if source else None,
            severity_admonition=SEVERITY_ADMONITION, severity_label=SEVERITY_LABEL,
            answer_mark=ANSWER_MARK,
            currency=proposal.get("value.currency") or "",
        )
        return GeneratedPage(page, front_matter(meta) + body, proposal.id, in_nav=False)

    def portfolio_page(self) -> GeneratedPage:
        page = self.path("portfolio/index.md")
        cards = self.portfolio.cards
        body = self.render(
            "portfolio.md.j2", page, rows=self.rows(page, cards), chart=self.chart(page),
            needs=self.rows(page, [c for c in cards if not c.placed
                                   and c.proposal.stage not in INACTIVE_STAGES]),
            banner=self.banner(page), heat=self.heat_rows(page),
            csv_link=self.link(page, self.path("portfolio/portfolio.csv")),
            json_link=self.link(page, self.path("portfolio/portfolio.json")),
            schema_link=self.link(page, self.path(f"schema/{SCHEMA_FILE_NAME}")),
        )
        # The proposals table is wide: give it the table-of-contents column too.
        meta = {"title": "Portfolio", "search": {"boost": 2}, "hide": ["toc"]}
        return GeneratedPage(page, front_matter(meta) + body)

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
        write_csv(with_org(self.portfolio).reset_index(), buffer)
        # Every breakdown of every proposal, normalised: the rubric's texts (questions,
        # flag messages, playbook links) once under "texts", each proposal's rows by id.
        texts: dict[str, dict[str, dict[str, Any]]] = {}
        proposals = list(normalise(map(self._export_entry, self.portfolio.cards), texts))
        payload = {
            "format": PORTFOLIO_FORMAT,
            "rubric": self.rubric.name,
            "portfolio": summary_json(self.summary),
            "texts": texts,
            "proposals": proposals,
            "invalid": [{"file": bad.file,
                         "problems": [p.as_dict() for p in bad.problems]}
                        for bad in self.portfolio.intake.invalid],
        }
        return [
            GeneratedPage(self.path("portfolio/portfolio.csv"), buffer.getvalue()),
            # Compact JSON: the C encoder is only used without indent.
            GeneratedPage(self.path("portfolio/portfolio.json"),
                          json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n"),
            GeneratedPage(self.path(f"schema/{SCHEMA_FILE_NAME}"),
                          json.dumps(proposal_schema(self.rubric), indent=2,
                                     ensure_ascii=False) + "\n"),
        ]

    @staticmethod
    def _export_entry(card: ScoreCard) -> dict[str, Any]:
        entry = {**card_json(card), "org": list(unit_path(card.proposal))}
        release(card)  # the explanation tables, built for this entry only (memory)
        return entry

    def all_pages(self) -> list[GeneratedPage]:
        pages = [self.proposal_page(card) for card in self.portfolio.cards]
        pages += [self.portfolio_page(), self.group_page("team"), self.group_page("stage")]
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
        if isinstance(page.content, bytes):
            target.write_bytes(page.content)
        else:
            target.write_text(page.content, encoding="utf-8")
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
           "build_site", "write_pages"]
