"""Report: how the calibration cases fare in both writing styles (issue 24, item 1).

    python benchmarks/calibration_styles.py

Scores the first encodings (tests/calibration/cases) and the second, terser encodings written
blind from the same facts (tests/calibration/second) with the default rubric, and prints for
every case what tests/calibration/expected.yaml expects and what each encoding got: state,
risk class, and the expected flags that are missing or the unwanted ones that are raised. A
case holds when all of those match. The last lines sum it up: how many cases hold in each
style and in both, and how many get the state and class right whatever their flags. Where a
second encoding does not hold, the verdict depends on how the file is written rather than on
what it says, which counts against the scoring model (tests/calibration/README.md, "Second
encodings").

It is a report, not a check, so it exits 0 whatever it finds; tests/test_calibration.py is
the check for the first encodings.
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


def verdict(portfolio: ScoredPortfolio, case: str, expected: dict[str, Any]) -> Verdict:
    card = portfolio.card(case)
    if card is None:
        reasons = [p.message for p in portfolio.intake.problems if Path(p.file).stem == case]
        return Verdict("", "", False, False, (), (), "; ".join(reasons) or "no such file")
    flags = {flag.id for flag in card.flags}
    return Verdict(
        state=card.state,
        risk_class=card.risk_class,
        state_ok=card.state == expected["state"],
        class_ok=card.risk_class == expected["risk_class"],
        missing=tuple(sorted(set(expected.get("flags_present") or []) - flags)),
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
    both = 0
    for case, expected in sorted(expectations.items()):
        lines.append(f"{case}: expected {expected['state']}, {expected['risk_class']}")
        verdicts = {name: verdict(scored[name], case, expected) for name in ENCODINGS}
        for name, found in verdicts.items():
            mark = "holds " if found.holds else "DIFFERS"
            lines.append(f"  {name:<7} {mark:<7} {found.describe()}")
            held[name] += found.holds
            placed[name] += found.state_ok and found.class_ok
        both += all(found.holds for found in verdicts.values())
    total = len(expectations)
    lines.append("")
    lines.append(
        f"state and class alone: first {placed['first']}/{total}, second {placed['second']}/{total}"
    )
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
