"""The engine's stages, in order: sources → rubric → proposals → model → portfolio → site →
cli. A module may import from its own stage and from earlier ones, never from a later one, so
each stage can be read, tested and changed knowing only what comes before it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

STAGES = ("sources", "rubric", "proposals", "model", "portfolio", "site", "cli")
SCORING = Path(__file__).resolve().parent.parent / "scoring"


def imported_modules(path: Path, package: str) -> Iterator[tuple[int, str]]:
    """Every module a file imports (at any depth, relative ones made absolute), by line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # `from scoring import site` names a stage too
                yield node.lineno, f"{module}.{alias.name}"


def back_imports(root: Path) -> list[str]:
    """``file:line: stage imports later-stage`` for every import that runs back up."""
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if len(parts) < 2:
            continue  # scoring/__init__.py belongs to no stage
        stage = parts[0]
        assert stage in STAGES, f"{path}: scoring/{stage}/ is not a stage; add it to STAGES"
        package = ".".join(("scoring", *parts[:-1]))
        for line, module in imported_modules(path, package):
            names = module.split(".")
            if names[0] == "plugins" or (
                names[0] == "scoring"
                and len(names) > 1
                and names[1] in STAGES
                and STAGES.index(names[1]) > STAGES.index(stage)
            ):
                found.append(f"{path.relative_to(root.parent)}:{line}: {stage} imports {module}")
    return found


# Back-imports on record, each with why it is there: the test fails on any other, and on one
# of these once it is gone (delete its line then). Keep this empty.
KNOWN: dict[str, str] = {}  # file -> the later-stage module it still imports (none)


def test_no_module_of_scoring_imports_from_a_later_stage() -> None:
    found = back_imports(SCORING)
    unexpected = [
        line
        for line in found
        if not any(
            line.startswith(f"{file}:") and f" imports {module}" in line
            for file, module in KNOWN.items()
        )
    ]
    assert unexpected == []
    gone = [file for file in KNOWN if not any(line.startswith(f"{file}:") for line in found)]
    assert gone == [], "no longer imports back: remove it from KNOWN"


def test_a_back_import_is_found_at_any_depth_and_in_any_form(tmp_path: Path) -> None:
    root = tmp_path / "scoring"
    files = {
        "rubric/a.py": "from scoring.site.pages import x\n",
        "model/b.py": "def f():\n    import scoring.cli.main\n",
        "proposals/c.py": "from scoring import portfolio\n",
        "site/pages/d.py": "from ...cli import main\n",
        "portfolio/e.py": "from scoring.model import cardjson\nfrom .summary import s\n",
        "sources/f.py": "import plugins.sweetspot\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    found = back_imports(root)
    assert found == [
        "scoring/model/b.py:2: model imports scoring.cli.main",
        "scoring/proposals/c.py:1: proposals imports scoring.portfolio",
        "scoring/rubric/a.py:1: rubric imports scoring.site.pages",
        "scoring/rubric/a.py:1: rubric imports scoring.site.pages.x",
        "scoring/site/pages/d.py:1: site imports scoring.cli",
        "scoring/site/pages/d.py:1: site imports scoring.cli.main",
        "scoring/sources/f.py:1: sources imports plugins.sweetspot",
    ]
