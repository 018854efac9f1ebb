"""Issue 24, items 2 and 3: the four pitfalls the rubric now knows, and the fields authors
asked for.

Every test writes real proposal files, loads and scores them as `sweetspot score` does, and
checks what a user sees: the flags raised, the risk class, the stakes position, the
checklist answers on the card, `sweetspot validate`'s errors, and the generated format and
method pages. A flag fires only on what a proposal states, never on what it leaves out, and
a new field left out changes nothing.
"""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from sitekit import make_site, page_of

from scoring.cli.main import main as cli_main
from scoring.model.scorecard import ScoreCard, score_intake
from scoring.proposals.loading import load_proposals
from scoring.rubric import load_rubric

RUBRIC = load_rubric()

# A filled-in proposal that decides about people outside any high-stakes area, so each
# field's own effect shows on its own.
BASE: dict[str, Any] = {
    "title": "Rank maintenance requests by urgency",
    "summary": "Tenants' repair requests are handled in arrival order; ranking them by urgency "
    "would send crews to the worst problems first.",
    "team": "Property services",
    "stage": "proposed",
    "problem": {
        "decision": "Which repair request a crew visits first",
        "business_metric": {
            "name": "Days to fix urgent repairs",
            "baseline": 9,
            "target": 4,
            "direction": "decrease",
        },
    },
    "data": {
        "sources": [{"name": "Request log", "owner": "Property IT", "access": "granted"}],
        "labels": "available",
    },
    "stakes": {
        "area": "none",
        "decides_about_people": True,
        "people_affected": "thousands",
        "reversibility": "easy",
    },
    "risks": {"human_oversight": "review-before-action"},
    "governance": {"notice": "done", "explanation": "done", "appeal": "done"},
}


def proposal(**changes: Any) -> dict[str, Any]:
    """BASE with dotted paths set (a value of None removes the key)."""
    result = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = result
        for part in parents:
            target = target.setdefault(part, {})
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return result


def score(tmp_path: Path, proposals: dict[str, dict[str, Any]]) -> dict[str, ScoreCard]:
    folder = tmp_path / "proposals"
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for name, fields in proposals.items():
        # File names are ids: lowercase slugs.
        names[name.replace("_", "-")] = name
        (folder / f"{name.replace('_', '-')}.yaml").write_text(
            yaml.safe_dump(fields, sort_keys=False), encoding="utf-8"
        )
    intake = load_proposals([folder], RUBRIC)
    assert not intake.problems, [p.as_text() for p in intake.problems]
    return {names[c.proposal.id]: c for c in score_intake(intake, RUBRIC).cards}


def flag_severity(card: ScoreCard, flag_id: str) -> str | None:
    return next((f.severity for f in card.flags if f.id == flag_id), None)


def same_scores(a: ScoreCard, b: ScoreCard) -> bool:
    return (a.scores, a.ranges, a.priority, a.state, a.stakes, [f.id for f in a.flags]) == (
        b.scores,
        b.ranges,
        b.priority,
        b.state,
        b.stakes,
        [f.id for f in b.flags],
    )


# ---- item 2: the four pitfalls ----------------------------------------------------------

# flag id, the field (as proposal() paths), the value that states the pitfall, a benign value
PITFALLS = [
    (
        "learns_from_untrusted_input",
        {"delivery__online_learning": "untrusted_input"},
        {"delivery__online_learning": "vetted_input"},
    ),
    (
        "evaluated_elsewhere",
        {"data__validation": {"by": "vendor", "population": "local"}},
        {"data__validation": {"by": "independent", "population": "local"}},
    ),
    (
        "evaluated_elsewhere",
        {"data__validation": {"by": "own_team", "population": "other_population"}},
        {"data__validation": {"by": "own_team", "population": "local"}},
    ),
    (
        "protected_attribute_feature",
        {"data__protected_attributes": ["nationality"]},
        {"data__protected_attributes": []},
    ),
    (
        "protected_attribute_feature",
        {"data__protected_proxies": ["postcode"]},
        {"data__protected_proxies": []},
    ),
    ("stand_in_training_data", {"data__origin": "hypothetical"}, {"data__origin": "real_cases"}),
    (
        "stand_in_training_data",
        {"data__origin": "expert_written"},
        {"data__origin": "real_and_synthetic"},
    ),
]


@pytest.mark.parametrize(
    ("flag_id", "stated", "benign"), PITFALLS, ids=[f"{p[0]}-{i}" for i, p in enumerate(PITFALLS)]
)
def test_pitfall_flag_fires_only_on_what_is_stated(
    tmp_path: Path, flag_id: str, stated: dict[str, Any], benign: dict[str, Any]
) -> None:
    cards = score(
        tmp_path, {"stated": proposal(**stated), "benign": proposal(**benign), "silent": proposal()}
    )
    assert flag_severity(cards["stated"], flag_id) is not None
    assert flag_severity(cards["benign"], flag_id) is None
    assert flag_severity(cards["silent"], flag_id) is None
    # The flag is a finding: it adds to risk, and the benign answer changes nothing.
    assert cards["stated"].scores["risk"] > cards["silent"].scores["risk"]
    assert same_scores(cards["benign"], cards["silent"])


def test_pitfall_flags_escalate_with_the_stakes(tmp_path: Path) -> None:
    benefits = {"stakes__area": "public_benefits"}
    cards = score(
        tmp_path,
        {
            "bot-no-people": proposal(
                **{
                    "delivery__online_learning": "untrusted_input",
                    "stakes__decides_about_people": False,
                }
            ),
            "bot-people": proposal(**{"delivery__online_learning": "untrusted_input"}),
            "vendor-low": proposal(**{"data__validation": {"by": "vendor"}}),
            "vendor-high": proposal(**benefits, **{"data__validation": {"by": "vendor"}}),
            "age-tested": proposal(
                **benefits,
                **{"data__protected_attributes": ["age"], "governance__testing_by_group": "done"},
            ),
            "age-untested": proposal(
                **benefits,
                **{"data__protected_attributes": ["age"], "governance__testing_by_group": "none"},
            ),
            "age-not-people": proposal(
                **{"data__protected_attributes": ["age"], "stakes__decides_about_people": False}
            ),
            "synthetic-low": proposal(**{"data__origin": "synthetic"}),
            "synthetic-high": proposal(**benefits, **{"data__origin": "synthetic"}),
        },
    )
    assert flag_severity(cards["bot-no-people"], "learns_from_untrusted_input") == "high"
    assert flag_severity(cards["bot-people"], "learns_from_untrusted_input") == "red"
    assert cards["bot-people"].state == "reconsider"
    assert flag_severity(cards["vendor-low"], "evaluated_elsewhere") == "medium"
    assert flag_severity(cards["vendor-high"], "evaluated_elsewhere") == "high"
    assert flag_severity(cards["age-tested"], "protected_attribute_feature") == "high"
    assert flag_severity(cards["age-untested"], "protected_attribute_feature") == "red"
    # Not a decision about people: an attribute as input is not this pitfall.
    assert flag_severity(cards["age-not-people"], "protected_attribute_feature") is None
    assert flag_severity(cards["synthetic-low"], "stand_in_training_data") == "medium"
    assert flag_severity(cards["synthetic-high"], "stand_in_training_data") == "high"


# ---- item 3: the fields authors asked for ------------------------------------------------


def test_people_affected_band_between_thousands_and_millions(tmp_path: Path) -> None:
    cards = score(
        tmp_path,
        {
            band: proposal(stakes__people_affected=band)
            for band in ("thousands", "hundreds_of_thousands", "millions")
        },
    )
    inherent = [
        cards[b].stakes.inherent or 0.0 for b in ("thousands", "hundreds_of_thousands", "millions")
    ]
    assert inherent[0] < inherent[1] < inherent[2]


def test_a_release_to_hundreds_of_thousands_is_many_people(tmp_path: Path) -> None:
    release = {
        "stakes__publishes_personal_data": True,
        "stakes__reversibility": "costly",
        "stakes__decides_about_people": False,
    }
    cards = score(
        tmp_path,
        {
            "many": proposal(**release, stakes__people_affected="hundreds_of_thousands"),
            "few": proposal(**release, stakes__people_affected="hundreds"),
        },
    )
    assert cards["many"].risk_class == "high"
    assert cards["few"].risk_class == "limited"


OVERSIGHT_ORDER = [
    "human-decides",
    "review-before-action",
    "review-without-reasons",
    "review-low-confidence",
    "spot-checks",
    "review-on-request",
    "none",
]


def test_oversight_values_ordered_by_how_much_they_protect(tmp_path: Path) -> None:
    cards = score(tmp_path, {v: proposal(risks__human_oversight=v) for v in OVERSIGHT_ORDER})
    inherent = [cards[v].stakes.inherent or 0.0 for v in OVERSIGHT_ORDER]
    assert inherent == sorted(inherent) and len(set(inherent)) == len(inherent)
    # A reviewer who cannot see the reasons counts less than one who can.
    assert (
        cards["review-without-reasons"].scores["risk"]
        > cards["review-before-action"].scores["risk"]
    )


def test_review_on_request_counts_as_automated(tmp_path: Path) -> None:
    no_recourse = {"governance": {"notice": "none"}}
    cards = score(
        tmp_path,
        {
            "on-request": proposal(risks__human_oversight="review-on-request", **no_recourse),
            "spot": proposal(risks__human_oversight="spot-checks", **no_recourse),
        },
    )
    assert flag_severity(cards["on-request"], "automated_decision_without_recourse")
    assert flag_severity(cards["spot"], "automated_decision_without_recourse") is None


def test_partial_safeguard_counts_part_way(tmp_path: Path) -> None:
    cards = score(
        tmp_path,
        {
            status: proposal(governance={"notice": "done", "explanation": "done", "appeal": status})
            for status in ("done", "partial", "in_progress", "none")
        },
    )
    residual = {s: cards[s].stakes.residual or 0.0 for s in cards}
    assert residual["done"] < residual["partial"] < residual["in_progress"] < residual["none"]
    # Finishing it stays a next step; a partial appeal still is an appeal (no recourse flag).
    assert "appeal" in cards["partial"].stakes.safeguards_missing
    with_none = score(
        tmp_path / "b",
        {
            "x": proposal(
                risks__human_oversight="none",
                governance={"notice": "done", "explanation": "done", "appeal": "partial"},
            )
        },
    )["x"]
    assert flag_severity(with_none, "automated_decision_without_recourse") is None


def test_reversibility_by_error_counts_the_worse_side(tmp_path: Path) -> None:
    cards = score(
        tmp_path,
        {
            "plain": proposal(),
            "sides-easy": proposal(
                stakes__reversibility_by_error={"false_alarm": "easy", "miss": "easy"}
            ),
            "miss-irreversible": proposal(
                stakes__reversibility_by_error={"false_alarm": "easy", "miss": "irreversible"}
            ),
            "overall-irreversible": proposal(stakes__reversibility="irreversible"),
            "sides-only": proposal(
                stakes__reversibility=None, stakes__reversibility_by_error={"miss": "costly"}
            ),
            "unknown": proposal(stakes__reversibility=None),
        },
    )
    inherent = {k: c.stakes.inherent for k, c in cards.items()}
    assert inherent["sides-easy"] == inherent["plain"]
    assert inherent["miss-irreversible"] == inherent["overall-irreversible"] > inherent["plain"]
    assert inherent["sides-only"] == inherent["unknown"]  # costly sits where unknown does


def test_burden_of_proof_and_penalty(tmp_path: Path) -> None:
    cards = score(
        tmp_path,
        {
            "plain": proposal(),
            "organisation": proposal(stakes__burden_of_proof="organisation"),
            "affected": proposal(stakes__burden_of_proof="affected_person"),
            "minor": proposal(stakes__penalty="minor"),
            "substantial": proposal(stakes__penalty="substantial"),
            "severe": proposal(stakes__penalty="severe"),
        },
    )
    inherent = {k: c.stakes.inherent or 0.0 for k, c in cards.items()}
    assert inherent["organisation"] == inherent["minor"] == inherent["plain"]
    assert inherent["affected"] == inherent["substantial"] > inherent["plain"]
    assert inherent["severe"] > inherent["substantial"]
    assert cards["severe"].scores["risk"] > cards["plain"].scores["risk"]


TRAINING_ITEMS = (
    "data.split_mirrors_use",
    "model_to_product.shared_feature_code",
    "model_to_product.reproducible_training",
    "offline_online.evaluated_after_training_period",
    "team.research_engineering",
)


def test_rules_based_system_needs_no_training_items(tmp_path: Path) -> None:
    done = {
        "data": {"golden_set": "yes", "sources_and_owners": "yes"},
        "team": {"product_owner": "yes"},
    }
    cards = score(
        tmp_path,
        {
            "rules": proposal(delivery__approach="rules", checklists=done),
            "model": proposal(delivery__approach="trained_model", checklists=done),
            "plain": proposal(checklists=done),
            "rules-answered": proposal(
                delivery__approach="rules", checklists={"data": {"split_mirrors_use": "no"}}
            ),
        },
    )

    def answer(card: ScoreCard, dotted: str) -> str:
        checklist, item = dotted.split(".")
        status = next(c for c in card.checklists if c.id == checklist)
        return next(i.answer for i in status.items if i.id == item)

    assert {answer(cards["rules"], i) for i in TRAINING_ITEMS} == {"n/a"}
    assert {answer(cards["plain"], i) for i in TRAINING_ITEMS} == {"unknown"}
    assert answer(cards["rules-answered"], "data.split_mirrors_use") == "no"
    assert answer(cards["rules"], "data.explored_by_hand") == "unknown"  # still asked
    assert same_scores(cards["model"], cards["plain"])
    # Fewer unknowns: the feasibility range narrows.
    width = {k: c.ranges["feasibility"][1] - c.ranges["feasibility"][0] for k, c in cards.items()}
    assert width["rules"] < width["plain"]


def test_proprietary_data_lifts_the_no_access_cap(tmp_path: Path) -> None:
    def source(access: str) -> dict[str, Any]:
        return {"data__sources": [{"name": "Vendor feed", "access": access}], "stage": "pilot"}

    cards = score(
        tmp_path, {a: proposal(**source(a)) for a in ("proprietary", "requested", "granted")}
    )
    assert "no_data_access" in {c.id for c in cards["requested"].caps}
    assert "no_data_access" not in {c.id for c in cards["proprietary"].caps}
    assert cards["proprietary"].scores["feasibility"] > cards["requested"].scores["feasibility"]
    assert cards["proprietary"].scores == cards["granted"].scores


def test_fields_that_change_no_score(tmp_path: Path) -> None:
    metric = copy.deepcopy(BASE["problem"]["business_metric"])
    metric.pop("baseline")
    metric["baseline_undisclosed"] = True
    cards = score(
        tmp_path,
        {
            "plain": proposal(),
            "undisclosed": proposal(problem__business_metric=metric),
            "dated": proposal(dates={"planned_deployment": "2026-09"}),
            "noted": proposal(
                governance={
                    "notice": "done",
                    "explanation": "done",
                    "appeal": "done",
                    "notes": {"appeal": "A caseworker can overturn it"},
                }
            ),
            "validated-locally": proposal(
                data__validation={
                    "by": "independent",
                    "population": "local",
                    "note": "2025 silent run",
                }
            ),
            "organisation-proves": proposal(stakes__burden_of_proof="organisation"),
            "no-learning": proposal(delivery__online_learning="none"),
        },
    )
    for name, card in cards.items():
        assert same_scores(card, cards["plain"]), name


def test_housing_is_a_high_stakes_area(tmp_path: Path) -> None:
    cards = score(
        tmp_path,
        {
            "tenants": proposal(stakes__area="housing"),
            "not-people": proposal(stakes__area="housing", stakes__decides_about_people=False),
        },
    )
    assert cards["tenants"].risk_class == "high"
    assert "housing" in " ".join(cards["tenants"].stakes.reasons).lower()
    assert cards["not-people"].risk_class != "high"


def test_validate_names_file_line_and_field_for_a_bad_new_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "proposals"
    folder.mkdir()
    good = proposal(
        data__validation={"by": "vendor", "population": "other_population"},
        delivery__approach="rules",
        stakes__penalty="severe",
    )
    (folder / "good.yaml").write_text(yaml.safe_dump(good, sort_keys=False), encoding="utf-8")
    assert cli_main(["validate", str(folder)]) == 0
    bad = proposal(data__validation={"by": "vendor", "population": "elsewhere"})
    text = yaml.safe_dump(bad, sort_keys=False)
    (folder / "bad.yaml").write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert cli_main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    line = text.splitlines().index("    population: elsewhere") + 1
    assert re.search(rf"bad\.yaml:{line}:\d+: data\.validation\.population", out), out
    assert "Traceback" not in out


# ---- the generated pages ---------------------------------------------------------------

NEW_FIELDS = {
    "delivery.online_learning": "Learns in use from untrusted input",
    "data.validation": "Evaluated only by the vendor or somewhere else",
    "data.protected_attributes": "A protected attribute used in decisions about people",
    "data.protected_proxies": "the same flag",
    "data.origin": "Training data that stands in for real cases",
    "delivery.approach": "count as n/a unless answered",
    "data.sources[].access": "lifts the no-access cap",
    "problem.business_metric.baseline_undisclosed": "counts exactly as a baseline",
    "stakes.reversibility_by_error": "the worst of these",
    "stakes.burden_of_proof": "at least costly",
    "stakes.penalty": "severe as irreversible",
    "governance.notes": "changes no score",
    "dates.planned_deployment": "it changes no score",
    "risks.human_oversight": "review-without-reasons",
    "stakes.people_affected": "hundreds_of_thousands",
}


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pitfalls-site")
    return make_site(root, {"repairs": yaml.safe_dump(BASE, sort_keys=False)})


def plain_text(path: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


@pytest.mark.slow
def test_format_page_shows_each_new_field_and_its_effect(built_site: Path) -> None:
    page = page_of(built_site, "reference/proposal-format.md").read_text(encoding="utf-8")
    # Each field is one block, marked with its path.
    blocks = {
        m[1]: re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", m[2])))
        for m in re.finditer(r'<div[^>]*data-field="([^"]+)">(.*?)</div>', page, re.S)
    }
    for field_path, effect in NEW_FIELDS.items():
        assert field_path in blocks, field_path
        assert effect in blocks[field_path], (field_path, blocks[field_path])
    assert "housing" in blocks["stakes.area"]
    assert "partial" in blocks["governance.appeal"]


def test_method_page_shows_positions_credits_and_new_flags(built_site: Path) -> None:
    text = re.sub(r"\s+", " ", plain_text(page_of(built_site, "reference/scoring-method.md")))
    assert "hundreds_of_thousands 0.80" in text
    assert "review-without-reasons 0.40" in text and "review-on-request 0.80" in text
    assert "partial 0.60" in text
    assert "burden_of_proof: affected_person" in text
    assert "delivery.approach: rules" in text
    assert "Housing" in text
    for flag_id in (
        "learns_from_untrusted_input",
        "evaluated_elsewhere",
        "protected_attribute_feature",
        "stand_in_training_data",
    ):
        title = RUBRIC.flag(flag_id)
        assert title is not None and title.title in text, flag_id
