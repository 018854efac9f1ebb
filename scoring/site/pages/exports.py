"""The downloads: portfolio.csv (a row per proposal), portfolio.json (every breakdown of
every proposal, packed) and the proposal schema for editors."""

from __future__ import annotations

import io
import json
from typing import Any

from scoring.model.cardjson import PORTFOLIO_FORMAT, card_json, pack, release, replay
from scoring.model.decisions import as_json as decisions_json
from scoring.model.scorecard import ScoreCard
from scoring.portfolio.csvfile import write_csv
from scoring.portfolio.orgunits import unit_path, with_org
from scoring.portfolio.summary import summary_json
from scoring.proposals.schema import SCHEMA_FILE_NAME, proposal_schema
from scoring.site.pages.blocks import GeneratedPage
from scoring.site.pages.context import SiteContext


def exports(ctx: SiteContext) -> list[GeneratedPage]:
    return [
        GeneratedPage(ctx.path("portfolio/portfolio.csv"), portfolio_csv(ctx)),
        GeneratedPage(ctx.path("portfolio/portfolio.json"), portfolio_json(ctx)),
        GeneratedPage(
            ctx.path(f"schema/{SCHEMA_FILE_NAME}"),
            json.dumps(proposal_schema(ctx.rubric), indent=2, ensure_ascii=False) + "\n",
        ),
    ]


def portfolio_csv(ctx: SiteContext) -> str:
    """A line per proposal (write_csv makes line breaks in cells spaces), so each line can
    be kept with its card."""
    frame = with_org(ctx.portfolio).reset_index()
    cards = ctx.portfolio.cards
    out = io.StringIO()
    if list(frame["id"]) != [c.proposal.id for c in cards]:
        write_csv(frame, out)
        return out.getvalue()
    header = tuple(frame.columns)
    head: list[str] = []

    def lines_of(positions: list[int]) -> list[str] | None:
        fresh = io.StringIO()
        write_csv(frame.iloc[positions] if positions else frame.iloc[:0], fresh)
        first, *made = (line + "\n" for line in fresh.getvalue().split("\n")[:-1])
        head.append(first)
        return made

    lines = ctx.memo_each(
        [("portfolio.csv", c.proposal.id, header) for c in cards], cards, lines_of
    )
    if lines is None:  # not under serve, or not one line per proposal after all
        write_csv(frame, out)
        return out.getvalue()
    return head[0] + "".join(lines)


def portfolio_json(ctx: SiteContext) -> bytes:
    """Written entry by entry: at 5,000 proposals the entries as Python objects would take
    several times the memory of their text. As UTF-8 bytes: one character beyond Latin-1
    (an en dash) makes Python keep a whole text at two bytes a character. "texts" comes
    last, once every entry has added to it; JSON keys have no order."""

    def dump(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()

    texts: dict[str, dict[str, Any]] = {}
    out = io.BytesIO()
    out.write(
        b'{"format":'
        + dump(PORTFOLIO_FORMAT)
        + b',"rubric":'
        + dump(ctx.rubric.name)
        + b',"portfolio":'
        + dump(summary_json(ctx.summary))
        + b',"proposals":['
    )
    for index, card in enumerate(ctx.portfolio.cards):

        def packed(card: ScoreCard = card) -> tuple[bytes, Any]:
            entry, uses = pack(export_entry(card), texts)
            return dump(entry), uses

        # A kept entry holds when the shared texts it was packed against are this run's.
        data, _ = ctx.memo(
            ("portfolio.json", card.proposal.id),
            (card,),
            packed,
            valid=lambda kept: replay(kept[1], texts),
        )
        out.write(b"," + data if index else data)
    invalid = [
        {"file": bad.file, "problems": [p.as_dict() for p in bad.problems]}
        for bad in ctx.portfolio.intake.invalid
    ]
    out.write(b'],"texts":' + dump(texts) + b',"invalid":' + dump(invalid) + b"}\n")
    return out.getvalue()


def export_entry(card: ScoreCard) -> dict[str, Any]:
    entry = {**card_json(card), "org": list(unit_path(card.proposal))}
    if card.ledger is not None:  # the site has a decisions folder (#29)
        entry["decisions"] = decisions_json(card.ledger)
    release(card)  # the explanation tables, built for this entry only (memory)
    return entry


__all__ = ["exports"]
