"""Decisions on record (#29): decision files checked like proposals, their status at the
build date, and what they change: accepted flags leave "at risk" until they expire, a
missed condition puts the proposal in Needs review, a change to the fields a decision
covers marks it for renewal."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from sitekit import REPO

from scoring.cli.main import main
from scoring.model.decisions import (
    ACTIVE,
    EXPIRED,
    NEEDS_RENEWAL,
    REVOKED,
    DecisionRegister,
    read_register,
    scope_hash,
)
from scoring.model.scorecard import score_intake
from scoring.proposals.loading import load_proposals
from scoring.rubric import load_rubric

LLM = "support-reply-drafts-llm"  # raises labels_without_guidelines (medium)
CARRIER = "carrier-delay-alerts"  # stage approved
ACCEPTED = "labels_without_guidelines"
DECIDERS = ["Frederik Aalto", "Pieter Janssens"]

ACCEPTANCE = f"""\
proposal: {LLM}
kind: risk_acceptance
requested_by: Camille Laurent
decided_by: Frederik Aalto
date: 2026-11-20
expires: 2027-05-31
scope:
  flag: {ACCEPTED}
"""

APPROVAL = f"""\
proposal: {CARRIER}
kind: approval
requested_by: Daan Visser
decided_by: Pieter Janssens
date: 2026-11-02
scope:
  stage: approved
conditions:
  - id: guidelines
    text: Labelling guidelines written
    due: 2027-06-30
"""

CLOSURE = f"""\
proposal: {CARRIER}
kind: closure
requested_by: Daan Visser
decided_by: Pieter Janssens
date: 2027-06-15
scope:
  decision: approval
  condition: guidelines
"""


def project(tmp_path: Path, decisions: dict[str, str]) -> Path:
    """Two demo proposals and the given decision files, in a fresh folder."""
    proposals = tmp_path / "content" / "proposals"
    proposals.mkdir(parents=True)
    for proposal_id in (LLM, CARRIER):
        shutil.copy(REPO / "content" / "proposals" / f"{proposal_id}.yaml", proposals)
    folder = tmp_path / "decisions"
    folder.mkdir()
    for name, text in decisions.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def scored(root: Path, today: date):  # type: ignore[no-untyped-def]
    rubric = load_rubric(None)
    intake = load_proposals([root / "content" / "proposals"], rubric)
    register = read_register(root / "decisions", rubric, intake, today, DECIDERS, root=root)
    assert register is not None
    assert register.problems == ()
    portfolio = score_intake(intake, rubric, decisions=register)
    return portfolio, register


def validate(root: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> int:
    monkeypatch.chdir(root)
    return main(["validate", "content/proposals", "--decisions", "decisions", *extra])


# -- checking the files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            ACCEPTANCE.replace("decided_by:", "decided_bye:"),
            "decisions/bad.yaml:4:1: decided_bye: unknown field 'decided_bye' in the top "
            "level; did you mean 'decided_by'?",
        ),
        (
            ACCEPTANCE.replace("expires: 2027-05-31\n", ""),
            "decisions/bad.yaml:1:1: a risk_acceptance needs 'expires': the last day it holds",
        ),
        (
            ACCEPTANCE.replace("decided_by: Frederik Aalto", "decided_by: camille  laurent"),
            "decisions/bad.yaml:4:13: decided_by: a decider never decides their own request",
        ),
        (
            ACCEPTANCE.replace("decided_by: Frederik Aalto", "decided_by: Frederik Alto"),
            "decisions/bad.yaml:4:13: decided_by: 'Frederik Alto' is not one of the site's "
            "deciders; did you mean 'Frederik Aalto'?",
        ),
        (
            ACCEPTANCE.replace(ACCEPTED, "labels_without_guideline"),
            "decisions/bad.yaml:8:9: scope.flag: no flag 'labels_without_guideline'; did you "
            f"mean '{ACCEPTED}'?",
        ),
        (
            ACCEPTANCE.replace("kind: risk_acceptance", "kind: waiver")
            .replace(f"  flag: {ACCEPTED}", "  obligation: omb-m-25-21:impact-assessment")
            .replace("2027-05-31", "2028-01-01"),
            "decisions/bad.yaml:6:10: expires: a waiver is recertified every year: expires "
            "is at most 2027-11-20",
        ),
        (
            ACCEPTANCE.replace("kind: risk_acceptance", "kind: waiver").replace(
                f"  flag: {ACCEPTED}", "  obligation: impact_assessment"
            ),
            "decisions/bad.yaml:8:15: scope.obligation: 'impact_assessment' is not valid: "
            "write it as profile_id:obligation_id, for example omb-m-25-21:impact-assessment",
        ),
        (
            ACCEPTANCE.replace("kind: risk_acceptance", "kind: waiver").replace(
                f"  flag: {ACCEPTED}", "  obligation: eu-ai-act-2026:human_oversight"
            ),
            "decisions/bad.yaml:8:15: scope.obligation: no obligation "
            "'eu-ai-act-2026:human_oversight'; did you mean 'eu-ai-act-2026:human-oversight'?",
        ),
        (
            ACCEPTANCE.replace("2026-11-20", "2026-02-30"),
            "decisions/bad.yaml:5:7: date: '2026-02-30' is not a day of the calendar",
        ),
        (
            ACCEPTANCE.replace(f"proposal: {LLM}", "proposal: support-reply-draft-llm"),
            "decisions/bad.yaml:1:11: proposal: no proposal 'support-reply-draft-llm'; did you "
            f"mean '{LLM}'?",
        ),
        (
            CLOSURE.replace("condition: guidelines", "condition: guideline"),
            "decisions/bad.yaml:8:14: scope: decision 'approval' has no condition "
            "'guideline'; did you mean 'guidelines'?",
        ),
    ],
)
def test_validate_names_the_file_line_and_field_of_a_bad_decision(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    expected: str,
) -> None:
    root = project(tmp_path, {"approval": APPROVAL, "bad": text})
    (root / "mkdocs.yml").write_text(
        "site_name: t\nplugins:\n  - sweetspot:\n      deciders: [Frederik Aalto, Pieter "
        "Janssens]\n",
        encoding="utf-8",
    )
    assert validate(root, monkeypatch) == 1
    out = capsys.readouterr()
    assert expected in out.out.splitlines(), out.out
    assert "Traceback" not in out.out + out.err
    assert "2 decision files checked: 1 valid, 1 invalid" in out.out


def test_a_symlinked_decision_is_refused_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, {})
    secret = tmp_path / "secret.yaml"
    secret.write_text(ACCEPTANCE, encoding="utf-8")
    (root / "decisions" / "linked.yaml").symlink_to(secret)
    assert validate(root, monkeypatch) == 1
    assert (
        "decisions/linked.yaml: symlinks are not accepted in the decisions folder"
        in capsys.readouterr().out
    )


def test_the_demo_decisions_are_valid(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    assert main(["validate", "--as-of", "2026-12-07"]) == 0
    out = capsys.readouterr().out
    assert "3 decision files checked: 3 valid, 0 invalid, 0 errors" in out
    assert "style hint" not in out  # each demo decision stores its basis


# -- status and effects ----------------------------------------------------------------------


def test_an_accepted_flag_leaves_at_risk_until_its_acceptance_expires(tmp_path: Path) -> None:
    root = project(tmp_path, {"accept": ACCEPTANCE})
    before, _ = scored(root, date(2027, 5, 31))  # its last day
    card = before.card(LLM)
    assert card is not None and card.ledger is not None
    assert ACCEPTED not in [f.id for f in card.flags]
    assert ACCEPTED not in str(card.risk_story)
    granted = card.ledger.accepted_flags[ACCEPTED]
    assert (granted.decided_by, granted.until) == ("Frederik Aalto", date(2027, 5, 31))
    assert card.ledger.states[0].status == ACTIVE

    after, _ = scored(root, date(2027, 6, 1))
    card = after.card(LLM)
    assert card is not None and card.ledger is not None
    flags = {f.id: f for f in card.flags}
    assert ACCEPTED in flags  # back
    expired = flags["decision_expired"]
    assert expired.severity == "red"
    assert "Frederik Aalto" in expired.message and "2027-05-31" in expired.message
    assert card.ledger.states[0].status == EXPIRED
    assert card.state == "reconsider"  # a red flag stops it, as any other does


def test_a_missed_condition_puts_the_proposal_in_needs_review(tmp_path: Path) -> None:
    root = project(tmp_path, {"approval": APPROVAL})
    on_time, _ = scored(root, date(2027, 6, 30))
    card = on_time.card(CARRIER)
    assert card is not None and card.ledger is not None
    assert card.ledger.needs_review == ()
    assert [c.condition.id for c in card.ledger.open_conditions] == ["guidelines"]

    late, _ = scored(root, date(2027, 7, 1))
    card = late.card(CARRIER)
    assert card is not None and card.ledger is not None
    assert len(card.ledger.needs_review) == 1
    assert "was due on 2027-06-30" in card.ledger.needs_review[0]
    review = [f for f in card.flags if f.id == "needs_review"]
    assert review and review[0].title.startswith("Needs review")


def test_a_closure_decision_meets_the_condition(tmp_path: Path) -> None:
    root = project(tmp_path, {"approval": APPROVAL, "closed": CLOSURE})
    late, _ = scored(root, date(2027, 7, 1))
    card = late.card(CARRIER)
    assert card is not None and card.ledger is not None
    assert card.ledger.needs_review == ()
    assert card.ledger.conditions[0].met_by == "closed"
    assert "needs_review" not in [f.id for f in card.flags]


def test_only_a_change_to_the_fields_it_covers_needs_renewal(tmp_path: Path) -> None:
    root = project(tmp_path, {})
    scored(root, date(2026, 12, 7))  # no decisions yet: nothing to adjust
    rubric = load_rubric(None)
    intake = load_proposals([root / "content" / "proposals"], rubric)
    proposal = next(p for p in intake.proposals if p.id == LLM)
    probe = read_register(
        _write(root, "accept", ACCEPTANCE), rubric, intake, date(2026, 12, 7), DECIDERS
    )
    assert probe is not None
    basis = scope_hash(probe.decisions[0], proposal)
    _write(root, "accept", ACCEPTANCE + f"basis: {basis}\n")
    source = root / "content" / "proposals" / f"{LLM}.yaml"
    text = source.read_text("utf-8")

    source.write_text(re.sub(r"(?m)^title: .*$", "title: Renamed", text), encoding="utf-8")
    renamed, _ = scored(root, date(2026, 12, 7))
    card = renamed.card(LLM)
    assert card is not None and card.ledger is not None
    assert card.ledger.states[0].status == ACTIVE

    changed = text.replace("  privacy_review: planned", "  privacy_review: done")
    assert changed != text
    source.write_text(changed, encoding="utf-8")
    moved, _ = scored(root, date(2026, 12, 7))
    card = moved.card(LLM)
    assert card is not None and card.ledger is not None
    assert card.ledger.states[0].status == NEEDS_RENEWAL
    assert ACCEPTED in [f.id for f in card.flags]
    assert "decision_needs_renewal" in [f.id for f in card.flags]


def _write(root: Path, name: str, text: str) -> Path:
    (root / "decisions" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root / "decisions"


def test_a_revoked_acceptance_no_longer_holds(tmp_path: Path) -> None:
    revocation = (
        ACCEPTANCE.replace("kind: risk_acceptance", "kind: revocation")
        .replace("expires: 2027-05-31\n", "")
        .replace(f"  flag: {ACCEPTED}", "  decision: accept")
        .replace("2026-11-20", "2026-12-01")
        + "grounds: The pilot widened to all agents.\n"
    )
    root = project(tmp_path, {"accept": ACCEPTANCE, "revoke": revocation})
    portfolio, _ = scored(root, date(2026, 12, 7))
    card = portfolio.card(LLM)
    assert card is not None and card.ledger is not None
    assert card.ledger.states[0].status == REVOKED
    assert ACCEPTED in [f.id for f in card.flags]


def test_approved_without_an_approval_decision_says_so(tmp_path: Path) -> None:
    root = project(tmp_path, {"accept": ACCEPTANCE})
    portfolio, _ = scored(root, date(2026, 12, 7))
    carrier, llm = portfolio.card(CARRIER), portfolio.card(LLM)
    assert carrier is not None and carrier.ledger is not None and carrier.ledger.approved_no_record
    assert llm is not None and llm.ledger is not None and not llm.ledger.approved_no_record


def test_no_decisions_folder_changes_nothing(tmp_path: Path) -> None:
    rubric = load_rubric(None)
    intake = load_proposals([REPO / "content" / "proposals"], rubric)
    assert read_register(tmp_path / "none", rubric, intake, date(2026, 12, 7)) is None
    assert isinstance(DecisionRegister((), date(2026, 12, 7)).about(LLM), tuple)


# -- the pull-request check ------------------------------------------------------------------


def test_an_expired_decision_fails_the_check_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, {"accept": ACCEPTANCE})
    assert validate(root, monkeypatch, "--as-of", "2027-06-01") == 0
    warned = capsys.readouterr().out
    assert (
        "decisions/accept.yaml: warning: the risk acceptance of flag labels_without_guidelines "
        f"for {LLM} expired (expired after 2027-05-31) as of 2027-06-01" in warned
    )
    assert validate(root, monkeypatch, "--as-of", "2027-06-01", "--decisions-expired", "fail") == 1
    assert validate(root, monkeypatch, "--as-of", "2027-05-31", "--decisions-expired", "fail") == 0


def test_a_bad_as_of_date_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, {})
    assert validate(root, monkeypatch, "--as-of", "next week") == 2
    assert "build_date must be a date written YYYY-MM-DD" in capsys.readouterr().err


def test_a_symlinked_decisions_folder_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path / "site", {})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "accept.yaml").write_text(ACCEPTANCE, encoding="utf-8")
    (root / "decisions").rmdir()
    (root / "decisions").symlink_to(elsewhere, target_is_directory=True)
    assert validate(root, monkeypatch) == 1
    out = capsys.readouterr().out
    assert "decisions: the decisions folder is a symlink and is not read" in out
    assert "accept" not in out


def test_an_active_waiver_is_the_obligations_record_until_it_expires(tmp_path: Path) -> None:
    """The obligations module (#27) reads waivers in force from the decisions: "waived by"
    the decision instead of a gap; once the waiver expires, the obligation counts again."""
    from scoring.model.obligations import make_context

    credit = "credit-scorecard-challenger"
    proposals = tmp_path / "content" / "proposals"
    proposals.mkdir(parents=True)
    shutil.copy(REPO / "content" / "proposals" / f"{credit}.yaml", proposals)
    (tmp_path / "decisions").mkdir()
    (tmp_path / "decisions" / "waiver.yaml").write_text(
        f"""\
proposal: {credit}
kind: waiver
requested_by: Tomasz Wierzbicki
decided_by: Noor Bakker
date: 2026-09-15
expires: 2027-09-14
scope:
  obligation: eu-ai-act-2026:human-oversight
""",
        encoding="utf-8",
    )
    rubric = load_rubric(None)
    intake = load_proposals([proposals], rubric)

    def oversight(day: date) -> tuple[str, str]:
        register = read_register(tmp_path / "decisions", rubric, intake, day)
        context = make_context(rubric, ["eu-ai-act-2026"], day)
        card = score_intake(intake, rubric, context, register).cards[0]
        item = next(o for r in card.compliance for o in r.obligations if o.id == "human-oversight")
        return item.status, item.note

    assert oversight(date(2027, 9, 14)) == (
        "waived",
        "waived by Noor Bakker until 2027-09-14 (waiver)",
    )
    assert oversight(date(2027, 9, 15))[0] != "waived"
