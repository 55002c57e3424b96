"""One format for durations, numbers, dates and lists everywhere (engine/display.py, Babel), in the
network's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine import display
from engine.errors import InvalidDataError


def test_durations_in_two_units_in_each_language():
    cases = [None, 23.99, 43.2 * 3600, timedelta(days=2, hours=10, minutes=29), 3 * 3600]
    assert [display.duration(v, "fi") for v in cases] == ["–", "24 s", "1 pv 19 t", "2 pv 10 t", "3 t"]
    assert [display.duration(v, "sv") for v in cases] == ["–", "24 s", "1 d 19 tim", "2 d 10 tim", "3 tim"]
    assert [display.duration(v, "en") for v in cases] == ["–", "24 sec", "1 day 19 hr", "2 days 10 hr", "3 hr"]


def test_numbers_dates_lists_and_yes_no_as_the_locale_writes_them():
    assert display.number(27.338, "fi", unit="%") == "27,34 %" and display.number(1234.5, "en") == "1,234.5"
    assert display.percent(0.42, "fi") == "42\xa0%" and display.percent(0.42, "en") == "42%"
    noon = datetime(2026, 11, 30, 12, 5, tzinfo=UTC)
    assert display.moment(noon, "fi") == "30.11.2026 14.05" and display.stamp(noon) == "2026-11-30 14:05"
    assert display.listing(["SEK", "ELY"], "fi") == "SEK ja ELY" and display.listing([], "fi") == "–"
    assert (display.yes_no(True, "fi"), display.yes_no(False, "sv"), display.yes_no(True, "en")) == ("kyllä", "nej", "yes")


def test_the_time_zone_is_the_setting_and_a_wrong_one_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("KAPULA_TIME_ZONE", "Europe/Stockholm")
    assert display.stamp(datetime(2026, 11, 30, 12, 5, tzinfo=UTC)) == "2026-11-30 13:05"
    assert display.time_zone_label("en") == "Central European Time (Europe/Stockholm)"
    monkeypatch.setenv("KAPULA_TIME_ZONE", "Mars/Olympus")
    with pytest.raises(InvalidDataError, match="Mars/Olympus"):
        display.time_zone()
