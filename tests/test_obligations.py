"""What the rules require of each use case (issue 27): profiles as data, each obligation's
status, the compliance state and the flags a gap raises.

Proposals are written as files and read by the real loader; profiles are the shipped ones
or files written beside them, loaded through the same reader a site uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring.model.obligations import (
    DEFAULT_PROFILE,
    ProfileError,
    builtin_ids,
    load_profile,
    make_context,
)
from scoring.model.scorecard import ScoredPortfolio, score_intake
from scoring.proposals.loading import load_proposals
from scoring.rubric.loading import load_rubric

RUBRIC = load_rubric()
BASE: dict[str, Any] = {
    "schema_version": 1,
    "title": "Screen benefit claims for fraud",
    "summary": "Ranks benefit claims for a fraud review by caseworkers.",
    "team": "Benefits",
}
# A rights-impacting use, as the 2024 register's import writes one.
IMPACTING: dict[str, Any] = {
    "stakes": {
        "declared_class": "high",
        "declared_basis": "Listed as rights-impacting (OMB memorandum M-24-10)",
    },
    "problem": {"automation": "augment"},
}
ALL_DONE = {
    "impact_assessment": "done",
    "real_world_testing": "done",
    "independent_review": "done",
    "monitoring": "done",
    "notice": "done",
    "testing_by_group": "done",
    "appeal": "done",
    "consent": "opt_out",
}


def proposal(stage: str, governance: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    body = {**BASE, **IMPACTING, "stage": stage, **extra}
    if governance is not None:
        body["governance"] = governance
    return body


def scored(
    tmp_path: Path,
    proposals: dict[str, dict[str, Any]],
    regimes: tuple[str, ...] = ("omb-m-24-10",),
    as_of: str = "2026-12-07",
    waivers: dict[str, dict[str, str]] | None = None,
) -> ScoredPortfolio:
    folder = tmp_path / "proposals"
    folder.mkdir(exist_ok=True)
    for name, body in proposals.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(body), encoding="utf-8")
    intake = load_proposals([folder], RUBRIC)
    assert not intake.invalid, [p.as_text() for bad in intake.invalid for p in bad.problems]
    context = make_context(RUBRIC, regimes, as_of, base=tmp_path, waivers=waivers)
    return score_intake(intake, RUBRIC, context)


def regime(portfolio: ScoredPortfolio, proposal_id: str, profile_id: str = "omb-m-24-10") -> Any:
    card = portfolio.card(proposal_id)
    assert card is not None
    return next(r for r in card.compliance if r.profile.id == profile_id)


# --- profiles -------------------------------------------------------------------------------


def test_every_shipped_profile_loads_cites_its_source_and_dates_its_duties() -> None:
    ids = builtin_ids()
    assert ids[0] == DEFAULT_PROFILE
    assert {"eu-ai-act-2026", "omb-m-25-21", "canada-dadm", "uk-atrs", "omb-m-24-10"} <= set(ids)
    for profile_id in ids:
        profile = load_profile(profile_id, RUBRIC)
        assert profile.source, profile_id
        assert profile.obligations, profile_id
        assert all(o.text and o.rule for o in profile.obligations), profile_id


def test_the_default_profile_is_the_rubrics_class_obligations() -> None:
    profile = load_profile(DEFAULT_PROFILE, RUBRIC)
    high = [o.text for o in profile.obligations if o.applies_to == ("high",)]
    assert high == list(RUBRIC.risk_model.classes["high"].obligations)


def test_an_unknown_regime_is_an_error_naming_it() -> None:
    with pytest.raises(ProfileError, match=r"unknown regime 'eu-ai-act-2099'.*omb-m-24-10"):
        load_profile("eu-ai-act-2099", RUBRIC)


def test_an_organisations_own_profile_loads_from_the_site_folder(tmp_path: Path) -> None:
    own = {
        "profile_version": 1,
        "id": "our-policy",
        "title": "Our AI policy",
        "source": {"name": "AI policy v2, section 4"},
        "determination": {
            "question": "In scope of the policy",
            "outcomes": [{"id": "in-scope", "label": "In scope", "flags": True}],
        },
        "obligations": [
            {
                "id": "model-card",
                "text": "Publish a model card",
                "rule": "section 4.2",
                "evidence": [{"checklist": "responsible_ai.model_card"}],
            }
        ],
    }
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "ours.yaml").write_text(yaml.safe_dump(own), encoding="utf-8")
    profile = load_profile("profiles/ours.yaml", RUBRIC, tmp_path)
    assert profile.id == "our-policy"
    assert profile.file == "profiles/ours.yaml"


def test_a_profile_outside_the_site_folder_is_refused(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "evil.yaml").write_text("id: x\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="inside the site's folder"):
        load_profile("../evil.yaml", RUBRIC, site)


def test_a_symlinked_profile_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("id: x\n", encoding="utf-8")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    with pytest.raises(ProfileError, match="symlink"):
        load_profile("link.yaml", RUBRIC, tmp_path)


def test_a_wrong_key_in_a_profile_names_its_file_line_and_field(tmp_path: Path) -> None:
    text = (
        "profile_version: 1\nid: ours\ntitle: Ours\nsource: {name: Our policy}\n"
        "determination: {question: Scope, outcomes: []}\n"
        "obligations:\n  - id: card\n    text: A card\n    rule: s1\n    due: soon\n"
    )
    (tmp_path / "ours.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile("ours.yaml", RUBRIC, tmp_path)
    first = caught.value.problems[0]
    assert (first.file, first.line, first.field) == ("ours.yaml", 10, "obligations[0].due")


def test_profile_aliases_are_refused(tmp_path: Path) -> None:
    (tmp_path / "ours.yaml").write_text("a: &x [1]\nb: *x\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="alias"):
        load_profile("ours.yaml", RUBRIC, tmp_path)


# --- status, state and flags ---------------------------------------------------------------


def test_a_missing_practice_in_production_is_a_red_flag_naming_the_practice_and_rule(
    tmp_path: Path,
) -> None:
    gaps = {**ALL_DONE, "impact_assessment": "none"}
    portfolio = scored(tmp_path, {"claims": proposal("production", gaps)})
    result = regime(portfolio, "claims")
    assert result.state == "gap"
    assert [o.id for o in result.gaps] == ["impact-assessment"]
    card = portfolio.card("claims")
    assert card is not None
    flag = next(f for f in card.flags if f.id.startswith("omb-m-24-10:"))
    assert flag.id == "omb-m-24-10:impact-assessment:missing"
    assert flag.severity == "red"
    assert "Complete an AI impact assessment" in flag.title
    assert "section 5(c)(iv)(A)" in flag.title
    assert card.state == "reconsider"  # a red flag stops it, as every red flag does


def test_in_progress_in_production_before_the_due_date_is_a_high_flag(tmp_path: Path) -> None:
    partway = {**ALL_DONE, "monitoring": "in_progress"}
    portfolio = scored(tmp_path, {"claims": proposal("production", partway)}, as_of="2024-10-01")
    card = portfolio.card("claims")
    assert card is not None
    assert [(f.id, f.severity) for f in card.flags if ":" in f.id] == [
        ("omb-m-24-10:monitoring:in-progress", "high")
    ]
    assert regime(portfolio, "claims").state == "in_progress"


def test_past_its_due_date_in_progress_is_red(tmp_path: Path) -> None:
    partway = {**ALL_DONE, "monitoring": "in_progress"}
    portfolio = scored(tmp_path, {"claims": proposal("pilot", partway)}, as_of="2024-12-01")
    card = portfolio.card("claims")
    assert card is not None
    assert [(f.id, f.severity) for f in card.flags if ":" in f.id] == [
        ("omb-m-24-10:monitoring:past-due", "red")
    ]
    before = scored(tmp_path, {"claims": proposal("pilot", partway)}, as_of="2024-11-30")
    assert [f.id for f in before.cards[0].flags if ":" in f.id] == []
    assert regime(before, "claims").state == "in_progress"


def test_not_reported_is_counted_and_never_flagged(tmp_path: Path) -> None:
    blank = {k: v for k, v in ALL_DONE.items() if k != "real_world_testing"}
    portfolio = scored(tmp_path, {"claims": proposal("production", blank)})
    result = regime(portfolio, "claims")
    testing = next(o for o in result.obligations if o.id == "real-world-testing")
    assert testing.status == "not_reported"
    assert not testing.gap and testing.flag is None
    assert result.state == "not_reported"
    assert result.counts()["not_reported"] == 1
    assert not [f for f in portfolio.cards[0].flags if ":" in f.id]


def test_a_register_waiver_reads_waived_no_record_and_a_recorded_one_its_record(
    tmp_path: Path,
) -> None:
    waived = {**ALL_DONE, "independent_review": "waived", "appeal": "none"}
    waivers = {"claims": {"omb-m-24-10:remedy": "Waiver W-7, signed by the CAIO until 2027-01-31"}}
    portfolio = scored(tmp_path, {"claims": proposal("production", waived)}, waivers=waivers)
    result = regime(portfolio, "claims")
    by_id = {o.id: o for o in result.obligations}
    assert (by_id["independent-evaluation"].status, by_id["independent-evaluation"].label) == (
        "waived",
        "waived, no record",
    )
    assert by_id["remedy"].status == "waived"
    assert by_id["remedy"].note.startswith("Waiver W-7")
    assert result.state == "waived"
    assert not [f for f in portfolio.cards[0].flags if ":" in f.id]


def test_an_extension_holds_a_gap_off_until_it_ends(tmp_path: Path) -> None:
    gaps = {**ALL_DONE, "impact_assessment": "in_progress"}
    body = proposal(
        "production",
        gaps,
        custom={"extension_request": "Yes – Agency requested an extension for this use case."},
    )
    during = scored(tmp_path, {"claims": body}, as_of="2025-06-01")
    item = next(o for o in regime(during, "claims").obligations if o.id == "impact-assessment")
    assert item.status == "extension_granted"
    assert not item.gap
    after = scored(tmp_path, {"claims": body}, as_of="2025-12-01")
    item = next(o for o in regime(after, "claims").obligations if o.id == "impact-assessment")
    assert (item.status, item.gap, item.flag) == ("in_progress", True, "red")


def test_a_use_that_is_not_high_raises_no_obligation_flag(tmp_path: Path) -> None:
    minimal = {
        **BASE,
        "stage": "production",
        "stakes": {"declared_class": "minimal", "decides_about_people": False},
        "governance": {"impact_assessment": "none"},
    }
    portfolio = scored(tmp_path, {"sorter": minimal})
    assert regime(portfolio, "sorter").determination.label.startswith("Neither")
    assert not [f for f in portfolio.cards[0].flags if ":" in f.id]


def test_a_retired_use_owes_nothing(tmp_path: Path) -> None:
    portfolio = scored(tmp_path, {"old": proposal("retired", {"impact_assessment": "none"})})
    result = regime(portfolio, "old")
    assert (result.obligations, result.state) == ((), "none")


def test_m_25_21_reads_the_2025_registers_own_answers(tmp_path: Path) -> None:
    body = proposal(
        "production",
        {**ALL_DONE, "appeal": "none"},
        custom={
            "appeal": "Appeal Precluded by Law",
            "operator_training": "Training In-progress",
            "failsafe": "a) Yes",
        },
    )
    portfolio = scored(tmp_path, {"claims": body}, regimes=("omb-m-25-21",))
    result = regime(portfolio, "claims", "omb-m-25-21")
    by_id = {o.id: o for o in result.obligations}
    assert by_id["appeal"].status == "not_applicable"  # precluded by law: no gap
    assert by_id["human-oversight"].status == "met"
    assert (by_id["training"].status, by_id["training"].gap) == ("in_progress", True)
    assert by_id["feedback"].status == "not_reported"
    assert result.state == "gap"


def test_a_pilot_is_exempt_under_m_25_21_and_a_presumed_use_needs_grounds(
    tmp_path: Path,
) -> None:
    pilot = proposal("pilot", {**ALL_DONE, "impact_assessment": "none"})
    presumed = {
        **BASE,
        "stage": "production",
        "stakes": {"decides_about_people": False},
        "custom": {"high_impact": "Presumed High-Impact, but Not High-impact"},
    }
    portfolio = scored(tmp_path, {"pilot": pilot, "presumed": presumed}, regimes=("omb-m-25-21",))
    assert regime(portfolio, "pilot", "omb-m-25-21").gaps == ()
    determination = regime(portfolio, "presumed", "omb-m-25-21").determination
    assert determination.needs_grounds
    assert determination.label == "Presumed high-impact, determined not high-impact"


def test_the_eu_act_claims_art_6_3_only_with_grounds_and_dates_art_50_now(
    tmp_path: Path,
) -> None:
    exempt = {
        **BASE,
        "stage": "production",
        "stakes": {"area": "employment", "decides_about_people": False},
    }
    chatbot = {
        **BASE,
        "stage": "production",
        "stakes": {"decides_about_people": False, "talks_to_people": True},
        "governance": {"notice": "none"},
    }
    portfolio = scored(
        tmp_path, {"exempt": exempt, "chatbot": chatbot}, regimes=("eu-ai-act-2026",)
    )
    art_6_3 = regime(portfolio, "exempt", "eu-ai-act-2026")
    assert art_6_3.determination.label == "Annex III area, not high-risk under Art. 6(3)"
    assert art_6_3.determination.needs_grounds
    assert [o.id for o in art_6_3.obligations] == ["art-6-3-assessment"]
    talks = regime(portfolio, "chatbot", "eu-ai-act-2026")
    notice = next(o for o in talks.obligations if o.id == "art-50-interaction")
    assert (notice.status, str(notice.due), notice.past_due) == ("missing", "2026-08-02", True)
    assert notice.gap and notice.flag is None  # a gap, but not in the Act's high class


def test_canadas_level_is_indicative_from_the_answers_or_declared(tmp_path: Path) -> None:
    severe = proposal("production", ALL_DONE)
    severe["stakes"] = {**severe["stakes"], "penalty": "severe"}
    declared = proposal("production", ALL_DONE, custom={"aia_level": "II"})
    portfolio = scored(tmp_path, {"severe": severe, "declared": declared}, regimes=("canada-dadm",))
    assert regime(portfolio, "severe", "canada-dadm").determination.label == (
        "Level IV, very high impact (indicative)"
    )
    level_ii = regime(portfolio, "declared", "canada-dadm")
    assert level_ii.determination.label == "Level II, moderate impact (declared)"
    assert "peer-review" not in [o.id for o in level_ii.obligations]  # levels III and IV only


def test_the_regulatory_clock_lists_what_falls_due_soonest_first(tmp_path: Path) -> None:
    body = proposal("pilot", {}, stakes={"area": "credit", "decides_about_people": True})
    portfolio = scored(tmp_path, {"credit": body}, regimes=("eu-ai-act-2026",), as_of="2027-01-15")
    clock = regime(portfolio, "credit", "eu-ai-act-2026").clock
    assert [str(e.due) for e in clock][:1] == ["2027-12-02"]
    assert not any(e.past for e in clock)
    assert regime(portfolio, "credit", "eu-ai-act-2026").state == "not_reported"
