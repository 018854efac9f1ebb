"""Benchmark: edit-to-reload under `mkdocs serve --dirty` (and plain `serve` for reference).

    python benchmarks/bench_serve.py [--size 1000] [--edits 3] [--plain] [--keep DIR] [--notes]

Writes a site with N synthetic proposals (benchmarks/synthetic.py), starts
``mkdocs serve --dirty`` on it (this checkout's plugin first on the path), waits until the
first build is served, then edits one proposal file at a time (a new title) and waits the
way the open page in a browser does: MkDocs' livereload script holds a request to
``/livereload/<epoch>/<id>`` that the server answers once a rebuild is done, and the
browser then loads the page again. The seconds from saving the file to that reloaded page
showing the new title are the edit-to-reload time (target at most 2 s at 1,000 proposals).
Waiting this way, not by asking for the page many times a second, leaves the server's
CPU to the rebuild, as a browser does. ``--plain`` measures plain ``mkdocs serve`` too, which
rebuilds every page and so is bound by the build time (bench_scale.py).

The time includes MkDocs noticing the change (it polls the docs folder every half second,
then waits a tenth of a second for more changes) and the rebuild; on a loaded machine it is
longer: the load average is printed with the figures. ``--notes`` records the ``--dirty``
figures in benchmarks/figures.json and CONTRIBUTING.md's figures block (benchmarks/notes.py).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import notes  # noqa: E402
from benchmarks.bench_build import write_plugin_project  # noqa: E402
from benchmarks.synthetic import proposal_id  # noqa: E402

TARGET = 2.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str, timeout: float = 5) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return str(response.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError):
        return None


def wait_for(url: str, text: str, timeout: float, poll: float = 0.02) -> float | None:
    """Seconds until the page at ``url`` contains ``text``; None after ``timeout``."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        page = fetch(url)
        if page is not None and text in page:
            return time.perf_counter() - start
        time.sleep(poll)
    return None


LIVERELOAD = re.compile(r"livereload\((\d+), (\d+)\)")


def reload_after_save(url: str, path: Path, title: str, timeout: float) -> float | None:
    """Save a new title, then wait like the page's livereload script: the long poll that
    the server answers after its next rebuild, then the page loaded again. Seconds from
    saving to a page showing the title; None after ``timeout``."""
    page = fetch(url)
    found = LIVERELOAD.search(page or "")
    if found is None:
        raise SystemExit(f"no livereload script in {url}: is serve running with livereload?")
    epoch, request = found.groups()
    start = time.perf_counter()
    set_title(path, title)
    while time.perf_counter() - start < timeout:
        answer = fetch(
            f"{url.split('/proposals/')[0]}/livereload/{epoch}/{request}", timeout=timeout
        )
        if answer is None or not answer.strip().isdigit():
            return None
        page = fetch(url)
        if page is not None and title in page:
            return time.perf_counter() - start
        epoch = answer.strip()  # a rebuild that started before the save: wait for the next
    return None


ANSWERS = False  # --answers: each edit also answers the open checklist items "yes"


def set_title(path: Path, title: str) -> None:
    text = path.read_text("utf-8")
    text = re.sub(r"(?m)^title: .*$", f"title: '{title}'", text, count=1)
    if ANSWERS:  # scores, state, open pitfalls and the portfolio's figures move too
        block = re.search(r"(?m)^checklists:\n(?: .*\n?)*", text)  # that section alone
        if block:
            text = (
                text[: block.start()]
                + re.sub(
                    r"(?m)^(    [a-z_]+): '?(no|partial|unknown)'?$", r"\1: 'yes'", block.group()
                )
                + text[block.end() :]
            )
    path.write_text(text, encoding="utf-8")


def measure(
    project: Path,
    mode: str,
    edits: int,
    startup_timeout: float,
    build_times: Path | None = None,
) -> list[float]:
    """Edit-to-reload seconds of each edit. With ``build_times``, the server also appends
    each build's own seconds to that file (benchmarks/serve_timed.py)."""
    port = free_port()
    serve = ["serve", "-a", f"127.0.0.1:{port}", "--livereload"]
    if build_times is None:
        command = [sys.executable, "-m", "mkdocs", *serve]
    else:
        command = [sys.executable, str(ROOT / "benchmarks" / "serve_timed.py"), *serve]
    if mode.startswith("dirty"):
        command.append("--dirty")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "NO_MKDOCS_2_WARNING": "1",
    }
    if build_times is not None:
        env["SWEETSPOT_BUILD_TIMES"] = str(build_times)
    env.pop("SWEETSPOT_FOCUS", None)
    if mode == "dirty, focus":  # the proposals this benchmark edits, and the first
        env["SWEETSPOT_FOCUS"] = ",".join(proposal_id(i) for i in (0, *range(7, 7 + edits)))
    log = (project / f"serve-{mode}.log").open("w", encoding="utf-8")
    server = subprocess.Popen(command, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT)
    times: list[float] = []
    try:
        first = proposal_id(0)
        url = f"http://127.0.0.1:{port}/proposals/{first}/"
        started = wait_for(url, "<article", startup_timeout, poll=0.5)
        if started is None:
            raise SystemExit(
                f"serve did not come up in {startup_timeout:.0f} s; see "
                f"{project / f'serve-{mode}.log'}"
            )
        print(f"  {mode}: first build served after {started:.0f} s", flush=True)
        for edit in range(edits):
            target = proposal_id(7 + edit)
            title = f"Edited title {mode} {edit} {time.time_ns()}"
            url = f"http://127.0.0.1:{port}/proposals/{target}/"
            time.sleep(1.0)  # let the watcher settle after the previous rebuild
            seconds = reload_after_save(
                url, project / "content" / "proposals" / f"{target}.yaml", title, timeout=600
            )
            if seconds is None:
                print(f"  {mode}: edit {edit + 1}: the change did not show within 600 s")
                continue
            times.append(seconds)
            print(
                f"  {mode}: edit {edit + 1}: {seconds:.2f} s from saving to the page "
                "showing the new title",
                flush=True,
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument(
        "--plain",
        action="store_true",
        help="also measure plain `mkdocs serve` (rebuilds everything)",
    )
    parser.add_argument(
        "--focus",
        action="store_true",
        help="also measure --dirty with SWEETSPOT_FOCUS set to the edited ids",
    )
    parser.add_argument("--keep", type=Path, help="write the site here and keep it")
    parser.add_argument(
        "--answers",
        action="store_true",
        help="each edit also answers checklist items (moves the scores)",
    )
    parser.add_argument("--startup-timeout", type=float, default=1800)
    parser.add_argument(
        "--notes",
        action="store_true",
        help="record the --dirty figures in benchmarks/figures.json and CONTRIBUTING.md",
    )
    args = parser.parse_args(argv)
    if args.notes:  # fail before minutes of serving, not after
        try:
            notes.read_runs()
            notes.current_block(notes.CONTRIBUTING)
        except notes.NotesError as error:
            raise SystemExit(f"error: {error}") from None
    started = notes.start()
    global ANSWERS
    ANSWERS = args.answers
    with tempfile.TemporaryDirectory(prefix="sweetspot-serve-") as tmp:
        project = (args.keep or Path(tmp)) / f"serve-{args.size}"
        if not (project / "mkdocs.yml").exists():
            shutil.rmtree(project, ignore_errors=True)
            write_plugin_project(project, args.size, 0)
        print(f"{args.size:,} proposals; load average {os.getloadavg()[0]:.1f}", flush=True)
        results = {"dirty": measure(project, "dirty", args.edits, args.startup_timeout)}
        if args.focus:
            results["dirty, focus"] = measure(
                project, "dirty, focus", args.edits, args.startup_timeout
            )
        if args.plain:
            results["plain"] = measure(project, "plain", args.edits, args.startup_timeout)
    for mode, times in results.items():
        if not times:
            print(f"{mode}: no measurement")
            continue
        median = statistics.median(times)
        mark = (
            f"  {'PASS' if median <= TARGET else 'MISS'} (target <= {TARGET:g} s)"
            if mode.startswith("dirty")
            else " (reference: bound by the full build)"
        )
        label = {
            "dirty": "--dirty",
            "dirty, focus": "--dirty with SWEETSPOT_FOCUS",
            "plain": "(plain)",
        }[mode]
        print(
            f"serve {label}: edit-to-reload median "
            f"{median:.2f} s over {len(times)} edit(s){mark}; load average "
            f"{os.getloadavg()[0]:.1f}"
        )
    if args.notes and results["dirty"]:
        times = results["dirty"]
        kind = "serve, answers" if args.answers else "serve"
        notes.record(
            notes.new_run(
                kind,
                args.size,
                started,
                {
                    "median": statistics.median(times),
                    "min": min(times),
                    "max": max(times),
                    "edits": len(times),
                },
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
