"""The compliance context a scoring run uses: which regimes, which build date."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from scoring.model.clock import build_date
from scoring.model.obligations.profiles import DEFAULT_PROFILE, load_profiles
from scoring.model.obligations.status import ComplianceContext, Waivers
from scoring.rubric import Rubric


def make_context(
    rubric: Rubric,
    regimes: Sequence[str] = (DEFAULT_PROFILE,),
    as_of: object = None,
    base: Path | None = None,
    waivers: Waivers | None = None,
    environ: Mapping[str, str] | None = None,
) -> ComplianceContext:
    """Profiles loaded (ProfileError names a bad one) and the build date settled
    (BuildDateError names where a bad date came from)."""
    day = as_of if isinstance(as_of, date) else build_date(as_of, environ)
    return ComplianceContext(load_profiles(regimes, rubric, base), day, dict(waivers or {}))


def default_context(rubric: Rubric) -> ComplianceContext:
    """The default profile only, at the build date from the environment (or today)."""
    return make_context(rubric)
