"""The fast and the full test tier, as a pytest plugin (loaded by conftest.py).

``python -m pytest`` runs the fast tier: every test without one of the FULL_TIER markers, in
about a minute on 2 cores, with the demo site built once and the security tests. ``python -m
pytest --full`` runs every test, as CI does. A marker expression (``-m browser``) or a test file
named on the command line (``python -m pytest tests/test_page_budget.py``) selects tests as
asked, whatever their tier. The markers are registered in pyproject.toml, and
``--strict-markers`` turns a misspelt one into an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# The markers whose tests only the full suite runs.
FULL_TIER = ("browser", "generators", "scale", "budget", "dirty", "inventory", "slow")
FULL_COMMAND = "python -m pytest --full"
FULL_TIME = "about 14 minutes on 2 cores"
LEFT_OUT = pytest.StashKey[int]()  # how many tests the fast tier left out, for the summary


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full",
        action="store_true",
        help=f"run the full suite, with the tests marked {', '.join(FULL_TIER)} ({FULL_TIME})",
    )


def pytest_configure(config: pytest.Config) -> None:
    registered = {line.split(":")[0].strip() for line in config.getini("markers")}
    missing = [name for name in FULL_TIER if name not in registered]
    if missing:  # a marker missing from pyproject would fail every test that uses it
        raise pytest.UsageError(
            f"tests/tiers.py: FULL_TIER names markers pyproject.toml does not register: "
            f"{', '.join(missing)}"
        )


def runs_everything(config: pytest.Config) -> bool:
    return bool(config.getoption("--full") or config.option.markexpr)


def named_files(config: pytest.Config) -> set[Path]:
    """The test files named on the command line, alone or in a node id (``file::test``)."""
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return set()
    here = config.invocation_params.dir
    paths = {(here / arg.split("::")[0]).resolve() for arg in config.args}
    return {path for path in paths if path.is_file()}


def in_full_tier_only(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(name) for name in FULL_TIER)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if runs_everything(config):
        return
    named = named_files(config)
    kept: list[pytest.Item] = []
    left_out: list[pytest.Item] = []
    for item in items:
        full_only = in_full_tier_only(item) and item.path not in named
        (left_out if full_only else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept
        config.stash[LEFT_OUT] = len(left_out)


def pytest_report_header(config: pytest.Config) -> str:
    if runs_everything(config):
        return "tier: full (every test)"
    return (
        f"tier: fast (tests marked {', '.join(FULL_TIER)} run only with --full, -m or "
        "their file named)"
    )


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    left_out = config.stash.get(LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(
            f"fast tier: {left_out} slower tests left out; {FULL_COMMAND} runs every test "
            f"({FULL_TIME})"
        )
