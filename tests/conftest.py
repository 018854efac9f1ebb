"""Fixtures shared by every test module, and the plugins every session loads.

Helpers (sample proposals, writing and building sites) live in sitekit.py: import them from
there. ``build_failure`` builds in strict mode and returns the error and the log records of
the failed build; ``demo_site``, ``sample_site`` and ``invalid_project`` are built once a
session. tiers.py chooses the fast or the full tier.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sitekit import (
    INVALID_ID,
    INVALID_YAML,
    SAMPLE_PROPOSALS,
    BuildOutcome,
    bad_corpus_files,
    build_catching,
    build_demo,
    logged_build,
    write_site,
)

os.environ["NO_MKDOCS_2_WARNING"] = "1"

# Browser fixtures (`browser`, `watched`) for every test module (browser_support.py), and the
# fast and full tiers (tiers.py).
pytest_plugins = ["browser_support", "tiers"]


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture
def build_failure(caplog: pytest.LogCaptureFixture) -> Callable[..., BuildOutcome]:
    """``build_failure(root, strict=True)``: build a written site that must fail.

    Returns the error (an ``Abort``) and the records of the "mkdocs" logger, from caplog.
    """

    def _build(root: Path, *, strict: bool = True) -> BuildOutcome:
        logger = logging.getLogger("mkdocs")
        caplog.clear()
        extra_handler = not logger.propagate  # the mkdocs CLI turns propagation off
        if extra_handler:
            logger.addHandler(caplog.handler)
        try:
            with caplog.at_level(logging.INFO, logger="mkdocs"):
                site_dir, error = build_catching(root, strict, "build")
        finally:
            if extra_handler:
                logger.removeHandler(caplog.handler)
        records = [r for r in caplog.records if r.name.startswith("mkdocs")]
        outcome = BuildOutcome(error, records, site_dir)
        assert error is not None, "the build was expected to fail:\n" + outcome.text
        return outcome

    return _build


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> BuildOutcome:
    """The repository's own site (mkdocs.yml + content/), built once with --strict."""
    return build_demo(tmp_path_factory.mktemp("demo") / "site", strict=True)


@pytest.fixture(scope="session")
def demo_site(demo_build: BuildOutcome) -> Path:
    if demo_build.error is not None:
        pytest.fail(
            "the demo site does not build with --strict:\n"
            + "\n".join(demo_build.warnings)
            + f"\n{demo_build.error}"
        )
    assert demo_build.site_dir is not None
    return demo_build.site_dir


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> BuildOutcome:
    """A small site with the four sample proposals, built once (not strict; see warnings)."""
    root = write_site(tmp_path_factory.mktemp("sample"), SAMPLE_PROPOSALS)
    outcome = logged_build(root)
    if outcome.error is not None:
        pytest.fail(f"the sample site does not build: {outcome.error}\n{outcome.text}")
    return outcome


@pytest.fixture(scope="session")
def sample_site(sample_build: BuildOutcome) -> Path:
    assert sample_build.site_dir is not None
    return sample_build.site_dir


@pytest.fixture(scope="session")
def invalid_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildOutcome]:
    """The sample proposals, one invalid file and the whole bad corpus, built non-strict."""
    root = write_site(
        tmp_path_factory.mktemp("invalid"),
        {**SAMPLE_PROPOSALS, INVALID_ID: INVALID_YAML},
        extra_files=bad_corpus_files(),
    )
    return root, logged_build(root)


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """History's worker processes, every one started recorded: workers start for any number
    of versions on any machine, one version a batch, so a handful of versions spreads over
    this process and a worker (tests/test_history_speed.py, test_history_late.py)."""
    from scoring.site.pages import versionscoring

    started: list[Any] = []
    real = versionscoring.Worker

    def recording(*args: Any) -> Any:
        worker = real(*args)
        started.append(worker)
        return worker

    monkeypatch.setattr(versionscoring, "Worker", recording)
    monkeypatch.setattr(versionscoring, "WORKER_START", 0)
    monkeypatch.setattr(versionscoring, "BATCH", 1)
    monkeypatch.setattr(versionscoring, "scoring_processes", lambda: 2)
    return started
