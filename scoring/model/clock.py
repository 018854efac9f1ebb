"""The build date: the one "today" every date-dependent answer uses (obligations falling
due, decisions expiring, conditions missed), so a build is reproducible and a test can set
the day.

Order: an explicit date (the `build_date` site option or a command's `--as-of`), then the
environment variable SWEETSPOT_BUILD_DATE, then SOURCE_DATE_EPOCH (the reproducible-builds
convention, seconds since 1970), then today's date in UTC.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, date, datetime

ENV_DATE = "SWEETSPOT_BUILD_DATE"
ENV_EPOCH = "SOURCE_DATE_EPOCH"


class BuildDateError(ValueError):
    """A build date that is not a date; the message names where it came from."""


def parse_date(value: object, where: str) -> date:
    """A date from a YYYY-MM-DD string (or a date YAML already parsed)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise BuildDateError(f"{where} must be a date written YYYY-MM-DD, not {value!r}")


def build_date(explicit: object = None, environ: Mapping[str, str] | None = None) -> date:
    """The date this build treats as today."""
    if explicit is not None and explicit != "":
        return parse_date(explicit, "build_date")
    env = os.environ if environ is None else environ
    if env.get(ENV_DATE):
        return parse_date(env[ENV_DATE], ENV_DATE)
    if env.get(ENV_EPOCH):
        try:
            return datetime.fromtimestamp(int(env[ENV_EPOCH]), UTC).date()
        except (ValueError, OverflowError, OSError):
            raise BuildDateError(
                f"{ENV_EPOCH} must be whole seconds since 1970, not {env[ENV_EPOCH]!r}"
            ) from None
    return datetime.now(UTC).date()


__all__ = ["ENV_DATE", "ENV_EPOCH", "BuildDateError", "build_date", "parse_date"]
