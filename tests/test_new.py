"""`sweetspot new`: the draft it writes validates, and it refuses what it should."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from scoring.cli.main import main
from scoring.cli.new import yaml_scalar
from scoring.proposals.loading import load_one
from scoring.proposals.proposal import Proposal
from scoring.rubric import load_rubric
from scoring.sources.yamlsource import load_text

RUBRIC = load_rubric()


class FakeTerminal(io.StringIO):
    """Standard input that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "proposals"
    target.mkdir()
    return target


@pytest.fixture
def no_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


@pytest.fixture
def tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", FakeTerminal(""))


def answers(monkeypatch: pytest.MonkeyPatch, replies: list[str]) -> list[str]:
    """Feed ``replies`` to input() and return the list of prompts shown."""
    prompts: list[str] = []
    pending = iter(replies)

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        try:
            return next(pending)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    return prompts


def load(path: Path) -> Proposal:
    loaded = load_one(path, RUBRIC)
    assert isinstance(loaded, Proposal), [p.as_text() for p in loaded.problems]
    return loaded


def new(folder: Path, *args: str) -> int:
    return main(["new", *args, "--dir", str(folder)])


def test_flags_write_a_valid_commented_draft(
    folder: Path, no_tty: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code = new(
        folder,
        "churn-forecast",
        "--title",
        "Forecast subscriber churn",
        "--summary",
        "Rank subscribers by their chance of cancelling next month.",
        "--team",
        "Marketing",
        "--owner",
        "Dana Okafor",
        "--sponsor",
        "Head of CRM",
        "--stage",
        "proposed",
    )
    assert code == 0
    path = folder / "churn-forecast.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "# yaml-language-server: $schema=proposal.schema.json"
    assert "schema_version: 1" in lines
    proposal = load(path)
    assert (proposal.title, proposal.team, proposal.stage) == (
        "Forecast subscriber churn",
        "Marketing",
        "proposed",
    )
    assert (proposal.owner, proposal.sponsor) == ("Dana Okafor", "Head of CRM")
    # Every section of the format is present, explained, and commented out until answered.
    for section in ("problem", "value", "data", "roles", "delivery", "risks", "evidence"):
        assert f"# {section}:" in lines
    assert "# The decision the model changes." in text
    # Every checklist item of the rubric is listed as unknown, with its text as a comment.
    for checklist in RUBRIC.checklists:
        for item in checklist.items:
            line = next(x for x in lines if x.strip().startswith(f"{item.id}: unknown"))
            assert item.text in line
    answers_given = proposal.get("checklists")
    assert {c.id for c in RUBRIC.checklists} == set(answers_given)
    out = capsys.readouterr().out
    assert str(path) in out and "sweetspot validate" in out
    assert main(["validate", str(folder)]) == 0


def test_default_stage_and_unset_optional_fields(folder: Path, no_tty: None) -> None:
    assert (
        new(
            folder,
            "demo",
            "--title",
            "Demo project",
            "--summary",
            "A summary that is long enough.",
            "--team",
            "Risk",
        )
        == 0
    )
    text = (folder / "demo.yaml").read_text(encoding="utf-8")
    proposal = load(folder / "demo.yaml")
    assert proposal.stage == "idea"
    assert proposal.owner is None and proposal.sponsor is None
    assert "# owner:" in text and "# sponsor:" in text


@pytest.mark.parametrize(
    "title",
    [
        "Predict: late 'payments' | #1 <b>now</b>",
        "yes",
        "1.5",
        "@here - {not: a mapping}",
        "  padded title  ",
    ],
)
def test_user_values_are_quoted_safely(folder: Path, no_tty: None, title: str) -> None:
    summary = "First line of the summary.\nSecond line: with a colon, # and 'quotes'."
    assert new(folder, "tricky", "--title", title, "--summary", summary, "--team", "no") == 0
    proposal = load(folder / "tricky.yaml")
    assert proposal.title == title.strip()
    assert proposal.summary == summary
    assert proposal.team == "no"


def test_yaml_scalar_round_trips() -> None:
    for value in [
        "yes",
        "No",
        "~",
        "null",
        "0755",
        "1:30",
        "a: b",
        "- x",
        "multi\nline",
        "trailing  ",
        "'",
        '"',
        "#hash",
        "ünïcødé",
    ]:
        document = load_text(f"key: {yaml_scalar(value)}\n", "t").document
        assert document is not None and document.data["key"] == value.strip("\n"), value


def test_interactive_prompts_for_everything(
    folder: Path, tty: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts = answers(
        monkeypatch,
        [
            "Route tickets automatically",
            "Send each ticket to the right queue on arrival.",
            "Customer Support",
            "",
            "Dario Esposito",
        ],
    )
    assert new(folder, "ticket-routing") == 0
    assert len(prompts) == 5
    assert [p.split()[0] for p in prompts] == ["Title", "Summary", "Team", "Stage", "Owner"]
    proposal = load(folder / "ticket-routing.yaml")
    assert proposal.title == "Route tickets automatically"
    assert proposal.team == "Customer Support"
    assert proposal.stage == "idea"  # Enter takes the default
    assert proposal.owner == "Dario Esposito"


def test_interactive_asks_again_after_a_bad_answer(
    folder: Path, tty: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = answers(
        monkeypatch,
        [
            "",
            "ab",
            "A proper title",
            "Too short",
            "Now this summary is long enough.",
            "Risk",
            "someday",
            "pilot",
            "",
        ],
    )
    assert new(folder, "retry-demo") == 0
    assert len(prompts) == 9
    proposal = load(folder / "retry-demo.yaml")
    assert (proposal.title, proposal.stage, proposal.owner) == ("A proper title", "pilot", None)
    err = capsys.readouterr().err
    assert "title is required" in err and "at least 3 characters" in err
    assert "choose one of" in err


def test_interactive_only_asks_for_missing_required_values(
    folder: Path, tty: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts = answers(monkeypatch, ["Operations"])
    assert (
        new(
            folder,
            "partial",
            "--title",
            "Partial flags",
            "--summary",
            "Only the team is missing here.",
        )
        == 0
    )
    assert len(prompts) == 1 and prompts[0].startswith("Team")
    assert load(folder / "partial.yaml").team == "Operations"


def test_input_ending_early_writes_nothing(
    folder: Path, tty: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers(monkeypatch, ["A title"])
    assert new(folder, "cut-short") == 2
    assert not (folder / "cut-short.yaml").exists()
    assert "nothing was written" in capsys.readouterr().err


def test_no_input_never_prompts(
    folder: Path, tty: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = answers(monkeypatch, ["should not be used"])
    assert new(folder, "quiet", "--title", "Quiet one", "--no-input") == 2
    assert prompts == []
    err = capsys.readouterr().err
    # The summary could be a placeholder; the team cannot.
    assert "missing --team:" in err and "--summary" not in err and "--no-input" in err


def test_without_a_terminal_missing_values_exit_2(
    folder: Path, no_tty: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(folder, "headless", "--title", "Headless run") == 2
    err = capsys.readouterr().err
    assert "missing --team:" in err
    assert "not a terminal" in err
    assert "--title" not in err.split("for example")[0]
    assert not (folder / "headless.yaml").exists()


@pytest.mark.parametrize(
    "bad_id",
    [
        "Churn",
        "churn_forecast",
        "churn--forecast",
        "churn-",
        "churn.yaml",
        "x" * 65,
        "../escape",
        "churn forecast",
        # Windows reserves these names, so validate refuses them as files (issue 22)
        "con",
        "nul",
        "com1",
        "lpt9",
    ],
)
def test_refuses_an_invalid_id(
    folder: Path, no_tty: None, bad_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = new(
        folder,
        bad_id,
        "--title",
        "Valid title",
        "--summary",
        "A valid summary text.",
        "--team",
        "Risk",
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "not a valid proposal id" in err or "Windows reserves" in err
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("existing", ["taken.yaml", "taken.yml", "sub/taken.yaml"])
def test_refuses_an_existing_id(
    folder: Path, no_tty: None, existing: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = folder / existing
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("title: Old\n", encoding="utf-8")
    code = new(
        folder,
        "taken",
        "--title",
        "Valid title",
        "--summary",
        "A valid summary text.",
        "--team",
        "Risk",
    )
    assert code == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "title: Old\n"
    assert not (folder / "taken.yaml").exists() or existing == "taken.yaml"


def test_refuses_values_that_would_not_validate(
    folder: Path, no_tty: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        new(
            folder, "short", "--title", "ab", "--summary", "A valid summary text.", "--team", "Risk"
        )
        == 2
    )
    assert "--title" in capsys.readouterr().err
    assert (
        new(
            folder,
            "stage",
            "--title",
            "Valid title",
            "--summary",
            "A valid summary text.",
            "--team",
            "Risk",
            "--stage",
            "someday",
        )
        == 2
    )
    assert "--stage: invalid choice" in capsys.readouterr().err
    assert list(folder.iterdir()) == []


def test_missing_folder_is_a_usage_error(
    tmp_path: Path, no_tty: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        new(
            tmp_path / "nowhere",
            "demo",
            "--title",
            "Valid title",
            "--summary",
            "A valid summary text.",
            "--team",
            "Risk",
        )
        == 2
    )
    assert "no such folder" in capsys.readouterr().err


def test_draft_is_valid_for_every_stage(folder: Path, no_tty: None) -> None:
    from scoring.proposals.proposal import STAGES

    for stage in (s for s in STAGES if s != "not_reported"):  # only imports leave it out
        slug = f"stage-{stage}"
        assert (
            new(
                folder,
                slug,
                "--title",
                "Valid title",
                "--summary",
                "A valid summary text.",
                "--team",
                "Risk",
                "--stage",
                stage,
            )
            == 0
        )
        assert load(folder / f"{slug}.yaml").stage == stage
