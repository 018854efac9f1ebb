"""Benchmark: full MkDocs builds of synthetic sites, with and without the sweetspot plugin.

    python benchmarks/bench_build.py [--sizes 100 1000 2000] [--repeat 3] [--seed 0] [--keep DIR]
    python benchmarks/bench_build.py --sizes 100 --repeat 0 --instructions   # needs valgrind

For each size N the script builds, each in a fresh Python process (so peak memory is the
build's own):

* **plugin, cold**: a Material site whose proposals folder holds N synthetic proposals
  (``benchmarks/synthetic.py``), the repository's playbooks and a home page with the summary
  marker, built with an empty cache folder: what CI does on a fresh runner.
* **plugin, warm**: the same build again with the cache the cold build left (compiled
  templates and loaded proposals): what an author's second build, or CI with a cached
  ``.cache/`` folder, does.
* **baseline**: the very same generated pages written out as plain Markdown (and CSV/JSON)
  files, built without the plugin. The difference to the plugin build is the price of
  generating pages on the fly.

Times are CPU seconds of the build process (``time.process_time``), which other work on a
shared machine disturbs far less than wall-clock time (also printed). The three builds run
in rounds (``--repeat``, default 3) and the fastest of each kind counts, as with ``timeit``.

The plugin's overhead is its own work, timed from inside the build: the CPU time of its
events, which load and validate the proposals (``load_proposals``), score them
(``score_intake``) and render the generated pages (``SiteBuilder``). Its share of the
plugin build is checked against the 10% target; the plugin build's CPU time minus the
baseline's is printed as a cross-check.

CPU time still varies by several percent between identical builds, which blurs a
difference of a few percent between two builds. ``--instructions`` therefore also runs the
three builds under valgrind's cachegrind and counts the instructions each executes (minus
those of its start-up, measured by a run that stops before the build). Counts repeat to
about 0.5% whatever else the machine is doing, so the plugin build's excess over the
plain-Markdown build, the overhead as the target defines it, can be read to a fraction of
a percent. It is about 25 times slower: use it with ``--sizes 100`` (1,000 takes 40 min).

Printed per build: CPU and wall seconds of ``mkdocs.commands.build.build``, start-up seconds
(imports and ``load_config``, outside the build), peak resident memory
(``resource.getrusage``), site size and file count; then the 2,000/1,000 time ratio (target
at most 2.2, i.e. close to linear). Use ``--tracemalloc`` to also report the peak of Python
allocations (slower).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

RATIO_TARGET = 2.2
OVERHEAD_TARGET = 0.10
SUMMARY_MARKER = "<!-- sweetspot:summary -->"
HOME = f"# Synthetic portfolio\n\nA generated site for benchmarks.\n\n{SUMMARY_MARKER}\n"


# --------------------------------------------------------------------------------------------
# Synthetic proposals
# --------------------------------------------------------------------------------------------


def _fallback_write_proposals(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """A minimal generator, used only when benchmarks/synthetic.py is missing."""
    rng = random.Random(seed)
    stages = ("idea", "proposed", "approved", "incubating", "pilot", "production", "retired")
    teams = ("Risk", "Logistics", "Marketing", "Finance", "Support")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"synthetic-{i:05d}.yaml"
        path.write_text(
            f"title: Synthetic proposal number {i}\n"
            f"summary: A generated proposal for timing builds, variant {rng.randint(1, 99)}.\n"
            f"team: {rng.choice(teams)}\n"
            f"stage: {rng.choice(stages)}\n"
            f"value:\n  currency: EUR\n  annual_value: {rng.randint(1, 900) * 1000}\n"
            f"  one_off_cost: {rng.randint(1, 400) * 1000}\n"
            f"evidence:\n  decision_named: {rng.randint(0, 4)}\n  user_need: {rng.randint(0, 4)}\n"
            f"checklists:\n  data:\n    golden_set: '{rng.choice(['yes', 'no', 'partial'])}'\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def write_proposals(folder: Path, n: int, seed: int) -> list[Path]:
    try:
        from benchmarks.synthetic import write_proposals as synthetic
    except ImportError:
        return _fallback_write_proposals(folder, n, seed)
    return synthetic(folder, n, seed)


# --------------------------------------------------------------------------------------------
# Site projects
# --------------------------------------------------------------------------------------------


def base_config(*, plugin: bool) -> dict[str, Any]:
    plugins: list[Any] = ["search", "tags"]
    if plugin:
        plugins.append({"sweetspot": {"proposals_dir": "content/proposals"}})
    from scoring.site.generated_site import DEFAULT_CONFIG  # after ROOT is on the path

    return {
        "site_name": "Sweetspot benchmark",
        "site_url": "https://bench.example.test/",
        "docs_dir": "content",
        "edit_uri": "https://git.example.test/org/repo/edit/main/content/",
        "theme": {
            "name": "material",
            "font": False,
            "features": [
                "navigation.sections",
                "navigation.indexes",
                "content.action.edit",
                "search.highlight",
            ],
        },
        "plugins": plugins,
        # The Markdown extensions a site without its own config gets (generated_site.py).
        "markdown_extensions": DEFAULT_CONFIG["markdown_extensions"],
        "validation": {"anchors": "warn", "unrecognized_links": "warn"},
    }


def write_plugin_project(project: Path, n: int, seed: int) -> None:
    import yaml

    content = project / "content"
    write_proposals(content / "proposals", n, seed)
    shutil.copytree(ROOT / "content" / "playbooks", content / "playbooks")
    (content / "index.md").write_text(HOME, encoding="utf-8")
    (project / "mkdocs.yml").write_text(
        yaml.safe_dump(base_config(plugin=True), sort_keys=False), encoding="utf-8"
    )


def dump_generated(project: Path, builder: Any, target: Path) -> None:
    """Write the plugin's pages as plain files: the baseline project for the same size."""
    import yaml

    from scoring.site.pages import build_site, write_pages

    # The plugin's builder writes proposal pages to its page folder; render them afresh.
    builder = build_site(builder.portfolio, builder.options)
    content = target / "content"
    shutil.copytree(project / "content", content)  # playbooks, proposals (.yaml) and home
    home = content / "index.md"
    home.write_text(
        home.read_text("utf-8").replace(SUMMARY_MARKER, builder.home_summary("index.md")),
        encoding="utf-8",
    )
    hidden = ["/" + page.path for page in write_pages(builder, content) if not page.in_nav]
    config = base_config(plugin=False)
    config["not_in_nav"] = "/proposals/*.md\n"
    config["extra_css"] = ["assets/sweetspot/sweetspot.css"]
    config["extra_javascript"] = ["assets/sweetspot/sweetspot.js"]
    assert all(h.startswith("/proposals/") for h in hidden), hidden[:3]
    (target / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# One build, in a worker process
# --------------------------------------------------------------------------------------------


class Stopwatch:
    """Accumulates CPU time spent in wrapped functions (outermost calls only)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._depth: dict[str, int] = defaultdict(int)

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self._depth[name] += 1
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth[name] -= 1
                if self._depth[name] == 0:
                    self.seconds[name] += time.process_time() - start
                    self.calls[name] += 1

        return wrapper


def instrument() -> Stopwatch:
    import plugins.site as plugin_module
    import plugins.sweetspot as plugin_class_module
    from scoring.site.pages import SiteBuilder
    from scoring.site.pages import builder as builder_module

    watch = Stopwatch()
    plugin_module.load_proposals = watch.wrap("load + validate", plugin_module.load_proposals)
    builder_module.rescore = watch.wrap("score", builder_module.rescore)
    builder_module.build_site = watch.wrap("builder setup", builder_module.build_site)
    for method, name in (("all_pages", "render pages"), ("home_summary", "render home summary")):
        setattr(SiteBuilder, method, watch.wrap(name, getattr(SiteBuilder, method)))
    cls = plugin_class_module.SweetspotPlugin
    for event in ("on_config", "on_files", "on_page_markdown"):
        setattr(cls, event, watch.wrap("plugin events (total)", getattr(cls, event)))
    return watch


def site_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def run_worker(
    mode: str,
    project: Path,
    dump_to: Path | None,
    use_tracemalloc: bool,
    startup_only: bool = False,
) -> dict:
    import logging

    started = time.perf_counter()
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    watch = instrument() if mode != "baseline" else None  # before the plugin is loaded
    os.chdir(project)
    config = load_config(
        config_file=str(project / "mkdocs.yml"), site_dir=str(project / "site")
    )  # imports the plugin, and pandas
    config.plugins.on_startup(command="build", dirty=False)
    startup = time.perf_counter() - started
    if startup_only:  # what a build pays before it starts, to subtract from a full run
        return {"mode": mode, "startup": startup}
    if use_tracemalloc:
        tracemalloc.start()
    start, cpu_start = time.perf_counter(), time.process_time()
    build(config)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if use_tracemalloc else None
    if use_tracemalloc:
        tracemalloc.stop()
    config.plugins.on_shutdown()
    files, size = site_size(project / "site")
    result: dict[str, Any] = {
        "mode": mode,
        "seconds": seconds,
        "cpu": cpu,
        "startup": startup,
        "files": files,
        "bytes": size,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "traced_peak_mib": traced,
        "pages": len(list((project / "site").rglob("*.html"))),
    }
    if watch is not None:
        result["plugin"] = dict(watch.seconds)
        if dump_to is not None:
            plugin: Any = config.plugins["sweetspot"]
            dump_generated(project, plugin.builder, dump_to)
    return result


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------

MODES = ("baseline", "plugin, cold", "plugin, warm")
CACHE_DIR = ".cache"  # the plugin's default cache_dir lives under it


def spawn(mode: str, project: Path, dump_to: Path | None, use_tracemalloc: bool) -> dict:
    command = [sys.executable, __file__, "--worker", mode, "--project", str(project)]
    if dump_to is not None:
        command += ["--dump-to", str(dump_to)]
    if use_tracemalloc:
        command.append("--tracemalloc")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} build of {project} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def human_bytes(count: int) -> str:
    return f"{count / 2**20:,.1f} MiB"


def run_round(
    plugin_project: Path, baseline_project: Path, use_tracemalloc: bool
) -> dict[str, dict]:
    """One build of each kind. The cold build empties the cache first (and writes the
    baseline project on the first round); the warm build reuses what it left."""
    shutil.rmtree(plugin_project / CACHE_DIR, ignore_errors=True)
    dump_to = None if baseline_project.exists() else baseline_project
    cold = spawn("plugin, cold", plugin_project, dump_to, use_tracemalloc)
    warm = spawn("plugin, warm", plugin_project, None, use_tracemalloc)
    baseline = spawn("baseline", baseline_project, None, use_tracemalloc)
    return {"plugin, cold": cold, "plugin, warm": warm, "baseline": baseline}


def fastest(rounds: list[dict[str, dict]], mode: str) -> dict:
    return min((r[mode] for r in rounds), key=lambda row: row["cpu"])


def report_cpu(rounds: list[dict[str, dict]]) -> dict[str, dict]:
    best = {mode: fastest(rounds, mode) for mode in MODES}
    for mode in MODES:
        row = best[mode]
        spread = ", ".join(f"{r[mode]['cpu']:.2f}" for r in rounds)
        traced = (
            ""
            if row["traced_peak_mib"] is None
            else f", traced peak {row['traced_peak_mib']:,.0f} MiB"
        )
        print(
            f"  {mode:<13} build {row['cpu']:6.2f} s CPU, {row['seconds']:6.2f} s wall "
            f"(CPU of each round: {spread})  start-up {row['startup']:4.2f} s  "
            f"peak RSS {row['peak_rss_mib']:4,.0f} MiB{traced}  site "
            f"{human_bytes(row['bytes'])} in {row['files']:,} files "
            f"({row['pages']:,} HTML pages)",
            flush=True,
        )
    baseline = best["baseline"]["cpu"]
    for mode in ("plugin, cold", "plugin, warm"):
        row = best[mode]
        parts = row["plugin"]
        own = parts.get("plugin events (total)", 0.0)
        share = own / row["cpu"]
        verdict = "meets" if share < OVERHEAD_TARGET else "MISSES"
        inside = ", ".join(
            f"{name} {parts[name]:.2f}"
            for name in (
                "load + validate",
                "score",
                "builder setup",
                "render pages",
                "render home summary",
            )
            if name in parts
        )
        extra = row["cpu"] - baseline
        print(
            f"  {mode}: the plugin's own work {own:.2f} s = {share:.1%} of the build "
            f"({verdict} the {OVERHEAD_TARGET:.0%} target; {inside})"
        )
        print(
            f"    cross-check: build minus baseline build {extra:+.2f} s CPU = "
            f"{extra / row['cpu']:+.1%}"
        )
    startup = best["plugin, cold"]["startup"] - best["baseline"]["startup"]
    print(
        f"  start-up outside the build (importing pandas and the engine): "
        f"{startup:+.2f} s more than the baseline"
    )
    print(
        "  (CPU times of identical builds differ by several percent on a shared machine; "
        "--instructions compares instruction counts, which do not)"
    )
    return best


def bench(
    sizes: list[int],
    seed: int,
    repeat: int,
    workdir: Path,
    use_tracemalloc: bool,
    instructions: bool = False,
) -> int:
    results: dict[int, dict[str, dict]] = {}
    for n in sizes:
        plugin_project = workdir / f"plugin-{n}"
        baseline_project = workdir / f"baseline-{n}"
        for old in (plugin_project, baseline_project):  # a --keep folder from an earlier run
            shutil.rmtree(old, ignore_errors=True)
        start = time.perf_counter()
        write_plugin_project(plugin_project, n, seed)
        print(
            f"\n== {n:,} proposals (generated in {time.perf_counter() - start:.1f} s; "
            f"fastest of {repeat} round(s))",
            flush=True,
        )
        rounds = [
            run_round(plugin_project, baseline_project, use_tracemalloc) for _ in range(repeat)
        ]
        results[n] = report_cpu(rounds) if rounds else {}
        if instructions:
            results[n]["instructions"] = bench_instructions(plugin_project, baseline_project)
    if all(n in results and "baseline" in results[n] for n in (1000, 2000)):
        print()
        for mode in MODES:
            ratio = results[2000][mode]["cpu"] / results[1000][mode]["cpu"]
            met = "meets" if ratio <= RATIO_TARGET else "MISSES"
            verdict = "" if mode == "baseline" else f" ({met} the {RATIO_TARGET} target)"
            print(f"2,000 / 1,000 build CPU time, {mode}: {ratio:.2f}{verdict}")
    print("\nJSON:", json.dumps({str(k): v for k, v in results.items()}))
    return 0


# --------------------------------------------------------------------------------------------
# Instruction counts: the same comparison, free of machine noise
# --------------------------------------------------------------------------------------------


def count_instructions(mode: str, project: Path, *, startup_only: bool = False) -> tuple[int, dict]:
    """Run one worker under valgrind's cachegrind and return the instructions it executed.

    Instruction counts hardly depend on what else the machine is doing, so two builds can
    be compared to a fraction of a percent; a hash seed is fixed so that runs iterate sets
    and dicts in the same order."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("--instructions needs valgrind (Debian: apt install valgrind)")
    with tempfile.TemporaryDirectory(prefix="sweetspot-cachegrind-") as tmp:
        out = Path(tmp) / "cachegrind.out"
        command = [
            valgrind,
            "--tool=cachegrind",
            "--cache-sim=no",
            f"--cachegrind-out-file={out}",
            sys.executable,
            __file__,
            "--worker",
            mode,
            "--project",
            str(project),
        ]
        if startup_only:
            command.append("--startup-only")
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        if done.returncode != 0 or not out.exists():
            raise SystemExit(f"{mode} under valgrind failed:\n{done.stdout}\n{done.stderr}")
        summary = [line for line in out.read_text().splitlines() if line.startswith("summary:")]
    return int(summary[0].split()[1]), json.loads(done.stdout.strip().splitlines()[-1])


def bench_instructions(plugin_project: Path, baseline_project: Path) -> dict[str, Any]:
    """Instructions of each build minus those of its start-up (imports, configuration):
    the plugin builds' difference to the plain-Markdown build is the plugin's overhead."""
    if not baseline_project.exists():  # written by a native build, outside any count
        shutil.rmtree(plugin_project / CACHE_DIR, ignore_errors=True)
        spawn("plugin, cold", plugin_project, baseline_project, False)
    shutil.rmtree(plugin_project / CACHE_DIR, ignore_errors=True)
    # Counts do not change when runs share the machine, so they run side by side; only the
    # warm build must wait for the cache the cold one leaves.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        cold = pool.submit(count_instructions, "plugin, cold", plugin_project)
        plain = pool.submit(count_instructions, "baseline", baseline_project)
        starts = {
            mode: pool.submit(count_instructions, mode, project, startup_only=True)
            for mode, project in (("plugin, cold", plugin_project), ("baseline", baseline_project))
        }
        full = {"plugin, cold": cold.result()}
        full["plugin, warm"] = count_instructions("plugin, warm", plugin_project)
        full["baseline"] = plain.result()
        startup = {mode: future.result()[0] for mode, future in starts.items()}
    startup["plugin, warm"] = startup["plugin, cold"]
    result: dict[str, Any] = {}
    baseline = full["baseline"][0] - startup["baseline"]
    print(
        f"  instructions (valgrind; repeatable to about 0.5%): baseline build "
        f"{baseline / 1e9:.2f} G",
        flush=True,
    )
    for mode in ("plugin, cold", "plugin, warm"):
        count, row = full[mode]
        build = count - startup[mode]
        extra = (build - baseline) / build
        own = row["plugin"]["plugin events (total)"] / row["cpu"]  # CPU under valgrind
        verdict = "meets" if extra < OVERHEAD_TARGET else "MISSES"
        print(
            f"  {mode}: build {build / 1e9:.2f} G instructions, {extra:+.1%} over the "
            f"plain-Markdown build ({verdict} the {OVERHEAD_TARGET:.0%} target); the "
            f"plugin's own events took about {own:.1%} of its CPU time",
            flush=True,
        )
        result[mode] = {"instructions": build, "overhead": extra, "own_share": own}
    result["baseline"] = {"instructions": baseline}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 2000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of (cold, warm, baseline) builds; the fastest counts",
    )
    parser.add_argument("--keep", type=Path, help="build in this folder and keep the sites")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace Python allocations (slows builds down)",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions under valgrind (about 25 times slower; use with --sizes 100)",
    )
    parser.add_argument("--worker", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dump-to", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--startup-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(
            json.dumps(
                run_worker(
                    args.worker, args.project, args.dump_to, args.tracemalloc, args.startup_only
                )
            )
        )
        return 0
    print(
        f"python {sys.version.split()[0]}, sizes {args.sizes}, seed {args.seed}, "
        f"{args.repeat} round(s)"
    )
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return bench(
            args.sizes, args.seed, args.repeat, args.keep, args.tracemalloc, args.instructions
        )
    with tempfile.TemporaryDirectory(prefix="sweetspot-build-bench-") as tmp:
        return bench(
            args.sizes, args.seed, args.repeat, Path(tmp), args.tracemalloc, args.instructions
        )


if __name__ == "__main__":
    sys.exit(main())
