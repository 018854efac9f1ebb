"""Profile one full build of a synthetic site: where the CPU time goes, and what holds memory.

    python benchmarks/profile_build.py --size 1000 [--keep DIR] [--tracemalloc]

Runs ``mkdocs.commands.build.build`` once under cProfile and prints the cumulative CPU time
of the build's parts: our load/score/render, Python-Markdown (per page), Material's template
rendering, the search index, writing files. With ``--tracemalloc`` it builds again (without
the profiler) and prints the peak of Python allocations and the top allocation sites at it.
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
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from benchmarks.bench_build import write_plugin_project  # noqa: E402

# (label, module file fragment, function name): cumulative time of the outermost call.
PARTS = (
    ("sweetspot: load + validate", "scoring/proposals/loading.py", "load_proposals"),
    ("sweetspot: score", "scoring/model/scorecard.py", "score_intake"),
    ("sweetspot: render pages", "scoring/site/pages.py", "all_pages"),
    ("sweetspot: plugin on_files (all of the above + files)", "plugins/sweetspot.py", "on_files"),
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
        loaded = load_config(config_file=str(project / "mkdocs.yml"),
                             site_dir=str(project / "site"))
        loaded.plugins.on_startup(command="build", dirty=False)
        return loaded

    profile = cProfile.Profile()
    cfg = config()
    cpu = time.process_time()
    profile.enable()
    build(cfg)
    profile.disable()
    cpu = time.process_time() - cpu
    stats = pstats.Stats(profile)
    raw = stats.stats  # type: ignore[attr-defined]
    print(f"build of {args.size} proposals: {cpu:.1f} s CPU under the profiler; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
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
        for stat in snapshot.statistics("filename")[:args.top]:
            print(f"  {stat.size / 2**20:8.1f} MiB  {stat.traceback}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
