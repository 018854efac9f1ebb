"""What the intake found wrong: the intake problems page (every invalid file, its problems,
and for a file `sweetspot import` wrote, the inventory row it came from), and a page at each
invalid proposal's own URL."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from scoring.proposals.loading import ID_PATTERN, MAX_ID_LENGTH
from scoring.proposals.proposal import InvalidFile
from scoring.site.pages.blocks import GeneratedPage, front_matter
from scoring.site.pages.context import SiteContext
from scoring.sources.problems import Problem
from scoring.sources.yamlsource import excerpt

SourceLine = Callable[[str, int], "str | None"]  # reads one line of a proposal file


def intake_page(ctx: SiteContext) -> GeneratedPage:
    page = ctx.path("intake-problems.md")
    # For invalid files written by `sweetspot import`: the inventory row they came from
    # (the loader read it), so the page can say which row to fix at the source.
    imported_from = {
        bad.file: bad.imported_from for bad in ctx.portfolio.intake.invalid if bad.imported_from
    }
    body = ctx.render(
        "intake_problems.md.j2",
        page,
        valid_count=len(ctx.portfolio.intake.proposals),
        imported_from=imported_from,
    )
    return GeneratedPage(page, front_matter({"title": "Intake problems"}) + body)


def invalid_pages(ctx: SiteContext, source_line: SourceLine | None = None) -> list[GeneratedPage]:
    """A page at each invalid proposal's own URL that lists its problems, so the page an
    author watches under `mkdocs serve` never turns into a bare 404. ``source_line``
    (given only under serve) reads a file's line to show it with a caret."""
    invalid = ctx.portfolio.intake.invalid
    valid_ids = {card.proposal.id for card in ctx.portfolio.cards}
    by_id: dict[str, list[tuple[int, InvalidFile]]] = {}
    for index, bad in enumerate(invalid, start=1):
        if ID_PATTERN.match(bad.id) and len(bad.id) <= MAX_ID_LENGTH and bad.id not in valid_ids:
            by_id.setdefault(bad.id, []).append((index, bad))
    pages = []
    for proposal_id, found in sorted(by_id.items()):
        page = ctx.proposal_path(proposal_id)
        intake = ctx.path("intake-problems.md")
        files = [
            {
                "file": bad.file,
                "index": index,
                "intake_link": Markup(f"{ctx.link(page, intake)}#file-{index}"),
                "problems": [
                    {
                        "problem": problem,
                        "fix": FIX_HINTS.get(problem.code, FIX_HINTS["invalid"]),
                        "source": _source(source_line, bad.file, problem),
                    }
                    for problem in bad.problems
                ],
            }
            for index, bad in found
        ]
        body = ctx.render(
            "invalid_proposal.md.j2",
            page,
            proposal_id=proposal_id,
            files=files,
            problem_count=sum(len(bad.problems) for _, bad in found),
            banner=ctx.banner(page),
            intake_link=ctx.link(page, intake),
            format_link=ctx.link(page, ctx.path("reference/proposal-format.md")),
            show_source=source_line is not None,
        )
        meta = {"title": f"{proposal_id} (not published yet)", "search": {"exclude": True}}
        pages.append(GeneratedPage(page, front_matter(meta) + body, proposal_id, in_nav=False))
    return pages


def _source(source_line: SourceLine | None, file: str, problem: Problem) -> list[str] | None:
    if source_line is None or problem.line <= 0:
        return None
    text = source_line(file, problem.line)
    return None if text is None else excerpt(text[:300], problem.column)


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


__all__ = ["FIX_HINTS", "intake_page", "invalid_pages"]
