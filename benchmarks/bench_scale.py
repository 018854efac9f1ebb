"""Benchmark: builds that scale (issue #14), measured against a plain-MkDocs floor.

    python benchmarks/bench_scale.py [--sizes 1000 2000 5000] [--keep DIR] [--seed 0] [--notes]
    python benchmarks/bench_scale.py --demo --sizes 1000 [--notes] [--demo-at REV]
    python benchmarks/bench_scale.py --notes --inventory \
        ../shared/data/us-federal-ai-inventory-2024/2024_consolidated_ai_inventory_raw_v2.csv

For each size N it builds, each in a fresh Python process (so the peak memory is the
build's own), in the same run:

* **sweetspot**: a Material site whose proposals folder holds N synthetic proposals
  (benchmarks/synthetic.py), the repository's playbooks and a home page with the summary
  marker, with a fresh cache folder; with ``--demo``, N copies of the demo's own proposals
  (content/proposals, taken in turn, each copy under a new id, its content unchanged), so
  that page weight is measured on real content;
* **floor**: the same site without the plugin, where the proposals are replaced by N simple
  hand-written pages of about 2 KB of Markdown each (a title, a four-row table, a paragraph
  and seven task lists of seven items), not in the nav, built with the same theme,
  Markdown extensions and search.

It prints the figures of the issue's targets with PASS or MISS for each:

* build CPU time (``time.process_time`` of ``mkdocs.commands.build.build``) as a ratio to
  the floor's (target at most 2x, goal 1.5x);
* growth T(2N)/T(N) of the sweetspot build, for every pair N, 2N among the sizes (at most 2.1);
* peak resident memory (``ru_maxrss``) of the build process (under 400 MB at 5,000);
* the average ``<article>`` HTML of a proposal page (the content without the theme's frame;
  at most 20 KB);
* site bytes per proposal, shared theme assets (``assets/``) aside (at most 50 KB);
* search index bytes per proposal (at most 3 KB);
* the portfolio page (under 1 MB);
* the largest page that grows with N (its size at each N), with the other pages whose size
  grows with the portfolio.

Figures are never asserted in tests: a shared machine's load moves times by tens of percent.
CPU times disturb less than wall time; ratios measured in the same run disturb least.

``--inventory FILE`` imports a real inventory (the 2024 US federal AI use-case inventory,
with the shipped ``us-federal-2024`` mapping) into a temporary site, builds it and a floor
of as many pages in the same run, and reports its build time, memory and site size the
same way.

``--notes`` records the run's figures in benchmarks/figures.json and rewrites the figures
block of CONTRIBUTING.md (benchmarks/notes.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from benchmarks import notes  # noqa: E402
from benchmarks.bench_build import HOME, base_config, write_plugin_project  # noqa: E402

RATIO_TARGET, RATIO_GOAL = 2.0, 1.5
GROWTH_TARGET = 2.1
RSS_TARGET_MB, RSS_AT = 400, 5000
ARTICLE_TARGET = 20 * 1024
SITE_PER_PROPOSAL = 50 * 1024
SEARCH_PER_PROPOSAL = 3 * 1024
PORTFOLIO_TARGET = 1024 * 1024
GROWING = 1.3  # a page more than 30% bigger at 2N than at N grows with the portfolio

_ARTICLE = re.compile(rb"<article\b.*?</article>", re.DOTALL)


# --------------------------------------------------------------------------------------------
# The floor
# --------------------------------------------------------------------------------------------


def floor_page(i: int) -> str:
    """About 2 KB of plain Markdown: a title, a four-row table, a paragraph and seven task
    lists of seven items."""
    rows = "".join(f"| Row {r} | {i * 7 + r} | value {r} | note {r} |\n" for r in range(4))
    lists = "".join(
        f"### Checklist {c}\n\n"
        + "".join(
            f"- [{'x' if (i + c + k) % 3 else ' '}] Item {k} of list {c}, a task\n"
            for k in range(7)
        )
        + "\n"
        for c in range(7)
    )
    return (
        f"# Floor page {i}\n\n| Name | Number | Value | Note |\n|---|---:|---|---|\n{rows}\n"
        f"Page {i} is a plain hand-written page with a short paragraph of text, so that the "
        "floor measures what MkDocs, Material and search cost for a small page.\n\n" + lists
    )


def write_floor_project(project: Path, n: int) -> None:
    import yaml

    content = project / "content"
    pages = content / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (pages / f"page-{i:05d}.md").write_text(floor_page(i), encoding="utf-8")
    shutil.copytree(ROOT / "content" / "playbooks", content / "playbooks")
    (content / "index.md").write_text(HOME, encoding="utf-8")
    config = base_config(plugin=False)
    config["not_in_nav"] = "/pages/*.md\n"
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Real content: the demo's proposals, replicated
# --------------------------------------------------------------------------------------------


def demo_sources(folder: Path = ROOT / "content" / "proposals") -> list[Path]:
    """The demo's proposal files, found and refused by the rules every proposal folder
    follows (no symlinks, no special files)."""
    from scoring.proposals.loading import discover, refusal

    sources = [path for path in discover([folder]) if refusal(path, path.name) is None]
    if not sources:
        raise SystemExit(f"no proposal files in {folder}")
    return sources


def write_demo_proposals(folder: Path, n: int, sources: list[Path]) -> None:
    """N proposals: the demo's files in turn, each copy under a new id (the file name is
    the id), its bytes unchanged."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = [(path.stem, path.read_bytes()) for path in sources]
    for i in range(n):
        stem, text = texts[i % len(texts)]
        (folder / f"{stem}-{i // len(texts) + 1:04d}.yaml").write_bytes(text)


def demo_at(revision: str, folder: Path) -> list[Path]:
    """The demo's proposal files as they were at a git revision (issue 32 asks for its
    budgets on the demo as it was when the issue was filed), written into ``folder``."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-tree", "--name-only", f"{revision}:content/proposals"],
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        raise SystemExit(f"--demo-at {revision}: {listed.stderr.strip()}")
    folder.mkdir(parents=True, exist_ok=True)
    for name in listed.stdout.split():
        if name.endswith(".yaml") and name != "proposal.schema.json":
            text = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{revision}:content/proposals/{name}"],
                capture_output=True,
                check=True,
            ).stdout
            (folder / name).write_bytes(text)
    return demo_sources(folder)


def write_demo_project(project: Path, n: int, sources: list[Path] | None = None) -> None:
    import yaml

    content = project / "content"
    write_demo_proposals(content / "proposals", n, sources or demo_sources())
    shutil.copytree(ROOT / "content" / "playbooks", content / "playbooks")
    (content / "index.md").write_text(HOME, encoding="utf-8")
    (project / "mkdocs.yml").write_text(
        yaml.safe_dump(base_config(plugin=True), sort_keys=False), encoding="utf-8"
    )


# --------------------------------------------------------------------------------------------
# One build in a worker process
# --------------------------------------------------------------------------------------------


def run_worker(project: Path) -> dict[str, Any]:
    import logging

    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    os.chdir(project)
    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(project / "site"))
    config.plugins.on_startup(command="build", dirty=False)
    start, cpu = time.perf_counter(), time.process_time()
    build(config)
    result = {
        "cpu": time.process_time() - cpu,
        "seconds": time.perf_counter() - start,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    config.plugins.on_shutdown()
    return result


def spawn(project: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the build of {project} failed:\n{done.stdout}\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --------------------------------------------------------------------------------------------
# Measuring a built site
# --------------------------------------------------------------------------------------------


def measure_site(site: Path, n: int) -> dict[str, Any]:
    sizes = {
        p.relative_to(site).as_posix(): p.stat().st_size for p in site.rglob("*") if p.is_file()
    }
    articles = []
    for path in (site / "proposals").glob("*/index.html"):
        match = _ARTICLE.search(path.read_bytes())
        if match:
            articles.append(len(match.group(0)))
    own = sum(size for name, size in sizes.items() if not name.startswith("assets/"))
    search = sizes.get("search/search_index.json", 0)
    pages = {
        name: size
        for name, size in sizes.items()
        if name.endswith(".html") and not name.startswith("proposals/")
    }
    return {
        "n": n,
        "article_avg": sum(articles) / len(articles) if articles else 0,
        "proposal_pages": len(articles),
        "site_bytes": sum(sizes.values()),
        "site_per_proposal": own / n,
        "search_bytes": search,
        "search_per_proposal": search / n,
        "portfolio_page": sizes.get("portfolio/index.html", 0),
        "pages": pages,
        "downloads": {
            name: size
            for name, size in sizes.items()
            if name.startswith("portfolio/") and name.endswith((".json", ".csv"))
        },
    }


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def kib(count: float) -> str:
    return f"{count / 1024:,.1f} KB"


def report_size(
    n: int, plugin: dict[str, Any], floor: dict[str, Any], site: dict[str, Any]
) -> None:
    ratio = plugin["cpu"] / floor["cpu"]
    goal = " (meets the 1.5x goal)" if ratio <= RATIO_GOAL else ""
    print(
        f"  build CPU: sweetspot {plugin['cpu']:.1f} s, floor {floor['cpu']:.1f} s "
        f"(wall {plugin['seconds']:.1f} / {floor['seconds']:.1f} s): ratio {ratio:.2f}x  "
        f"{verdict(ratio <= RATIO_TARGET)} (target <= {RATIO_TARGET:g}x){goal}"
    )
    rss_line = (
        f"  peak RSS: sweetspot {plugin['peak_rss_mb']:,.0f} MB, floor "
        f"{floor['peak_rss_mb']:,.0f} MB"
    )
    if n >= RSS_AT:
        rss_line += (
            f"  {verdict(plugin['peak_rss_mb'] < RSS_TARGET_MB)} (target < "
            f"{RSS_TARGET_MB} MB at {RSS_AT:,})"
        )
    print(rss_line)
    print(
        f"  proposal page <article>: {kib(site['article_avg'])} on average over "
        f"{site['proposal_pages']:,} pages  {verdict(site['article_avg'] <= ARTICLE_TARGET)}"
        f" (target <= 20 KB)"
    )
    print(
        f"  site: {site['site_bytes'] / 2**20:,.1f} MB in all; "
        f"{kib(site['site_per_proposal'])} per proposal without assets/  "
        f"{verdict(site['site_per_proposal'] <= SITE_PER_PROPOSAL)} (target <= 50 KB)"
    )
    print(
        f"  search index: {site['search_bytes'] / 2**20:,.1f} MB, "
        f"{kib(site['search_per_proposal'])} per proposal  "
        f"{verdict(site['search_per_proposal'] <= SEARCH_PER_PROPOSAL)} (target <= 3 KB)"
    )
    print(
        f"  portfolio page: {kib(site['portfolio_page'])}  "
        f"{verdict(site['portfolio_page'] < PORTFOLIO_TARGET)} (target < 1 MB)"
    )
    for name, size in sorted(site["downloads"].items()):
        print(f"  download {name}: {size / 2**20:,.2f} MB ({kib(size / n)} per proposal)")
    largest = sorted(site["pages"].items(), key=lambda item: -item[1])[:5]
    print("  largest other pages: " + ", ".join(f"{name} {kib(size)}" for name, size in largest))


def report_growth(results: dict[int, dict[str, Any]]) -> None:
    sizes = sorted(results)
    pairs = [(n, 2 * n) for n in sizes if 2 * n in results]
    for low, high in pairs:
        for kind in ("sweetspot", "floor"):
            growth = results[high][kind]["cpu"] / results[low][kind]["cpu"]
            mark = (
                f"  {verdict(growth <= GROWTH_TARGET)} (target <= {GROWTH_TARGET})"
                if kind == "sweetspot"
                else ""
            )
            print(f"growth T({high:,})/T({low:,}), {kind}: {growth:.2f}{mark}")
    if len(sizes) < 2:
        print("growth: give two sizes N and 2N (e.g. --sizes 1000 2000) to measure it")
        return
    low, high = sizes[0], sizes[-1]
    before, after = results[low]["site"]["pages"], results[high]["site"]["pages"]
    growing = sorted(
        (
            (name, before[name], size)
            for name, size in after.items()
            if name in before and before[name] and size / before[name] > GROWING
        ),
        key=lambda item: -item[2],
    )
    if not growing:
        print(f"pages that grow with N ({low:,} -> {high:,}): none")
        return
    name, small, big = growing[0]
    print(
        f"largest page that grows with N: {name}: {kib(small)} at {low:,}, {kib(big)} at "
        f"{high:,} ({big / small:.1f}x)"
    )
    others = ", ".join(f"{n} {kib(b)}" for n, _s, b in growing[1:12])
    print(
        f"  other growing pages at {high:,}: {others or 'none'}"
        + (f" and {len(growing) - 12} more" if len(growing) > 12 else "")
    )


def figures(
    plugin: dict[str, Any], floor: dict[str, Any], site: dict[str, Any]
) -> dict[str, float]:
    """What notes.py keeps of a size's run."""
    return {
        "cpu": plugin["cpu"],
        "floor_cpu": floor["cpu"],
        "rss_mb": plugin["peak_rss_mb"],
        "floor_rss_mb": floor["peak_rss_mb"],
        "article": site["article_avg"],
        "site_per_proposal": site["site_per_proposal"],
        "search_per_proposal": site["search_per_proposal"],
        "portfolio_page": site["portfolio_page"],
        "site_bytes": site["site_bytes"],
    }


def record_notes(kind: str, results: dict[int, dict[str, Any]], started: notes.Start) -> None:
    for n, result in sorted(results.items()):
        kept = figures(result["sweetspot"], result["floor"], result["site"])
        if n % 2 == 0 and n // 2 in results:
            half = results[n // 2]
            kept["growth"] = result["sweetspot"]["cpu"] / half["sweetspot"]["cpu"]
            kept["floor_growth"] = result["floor"]["cpu"] / half["floor"]["cpu"]
        notes.record(notes.new_run(kind, n, started, kept))


def bench(
    sizes: list[int],
    seed: int,
    workdir: Path,
    *,
    demo: bool = False,
    keep_notes: bool = False,
    demo_revision: str | None = None,
) -> int:
    started = notes.start()
    results: dict[int, dict[str, Any]] = {}
    sources = demo_at(demo_revision, workdir / "demo-at") if demo_revision else None
    for n in sorted(sizes):
        plugin_project, floor_project = workdir / f"sweetspot-{n}", workdir / f"floor-{n}"
        for old in (plugin_project, floor_project):
            shutil.rmtree(old, ignore_errors=True)
        if demo:
            write_demo_project(plugin_project, n, sources)
        else:
            write_plugin_project(plugin_project, n, seed)
        write_floor_project(floor_project, n)
        print(f"\n== N = {n:,}", flush=True)
        plugin = spawn(plugin_project)
        floor = spawn(floor_project)
        site = measure_site(plugin_project / "site", n)
        results[n] = {"sweetspot": plugin, "floor": floor, "site": site}
        report_size(n, plugin, floor, site)
    print()
    report_growth(results)
    print(
        "(CPU times on a shared machine vary by several percent between identical builds, "
        "more under load: compare ratios from one run; load average now "
        f"{os.getloadavg()[0]:.1f})"
    )
    if keep_notes:
        record_notes("demo" if demo else "synthetic", results, started)
    return 0


def bench_inventory(inventory: Path, workdir: Path, *, keep_notes: bool = False) -> int:
    import yaml

    started = notes.start()
    project, floor_project = workdir / "inventory", workdir / "inventory-floor"
    for old in (project, floor_project):
        shutil.rmtree(old, ignore_errors=True)
    content = project / "content"
    shutil.copytree(ROOT / "content" / "playbooks", content / "playbooks")
    (content / "index.md").write_text(HOME, encoding="utf-8")
    config = base_config(plugin=True)
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scoring.cli.main",
            "import",
            str(inventory),
            "--mapping",
            "us-federal-2024",
            "--out",
            str(content / "proposals"),
            "--format",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"the import failed:\n{done.stderr}")
    n = len(list((content / "proposals").glob("*.yaml")))
    print(f"imported {n:,} proposal files in {time.perf_counter() - start:.1f} s", flush=True)
    write_floor_project(floor_project, n)
    result = spawn(project)
    floor = spawn(floor_project)
    site = measure_site(project / "site", n)
    print(
        f"  build CPU: sweetspot {result['cpu']:.1f} s, floor {floor['cpu']:.1f} s (wall "
        f"{result['seconds']:.1f} / {floor['seconds']:.1f} s): ratio "
        f"{result['cpu'] / floor['cpu']:.2f}x"
    )
    print(
        f"  peak RSS: sweetspot {result['peak_rss_mb']:,.0f} MB, floor "
        f"{floor['peak_rss_mb']:,.0f} MB"
    )
    print(
        f"  site: {site['site_bytes'] / 2**20:,.1f} MB; {kib(site['site_per_proposal'])} per "
        f"proposal without assets/; search index {site['search_bytes'] / 2**20:,.1f} MB "
        f"({kib(site['search_per_proposal'])} per proposal); portfolio page "
        f"{kib(site['portfolio_page'])}; proposal <article> {kib(site['article_avg'])} "
        "on average"
    )
    for name, size in sorted(site["downloads"].items()):
        print(f"  download {name}: {size / 2**20:,.2f} MB")
    largest = sorted(site["pages"].items(), key=lambda item: -item[1])[:5]
    print("  largest other pages: " + ", ".join(f"{name} {kib(size)}" for name, size in largest))
    print(f"(load average now {os.getloadavg()[0]:.1f})")
    if keep_notes:
        notes.record(notes.new_run("inventory", n, started, figures(result, floor, site)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 5000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep the sites")
    parser.add_argument(
        "--inventory",
        type=Path,
        help="import this inventory CSV (us-federal-2024 mapping) and build it",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="build N copies of the demo's proposals instead of synthetic ones",
    )
    parser.add_argument(
        "--demo-at",
        metavar="REV",
        help="with --demo: the demo's proposals as they were at this git revision",
    )
    parser.add_argument(
        "--notes",
        action="store_true",
        help="record the figures in benchmarks/figures.json and CONTRIBUTING.md",
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(args.worker)))
        return 0
    if args.inventory is not None:
        args.inventory = args.inventory.resolve()
        if not args.inventory.is_file():
            raise SystemExit(f"no such file: {args.inventory}")
    if args.notes:  # fail before minutes of building, not after
        try:
            notes.read_runs()
            notes.current_block(notes.CONTRIBUTING)
        except notes.NotesError as error:
            raise SystemExit(f"error: {error}") from None
    if args.inventory is not None:
        content = f"inventory {args.inventory.name}"
    else:
        content = f"sizes {sorted(args.sizes)}, " + (
            (
                f"demo proposals replicated (as at {args.demo_at})"
                if args.demo and args.demo_at
                else "demo proposals replicated"
            )
            if args.demo
            else f"synthetic, seed {args.seed}"
        )
    print(f"python {sys.version.split()[0]}, {content}, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="sweetspot-scale-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        if args.inventory is not None:
            return bench_inventory(args.inventory, workdir, keep_notes=args.notes)
        return bench(
            args.sizes,
            args.seed,
            workdir,
            demo=args.demo,
            keep_notes=args.notes,
            demo_revision=args.demo_at,
        )


if __name__ == "__main__":
    sys.exit(main())
