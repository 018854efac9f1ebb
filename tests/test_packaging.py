"""The built package: a wheel must hold every module and data file the plugin loads.

An editable install reads the source tree, so a package left out of pyproject.toml only
shows up when someone installs the wheel: this test builds one and looks inside.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds a wheel in a subprocess

ROOT = Path(__file__).parent.parent
PACKAGES = ("scoring", "plugins", "site_templates")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    # Build from a copy, so setuptools' build/ and egg-info never land in the checkout.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE", *PACKAGES):
        item = ROOT / name
        if item.is_dir():
            shutil.copytree(
                item, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            shutil.copy2(item, source / name)
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [built] = out.glob("*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_holds_every_module_and_data_file(wheel: zipfile.ZipFile) -> None:
    wheel_files = set(wheel.namelist())
    expected = {
        str(path.relative_to(ROOT)).replace("\\", "/")
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    missing = sorted(expected - wheel_files)
    assert not missing, f"not in the wheel: {missing}"


def test_the_wheel_registers_the_plugin_and_the_command(wheel: zipfile.ZipFile) -> None:
    [name] = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    sections: dict[str, set[str]] = {}
    current = ""
    for line in wheel.read(name).decode("utf-8").splitlines():
        line = line.strip()
        if line.startswith("["):
            current = line.strip("[]")
        elif line:
            sections.setdefault(current, set()).add(line.replace(" ", ""))
    assert "sweetspot=scoring.cli.main:main" in sections["console_scripts"]
    for group in ("mkdocs.plugins", "properdocs.plugins"):
        assert "sweetspot=plugins.sweetspot:SweetspotPlugin" in sections[group]
