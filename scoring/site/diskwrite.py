"""Writing generated files so that watchers and `--dirty` builds see only real changes."""

from __future__ import annotations

import os
from pathlib import Path


def write_if_changed(target: Path, data: bytes) -> bool:
    """Write ``data`` at ``target`` unless the file already holds exactly it; its
    modification time then stays, which is what live reload and dirty builds go by. The
    new file replaces the old in one step, so a reader never sees half of it. Returns
    whether it wrote."""
    try:
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
    except OSError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.sweetspot-tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)
    return True
