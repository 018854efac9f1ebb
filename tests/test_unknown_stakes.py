"""Unknown is uncertain, not bad: an unanswered stakes answer widens the risk range (issue 24,
items 1 and 6, the model side).

Proposals are written as files and scored with `sweetspot score --format json`, as a user
runs it. An unanswered stakes question never sets the class or moves the figure; it widens
the range: an unanswered position answer (how many people, how reversible, how much
oversight) spans every answer it could take, an unanswered safeguard could be in place or
not, and a question that could set a higher class lets the range's top reach that class's
band, with the reason saying what could raise it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
BASE: dict[str, Any] = {
    "schema_version": 1,
    "title": "Rank overdue invoices for collections calls",
    "summary": "Collections calls overdue accounts in a fixed order; a ranking would help.",
    "team": "Risk",
    "stage": "proposed",
}
# Each single stakes answer the class can be set from (reversibility alone leaves the class
# unassessed: it says how bad a wrong output is, not what the system does).
SINGLE_ANSWERS: dict[str, dict[str, Any]] = {
    "area-none": {"area": "none"},
    "area-credit": {"area": "credit"},
    "area-health": {"area": "health"},
    "decides": {"decides_about_people": True},
    "decides-not": {"decides_about_people": False},
    "publishes": {"publishes_personal_data": True},
    "people-dozens": {"people_affected": "dozens"},
    "people-millions": {"people_affected": "millions"},
    "reversibility-irreversible": {"reversibility": "irreversible"},
    "talks-to-people": {"talks_to_people": True},
    "declared-minimal": {"declared_class": "minimal"},
    "declared-limited": {"declared_class": "limited"},
    "declared-high": {"declared_class": "high"},
}
CLASS_BAND = {"minimal": (5.0, 30.0), "limited": (20.0, 60.0), "high": (40.0, 85.0)}


def proposal(stakes: dict[str, Any] | None = None, **sections: Any) -> dict[str, Any]:
    data = {**BASE, **sections}
    if stakes is not None:
        data["stakes"] = stakes
    return data


def score(tmp_path: Path, proposals: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`sweetspot score --format json` over the proposals written as files, by id."""
    folder = tmp_path / "proposals"
    folder.mkdir()
    for pid, data in proposals.items():
        (folder / f"{pid}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "scoring.cli.main", "score", str(folder), "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {p["id"]: p for p in json.loads(done.stdout)["proposals"]}


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    proposals = {"empty": proposal({})}
    proposals.update({pid: proposal(answer) for pid, answer in SINGLE_ANSWERS.items()})
    return score(tmp_path_factory.mktemp("single"), proposals)


def test_an_empty_stakes_section_is_not_yet_assessed_with_a_wide_range(
    single: dict[str, dict[str, Any]],
) -> None:
    empty = single["empty"]
    assert empty["risk_class"] == "unassessed"
    assert empty["risk"] is None
    low, high = empty["risk_range"]
    assert high - low > 0
    assert "not answered" in empty["risk_reason"]


@pytest.mark.parametrize("pid", sorted(SINGLE_ANSWERS))
def test_each_single_answer_lies_within_the_unanswered_range(
    single: dict[str, dict[str, Any]], pid: str
) -> None:
    empty_low, empty_high = single["empty"]["risk_range"]
    entry = single[pid]
    low, high = entry["risk_range"]
    assert empty_low <= low <= high <= empty_high, (pid, entry["risk_range"])
    if entry["risk"] is not None:
        assert low <= entry["risk"] <= high, pid
        # The figure stays in the band of the class the answer supports.
        band_low, band_high = CLASS_BAND[entry["risk_class"]]
        assert band_low <= entry["risk"] <= band_high, pid


@pytest.mark.parametrize("pid", sorted(SINGLE_ANSWERS))
def test_the_reason_names_what_could_raise_the_class(
    single: dict[str, dict[str, Any]], pid: str
) -> None:
    """Below the high class, one answer leaves a question open that could set it: the
    reason says which, and the range's top reaches the high band; the class stays."""
    entry = single[pid]
    if entry["risk_class"] in ("high", "unassessed"):
        assert "could be" not in entry["risk_reason"], pid
        return
    assert "could be high if it " in entry["risk_reason"], (pid, entry["risk_reason"])
    assert "not answered" in entry["risk_reason"], pid
    assert entry["risk_range"][1] > CLASS_BAND[entry["risk_class"]][1], pid
    assert entry["risk_range"][1] > CLASS_BAND["high"][0], pid


def test_deciding_about_people_without_an_area_could_be_high(
    single: dict[str, dict[str, Any]],
) -> None:
    entry = single["decides"]
    assert entry["risk_class"] == "limited"
    assert (
        "could be high if it decides about people in a high-stakes area (area not answered)"
        in entry["risk_reason"]
    )


# ---- answering only sharpens ------------------------------------------------------------

KNOWN = {
    "area": "none",
    "decides_about_people": False,
    "people_affected": "thousands",
    "reversibility": "easy",
}
RELEASE = {**KNOWN, "people_affected": "millions", "publishes_personal_data": True}
REVIEWED = {"reidentification_review": "done"}  # so no flag fires on the release
# (left out, answered): the answered proposal adds one answer to the first.
PAIRS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # A position answer left out is a single point today, so the answer falls outside it.
    "people-affected": (
        proposal({k: v for k, v in KNOWN.items() if k != "people_affected"}),
        proposal(KNOWN),
    ),
    "oversight-none": (
        proposal(KNOWN),
        proposal(KNOWN, risks={"human_oversight": "none"}),
    ),
    "oversight-human-decides": (
        proposal(KNOWN),
        proposal(KNOWN, risks={"human_oversight": "human-decides"}),
    ),
    # Decides about people with the area left out: limited; the answer makes it high.
    "area-credit": (
        proposal({**KNOWN, "decides_about_people": True, "area": None}),
        proposal({**KNOWN, "decides_about_people": True, "area": "credit"}),
    ),
    # A release of data about millions with its reversibility left out is not high; the
    # answer makes it so.
    "release-reversibility": (
        proposal({**RELEASE, "reversibility": None}, governance=REVIEWED),
        proposal({**RELEASE, "reversibility": "irreversible"}, governance=REVIEWED),
    ),
}


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    stakes = {k: v for k, v in (data.get("stakes") or {}).items() if v is not None}
    return {**data, "stakes": stakes}


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    proposals = {}
    for name, (before, after) in PAIRS.items():
        proposals[f"{name}-before"] = _without_none(before)
        proposals[f"{name}-after"] = _without_none(after)
    return score(tmp_path_factory.mktemp("pairs"), proposals)


def ranges(entry: dict[str, Any]) -> dict[str, tuple[float, float, float]]:
    """(estimate, P10, P90) of the stakes figure, the risk factors and delivery risk."""
    return {
        "risk": (entry["risk"], *entry["risk_range"]),
        "risk_factors": (entry["scores"]["risk_factors"], *entry["ranges"]["risk_factors"]),
        "delivery_risk": (entry["delivery_risk"], *entry["ranges"]["delivery_risk"]),
    }


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_answering_a_stakes_question_only_sharpens(
    pairs: dict[str, dict[str, Any]], name: str
) -> None:
    before, after = pairs[f"{name}-before"], pairs[f"{name}-after"]
    assert before["flags"] == after["flags"], name  # a flag is item 6's business, not this
    old, new = ranges(before), ranges(after)
    for key, (_, old_low, old_high) in old.items():
        estimate, new_low, new_high = new[key]
        assert old_low - 0.1 <= estimate <= old_high + 0.1, (name, key, estimate, old[key])
        assert new_high - new_low <= old_high - old_low + 0.1, (name, key, old[key], new[key])
    assert old["risk"][2] - old["risk"][1] > 0, name  # the left-out answer widens the range


def test_leaving_a_question_open_never_moves_the_class_or_the_figure_up(
    pairs: dict[str, dict[str, Any]],
) -> None:
    """The class stays what the answers given support: the open area leaves a use that
    decides about people limited, the open reversibility leaves a release limited."""
    assert pairs["area-credit-before"]["risk_class"] == "limited"
    assert pairs["area-credit-after"]["risk_class"] == "high"
    assert pairs["release-reversibility-before"]["risk_class"] == "limited"
    assert pairs["release-reversibility-after"]["risk_class"] == "high"
    assert (
        "could be high if it releases data derived from many people"
        in (pairs["release-reversibility-before"]["risk_reason"])
    )


def test_an_unanswered_safeguard_could_be_in_place(tmp_path: Path) -> None:
    """A high-risk credit use with its impact assessment unanswered: the range reaches down
    to what the answer "done" gives, and the figure counts it as not yet in place."""
    stakes = {**KNOWN, "area": "credit", "decides_about_people": True}
    done = dict.fromkeys(
        (
            "testing_by_group",
            "real_world_testing",
            "independent_review",
            "monitoring",
            "notice",
            "explanation",
            "appeal",
        ),
        "done",
    )
    scored = score(
        tmp_path,
        {
            "open": proposal(stakes, governance=done),
            "answered": proposal(stakes, governance={**done, "impact_assessment": "done"}),
        },
    )
    open_, answered = scored["open"], scored["answered"]
    assert open_["flags"] == answered["flags"]
    assert answered["risk"] < open_["risk"]
    assert open_["risk_range"][0] <= answered["risk"] <= open_["risk_range"][1]
    low, high = open_["ranges"]["risk_factors"]
    assert low - 0.1 <= answered["scores"]["risk_factors"] <= high + 0.1
