"""The regulatory profiles page (issue 27): every enabled regime's determination and
obligations with their sources, generated from the profiles as the scoring method is from
the rubric."""

from __future__ import annotations

from scoring.model.obligations import (
    COMPLIANCE_STATES,
    STATE_LABELS,
    STATE_MEANINGS,
    Obligation,
    Profile,
    default_context,
)
from scoring.site.pages.blocks import GeneratedPage, front_matter
from scoring.site.pages.context import SiteContext

PAGE = "reference/regulatory-profiles.md"


def outcome_labels(profile: Profile, obligation: Obligation) -> str:
    if not obligation.applies_to:
        return "every class"
    labels = [o.label for o in profile.outcomes if o.id in obligation.applies_to]
    return "; ".join(labels) or ", ".join(obligation.applies_to)


def regimes_page(ctx: SiteContext) -> GeneratedPage:
    page = ctx.path(PAGE)
    context = ctx.portfolio.context or default_context(ctx.rubric)
    profiles = context.profiles

    def make() -> GeneratedPage:
        body = ctx.render(
            "regulatory_profiles.md.j2",
            page,
            profiles=profiles,
            states=COMPLIANCE_STATES,
            state_labels=STATE_LABELS,
            state_meanings=STATE_MEANINGS,
            outcome_labels=outcome_labels,
        )
        return GeneratedPage(page, front_matter({"title": "Regulatory profiles"}) + body)

    return ctx.memo_page(("reference", page, repr(profiles)), make)


__all__ = ["PAGE", "regimes_page"]
