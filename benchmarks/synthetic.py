"""Synthetic proposals for benchmarks and load tests.

``make_proposal(i, rng)`` returns one valid proposal as a plain dict; ``write_proposals(folder,
n, seed)`` writes ``n`` of them as ``<id>.yaml`` files. The mix is deliberately varied: some
proposals are near-empty ideas, some are fully evidenced production systems, and everything in
between, so every branch of features, caps, flags and suggestions gets exercised.

Files are written with PyYAML's safe dumper (as ``yaml.safe_dump`` does), which quotes strings
such as ``'yes'`` and ``'no'`` that YAML 1.1 would otherwise read as booleans, so checklist
answers load as text.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

from scoring.model.features import ROLES
from scoring.proposals.proposal import STAGES as ALL_STAGES

# The C dumper is ~10x faster and writes the same YAML; fall back when libyaml is missing.
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

STAGES = tuple(stage for stage in ALL_STAGES if stage != "not_reported")
TEAMS = (
    "Risk",
    "Customer Support",
    "Logistics",
    "Marketing",
    "Finance",
    "Merchandising",
    "Platform",
    "People",
)
PEOPLE = (
    "Dana Okafor",
    "Lee Park",
    "Sam Rivera",
    "Ana Costa",
    "Jo Smith",
    "Kim Lee",
    "Wen Li",
    "Marco Bianchi",
    "Jana Novak",
    "Emil Sorensen",
)
EVIDENCE_CRITERIA = (
    "decision_named",
    "user_need",
    "beats_baseline",
    "stakeholder_support",
    "human_fit",
    "business_metric",
    "cost_estimate",
    "online_measurement",
    "data_access",
    "labels",
    "representative_data",
    "leak_free_split",
    "technical_evidence",
    "serving_path",
    "delivery_plan",
)
RISK_FACTORS = (
    "harm_if_wrong",
    "affected_groups",
    "personal_data",
    "leakage_exposure",
    "security_surface",
    "regulation",
    "online_testability",
    "organisational",
)
CHECKLISTS: dict[str, tuple[str, ...]] = {
    "wrong_problem": (
        "decision_and_owner",
        "metric_with_target",
        "non_ml_option_costed",
        "error_costs_known",
        "assumptions_listed",
        "stop_criteria",
    ),
    "data": (
        "sources_and_owners",
        "representative",
        "split_mirrors_use",
        "features_available_at_prediction",
        "labels_with_guidelines",
        "golden_set",
        "explored_by_hand",
    ),
    "model_to_product": (
        "serving_mode_and_latency",
        "shared_feature_code",
        "reproducible_training",
        "rollback",
        "monitoring",
        "end_to_end_first",
        "llm_production_concerns",
    ),
    "offline_online": (
        "offline_to_business_link",
        "ab_test_planned",
        "guardrails",
        "evaluated_after_training_period",
        "interacting_models",
        "feedback_captured",
    ),
    "non_technical": (
        "sponsor_committed",
        "expectations_set",
        "mvp_simple_goal",
        "approvers_involved",
        "adoption_plan",
        "home_decided",
    ),
    "responsible_ai": (
        "intended_use",
        "bias_sources_reviewed",
        "results_by_group",
        "personal_data_minimised",
        "human_override",
        "users_informed",
        "model_card",
    ),
    "team": (
        "product_owner",
        "data_engineering",
        "backend_engineering",
        "quality_assurance",
        "research_engineering",
        "domain_expert",
        "no_single_point_of_failure",
    ),
}
ANSWERS = ("yes", "yes", "partial", "no", "unknown", "n/a")
LEAKAGE = (
    "temporal",
    "repeated_entities",
    "proxy_features",
    "preprocessing",
    "duplicates",
    "sampling_bias",
)
SUBJECTS = (
    "late invoices",
    "support tickets",
    "parcel volumes",
    "churning subscribers",
    "fraudulent first orders",
    "product returns",
    "warehouse picks",
    "price changes",
)


def _text(rng: random.Random, what: str, i: int) -> str:
    return f"{what} for {rng.choice(SUBJECTS)} (synthetic case {i}, variant {rng.randint(1, 99)})."


def make_proposal(i: int, rng: random.Random) -> dict[str, Any]:
    """One valid proposal; ``maturity`` (0–1) makes later fields likelier and evidence higher."""
    maturity = rng.random()

    def maybe(p: float = 0.5) -> bool:
        return rng.random() < p * (0.4 + maturity)

    def level() -> int:
        return max(0, min(4, round(rng.gauss(maturity * 4, 1.0))))

    proposal: dict[str, Any] = {
        "schema_version": 1,
        "title": f"Synthetic proposal {i}: predict {rng.choice(SUBJECTS)}",
        "summary": _text(rng, "A synthetic summary about ranking", i),
        "team": rng.choice(TEAMS),
        "stage": rng.choice(STAGES),
    }
    if maybe(0.8):
        proposal["owner"] = rng.choice(PEOPLE)
    if maybe(0.6):
        proposal["sponsor"] = f"{rng.choice(PEOPLE)}, Head of {rng.choice(TEAMS)}"
    if maybe(0.5):
        proposal["tags"] = rng.sample(
            ["forecasting", "nlp", "ranking", "fraud", "pricing", "churn", "llm", "vision"],
            rng.randint(1, 3),
        )

    problem: dict[str, Any] = {}
    for key in ("decision", "decision_owner", "user_need", "non_ml_alternative", "stakeholders"):
        if maybe(0.7):
            problem[key] = _text(rng, key.replace("_", " ").capitalize(), i)
    if maybe(0.6):
        problem["automation"] = rng.choice(["automate", "augment"])
    if maybe(0.7):
        metric: dict[str, Any] = {"name": _text(rng, "Share of", i)}
        if maybe(0.7):
            metric.update(
                unit="%",
                baseline=rng.randint(10, 60),
                target=rng.randint(61, 95),
                direction="increase",
            )
        problem["business_metric"] = metric
    if problem:
        proposal["problem"] = problem

    if maybe(0.7):
        value: dict[str, Any] = {"currency": rng.choice(["EUR", "USD", "GBP"])}
        if maybe(0.9):
            value["annual_value"] = rng.randrange(0, 2_000_000, 1000)
        if maybe(0.8):
            value["one_off_cost"] = rng.randrange(0, 800_000, 1000)
        if maybe(0.7):
            value["annual_running_cost"] = rng.randrange(0, 300_000, 1000)
        if maybe(0.7):
            value["confidence"] = rng.choice(["low", "medium", "high"])
        if maybe(0.5):
            value["months_to_value"] = rng.randint(1, 24)
        if maybe(0.6):
            value["basis"] = _text(rng, "Value from volumes times margin", i)
        proposal["value"] = value

    data: dict[str, Any] = {}
    if maybe(0.8):
        data["sources"] = [
            {
                "name": f"Source {k} of case {i}",
                "owner": rng.choice(TEAMS),
                "access": rng.choice(["granted", "granted", "requested", "refused", "unknown"]),
            }
            for k in range(rng.randint(1, 4))
        ]
    if maybe(0.7):
        data["labels"] = rng.choice(["available", "partial", "planned", "none"])
    for key in ("labelling_plan", "golden_set", "representativeness", "split_plan"):
        if maybe(0.6):
            data[key] = _text(rng, key.replace("_", " ").capitalize(), i)
    if maybe(0.6):
        data["leakage_exposure"] = rng.sample(LEAKAGE, rng.randint(0, 3))
    if data:
        proposal["data"] = data

    if maybe(0.7):
        crew = rng.sample(PEOPLE, rng.randint(1, 6))
        proposal["roles"] = {
            role: rng.choice([*crew, "vacant"]) if rng.random() < 0.9 else "TBD"
            for role in ROLES
            if rng.random() < 0.3 + maturity * 0.7
        } or {"data_scientist": crew[0]}

    delivery: dict[str, Any] = {}
    for key in ("mvp", "technical_evidence", "ab_plan", "integration"):
        if maybe(0.6):
            delivery[key] = _text(rng, key.replace("_", " ").capitalize(), i)
    if maybe(0.6):
        delivery["serving"] = rng.choice(["batch", "online", "streaming", "embedded", "report"])
    if maybe(0.5):
        delivery["uses_llm"] = rng.random() < 0.3
    if maybe(0.5):
        delivery["online_metrics"] = [_text(rng, "Metric", i)]
    if maybe(0.4):
        delivery["guardrails"] = [_text(rng, "Guardrail", i)]
    if maybe(0.4):
        delivery["home"] = rng.choice(["incubator", "product_line"])
    if delivery:
        proposal["delivery"] = delivery

    risks: dict[str, Any] = {}
    if maybe(0.7):
        risks["human_oversight"] = rng.choice(
            ["none", "spot-checks", "review-before-action", "human-decides"]
        )
    if maybe(0.6):
        risks["personal_data"] = rng.random() < 0.5
    if maybe(0.5):
        risks["privacy_review"] = rng.choice(["not-needed", "planned", "done", "none"])
    if maybe(0.4):
        risks["affected_groups"] = [f"Group {k}" for k in range(rng.randint(1, 3))]
    if maybe(0.4):
        risks["regulation"] = _text(rng, "Regulation", i)
    factors = {
        factor: {"severity": rng.randint(0, 4), "likelihood": rng.randint(0, 4)}
        for factor in RISK_FACTORS
        if maybe(0.6)
    }
    if factors:
        risks["factors"] = factors
    if risks:
        proposal["risks"] = risks

    evidence: dict[str, Any] = {}
    for criterion in EVIDENCE_CRITERIA:
        if maybe(0.6):
            evidence[criterion] = (
                level() if rng.random() < 0.7 else {"level": level(), "note": _text(rng, "Note", i)}
            )
    if evidence:
        proposal["evidence"] = evidence

    checklists: dict[str, dict[str, str]] = {}
    for checklist, items in CHECKLISTS.items():
        if maybe(0.6):
            answers = {item: rng.choice(ANSWERS) for item in items if maybe(0.8)}
            if answers:
                checklists[checklist] = answers
    if checklists:
        proposal["checklists"] = checklists
    return proposal


def proposal_id(i: int) -> str:
    return f"synthetic-{i:05d}"


def write_proposals(folder: Path | str, n: int, seed: int = 0) -> list[Path]:
    """Write ``n`` synthetic proposals into ``folder``; the same seed gives the same files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(n):
        path = folder / f"{proposal_id(i)}.yaml"
        text = yaml.dump(
            make_proposal(i, rng), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
        )
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
