"""Report: how the calibration cases fare in both writing styles (issue 24, item 1).

    python benchmarks/calibration_styles.py

Scores the first encodings (tests/calibration/cases) and the second, terser encodings written
blind from the same facts (tests/calibration/second) with the default rubric, and prints for
every case what tests/calibration/expected.yaml expects and what each encoding got: state,
risk class, and the expected flags that are missing or the unwanted ones that are raised. A
case holds when all of those match. A flag is expected of a second encoding only where the
file states the fact it stands on: the terser file leaves some facts out (who is on the team,
whether the pipeline is tested, a harm rating), and a flag never fires on what a file leaves
out, so those flags are listed by case in NOT_STATED, with the fact missing, and printed
apart. The last lines sum it up: how many cases hold in each style and in both, how many
second encodings also raise every flag of the first, and how many get the state and class
right whatever their flags. Where a second encoding does not hold, the verdict depends on how
the file is written rather than on what it says, which counts against the scoring model
(tests/calibration/README.md, "Second encodings").

It is a report, not a check, so it exits 0 whatever it finds; tests/test_calibration.py is
the check for the first encodings and tests/test_calibration_second.py for the second.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.model.scorecard import ScoredPortfolio, score_intake
from scoring.proposals.loading import load_proposals
from scoring.rubric import load_rubric

CALIBRATION = Path(__file__).resolve().parent.parent / "tests" / "calibration"
ENCODINGS = {"first": CALIBRATION / "cases", "second": CALIBRATION / "second"}
EXPECTED_FILE = CALIBRATION / "expected.yaml"

# Expected flags whose fact the second encoding does not state, by case: the fact each needs.
# Read from the files themselves (no word of them says it); tests/calibration/README.md lists
# them too, and tests/test_calibration_second.py checks that none of them fires.
NOT_STATED: dict[str, dict[str, str]] = {
    "cold-start-photo-recommender": {
        "no_guardrails": "that no guardrail metric is watched (it names one online metric, "
        "likes, and says nothing of guardrails)",
    },
    "covid-imaging-diagnosis": {
        "no_domain_expert": "who is on the team (it names a university ML lab, no roles)",
        "one_person_team": "how many people build it (a lab, no roles)",
        "untested_pipeline": "whether the pipeline has tests",
    },
    "ofqual-2020-grading": {
        "affected_groups_not_evaluated": "whether results are compared across groups of "
        "students (it names an equality impact assessment only)",
        "harm_without_oversight": "how much harm a wrong grade does (no harm rating); that no "
        "one reviews the grades it does state",
    },
}


@dataclass(frozen=True)
class Verdict:
    """One encoding of one case, against its expectation."""

    state: str
    risk_class: str
    state_ok: bool
    class_ok: bool
    missing: tuple[str, ...]  # expected flags not raised
    unwanted: tuple[str, ...]  # flags raised that the expectation rules out
    problem: str | None = None  # why the file could not be scored

    @property
    def holds(self) -> bool:
        return (
            self.problem is None
            and self.state_ok
            and self.class_ok
            and not self.missing
            and not self.unwanted
        )

    def describe(self) -> str:
        if self.problem is not None:
            return f"not scored: {self.problem}"
        state = self.state if self.state_ok else f"state {self.state}"
        risk_class = self.risk_class if self.class_ok else f"class {self.risk_class}"
        words = [f"{state}, {risk_class}"]
        if self.missing:
            words.append(f"missing {', '.join(self.missing)}")
        if self.unwanted:
            words.append(f"unwanted {', '.join(self.unwanted)}")
        return "; ".join(words)


def verdict(
    portfolio: ScoredPortfolio, case: str, expected: dict[str, Any], not_stated: Any = ()
) -> Verdict:
    """One encoding against its expectation; flags in ``not_stated`` are not expected."""
    card = portfolio.card(case)
    if card is None:
        reasons = [p.message for p in portfolio.intake.problems if Path(p.file).stem == case]
        return Verdict("", "", False, False, (), (), "; ".join(reasons) or "no such file")
    flags = {flag.id for flag in card.flags}
    wanted = set(expected.get("flags_present") or []) - set(not_stated)
    return Verdict(
        state=card.state,
        risk_class=card.risk_class,
        state_ok=card.state == expected["state"],
        class_ok=card.risk_class == expected["risk_class"],
        missing=tuple(sorted(wanted - flags)),
        unwanted=tuple(sorted(set(expected.get("flags_absent") or []) & flags)),
    )


def report(expectations: dict[str, dict[str, Any]]) -> list[str]:
    rubric = load_rubric()
    scored = {
        name: score_intake(load_proposals([folder], rubric), rubric)
        for name, folder in ENCODINGS.items()
    }
    lines: list[str] = []
    held = {name: 0 for name in ENCODINGS}
    placed = {name: 0 for name in ENCODINGS}  # state and class right, whatever the flags
    every_flag = 0  # second encodings that also raise every flag the first is expected to
    both = 0
    for case, expected in sorted(expectations.items()):
        lines.append(f"{case}: expected {expected['state']}, {expected['risk_class']}")
        verdicts = {
            name: verdict(
                scored[name], case, expected, NOT_STATED.get(case, {}) if name == "second" else ()
            )
            for name in ENCODINGS
        }
        for name, found in verdicts.items():
            mark = "holds " if found.holds else "DIFFERS"
            lines.append(f"  {name:<7} {mark:<7} {found.describe()}")
            held[name] += found.holds
            placed[name] += found.state_ok and found.class_ok
        every_flag += verdict(scored["second"], case, expected).holds
        both += all(found.holds for found in verdicts.values())
    total = len(expectations)
    lines.append("")
    lines.append("flags not expected of a second encoding, which does not state their fact:")
    for case, flags in sorted(NOT_STATED.items()):
        for flag, fact in flags.items():
            lines.append(f"  {case}: {flag} (not stated: {fact})")
    lines.append("")
    lines.append(
        f"state and class alone: first {placed['first']}/{total}, second {placed['second']}/{total}"
    )
    lines.append(f"second encodings with every flag of the first: {every_flag}/{total}")
    lines.append(
        f"first encodings: {held['first']}/{total} hold; "
        f"second encodings: {held['second']}/{total} hold; both: {both}"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.split("\n", 1)[0]).parse_args(argv)
    expectations = yaml.safe_load(EXPECTED_FILE.read_text(encoding="utf-8"))
    print("\n".join(report(expectations)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
