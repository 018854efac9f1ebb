"""Profile one full build of a synthetic site: where the CPU time goes, and what holds memory.

    python benchmarks/profile_build.py --size 1000 [--keep DIR] [--tracemalloc] [--phases]

Runs ``mkdocs.commands.build.build`` once under cProfile and prints the cumulative CPU time
of the build's parts: our load/score/render, Python-Markdown (per page), Material's template
rendering, the search index, writing files. With ``--tracemalloc`` it builds again (without
the profiler) and prints the peak of Python allocations and the top allocation sites at it.
With ``--phases`` it only builds once, without the profiler, sampling the resident memory
(VmRSS) every 10 ms, and prints it at the start and the peak of each phase: loading,
scoring, rendering, the rest of the plugin's ``on_files``, then MkDocs' reading and
converting of pages, building them and ``on_post_build``. That tells *when* the peak is.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from benchmarks.bench_build import write_plugin_project  # noqa: E402

# (label, module file fragment, function name): cumulative time of the outermost call.
PARTS = (
    ("sweetspot: load + validate", "scoring/proposals/loading.py", "load_proposals"),
    ("sweetspot: score", "scoring/model/scorecard.py", "score_intake"),
    ("sweetspot: render pages", "scoring/site/pages.py", "all_pages"),
    ("sweetspot: plugin on_files (all of the above + files)", "plugins/site.py", "add_pages"),
    ("Python-Markdown (every page)", "markdown/core.py", "convert"),
    ("Material/MkDocs templates (every page)", "mkdocs/commands/build.py", "_build_page"),
    ("  of which Jinja render", "jinja2/environment.py", "render"),
    ("search plugin: collect pages", "mkdocs/contrib/search/__init__.py", "on_page_context"),
    ("search plugin: write index", "mkdocs/contrib/search/__init__.py", "on_post_build"),
    ("material search: write index", "material/plugins/search/plugin.py", "on_post_build"),
    ("material search: collect pages", "material/plugins/search/plugin.py", "on_page_context"),
    ("writing files", "mkdocs/utils/__init__.py", "write_file"),
    ("populate pages (read + convert)", "mkdocs/commands/build.py", "_populate_page"),
    ("whole build", "mkdocs/commands/build.py", "build"),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--phases", action="store_true", help="resident memory per build phase, no profile"
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="sweetspot-profile-"))
    project = work / f"profile-{args.size}"
    if not (project / "mkdocs.yml").exists():
        write_plugin_project(project, args.size, 0)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    os.chdir(project)

    def config():  # type: ignore[no-untyped-def]
        loaded = load_config(
            config_file=str(project / "mkdocs.yml"), site_dir=str(project / "site")
        )
        loaded.plugins.on_startup(command="build", dirty=False)
        return loaded

    if args.phases:
        return phases(config(), args.size)
    profile = cProfile.Profile()
    cfg = config()
    cpu = time.process_time()
    profile.enable()
    build(cfg)
    profile.disable()
    cpu = time.process_time() - cpu
    stats = pstats.Stats(profile)
    raw = stats.stats  # type: ignore[attr-defined]
    print(
        f"build of {args.size} proposals: {cpu:.1f} s CPU under the profiler; "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    for label, fragment, name in PARTS:
        total, calls = 0.0, 0
        for (file, _line, func), (_cc, nc, _tt, ct, _callers) in raw.items():
            if func == name and file.replace(os.sep, "/").endswith(fragment):
                total, calls = max(total, ct), calls + nc
        print(f"  {label:58} {total:7.1f} s  ({calls} calls)")
    stats.sort_stats("tottime").print_stats(args.top)
    if args.tracemalloc:
        cfg = config()
        tracemalloc.start(8)
        build(cfg)
        peak = tracemalloc.get_traced_memory()[1]
        snapshot = tracemalloc.take_snapshot()
        print(f"tracemalloc: peak {peak / 2**20:.0f} MiB; held at the end of the build:")
        for stat in snapshot.statistics("filename")[: args.top]:
            print(f"  {stat.size / 2**20:8.1f} MiB  {stat.traceback}")
    return 0


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def phases(cfg: Any, size: int) -> int:
    """Build once, printing the resident memory at the start and the peak of each phase."""
    import mkdocs.commands.build as mkdocs_build

    import plugins.site as plugin
    import plugins.sweetspot as plugin_class
    from scoring.site.pages import builder

    seen: list[list[Any]] = []  # [phase, at its start, its peak]

    def enter(name: str) -> None:
        if not seen or seen[-1][0] != name:
            now = _rss_mib()
            seen.append([name, now, now])

    def sample() -> None:
        while True:
            if seen:
                seen[-1][2] = max(seen[-1][2], _rss_mib())
            time.sleep(0.01)

    def during(owner: Any, name: str, phase: str, after: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            enter(phase)
            try:
                return original(*args, **kwargs)
            finally:
                enter(after)

        setattr(owner, name, wrapped)

    during(plugin, "load_proposals", "sweetspot: load + validate", "sweetspot: on_files")
    during(builder, "rescore", "sweetspot: score", "sweetspot: render pages")
    during(plugin.PluginSite, "render", "sweetspot: render pages", "sweetspot: on_files")
    during(plugin_class.SweetspotPlugin, "on_files", "sweetspot: on_files", "MkDocs: nav")
    # Once per page: the phase lasts until the next one starts.
    during(
        mkdocs_build,
        "_populate_page",
        "MkDocs: read + convert pages",
        "MkDocs: read + convert pages",
    )
    during(mkdocs_build, "_build_page", "MkDocs: build pages", "MkDocs: build pages")
    during(cfg.plugins, "on_post_build", "MkDocs: on_post_build (search index)", "end")
    enter("MkDocs: start")
    threading.Thread(target=sample, daemon=True).start()
    mkdocs_build.build(cfg)
    enter("end")
    time.sleep(0.05)
    print(
        f"build of {size} proposals: peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    for name, start, peak in seen:
        print(f"  {name:38} from {start:6.0f} MiB, peak {peak:6.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
