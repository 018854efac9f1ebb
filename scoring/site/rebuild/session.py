"""Everything a `mkdocs serve` session keeps from one rebuild to the next, in one object."""

from __future__ import annotations

from dataclasses import dataclass, field

from scoring.model.scorecard import ScoredPortfolio
from scoring.proposals.loading import LoadCache
from scoring.rubric import Rubric
from scoring.site.rebuild.memo import RebuildMemo
from scoring.site.rebuild.pagefiles import PageFolder
from scoring.site.rebuild.templates import MemoryBytecodeCache


@dataclass
class KeptBetweenBuilds:
    load_cache: LoadCache = field(default_factory=dict)  # proposals by path and content
    rubric: Rubric | None = None  # the same object while it is unchanged (kept by identity)
    scored: ScoredPortfolio | None = None  # the last build's cards (rescore), under serve
    page_folder: PageFolder | None = None  # generated pages on disk (pagefiles.py)
    memo: RebuildMemo = field(default_factory=RebuildMemo)  # the one memo, under serve
    theme_code: MemoryBytecodeCache = field(default_factory=MemoryBytecodeCache)

    def same_rubric(self, rubric: Rubric) -> Rubric:
        """The kept rubric object when ``rubric`` equals it: what a rebuild keeps is
        checked by identity (load cache, rescore, the memo)."""
        if self.rubric is None or rubric != self.rubric:
            self.rubric = rubric
        return self.rubric


__all__ = ["KeptBetweenBuilds"]
