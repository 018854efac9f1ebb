"""Issue 22, items 2, 3, 4 and 19: what `sweetspot build-docs` and `sweetspot render` may
write, delete and publish.

- Nothing is ever written or deleted through a symlink under --out (item 2).
- render, like build-docs, writes only into a new or empty folder or one it wrote (item 3).
- Only valid proposals and the editor schema are published from the proposals folder, as the
  plugin does (item 4).
- An --out that is a file is a one-line error with exit status 2 (item 19).
- The site's mkdocs.yml is read as a named file: no symlink, capped, no YAML aliases.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAMPLE_PROPOSALS, write_site

from scoring.cli.main import main


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Path]:
    """A test site, with the working directory in it, as a user runs the commands."""
    root = write_site(tmp_path / "site", SAMPLE_PROPOSALS)
    cwd = Path.cwd()
    os.chdir(root)
    try:
        yield root
    finally:
        os.chdir(cwd)


def run(*args: str) -> int:
    return main(list(args))


def one_line_error(err: str, *words: str) -> None:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sweetspot: error: "), err
    for word in words:
        assert word in lines[0], (word, err)


# -- the site's mkdocs.yml is read as a named file ------------------------------------------

def test_build_docs_refuses_a_linked_config(site: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (site / "mkdocs.yml").rename(site / "real.yml")
    (site / "mkdocs.yml").symlink_to("real.yml")
    assert run("build-docs", "--out", "out") == 2
    one_line_error(capsys.readouterr().err, "mkdocs.yml", "symlink")
    assert not (site / "out").exists()


def test_build_docs_refuses_a_config_that_is_a_pipe(site: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(site / "pipe.yml")
    assert run("build-docs", "--config", "pipe.yml", "--out", "out") == 2  # does not hang
    one_line_error(capsys.readouterr().err, "pipe.yml", "not a regular file")


def test_build_docs_refuses_yaml_aliases_in_the_config(
        site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "bomb.yml").write_text("site_name: &a x\ncopyright: *a\n", encoding="utf-8")
    assert run("build-docs", "--config", "bomb.yml", "--out", "out") == 2
    one_line_error(capsys.readouterr().err, "bomb.yml:2", "aliases (*a) are not allowed")


def test_build_docs_refuses_a_huge_config(site: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (site / "huge.yml").write_bytes(b"site_name: x\n" + b"#" * (2 * 1024 * 1024) + b"\n")
    assert run("build-docs", "--config", "huge.yml", "--out", "out") == 2
    one_line_error(capsys.readouterr().err, "huge.yml", "at most 1.0 MiB")
