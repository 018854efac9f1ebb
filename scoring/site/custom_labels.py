"""The names readers see for an imported proposal's own fields (``custom.*``).

A rubric can declare custom fields with labels; an import's mapping gives labels too
(``label:`` on a custom rule). A proposal imported with a shipped mapping names it in
``source.inventory``, so its page can use that mapping's labels for the fields the rubric does
not declare, and "Has ato" reads as the register calls it. Only the mappings shipped with
Sweetspot are looked up, by name: a file's words never choose a path to read.
"""

from __future__ import annotations

from scoring.proposals.proposal import Proposal
from scoring.proposals.schema import proposal_schema
from scoring.rubric import Rubric
from scoring.sources.inventory.mapping import SHIPPED, MappingError, load_mapping, shipped_path

# Loaded once per mapping and rubric (a build has one rubric; the id keeps a rubric edited
# under `mkdocs serve` from reusing labels checked against the old one).
_LOADED: dict[tuple[str, int], dict[str, str]] = {}


def _shipped_labels(name: str, rubric: Rubric) -> dict[str, str]:
    key = (name, id(rubric))
    if key not in _LOADED:
        try:
            mapping = load_mapping(shipped_path(name), proposal_schema(rubric), display=name)
            labels = {field: label for field, (label, _) in mapping.labels().items()}
        except (MappingError, OSError):  # a shipped mapping loads; a page never fails on it
            labels = {}
        if len(_LOADED) > 64:  # rubrics come and go under serve: keep the memo small
            _LOADED.clear()
        _LOADED[key] = labels
    return _LOADED[key]


def mapping_labels(proposal: Proposal, rubric: Rubric) -> dict[str, str]:
    """Custom field → the label its import's shipped mapping gives it ({} when none)."""
    name = proposal.get("source.inventory")
    if not isinstance(name, str) or name not in SHIPPED:
        return {}
    return _shipped_labels(name, rubric)


__all__ = ["mapping_labels"]
