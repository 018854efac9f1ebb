"""Scale: `sweetspot score --format json` streams, and the portfolio downloads stay lean.

Memory is compared, never timed: each run is a fresh process whose peak resident memory
(``ru_maxrss``) it reports itself, on 200 and 2,000 synthetic proposals.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.synthetic import write_proposals

pytestmark = pytest.mark.scale  # portfolios of 200 and 2,000 proposals

REPO = Path(__file__).resolve().parent.parent

# Runs `sweetspot score --format json` (stream) or writes the same payload the way the
# command did before it streamed (whole: one dict, one string), then prints the peak RSS.
RUNNER = """
import json, resource, sys
mode, folder, out = sys.argv[1:4]
sys.argv = ["sweetspot", "score", folder, "--format", "json"]
with open(out, "w", encoding="utf-8") as handle:
    sys.stdout = handle
    if mode == "stream":
        from scoring.cli.main import main
        try:
            main(sys.argv[1:])
        except SystemExit:
            pass
    else:
        from pathlib import Path
        from scoring.model.cardjson import card_json
        from scoring.model.scorecard import score_intake
        from scoring.portfolio.orgunits import unit_path
        from scoring.portfolio.summary import summarise, summary_json
        from scoring.proposals.loading import load_proposals
        from scoring.rubric import load_rubric
        rubric = load_rubric(None)
        intake = load_proposals([Path(folder)], rubric)
        portfolio = score_intake(intake, rubric)
        payload = {"rubric": rubric.name, "portfolio": summary_json(summarise(portfolio)),
                   "proposals": [{**card_json(c), "org": list(unit_path(c.proposal))}
                                 for c in portfolio.cards],
                   "invalid": [{"file": b.file, "problems": [p.as_dict() for p in b.problems]}
                               for b in intake.invalid]}
        handle.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\\n")
    sys.stdout = sys.__stdout__
# This process's own peak (VmHWM): ru_maxrss also counts the parent's size at fork, which
# after a large build in the same pytest run hides everything measured here.
try:
    status = open("/proc/self/status", encoding="ascii").read()
    print(int(status.split("VmHWM:")[1].split()[0]))
except (OSError, IndexError, ValueError):
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_kib(mode: str, folder: Path, out: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, mode, str(folder), str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def portfolios(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folders = {}
    for n in (200, 2000):
        folder = tmp_path_factory.mktemp(f"p{n}")
        write_proposals(folder, n, seed=2)
        folders[n] = folder
    return folders


def test_score_json_streams_the_same_content(portfolios: dict[int, Path], tmp_path: Path) -> None:
    folder = portfolios[200]
    peak_rss_kib("stream", folder, tmp_path / "stream.json")
    peak_rss_kib("whole", folder, tmp_path / "whole.json")
    streamed = (tmp_path / "stream.json").read_text("utf-8")
    whole = (tmp_path / "whole.json").read_text("utf-8")
    data = json.loads(streamed)
    assert len(data["proposals"]) == 200
    assert data == json.loads(whole)
    assert streamed == whole  # even the layout: indented as before


def test_score_json_memory_does_not_grow_with_the_output(
    portfolios: dict[int, Path], tmp_path: Path
) -> None:
    """The streamed command's memory grows with N by far less than building the payload
    in memory did: it holds the scored cards, not every proposal's JSON at once."""
    growth = {}
    for mode in ("stream", "whole"):
        small = peak_rss_kib(mode, portfolios[200], tmp_path / f"{mode}-200.json")
        big = peak_rss_kib(mode, portfolios[2000], tmp_path / f"{mode}-2000.json")
        growth[mode] = big - small
    size = (tmp_path / "stream-2000.json").stat().st_size
    assert json.loads((tmp_path / "stream-2000.json").read_text("utf-8"))["proposals"]
    # Loose on purpose: allocators and the machine vary. Streaming saves at least the
    # output text itself (tens of MB here) and the dicts behind it.
    assert growth["stream"] < growth["whole"] - size // 1024 // 2, (growth, size)


def test_portfolio_downloads_are_lean_and_complete(tmp_path: Path) -> None:
    """portfolio.json keeps every breakdown, with the rubric's texts written once; both
    downloads carry each proposal's organisation unit."""
    from sitekit import build_project, write_site

    from scoring.cli.score import write_json
    from scoring.model.cardjson import expand, without_own_words
    from scoring.model.scorecard import score_intake
    from scoring.portfolio.summary import summarise
    from scoring.proposals.loading import load_proposals
    from scoring.rubric import load_rubric

    root = write_site(tmp_path, {})
    folder = root / "content" / "proposals"
    for index, path in enumerate(write_proposals(folder, 60, seed=4)):
        if index % 3:  # some name a unit, some do not
            with path.open("a", encoding="utf-8") as handle:
                handle.write(f"org: [Department {index % 2}, Office {index % 5}]\n")
    site = build_project(root)
    raw = (site / "portfolio" / "portfolio.json").read_bytes()
    payload = json.loads(raw)
    assert payload["format"] == "sweetspot-portfolio/4"
    # What `sweetspot score --format json` writes, from the same files.
    rubric = load_rubric(None)
    portfolio = score_intake(load_proposals([folder], rubric, root=root), rubric)
    buffer = io.StringIO()
    write_json(portfolio, summarise(portfolio), buffer)
    scored = json.loads(buffer.getvalue())["proposals"]
    # Everything but the proposals' own answers and notes, which their published files hold.
    assert expand(payload) == [without_own_words(entry) for entry in scored]
    assert all("answer" not in p["breakdown"]["cols"] for p in payload["proposals"])
    assert len(raw) / 60 < 12 * 1024, len(raw)
    assert len(raw) < len(json.dumps(scored, separators=(",", ":"), ensure_ascii=False)) * 0.7
    orgs = {p["id"]: p["org"] for p in payload["proposals"]}
    assert any(orgs.values()), "the synthetic proposals name organisation units"
    with (site / "portfolio" / "portfolio.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["id"]: row["org"] for row in rows} == {
        pid: " / ".join(org) for pid, org in orgs.items()
    }
