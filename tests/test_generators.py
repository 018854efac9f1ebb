"""One site, several generators: the demo site built by MkDocs 1.6 and ProperDocs through the
plugin, and from `sweetspot build-docs` output by MkDocs, ProperDocs, Zensical and Backstage
TechDocs (mkdocs-techdocs-core in a virtual environment of its own, since it pins its own
Material, Markdown and pymdown-extensions).

Every build must hold the same pages, with sentinel content on the proposal, portfolio and
pitfall pages, so a generator that silently skips the plugin fails here. A generator that is
not installed skips its tests on a developer's machine and fails them in CI (``CI=true``, or
``SWEETSPOT_REQUIRE_GENERATORS=1`` as .ci/run sets).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from sitekit import REPO

from scoring.cli.main import main
from scoring.rubric import load_rubric
from scoring.site.generated_site import EXTRA_CSS, EXTRA_JAVASCRIPT

pytestmark = pytest.mark.generators  # builds with ProperDocs, Zensical, TechDocs

# The versions CI tests (README, "Static-site generators"). MkDocs, ProperDocs and Zensical are
# pinned in pyproject's test extras; TechDocs gets its own environment, made here.
TECHDOCS_REQUIREMENT = "mkdocs-techdocs-core==1.7.1"
REQUIRED = os.environ.get("CI") == "true" or os.environ.get("SWEETSPOT_REQUIRE_GENERATORS") == "1"
PROPOSALS = {
    p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
    for p in sorted((REPO / "content/proposals").glob("*.yaml"))
}
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO)}


def need(module: str) -> None:
    """Skip when a generator is missing, except in CI, where that is a failure."""
    if importlib.util.find_spec(module) is None:
        message = f"{module} is not installed (pip install -e '.[test]')"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)


def run(command: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    return result


# -- what every build of the demo site must hold -------------------------------------------------


def soup(site: Path, page: str) -> BeautifulSoup:
    path = site / page / "index.html" if page else site / "index.html"
    assert path.is_file(), f"{path} was not built"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page_set(site: Path) -> set[str]:
    """Every page of the site (by folder) and every download the engine writes."""
    pages = {p.parent.relative_to(site).as_posix() for p in site.rglob("index.html")}
    downloads = {
        p.relative_to(site).as_posix()
        for pattern in ("*.csv", "*.json", "*.yaml")
        for p in site.rglob(pattern)
        if p.relative_to(site).parts[0] in ("portfolio", "schema", "proposals")
    }
    return pages | downloads


def check_sentinels(site: Path) -> None:
    """What a reader of any build must see; fails on a build that skipped the generated pages."""
    for proposal_id, data in PROPOSALS.items():
        page = soup(site, f"proposals/{proposal_id}")
        heading = page.select_one("article h1") or page.select_one("h1")
        assert heading is not None and " ".join(data["title"].split()) in heading.get_text(), (
            proposal_id
        )
        assert page.find(id="breakdown") is not None, proposal_id
    portfolio = soup(site, "portfolio")
    assert portfolio.select_one("svg.ss-quadrant-chart") is not None
    charted = {a["href"].rstrip("/").rsplit("/", 1)[-1] for a in portfolio.select("svg a")}
    assert set(PROPOSALS) <= charted
    for checklist in load_rubric().checklists:
        page = soup(site, f"pitfalls/{checklist.slug}")
        assert checklist.title in page.select_one("h1").get_text()
        for item in checklist.items:
            assert page.find(id=item.id.replace("_", "-")) is not None, (checklist.id, item.id)
    home = soup(site, "")
    text = home.get_text(" ")
    assert "Top priorities" in text
    assert "proposal pages are missing" not in text
    csv_rows = (site / "portfolio/portfolio.csv").read_text(encoding="utf-8").splitlines()
    assert len(csv_rows) == len(PROPOSALS) + 1


def check_assets_wired(site: Path) -> None:
    page = soup(site, "portfolio")
    styles = {link["href"].split("assets/", 1)[-1] for link in page.select("link[rel=stylesheet]")}
    scripts = {s["src"].split("assets/", 1)[-1] for s in page.select("script[src]")}
    assert {c.removeprefix("assets/") for c in EXTRA_CSS} <= styles
    assert {j.removeprefix("assets/") for j in EXTRA_JAVASCRIPT} <= scripts
    for asset in (*EXTRA_CSS, *EXTRA_JAVASCRIPT):
        assert (site / asset).is_file(), asset


# -- builds (each once per session) ------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "site-src"
    cwd = Path.cwd()
    os.chdir(REPO)
    try:
        assert main(["build-docs", "--config", "mkdocs.yml", "--out", str(out)]) == 0
    finally:
        os.chdir(cwd)
    return out


@pytest.fixture(scope="module")
def generated_mkdocs(generated: Path) -> Path:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site = generated.parent / "mkdocs-site"
    config = load_config(str(generated / "mkdocs.yml"), strict=True, site_dir=str(site))
    assert "sweetspot" not in config.plugins  # the pages come from the folder alone
    build(config)
    return site


@pytest.fixture(scope="module")
def generated_properdocs(generated: Path) -> Path:
    need("properdocs")
    site = generated.parent / "properdocs-site"
    run(
        [
            sys.executable,
            "-m",
            "properdocs",
            "build",
            "--strict",
            "-q",
            "-f",
            str(generated / "mkdocs.yml"),
            "-d",
            str(site),
        ],
        cwd=generated.parent,
    )
    return site


@pytest.fixture(scope="module")
def generated_zensical(generated: Path) -> Path:
    need("zensical")
    result = run(
        [sys.executable, "-m", "zensical", "build", "--strict", "-f", "mkdocs.yml"], cwd=generated
    )
    output = result.stdout + result.stderr
    assert "No issues found" in output and "Warning" not in output, output
    return generated / "site"


@pytest.fixture(scope="module")
def plugin_properdocs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need("properdocs")
    site = tmp_path_factory.mktemp("properdocs-plugin") / "site"
    result = run(
        [
            sys.executable,
            "-m",
            "properdocs",
            "build",
            "--strict",
            "-f",
            str(REPO / "mkdocs.yml"),
            "-d",
            str(site),
        ],
        cwd=REPO,
    )
    assert "sweetspot" in (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert "Documentation built" in result.stdout + result.stderr
    return site


BUILDS = [
    "plugin_mkdocs",
    "plugin_properdocs",
    "generated_mkdocs",
    "generated_properdocs",
    "generated_zensical",
]


@pytest.fixture
def plugin_mkdocs(demo_site: Path) -> Path:
    return demo_site


@pytest.mark.parametrize("build", BUILDS)
def test_every_build_shows_the_generated_pages(build: str, request: pytest.FixtureRequest) -> None:
    site = request.getfixturevalue(build)
    check_sentinels(site)
    check_assets_wired(site)


@pytest.mark.parametrize("build", BUILDS[1:])
def test_every_build_has_the_same_pages(
    build: str, plugin_mkdocs: Path, request: pytest.FixtureRequest
) -> None:
    expected = page_set(plugin_mkdocs)
    assert len([p for p in expected if p.startswith("proposals/") and "." not in p]) == len(
        PROPOSALS
    )
    got = page_set(request.getfixturevalue(build))
    assert got == expected, (
        f"missing {sorted(expected - got)[:10]}, extra {sorted(got - expected)[:10]}"
    )


def nav_links(site: Path) -> list[str]:
    page = soup(site, "portfolio")
    return [a["href"] for a in page.select("nav.md-nav--primary a.md-nav__link[href]")]


@pytest.mark.parametrize("build", ["generated_mkdocs", "generated_properdocs"])
def test_generated_site_has_the_plugins_navigation(
    build: str, plugin_mkdocs: Path, request: pytest.FixtureRequest
) -> None:
    """Proposal pages stay out of the navigation, as the plugin keeps them."""
    links = nav_links(request.getfixturevalue(build))
    assert len(links) > 20 and links == nav_links(plugin_mkdocs)
    assert not [link for link in links if "proposals/" in link]


# -- Zensical meeting the plugin in mkdocs.yml -------------------------------------------------


@pytest.fixture(scope="module")
def zensical_ignoring_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository as a first-time Zensical user builds it: mkdocs.yml with the plugin."""
    need("zensical")
    root = tmp_path_factory.mktemp("zensical-plugin")
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    run([sys.executable, "-m", "zensical", "build"], cwd=root)
    return root / "site"


def test_zensical_with_the_plugin_says_the_pages_are_missing(
    zensical_ignoring_plugin: Path,
) -> None:
    site = zensical_ignoring_plugin
    # Zensical drops the unknown plugin without a word: no generated pages...
    assert not (site / "portfolio/index.html").exists()
    with pytest.raises(AssertionError):
        check_sentinels(site)  # ...which the sentinel check catches...
    # ...and the home page says so, and how to fix it.
    notice = soup(site, "").select_one(".admonition")
    assert notice is not None
    text = " ".join(notice.get_text(" ").split())
    assert "proposal pages are missing" in text
    assert "sweetspot build-docs" in text and "zensical build -f" in text


# -- Zensical serve with live reload of proposals ----------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except OSError:
        return ""


def wait_for(predicate: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.3)
    return False


@contextlib.contextmanager
def background(command: list[str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        command, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_zensical_serve_reloads_an_edited_proposal(tmp_path: Path) -> None:
    """`sweetspot build-docs --watch` beside `zensical serve`: an edited proposal file shows
    on the served page, and a new proposal gets its page, without restarting either."""
    need("zensical")
    shutil.copytree(REPO / "content", tmp_path / "content")
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    out = tmp_path / "build/site-src"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proposal = tmp_path / "content/proposals/credit-scorecard-challenger.yaml"
    with background(
        [
            sys.executable,
            "-m",
            "scoring.cli.main",
            "build-docs",
            "--out",
            str(out),
            "--watch",
            "--interval",
            "0.3",
        ],
        cwd=tmp_path,
    ) as watcher:
        assert wait_for(lambda: (out / "mkdocs.yml").is_file(), 60), "build-docs wrote nothing"
        with background(
            [sys.executable, "-m", "zensical", "serve", "-a", f"127.0.0.1:{port}"], cwd=out
        ):
            page = f"{base}/proposals/credit-scorecard-challenger/"
            assert wait_for(lambda: "gradient-boosted challenger" in fetch(page), 60)
            text = proposal.read_text(encoding="utf-8")
            proposal.write_text(
                text.replace("title: ", "title: Zebra-striped ", 1), encoding="utf-8"
            )
            assert wait_for(lambda: "Zebra-striped" in fetch(page), 60), (
                "the edited proposal never reached the served page"
            )
            shutil.copy(proposal, proposal.with_name("zebra-copy.yaml"))
            assert wait_for(
                lambda: "Zebra-striped" in fetch(f"{base}/proposals/zebra-copy/"), 60
            ), "a new proposal never got its page"
        # A broken file is reported, not fatal; a config edit reaches the written config.
        (tmp_path / "content/proposals/broken.yaml").write_text("title: [\n", encoding="utf-8")
        config = tmp_path / "mkdocs.yml"
        config.write_text(
            config.read_text(encoding="utf-8").replace(
                "site_name: Sweetspot", "site_name: Sweetspot renamed"
            ),
            encoding="utf-8",
        )
        assert wait_for(
            lambda: "Sweetspot renamed" in (out / "mkdocs.yml").read_text(encoding="utf-8"), 30
        ), "a config edit never reached the written config"
        assert watcher.poll() is None, "build-docs --watch stopped"


# -- Backstage TechDocs --------------------------------------------------------------------------


def techdocs_requirements() -> list[str]:
    """techdocs-core, plus Sweetspot's own dependencies for the plugin build (Sweetspot itself
    comes from this checkout, see plugin_path); pip resolves them together against its pins."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [TECHDOCS_REQUIREMENT, *project["dependencies"]]


def techdocs_python() -> Path:
    """A virtual environment for TechDocs, made once per machine under the temp folder (the
    pins techdocs-core brings cannot live beside ours) and remade when its requirements
    change. It never holds Sweetspot itself, so a cached one cannot run stale code."""
    requirements = techdocs_requirements()
    key = hashlib.sha256("\n".join(requirements).encode()).hexdigest()[:12]
    slug = TECHDOCS_REQUIREMENT.replace("==", "-")
    home = Path(
        os.environ.get("SWEETSPOT_VENV_CACHE") or Path(tempfile.gettempdir()) / "sweetspot-venvs"
    )
    target = home / f"{slug}-py{sys.version_info.major}{sys.version_info.minor}-{key}"
    python = target / "bin" / "python"
    if (target / "ready").is_file():
        return python
    home.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{slug}-", dir=home))
    try:
        venv.create(staging, with_pip=True)
        result = subprocess.run(
            [
                str(staging / "bin/python"),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                *requirements,
            ],
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        result = subprocess.CompletedProcess([], 1, "", str(error))
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        message = f"could not install {' '.join(requirements)}:\n{result.stderr[-2000:]}"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    (staging / "ready").write_text("\n".join(requirements) + "\n", encoding="utf-8")
    try:
        # Moving is safe: its python finds its packages from pyvenv.cfg beside it.
        staging.rename(target)
    except OSError:  # another run made it first
        shutil.rmtree(staging, ignore_errors=True)
    return python


def plugin_path(folder: Path) -> str:
    """A PYTHONPATH that makes this checkout's plugin loadable by name: MkDocs finds plugins
    through entry points, so a minimal distribution record declares ours."""
    record = folder / "sweetspot_kb-0.0.0.dist-info"
    record.mkdir(parents=True)
    (record / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: sweetspot-kb\nVersion: 0.0.0\n", encoding="utf-8"
    )
    (record / "entry_points.txt").write_text(
        "[mkdocs.plugins]\nsweetspot = plugins.sweetspot:SweetspotPlugin\n", encoding="utf-8"
    )
    return os.pathsep.join([str(folder), str(REPO)])


def techdocs_versions(python: Path) -> list[str]:
    return subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.metadata as m; print("
            "m.version('mkdocs-material'), m.version('mkdocs-techdocs-core'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()


@pytest.fixture(scope="module")
def techdocs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    python = techdocs_python()
    out = tmp_path_factory.mktemp("techdocs") / "entity"
    cwd = Path.cwd()
    os.chdir(REPO)
    try:
        assert main(["build-docs", "--techdocs", "--out", str(out)]) == 0
    finally:
        os.chdir(cwd)
    config = yaml.safe_load((out / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["plugins"][0] == "techdocs-core"
    assert "sweetspot" not in str(config["plugins"])
    env = {k: v for k, v in ENV.items() if k != "PYTHONPATH"}  # nothing of Sweetspot
    result = subprocess.run(
        [str(python), "-m", "mkdocs", "build", "--strict"],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert techdocs_versions(python) == ["9.7.7", "1.7.1"]
    return out / "site"


@pytest.fixture(scope="module")
def techdocs_plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin itself under techdocs-core, as `techdocs-cli generate --no-docker` runs it
    where Sweetspot is installed."""
    python = techdocs_python()
    root = tmp_path_factory.mktemp("techdocs-plugin")
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "decisions", root / "decisions")  # decisions_dir, outside docs
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config["plugins"] = ["techdocs-core", *[p for p in config["plugins"] if p != "search"]]
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    env = {**ENV, "PYTHONPATH": plugin_path(root / "entry-points")}
    result = subprocess.run(
        [str(python), "-m", "mkdocs", "build", "--strict"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "site"


@pytest.mark.parametrize("build", ["techdocs_site", "techdocs_plugin_site"])
def test_techdocs_builds_the_demo_site(
    build: str, plugin_mkdocs: Path, request: pytest.FixtureRequest
) -> None:
    site = request.getfixturevalue(build)
    check_sentinels(site)
    check_assets_wired(site)
    # techdocs-core's own output, which Backstage reads.
    assert (site / "techdocs_metadata.json").is_file()
    assert page_set(site) == page_set(plugin_mkdocs)
