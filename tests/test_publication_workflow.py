"""Issue 28: CI publishes the public register to GitHub Pages and the internal portfolio
to a private place, and refuses the internal one on a public host unless allowed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from sitekit import build_project
from test_publication import MARKERS, markers_in, site_files, write_portfolio
from test_workflows import ROOT, load

PUBLISH = ROOT / ".github" / "workflows" / "publish.yml"


def job_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def index_of(steps: list[dict[str, Any]], text: str) -> int:
    return next(i for i, s in enumerate(steps) if text in s.get("run", "") + s.get("name", ""))


def test_the_pages_job_builds_the_public_register_and_refuses_internal() -> None:
    jobs = load(PUBLISH)["jobs"]
    pages = jobs["build"]
    assert pages["env"]["SWEETSPOT_PUBLICATION"] == "${{ vars.PAGES_PUBLICATION || 'public' }}"
    steps = job_steps(pages)
    refuse = steps[index_of(steps, "Refuse the internal portfolio")]
    assert refuse["if"] == (
        "env.SWEETSPOT_PUBLICATION != 'public' && vars.ALLOW_INTERNAL_ON_PAGES != 'true'"
    )
    assert "exit 1" in refuse["run"]
    build = index_of(steps, "mkdocs build --strict")
    check = index_of(steps, "sweetspot:publication $SWEETSPOT_PUBLICATION")
    upload = next(
        i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/upload-pages")
    )
    assert index_of(steps, "Refuse") < build < check < upload


def test_the_internal_job_never_touches_pages() -> None:
    internal = load(PUBLISH)["jobs"]["internal"]
    assert internal["if"] == "vars.INTERNAL_PUBLISH == 'true'"
    assert internal["env"]["SWEETSPOT_PUBLICATION"] == "internal"
    uses = [s.get("uses", "") for s in job_steps(internal)]
    assert not [u for u in uses if "pages" in u]
    assert any(u.startswith("actions/upload-artifact") for u in uses)
    assert "needs" not in internal  # the public register never waits for it


@pytest.mark.slow
@pytest.mark.parametrize("chosen", ["public", "internal"])
def test_the_environment_chooses_the_publication_and_the_check_sees_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chosen: str
) -> None:
    """SWEETSPOT_PUBLICATION overrides mkdocs.yml, and the workflow's check finds its name."""
    root = write_portfolio(tmp_path / "src", "internal" if chosen == "public" else "public")
    monkeypatch.setenv("SWEETSPOT_PUBLICATION", chosen)
    site = build_project(root)
    found = markers_in(site_files(site))
    assert (found == {}) == (chosen == "public")
    if chosen == "internal":
        assert set(found) == set(MARKERS)
    steps = job_steps(load(PUBLISH)["jobs"]["build"])
    command = steps[index_of(steps, "sweetspot:publication")]["run"]
    run = subprocess.run(
        ["bash", "-c", command.replace(" site", f" {site}")],
        env={"SWEETSPOT_PUBLICATION": chosen, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert run.returncode == 0
    other = "internal" if chosen == "public" else "public"
    wrong = subprocess.run(
        ["bash", "-c", command.replace(" site", f" {site}")],
        env={"SWEETSPOT_PUBLICATION": other, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert wrong.returncode != 0
