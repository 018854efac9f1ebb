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
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from sitekit import FULL_ID, SAMPLE_PROPOSALS, write_site

from scoring.cli.main import main
from scoring.site.diskwrite import OutputFolder, write_if_changed
from scoring.site.generated_site import OWNER_FILE, RENDER

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


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


def victim(folder: Path) -> dict[str, str]:
    """A folder of the user's own with two files in it; returns what they hold."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"notes.txt": "my notes", "sub/plan.md": "# my plan"}
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return files


def holds(folder: Path, files: dict[str, str]) -> bool:
    """Whether ``folder`` holds exactly ``files``: nothing deleted, changed or added."""
    found = {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in folder.rglob("*")
        if p.is_file()
    }
    return found == files


def one_line_error(err: str, *words: str) -> None:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sweetspot: error: "), err
    for word in words:
        assert word in lines[0], (word, err)


# -- item 2: no write or delete through a symlink under --out ---------------------------------


def test_build_docs_refuses_a_docs_folder_that_is_a_link(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = site / "build/site-src"
    assert run("build-docs", "--out", str(out)) == 0
    shutil.rmtree(out / "docs")
    files = victim(site.parent / "victimA")
    (out / "docs").symlink_to("../../../victimA", target_is_directory=True)
    capsys.readouterr()
    assert run("build-docs", "--out", str(out)) == 2
    one_line_error(capsys.readouterr().err, "docs is a symlink", "delete it")
    assert holds(site.parent / "victimA", files)


def test_build_docs_refuses_a_link_deep_inside_out(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = site / "build/site-src"
    assert run("build-docs", "--out", str(out)) == 0
    shutil.rmtree(out / "docs/portfolio")
    files = victim(site.parent / "victimB")
    (out / "docs/portfolio").symlink_to(site.parent / "victimB", target_is_directory=True)
    capsys.readouterr()
    assert run("build-docs", "--out", str(out)) == 2
    one_line_error(capsys.readouterr().err, "docs/portfolio is a symlink")
    assert holds(site.parent / "victimB", files)


@pytest.mark.parametrize("name", [OWNER_FILE, "mkdocs.yml", "docs/.index.md.sweetspot-tmp"])
def test_build_docs_never_writes_through_a_linked_file(
    site: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = site / "build/site-src"
    assert run("build-docs", "--out", str(out)) == 0
    (out / "docs/index.md").write_text("stale", encoding="utf-8")  # so it is written again
    target = site.parent / "victim.txt"
    target.write_text("keep me", encoding="utf-8")
    (out / name).unlink(missing_ok=True)
    (out / name).symlink_to(target)
    capsys.readouterr()
    assert run("build-docs", "--out", str(out)) == 2
    one_line_error(capsys.readouterr().err, "is a symlink")
    assert target.read_text(encoding="utf-8") == "keep me"


@pytest.mark.slow
def test_a_committed_link_cannot_make_build_docs_delete_files(tmp_path: Path) -> None:
    """The red team's git case: a commit adds the marker file and `docs -> ../../notes`;
    a plain `sweetspot build-docs` in a fresh clone must leave notes/ alone."""
    repo = write_site(tmp_path / "repo", SAMPLE_PROPOSALS)
    (repo / "notes").mkdir()
    (repo / "notes/notes.txt").write_text("my notes", encoding="utf-8")
    (repo / "build/site-src").mkdir(parents=True)
    (repo / "build/site-src" / OWNER_FILE).write_text("", encoding="utf-8")
    (repo / "build/site-src/docs").symlink_to("../../notes", target_is_directory=True)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.test"]
    subprocess.run([*git, "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-q", "-m", "x"], check=True)
    clone = tmp_path / "clone"
    subprocess.run([*git, "clone", "-q", str(repo), str(clone)], check=True)
    assert (clone / "build/site-src/docs").is_symlink()
    result = subprocess.run(
        ["sweetspot", "build-docs"],
        cwd=clone,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": os.environ.get("PYTHONPATH", str(Path(__file__).parent.parent)),
        },
    )
    assert result.returncode == 2, result.stderr
    one_line_error(result.stderr, "build/site-src", "docs is a symlink")
    assert (clone / "notes/notes.txt").read_text(encoding="utf-8") == "my notes"


def test_out_that_is_a_link_or_behind_one_is_refused(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = victim(site.parent / "elsewhere")
    (site / "linked").symlink_to(site.parent / "elsewhere", target_is_directory=True)
    for command, out in (
        ("build-docs", "linked"),
        ("build-docs", "linked/site-src"),
        ("render", "linked"),
        ("render", "linked/docs"),
    ):
        assert run(command, "--out", out) == 2
        one_line_error(capsys.readouterr().err, "linked is a symlink")
    assert holds(site.parent / "elsewhere", files)


def test_output_folder_replaces_a_link_at_the_temporary_name_without_following_it(
    tmp_path: Path,
) -> None:
    """The writer itself, under a race the up-front check cannot see: a link planted at a
    temporary file's name is removed, never written through."""
    target = tmp_path / "victim.txt"
    target.write_text("keep me", encoding="utf-8")
    out = tmp_path / "out"
    (out / "docs").mkdir(parents=True)
    (out / "docs/.page.md.sweetspot-tmp").symlink_to(target)
    (out / ".plain.md.sweetspot-tmp").symlink_to(target)
    with OutputFolder(out) as folder:
        assert folder.write("docs/page.md", b"page")
    assert write_if_changed(out / "plain.md", b"plain")
    assert target.read_text(encoding="utf-8") == "keep me"
    page = out / "docs/page.md"
    assert page.read_bytes() == b"page" and not page.is_symlink()
    assert (out / "plain.md").read_bytes() == b"plain"
    assert sorted(p.name for p in out.rglob("*")) == ["docs", "page.md", "plain.md"]


def test_output_folder_prunes_a_link_as_a_link(tmp_path: Path) -> None:
    files = victim(tmp_path / "victim")
    out = tmp_path / "out"
    (out / "docs").mkdir(parents=True)
    (out / "docs/old").symlink_to(tmp_path / "victim", target_is_directory=True)
    with OutputFolder(out) as folder:
        folder.write("docs/index.md", b"home")
        assert folder.prune("docs", {"index.md"}) == ["old"]
    assert holds(tmp_path / "victim", files)
    assert sorted(p.name for p in (out / "docs").iterdir()) == ["index.md"]


def test_build_docs_still_deletes_its_own_stale_files(site: Path) -> None:
    out = site / "build/site-src"
    assert run("build-docs", "--out", str(out)) == 0
    page = out / "docs/proposals" / f"{FULL_ID}.md"
    assert page.is_file()
    (out / "docs/proposals/.x.md.sweetspot-tmp").write_text("left by a crash", encoding="utf-8")
    (site / "content/proposals" / f"{FULL_ID}.yaml").unlink()
    assert run("build-docs", "--out", str(out)) == 0
    assert not page.exists()
    assert not (out / "docs/proposals/.x.md.sweetspot-tmp").exists()


# -- item 3: render writes only into a folder it owns -----------------------------------------


def test_render_refuses_a_docs_folder_of_the_users(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = victim(site / "mydocs")
    (site / "mydocs/index.md").write_text("# My home", encoding="utf-8")
    files["index.md"] = "# My home"
    (site / "mydocs/shared").symlink_to("sub", target_is_directory=True)  # theirs to keep
    assert run("render", "--out", "mydocs") == 2
    one_line_error(
        capsys.readouterr().err,
        "mydocs",
        "not written by `sweetspot render`",
        RENDER.marker,
        "new or empty folder",
    )
    assert holds(site / "mydocs", files) and (site / "mydocs/shared").is_symlink()


def test_render_refuses_the_sites_own_content_folder(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.relative_to(site).as_posix() for p in (site / "content").rglob("*"))
    home = (site / "content/index.md").read_bytes()
    assert run("render", "--out", "content") == 2
    one_line_error(capsys.readouterr().err, "--out content")
    assert sorted(p.relative_to(site).as_posix() for p in (site / "content").rglob("*")) == before
    assert (site / "content/index.md").read_bytes() == home


def test_render_writes_again_into_a_folder_it_wrote(site: Path) -> None:
    (site / "empty").mkdir()
    assert run("render", "--out", "empty") == 0
    assert (site / "empty" / RENDER.marker).is_file()
    (site / "empty/index.md").write_text("stale", encoding="utf-8")
    assert run("render", "--out", "empty") == 0
    assert "stale" not in (site / "empty/index.md").read_text(encoding="utf-8")


def test_render_and_build_docs_do_not_take_each_others_folders(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("render", "--out", "rendered") == 0
    assert run("build-docs", "--out", "built") == 0
    capsys.readouterr()
    assert run("build-docs", "--out", "rendered") == 2
    assert "not written by `sweetspot build-docs`" in capsys.readouterr().err
    assert run("render", "--out", "built") == 2
    assert "not written by `sweetspot render`" in capsys.readouterr().err


# -- item 4: only valid proposals and the schema are published from the proposals folder -----

SECRET = "SECRET-TOKEN-7f3a"
HOSTILE_FILES = {
    "evil.html": "<html><body><script>alert('evil-html')</script></body></html>",
    "chart.svg": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(\'evil-svg\')"></svg>',
    "page.md": "# Page\n\n<script>alert('evil-md')</script>\n",
    "leaky.yaml": f"title: [unclosed\n# api_token: {SECRET}\n",
}


@pytest.fixture
def hostile_site(site: Path) -> Path:
    proposals = site / "content/proposals"
    for name, text in HOSTILE_FILES.items():
        (proposals / name).write_text(text, encoding="utf-8")
    (proposals / "proposal.schema.json").write_text('{"type": "object"}', encoding="utf-8")
    # A folder elsewhere in the content that links back to the proposals folder.
    (site / "content/alias").symlink_to("proposals", target_is_directory=True)
    return site


def assert_nothing_hostile(folder: Path) -> None:
    names = {p.name for p in folder.rglob("*")}
    assert not names & set(HOSTILE_FILES), names & set(HOSTILE_FILES)
    for path in folder.rglob("*"):
        if path.is_file():
            text = path.read_bytes()
            for marker in (b"evil-html", b"evil-svg", b"evil-md", SECRET.encode()):
                assert marker not in text, (path, marker)


def build_plain(config_file: Path, site_dir: Path, **overrides: Any) -> Path:
    """Build with plain MkDocs, no sweetspot plugin: what any generator would publish."""
    config = load_config(str(config_file), site_dir=str(site_dir), **overrides)
    assert "sweetspot" not in config.plugins
    build(config)
    return site_dir


@pytest.mark.slow
@pytest.mark.parametrize("techdocs", [False, True], ids=["build-docs", "techdocs"])
def test_build_docs_publishes_only_valid_proposals_and_the_schema(
    hostile_site: Path, techdocs: bool
) -> None:
    out = hostile_site / "build/site-src"
    args = ["build-docs", "--out", str(out)] + (["--techdocs"] if techdocs else [])
    assert run(*args) == 1  # leaky.yaml is an invalid proposal
    docs = out / "docs"
    assert (docs / f"proposals/{FULL_ID}.yaml").is_file()
    assert (docs / "proposals/proposal.schema.json").is_file()
    assert_nothing_hostile(out)
    # techdocs-core is not installed here; its docs folder is the same, built with search.
    overrides = {"plugins": ["search"]} if techdocs else {}
    built = build_plain(out / "mkdocs.yml", hostile_site / "built", **overrides)
    assert (built / "proposals/proposal.schema.json").is_file()
    assert_nothing_hostile(built)


@pytest.mark.slow
def test_render_with_content_publishes_only_valid_proposals_and_the_schema(
    hostile_site: Path,
) -> None:
    out = hostile_site / "rendered/docs"
    assert run("render", "--out", str(out), "--content", "content") == 1
    assert (out / f"proposals/{FULL_ID}.yaml").is_file()
    assert_nothing_hostile(out)
    config = hostile_site / "rendered/mkdocs.yml"
    config.write_text(
        "site_name: R\ndocs_dir: docs\nplugins: [search]\n"
        "theme: {name: material, font: false}\n"
        "markdown_extensions: [admonition, attr_list, md_in_html, tables, toc, "
        "pymdownx.superfences, pymdownx.tasklist]\n",
        encoding="utf-8",
    )
    built = build_plain(config, hostile_site / "built")
    assert (built / f"proposals/{FULL_ID}.yaml").is_file()
    assert_nothing_hostile(built)


# -- item 19: --out that is a file ----------------------------------------------------------


@pytest.mark.parametrize("command", ["build-docs", "render"])
@pytest.mark.parametrize("out", ["afile", "afile/below"])
def test_out_that_is_a_file_is_a_one_line_error(
    site: Path, command: str, out: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (site / "afile").write_text("mine", encoding="utf-8")
    assert run(command, "--out", out) == 2
    one_line_error(capsys.readouterr().err, f"--out {out}")
    assert (site / "afile").read_text(encoding="utf-8") == "mine"


# -- the site's mkdocs.yml is read as a named file ------------------------------------------


def test_build_docs_refuses_a_linked_config(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "mkdocs.yml").rename(site / "real.yml")
    (site / "mkdocs.yml").symlink_to("real.yml")
    assert run("build-docs", "--out", "out") == 2
    one_line_error(capsys.readouterr().err, "mkdocs.yml", "symlink")
    assert not (site / "out").exists()


def test_build_docs_refuses_a_config_that_is_a_pipe(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(site / "pipe.yml")
    assert run("build-docs", "--config", "pipe.yml", "--out", "out") == 2  # does not hang
    one_line_error(capsys.readouterr().err, "pipe.yml", "not a regular file")


def test_build_docs_refuses_yaml_aliases_in_the_config(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (site / "bomb.yml").write_text("site_name: &a x\ncopyright: *a\n", encoding="utf-8")
    assert run("build-docs", "--config", "bomb.yml", "--out", "out") == 2
    one_line_error(capsys.readouterr().err, "bomb.yml:2", "aliases (*a) are not allowed")


def test_build_docs_refuses_a_huge_config(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "huge.yml").write_bytes(b"site_name: x\n" + b"#" * (2 * 1024 * 1024) + b"\n")
    assert run("build-docs", "--config", "huge.yml", "--out", "out") == 2
    one_line_error(capsys.readouterr().err, "huge.yml", "at most 1.0 MiB")


def test_schema_out_never_writes_through_a_symlink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The editor schema lives in the proposals folder, where a pull request can commit a link.
    from scoring.cli.main import main

    monkeypatch.chdir(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n", encoding="utf-8")
    folder = tmp_path / "proposals"
    folder.mkdir()
    (folder / "proposal.schema.json").symlink_to(outside)
    code = main(["schema", "--out", "proposals/proposal.schema.json"])
    err = capsys.readouterr().err
    assert code == 2 and "is a symlink" in err and "Traceback" not in err
    assert outside.read_text(encoding="utf-8") == "keep me\n"
    assert main(["schema", "--out", "proposals"]) == 2
    assert "is a folder" in capsys.readouterr().err
    (folder / "proposal.schema.json").unlink()
    assert main(["schema", "--out", "proposals/proposal.schema.json"]) == 0
    assert (folder / "proposal.schema.json").read_text(encoding="utf-8").startswith("{")
