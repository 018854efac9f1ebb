"""The test tiers (tests/tiers.py): what `python -m pytest` and `--full` collect, and CI's command.

Each test runs pytest on a small project in a temporary folder that uses this repository's own
pytest settings (pyproject.toml) and tiers plugin, so what it sees is what a contributor sees.
"""

from __future__ import annotations

import re
import tomllib

import pytest
import tiers
from sitekit import REPO

pytest_plugins = ["pytester"]

TESTS = {
    "test_quick.py": """
        import pytest

        def test_unit():
            pass

        @pytest.mark.browser
        def test_in_chromium():
            pass
        """,
    "test_heavy.py": """
        import pytest

        pytestmark = pytest.mark.slow

        def test_fuzz():
            pass

        def test_more_fuzz():
            pass
        """,
}


def pytest_settings(markers: list[str] | None = None) -> str:
    """This repository's [tool.pytest.ini_options], as a pyproject.toml (markers replaceable)."""
    options = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["pytest"]
    settings = dict(options["ini_options"])
    settings.pop("testpaths", None)
    if markers is not None:
        settings["markers"] = markers
    lines = ["[tool.pytest.ini_options]"]
    for key, value in settings.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower()}")
        elif isinstance(value, list):
            lines.append(f"{key} = [" + ", ".join(f'"{item}"' for item in value) + "]")
        else:
            lines.append(f'{key} = "{value}"')
    return "\n".join(lines) + "\n"


@pytest.fixture(autouse=True)
def no_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs load no installed plugins (hypothesis, benchmark): faster, and only ours."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", pyproject=pytest_settings())
    pytester.makeconftest('pytest_plugins = ["tiers"]\n')
    pytester.makepyfile(**TESTS)
    return pytester


def test_the_default_run_leaves_out_the_full_tier_and_says_how_to_run_it(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest()
    result.assert_outcomes(passed=1, deselected=3)
    header = "tier: fast (tests marked browser, *, slow run only with --full, -m or *)"
    summary = "fast tier: 3 slower tests left out; python -m pytest --full runs every test *"
    result.stdout.fnmatch_lines([header, summary])


def test_full_runs_every_test(project: pytest.Pytester) -> None:
    result = project.runpytest("--full")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["tier: full (every test)"])
    result.stdout.no_fnmatch_line("fast tier:*")


def test_a_marker_expression_selects_whatever_the_tier(project: pytest.Pytester) -> None:
    project.runpytest("-m", "browser").assert_outcomes(passed=1, deselected=3)
    project.runpytest("-m", "not browser").assert_outcomes(passed=3, deselected=1)


def test_a_file_or_test_named_on_the_command_line_runs_whole(project: pytest.Pytester) -> None:
    project.runpytest("test_heavy.py").assert_outcomes(passed=2)
    project.runpytest("test_quick.py::test_in_chromium").assert_outcomes(passed=1)
    # A folder is not a file: it gets the fast tier.
    project.runpytest(".").assert_outcomes(passed=1, deselected=3)


def test_a_misspelt_marker_is_an_error(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_typo="""
        import pytest

        @pytest.mark.browsr
        def test_typo():
            pass
        """
    )
    result = project.runpytest("--full")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*'browsr' not found in `markers` configuration option*"])


def test_a_tier_marker_must_be_registered(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject=pytest_settings(["browser: drives Chromium"]))
    pytester.makeconftest('pytest_plugins = ["tiers"]\n')
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*FULL_TIER names markers pyproject.toml does not register: "
            "generators, scale, budget, dirty, inventory, slow"
        ]
    )


def test_every_tier_marker_is_registered_in_pyproject() -> None:
    settings = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    options = settings["tool"]["pytest"]["ini_options"]
    registered = [line.split(":")[0] for line in options["markers"]]
    assert sorted(registered) == sorted(tiers.FULL_TIER)
    assert options["strict_markers"] is True


def fenced_commands(text: str) -> list[str]:
    """Every line of every ```bash block of a Markdown file, comments dropped."""
    commands = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, flags=re.M | re.S):
        for line in block.splitlines():
            command = line.split("  #")[0].strip()
            if command:
                commands.append(command)
    return commands


def test_ci_runs_the_readme_full_suite_command() -> None:
    readme = fenced_commands((REPO / "README.md").read_text("utf-8"))
    full = [c for c in readme if c.startswith("pip install") and tiers.FULL_COMMAND in c]
    assert len(full) == 1, readme
    fast = [c for c in readme if c.startswith("pip install") and c.endswith("python -m pytest")]
    assert len(fast) == 1, readme
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    # CI quiets pip, nothing else.
    assert full[0].replace("pip install ", "pip install -q ") in ci.splitlines()
