"""The build date: one "today" for every date-dependent answer, settable by option and env."""

from __future__ import annotations

from datetime import date

import pytest

from scoring.model.clock import BuildDateError, build_date
from scoring.site.settings import SettingsError, SiteSettings


def test_the_option_wins_over_the_environment() -> None:
    env = {"SWEETSPOT_BUILD_DATE": "2030-01-01", "SOURCE_DATE_EPOCH": "0"}
    assert build_date("2027-12-02", env) == date(2027, 12, 2)


def test_the_environment_variable_then_source_date_epoch() -> None:
    assert build_date(None, {"SWEETSPOT_BUILD_DATE": "2028-08-02"}) == date(2028, 8, 2)
    assert build_date(None, {"SOURCE_DATE_EPOCH": "86400"}) == date(1970, 1, 2)


def test_without_any_setting_it_is_a_real_date() -> None:
    assert build_date(None, {}).year >= 2026


@pytest.mark.parametrize("bad", ["02/12/2027", "2027-13-01", "tomorrow"])
def test_a_bad_date_names_where_it_came_from(bad: str) -> None:
    with pytest.raises(BuildDateError, match="SWEETSPOT_BUILD_DATE must be a date"):
        build_date(None, {"SWEETSPOT_BUILD_DATE": bad})


def test_a_bad_option_is_a_settings_error_naming_the_option() -> None:
    with pytest.raises(SettingsError, match="build_date must be a date written YYYY-MM-DD"):
        SiteSettings(build_date="next week").today()
