"""`mkdocs serve` with each build's duration appended to a file: what a reload costs the
server, without the half second MkDocs' file watcher may take to notice a save (the same
with or without any feature, and most of the spread between edit-to-reload times).

    SWEETSPOT_BUILD_TIMES=times.txt python benchmarks/serve_timed.py serve --dirty ...

Each line of the file is one build's wall-clock seconds, the first build included.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import mkdocs.commands.serve
from mkdocs.__main__ import cli

_build = mkdocs.commands.serve.build


def _timed_build(*args: Any, **kwargs: Any) -> Any:
    start = time.perf_counter()
    try:
        return _build(*args, **kwargs)
    finally:
        seconds = time.perf_counter() - start
        with Path(os.environ["SWEETSPOT_BUILD_TIMES"]).open("a", encoding="utf-8") as out:
            out.write(f"{seconds:.4f}\n")


if __name__ == "__main__":
    mkdocs.commands.serve.build = _timed_build  # type: ignore[assignment]
    sys.argv = ["mkdocs", *sys.argv[1:]]
    cli()
