"""The real register the benchmarks measure on, and importing it as a user would.

The 2024 US federal AI use-case inventory lives in ../shared/data beside the repository;
``imported`` runs `sweetspot import` with a shipped mapping into a folder and scores what it
wrote, as `sweetspot score` would.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.cli.main import main as cli
from scoring.model.scorecard import ScoredPortfolio, score_intake
from scoring.proposals.loading import load_proposals
from scoring.rubric import load_rubric

REPO = Path(__file__).resolve().parent.parent
FEDERAL_2024 = REPO.parent / "shared" / "data" / "us-federal-ai-inventory-2024"
DEFAULT_CSV = FEDERAL_2024 / "2024_consolidated_ai_inventory_raw_v2.csv"


def imported(source: Path, mapping: str, out: Path) -> ScoredPortfolio:
    """The register imported into ``out`` and scored (exit 2 when the import fails)."""
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli(["import", str(source), "--mapping", mapping, "--out", str(out)])
    if code not in (0, 1):  # 1: some rows are not valid proposals, written anyway
        raise SystemExit(f"import failed with exit status {code}")
    rubric = load_rubric()
    return score_intake(load_proposals([out], rubric), rubric)
