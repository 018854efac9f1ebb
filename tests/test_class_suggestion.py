"""A risk class suggested from what a use case says (issue 26, item 1).

The rules are data in the rubric (``class_suggestions``), each citing its source; a
proposal whose stakes section is unanswered takes the suggested class's band as its risk
prior. Proposals are written as files and scored with `sweetspot score --format json`, as a
user runs it; the rules themselves are checked through the engine's ``suggest_class``.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from sitekit import use_case

from scoring.cli.main import main as cli
from scoring.cli.scorefile import scores_schema
from scoring.model.cardjson import expand, pack
from scoring.model.suggestion import MAX_CACHED_WORD, compiled, suggest_class
from scoring.rubric import load_rubric
from scoring.rubric.loading import default_rubric_path

RUBRIC = load_rubric()
BASE: dict[str, Any] = {"schema_version": 1, "team": "Operations", "stage": "production"}
HIGH_BAND = (40.0, 85.0)

# What a reader would write about a use, and the class and reason they would expect.
KNOWN: dict[str, tuple[str, str, str | None, str | None]] = {
    # id: (title, summary, expected class, words expected in the reason)
    "face-at-the-gate": (
        "Facial recognition of travellers",
        "Cameras at the boarding gate compare each traveller's face with the photo on file.",
        "high",
        "biometric identification of people",
    ),
    "benefit-eligibility": (
        "Benefit eligibility screening",
        "A model decides which applicants are eligible for unemployment insurance payments.",
        "high",
        "eligibility for, or entitlement to, public benefits",
    ),
    "tenant-screening": (
        "Tenant screening",
        "Scores rental applications so landlords can screen tenants for public housing.",
        "high",
        "housing",
    ),
    "hiring-ranker": (
        "Resume ranking",
        "Ranks job applicants for recruiters before the first interview.",
        "high",
        "hiring",
    ),
    "citizen-chatbot": (
        "Answers for citizens",
        "A chatbot on the website answers questions from the public about opening hours.",
        "limited",
        "talks to people directly",
    ),
    "plain-language-helper": (
        "Plain-language writing helper",
        "A language model rewrites letters in plain language; staff edit and send them.",
        None,
        None,
    ),
    "rainfall-forecast": (
        "Rainfall nowcasting",
        "Forecasts rainfall for the next six hours from radar images.",
        None,
        None,
    ),
}
# Rewordings of one use that keep its meaning, so they keep its suggested class.
PARAPHRASES: dict[str, tuple[str, list[str]]] = {
    "high": (
        "biometric",
        [
            "Facial recognition confirms the identity of each traveller at the gate.",
            "Uses face-matching to check that passengers are who they claim to be.",
            "Matches the faces of people boarding against their passport photos.",
            "Identifies travellers from their biometrics (face and fingerprints).",
            "Face recognition software verifies travelers' identity before boarding.",
        ],
    ),
    "high-benefits": (
        "benefits",
        [
            "Decides whether applicants are eligible for disability benefits.",
            "Helps caseworkers determine eligibility for disability benefits.",
            "Scores each disability claim to decide if the claimant is entitled to payment.",
            "Flags benefit claims that look fraudulent for review before payment.",
        ],
    ),
    "limited": (
        "chatbot",
        [
            "A chatbot answers residents' questions about bin collection.",
            "Virtual assistant that responds to public inquiries about parking permits.",
            "An AI assistant chats with visitors on the website to answer their questions.",
        ],
    ),
}
AGENCY_WORDS = {
    "cbp", "dhs", "doj", "fbi", "ice", "irs", "ssa", "tsa", "uscis", "usda", "hhs", "cms",
    "dea", "atf", "va", "vha", "fda", "nasa", "noaa", "faa", "hud", "epa", "ftc", "cftc",
}  # fmt: skip


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def score(tmp_path: Path, proposals: dict[str, dict[str, Any]], *extra: str) -> Run:
    """`sweetspot score --format json` on the proposals written as files, in this process
    (the same entry point as the command, without starting Python again)."""
    folder = tmp_path / "proposals"
    folder.mkdir()
    for pid, data in proposals.items():
        (folder / f"{pid}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(tmp_path), redirect_stdout(out), redirect_stderr(err):
        code = cli(["score", str(folder), "--format", "json", *extra])
    return Run(code, out.getvalue(), err.getvalue())


def scored(tmp_path: Path, proposals: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    done = score(tmp_path, proposals)
    assert done.returncode == 0, done.stderr
    return {p["id"]: p for p in json.loads(done.stdout)["proposals"]}


def file_of(title: str, summary: str, **sections: Any) -> dict[str, Any]:
    return {**BASE, "title": title, "summary": summary, **sections}


# ---- the rules as data --------------------------------------------------------------------


def test_builtin_rules_load_each_citing_its_source_and_naming_no_organisation() -> None:
    rules = RUBRIC.class_suggestions.rules
    assert len(rules) >= 15
    assert {r.suggests for r in rules} == {"high", "limited"}
    for rule in rules:
        assert re.search(r"EU AI Act (Annex|Art\.)|OMB M-25-21", rule.source), rule.id
        words = {w.rstrip("*") for term in (*rule.words, *rule.with_words) for w in term.split()}
        assert not words & AGENCY_WORDS, (rule.id, words & AGENCY_WORDS)
    limited = [r for r in rules if r.suggests == "limited"]
    assert all("Art. 50" in r.source for r in limited)  # only Art. 50 sets limited


def bad_rubric(tmp_path: Path, change: Any) -> Path:
    data = yaml.safe_load(default_rubric_path().read_text("utf-8"))
    change(data["class_suggestions"])
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        (
            lambda s: s["rules"][0].update(suggests="severe"),
            "class_suggestions.rules[0].suggests",
            "severe",
        ),
        (
            lambda s: s["rules"][1].update(words=["Facial Recognition!"]),
            "class_suggestions.rules[1].words[0]",
            "",
        ),
        (
            lambda s: s["rules"][2].update(texts=["outputz"]),
            "class_suggestions.rules[2].texts[0]",
            "text 'outputz' is not defined",
        ),
        (
            lambda s: s["rules"][3].update(when={"fact": "risk_class", "equals": "high"}),
            "class_suggestions.rules[3].when",
            "proposal fields only",
        ),
        (
            lambda s: s["rules"][5].update(id=s["rules"][4]["id"]),
            "class_suggestions.rules[5].id",
            "used twice",
        ),
    ],
    ids=["class", "term", "text", "fact", "duplicate"],
)
def test_a_bad_rule_is_refused_naming_the_rubric_file_and_field(
    tmp_path: Path, change: Any, field: str, says: str
) -> None:
    path = bad_rubric(tmp_path, change)
    done = score(tmp_path, {"one": file_of("A", "B")}, "--rubric", str(path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    line = next(ln for ln in done.stderr.splitlines() if field in ln)
    assert line.startswith("rubric.yaml:"), line
    assert says in line


def test_a_custom_rubric_without_the_section_takes_the_builtin_rules(tmp_path: Path) -> None:
    data = yaml.safe_load(default_rubric_path().read_text("utf-8"))
    del data["class_suggestions"]
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    assert load_rubric(path).class_suggestions == RUBRIC.class_suggestions


# ---- what the rules suggest ---------------------------------------------------------------


@pytest.mark.parametrize("pid", list(KNOWN))
def test_known_uses_suggest_the_expected_class_with_the_reason(pid: str) -> None:
    title, summary, expected, reason = KNOWN[pid]
    suggestion = suggest_class(use_case(pid, title, summary, {}), RUBRIC)
    assert suggestion.risk_class == expected
    if reason is not None:
        assert reason in suggestion.reason
        assert suggestion.words  # the words that matched are kept
        assert all(r.source for r in suggestion.rules)


@pytest.mark.parametrize("group", list(PARAPHRASES))
def test_rewording_a_summary_keeps_its_suggested_class(group: str) -> None:
    expected = group.split("-")[0]
    _, summaries = PARAPHRASES[group]
    found = {
        s: suggest_class(use_case("p", "A service", s, {}), RUBRIC).risk_class for s in summaries
    }
    assert set(found.values()) == {expected}, found


NEUTRAL = [
    "It runs every night.",
    "The team owns the pipeline.",
    "Results appear in a dashboard.",
    "It replaced a spreadsheet in 2023.",
    "Costs are covered by the operations budget.",
]


@settings(max_examples=60, deadline=None)
@given(
    group=st.sampled_from(sorted(PARAPHRASES)),
    pick=st.integers(min_value=0, max_value=10),
    before=st.lists(st.sampled_from(NEUTRAL), max_size=3),
    after=st.lists(st.sampled_from(NEUTRAL), max_size=3),
    upper=st.booleans(),
    hyphens=st.booleans(),
)
def test_wording_that_changes_no_meaning_keeps_the_class(
    group: str, pick: int, before: list[str], after: list[str], upper: bool, hyphens: bool
) -> None:
    """Sentences around it, capitals and hyphens for spaces leave the suggestion as it is."""
    _, summaries = PARAPHRASES[group]
    core = summaries[pick % len(summaries)]
    text = " ".join([*before, core, *after])
    if upper:
        text = text.upper()
    if hyphens:
        text = text.replace("face matching", "face-matching").replace("chat bot", "chat-bot")
    assert (
        suggest_class(use_case("p", "A service", text, {}), RUBRIC).risk_class
        == group.split("-")[0]
    )


def test_a_plain_language_helper_using_a_language_model_is_not_suggested_high(
    tmp_path: Path,
) -> None:
    """A language model is a capability, not a stake: the helper stays unassessed with no
    figure, below facial recognition of travellers, whose words suggest high."""
    helper = file_of(
        "Plain-language writing helper",
        "A language model rewrites agency letters in plain language; staff edit every draft.",
        delivery={"uses_llm": True},
    )
    faces = file_of(
        "Facial recognition of travellers",
        "Matches each traveller's face with the passport photo at the gate.",
    )
    cards = scored(tmp_path, {"helper": helper, "faces": faces})
    assert cards["helper"]["suggested_class"] is None and cards["helper"]["suggested_rules"] == []
    assert cards["helper"]["risk"] is None
    assert cards["helper"]["risk_class"] == "unassessed"
    assert cards["faces"]["suggested_class"] == "high"
    assert HIGH_BAND[0] <= cards["faces"]["risk"] <= HIGH_BAND[1]
    assert cards["faces"]["risk"] > RUBRIC.uncertainty.risk_prior_mean  # the neutral prior
    assert cards["faces"]["delivery_risk"] > cards["helper"]["delivery_risk"] - 15


def test_unanswered_stakes_take_the_suggested_band_as_their_prior(tmp_path: Path) -> None:
    """The same use with and without words that suggest high: the suggestion gives the
    risk figure a place in the high band, a higher risk-factor score and delivery risk, and
    the reason says why; the class stays not yet assessed."""
    plain = file_of("Queue forecasting", "Forecasts the length of the queue at each counter.")
    faces = file_of(
        "Queue forecasting with facial recognition",
        "Facial recognition counts and identifies the people waiting at each counter.",
    )
    cards = scored(tmp_path, {"plain": plain, "faces": faces})
    plain_card, faces_card = cards["plain"], cards["faces"]
    assert plain_card["risk"] is None and plain_card["suggested_class"] is None
    assert faces_card["risk_class"] == "unassessed"
    assert HIGH_BAND[0] <= faces_card["risk"] <= HIGH_BAND[1]
    low, high = faces_card["risk_range"]
    assert low <= faces_card["risk"] <= high
    assert high >= HIGH_BAND[1] - 1  # an answer could still make it high, at its worst
    assert faces_card["scores"]["risk_factors"] > plain_card["scores"]["risk_factors"]
    assert faces_card["delivery_risk"] > plain_card["delivery_risk"]
    assert "likely high: biometric identification of people" in faces_card["risk_reason"]
    assert "Annex III 1(a)" in faces_card["risk_reason"]


def test_answered_stakes_decide_as_before(tmp_path: Path) -> None:
    """Answers set the class: a suggestion moves no answered figure."""
    stakes = {"area": "none", "decides_about_people": False, "people_affected": "hundreds"}
    plain = file_of("Queue forecasting", "Forecasts queue length.", stakes=stakes)
    faces = file_of(
        "Queue forecasting",
        "Forecasts queue length; facial recognition counts people.",
        stakes=stakes,
    )
    cards = scored(tmp_path, {"plain": plain, "faces": faces})
    assert cards["plain"]["risk_class"] == cards["faces"]["risk_class"] == "minimal"
    assert cards["plain"]["risk"] == cards["faces"]["risk"]
    assert cards["faces"]["suggested_class"] is None  # it says it decides about nobody


def test_a_declared_class_below_the_suggestion_stays_declared_beside_it(tmp_path: Path) -> None:
    faces = file_of(
        "Facial recognition of travellers",
        "Matches each traveller's face with the passport photo at the gate.",
        stakes={"declared_class": "limited", "declared_basis": "Our own review"},
    )
    card = scored(tmp_path, {"faces": faces})["faces"]
    assert card["risk_class"] == "limited"
    assert 20.0 <= card["risk"] <= 60.0  # the declared class's band
    assert card["suggested_class"] == "high"
    rule = next(r for r in card["suggested_rules"] if r["id"] == "biometric_identification")
    assert rule["words"] and "Annex III 1(a)" in rule["source"]
    assert "title" in rule["texts"] or "summary" in rule["texts"]
    errors = Draft202012Validator(scores_schema()).iter_errors({"proposals": [card]})
    assert not [e.message for e in errors]


def test_the_terminal_table_shows_a_suggested_class_with_a_question_mark(tmp_path: Path) -> None:
    faces = file_of("Facial recognition at the gate", "Matches travellers' faces to passports.")
    plain = file_of("Queue forecasting", "Forecasts the length of the queue at each counter.")
    done = score(tmp_path, {"faces": faces, "plain": plain}, "--format", "table")
    assert done.returncode == 0, done.stderr
    rows = {
        line.split()[0]: line for line in done.stdout.splitlines() if line[:5] in ("faces", "plain")
    }
    assert " high? " in rows["faces"]
    assert "not yet assessed" in rows["plain"]
    assert "likely high: biometric identification of people" in done.stdout


@pytest.mark.parametrize(
    "text",
    ["facial " * 40_000, "a" * 250_000, "face " * 50_000 + "match", ". " * 100_000],
    ids=["repeated-first-word", "one-long-word", "phrase-never-closed", "sentence-ends"],
)
def test_hostile_text_is_read_in_bounded_time(text: str) -> None:
    """A summary as large as a proposal file may be reads at most MAX_TEXT characters per
    text, in linear time, and long words are not kept in the word cache."""
    start = time.perf_counter()
    suggest_class(use_case("x", "t", text, {}), RUBRIC)
    assert time.perf_counter() - start < 2.0
    assert max(map(len, compiled(RUBRIC).cache), default=0) <= MAX_CACHED_WORD


def test_portfolio_json_writes_the_rules_texts_once_and_expands_back(tmp_path: Path) -> None:
    faces = file_of("Facial recognition at the gate", "Matches travellers' faces to passports.")
    cards = scored(tmp_path, {"a": faces, "b": faces})
    texts: dict[str, dict[str, Any]] = {}
    packed = [pack(entry, texts)[0] for entry in cards.values()]
    assert "biometric_identification" in texts["suggested_rules"]
    assert "source" not in json.dumps(packed[1]["suggested_rules"]["cols"])
    expanded = expand({"proposals": packed, "texts": texts})
    assert [e["suggested_rules"] for e in expanded] == [
        c["suggested_rules"] for c in cards.values()
    ]
    assert [e["suggested_class"] for e in expanded] == ["high", "high"]
