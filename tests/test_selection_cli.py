"""`sweetspot select` (issue 31): what a leader sees in the terminal, CSV and JSON, and the
one-line errors for a bad scenario or budget."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml

from scoring.cli.main import main


def proposal(
    title: str, stage: str, value: int, one_off: int, running: int, **extra: object
) -> str:
    data: dict[str, object] = {
        "title": title,
        "summary": f"{title}: a proposal written for the selection tests.",
        "team": "Risk",
        "stage": stage,
        "value": {
            "currency": "EUR",
            "annual_value": value,
            "one_off_cost": one_off,
            "annual_running_cost": running,
            "confidence": "high",
        },
    }
    data.update(extra)
    return yaml.safe_dump(data, sort_keys=False)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "content" / "proposals"
    folder.mkdir(parents=True)
    files = {
        "feature-store": proposal(
            "Feature store for risk models", "proposed", 50_000, 200_000, 20_000
        ),
        "fraud-model": proposal(
            "Fraud model on the feature store",
            "proposed",
            900_000,
            150_000,
            30_000,
            selection={"requires": ["feature-store"]},
        ),
        "vendor-fraud": proposal(
            "Buy a vendor fraud tool",
            "idea",
            600_000,
            100_000,
            80_000,
            selection={"excludes": ["fraud-model"]},
        ),
        "big-bet": proposal("A very large bet", "idea", 2_000_000, 3_000_000, 500_000),
        "running-pilot": proposal("A pilot already running", "pilot", 100_000, 50_000, 10_000),
        "no-money": (
            "title: Nobody costed this\nsummary: An idea without any figures yet.\n"
            "team: Risk\nstage: idea\n"
        ),
    }
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    config = {
        "site_name": "t",
        "docs_dir": "content",
        "plugins": [
            {
                "sweetspot": {
                    "scenarios": [
                        {"name": "2027 plan", "budget": 800_000, "horizon_years": 3},
                        {"name": "Lean", "budget_per_year": 200_000, "horizon_years": 3},
                    ]
                }
            }
        ],
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_table_names_what_to_fund_and_why_the_rest_is_out(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["select", "--scenario", "2027 plan"]) == 0
    out = capsys.readouterr().out
    assert "Scenario 2027 plan: EUR 800,000 over 3 years" in out
    chosen = out.split("  Chosen:\n")[1].split("  Left out:")[0]
    assert "fraud-model" in chosen and "feature-store" in chosen  # funded with its dependency
    assert "vendor-fraud" in out.split("  Left out:")[1]
    assert "an alternative to fraud-model, which is funded" in out
    assert "big-bet" in out and "over budget" in out
    assert "running-pilot" in out.split("Committed (paid first):")[1].split("Chosen")[0]
    assert "no-money" in out and "not costed" in out


def test_csv_and_json_carry_every_proposal_of_every_scenario(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["select", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["scenario"] for r in rows} == {"2027 plan", "Lean"}
    assert len(rows) == 12
    assert main(["select", "--format", "json", "--budget", "100000"]) == 0
    data = json.loads(capsys.readouterr().out)
    (plan,) = data["scenarios"]
    assert plan["scenario"]["budget"] == 100000
    assert plan["chosen"] == [] or all(isinstance(pid, str) for pid in plan["chosen"])
    assert plan["frontier"] and any(point["chosen"] for point in plan["frontier"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--scenario", "2028"],
            "no scenario named '2028' in mkdocs.yml (scenarios: 2027 plan, Lean)",
        ),
        (["--budget", "-5"], "--budget must be an amount of at least 0, not -5"),
    ],
)
def test_a_bad_choice_is_one_line_with_exit_2(
    site: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["select", *args]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"sweetspot: error: {message}"


def test_a_bad_scenario_in_the_config_names_the_file_and_field(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = yaml.safe_load((site / "mkdocs.yml").read_text())
    config["plugins"][0]["sweetspot"]["scenarios"] = [{"name": "X", "budget": "lots"}]
    (site / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    assert main(["select"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "sweetspot: error: mkdocs.yml: sweetspot: scenarios[0] (X).budget must be a number "
        "of at least 0, not 'lots'"
    )
    assert "Traceback" not in err


def test_without_scenarios_it_asks_for_a_budget(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (site / "mkdocs.yml").write_text("site_name: t\nplugins: [sweetspot]\n", encoding="utf-8")
    assert main(["select"]) == 2
    assert "give --budget AMOUNT" in capsys.readouterr().err


def test_diff_says_when_a_change_moves_the_chosen_set(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_diff import commit, git

    empty = site.parent / "gitconfig"
    empty.write_text("", encoding="utf-8")
    for name, value in {
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(empty),
    }.items():
        monkeypatch.setenv(name, value)
    git(site, "init", "-q", "-b", "main")
    base = commit(site, "base")
    (site / "content" / "proposals" / "vendor-fraud.yaml").write_text(
        proposal("Buy a vendor fraud tool", "idea", 3_000_000, 100_000, 80_000), encoding="utf-8"
    )
    assert main(["diff", base, "--path", "content/proposals"]) == 0
    out = capsys.readouterr().out
    assert "**Moves the chosen set**" in out
    expected = (
        "- Budget scenario 2027 plan: now funds `vendor-fraud`; "
        "no longer funds `feature-store`, `fraud-model`"
    )
    assert expected in out
    assert main(["diff", base, "--path", "content/proposals", "--format", "json"]) == 0
    moves = json.loads(capsys.readouterr().out)["chosen_set"]
    assert moves[0]["scenario"] == "2027 plan" and moves[0]["now_funds"] == ["vendor-fraud"]
