"""The CI files parse, and every `sweetspot` command they run exists in the CLI."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from plugins.config import SweetspotConfig
from scoring.cli.diff import MARKER
from scoring.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
REDIRECTS = re.compile(r"^\d*(>>?|<)")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict[Any, Any]) -> Any:
    # YAML 1.1 reads the key `on` as the boolean true.
    return workflow.get("on", workflow.get(True))


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def shell_commands(script: str) -> list[list[str]]:
    """Every simple command in a shell script, as tokens, without redirections."""
    script = re.sub(r"\$\{\{.*?\}\}", "EXPR", script)
    script = script.replace("\\\n", " ")
    commands = []
    for line in script.splitlines():
        line = line.split(" #", 1)[0] if not line.lstrip().startswith("#") else ""
        for part in re.split(r"&&|\|\||;|\|", line):
            tokens = shlex.split(part)
            kept = []
            skip = False
            for token in tokens:
                if skip:
                    skip = False
                    continue
                if REDIRECTS.match(token):
                    skip = REDIRECTS.fullmatch(token) is not None  # target is the next token
                    continue
                kept.append(token)
            if kept:
                commands.append(kept)
    return commands


def sweetspot_commands(workflow: dict[str, Any]) -> list[list[str]]:
    return [
        tokens
        for step in steps(workflow)
        if "run" in step
        for tokens in shell_commands(step["run"])
        if tokens[0] == "sweetspot"
    ]


def assert_parses(tokens: list[str]) -> None:
    parser = build_parser()
    try:
        args = parser.parse_args(tokens[1:])
    except SystemExit as error:  # argparse exits on unknown commands or flags
        pytest.fail(f"`{' '.join(tokens)}` is not a valid sweetspot command ({error})")
    assert callable(args.func)


def test_there_are_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"proposals.yml", "publish.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_parses(path: Path) -> None:
    workflow = load(path)
    assert isinstance(workflow, dict)
    assert triggers(workflow)
    assert workflow["jobs"]
    for step in steps(workflow):
        assert "run" in step or "uses" in step, step


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_sweetspot_commands_exist(path: Path) -> None:
    for tokens in sweetspot_commands(load(path)):
        assert_parses(tokens)


def test_proposals_workflow() -> None:
    workflow = load(ROOT / ".github" / "workflows" / "proposals.yml")
    assert "pull_request" in triggers(workflow)
    assert workflow["permissions"]["pull-requests"] == "write"
    all_steps = steps(workflow)
    checkout = next(s for s in all_steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    python = next(s for s in all_steps if s.get("uses", "").startswith("actions/setup-python"))
    assert str(python["with"]["python-version"]) == "3.11"
    commands = [" ".join(t) for t in sweetspot_commands(workflow)]
    assert "sweetspot validate --format github" in commands
    assert any(
        c.startswith("sweetspot diff origin/") and "--format markdown" in c for c in commands
    )
    runs = " ".join(s.get("run", "") for s in all_steps)
    assert "mkdocs build --strict" in runs and "pip install ." in runs
    # The diff and the comment still run when validation fails.
    diff = next(s for s in all_steps if "sweetspot diff" in s.get("run", ""))
    comment = next(s for s in all_steps if s.get("uses", "").startswith("actions/github-script"))
    assert "always()" in diff["if"] and "always()" in comment["if"]
    validate = next(s for s in all_steps if "sweetspot validate" in s.get("run", ""))
    assert "continue-on-error" not in validate  # a failed validation fails the job
    assert MARKER in comment["with"]["script"]


@pytest.mark.parametrize("name", ["proposals.yml", "publish.yml"])
def test_builds_reuse_the_plugin_cache(name: str) -> None:
    """The strict build restores .cache (the plugin's default cache_dir lives there) first."""
    all_steps = steps(load(ROOT / ".github" / "workflows" / name))
    cache = next(
        i for i, s in enumerate(all_steps) if s.get("uses", "").startswith("actions/cache")
    )
    build = next(i for i, s in enumerate(all_steps) if "mkdocs build" in s.get("run", ""))
    assert cache < build
    assert any(s.get("run", "").strip() == "rm -rf .cache" for s in all_steps[:cache])
    assert all_steps[cache]["with"]["path"] == ".cache"
    assert all_steps[cache]["with"]["restore-keys"]  # a cache from any earlier run is used
    assert dict(SweetspotConfig._schema)["cache_dir"].default.startswith(".cache/")


def test_publish_workflow() -> None:
    workflow = load(ROOT / ".github" / "workflows" / "publish.yml")
    push = triggers(workflow)["push"]
    assert push["branches"] == ["main"]
    assert workflow["permissions"]["pages"] == "write"
    assert workflow["permissions"]["id-token"] == "write"
    uses = [s.get("uses", "") for s in steps(workflow)]
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    assert any("mkdocs build --strict" in s.get("run", "") for s in steps(workflow))


def test_pre_commit_hook() -> None:
    hooks = load(ROOT / ".pre-commit-hooks.yaml")
    hook = next(h for h in hooks if h["id"] == "sweetspot-validate")
    assert hook["language"] == "python"
    tokens = shlex.split(hook["entry"])
    assert tokens[:2] == ["sweetspot", "validate"]
    # pre-commit appends the staged file names.
    assert_parses([*tokens, "content/proposals/churn-forecast.yaml"])
    files = re.compile(hook["files"])
    assert files.search("content/proposals/churn-forecast.yaml")
    assert files.search("content/proposals/team/churn.yml")
    assert not files.search("content/playbooks/data-first.md")
    assert not files.search("scoring/data/rubric.yaml")


def test_shell_command_parser() -> None:
    script = (
        'set +e\nsweetspot diff "origin/$BASE_REF" --format markdown > diff.md\n'
        "status=$?  # keep it\nsweetspot validate --format github 2>&1 | tee out.txt\n"
        "sweetspot diff origin/${{ github.base_ref }} --format json >>x.json"
    )
    found = [t for t in shell_commands(script) if t[0] == "sweetspot"]
    assert found == [
        ["sweetspot", "diff", "origin/$BASE_REF", "--format", "markdown"],
        ["sweetspot", "validate", "--format", "github"],
        ["sweetspot", "diff", "origin/EXPR", "--format", "json"],
    ]


def test_templates_exist() -> None:
    template = (ROOT / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    assert "- [ ]" in template and "sweetspot validate" in template
    owners = (ROOT / ".github" / "CODEOWNERS.example").read_text(encoding="utf-8")
    assert "/content/proposals/" in owners and "/scoring/data/rubric.yaml" in owners


def test_readme_documents_every_plugin_option() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## The MkDocs plugin", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    documented = yaml.safe_load(block)["plugins"][-1]["sweetspot"]
    options = dict(SweetspotConfig._schema)
    assert set(documented) == set(options)
    for name, value in documented.items():
        assert value == options[name].default, name


def test_readme_documents_every_template_filter() -> None:
    """Authors of template overrides can only use the filters they know about."""
    from jinja2 import Environment

    from scoring.site.environment import make_environment

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    markdown_env, html_env = make_environment((), None)
    ours = (set(markdown_env.filters) | set(html_env.filters)) - set(Environment().filters)
    ours |= {"attr"}  # ours replaces Jinja's attr filter
    assert ours
    missing = sorted(name for name in ours if f"`{name}`" not in readme)
    assert not missing, f"README does not mention the filters {missing}"
