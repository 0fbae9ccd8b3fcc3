"""Freshness at the edges, hand-worked on the official 2025 schedule (1–8 Oct off, Sun 28 Sep and Sat 11 Oct
worked; 1–5 May off). Rule (services/aggregation/rules.py): due = last update + one interval, moved to the next
working day when it falls on a day off; fresh up to and including the working day after the due day."""

from __future__ import annotations

from datetime import date

import pytest

from services.aggregation import rules
from services.deadlines.calendar import builtin_calendar

CAL = builtin_calendar()
D = date

CASES = [
    # frequency, last update, fresh until (last fresh day)             why
    ("realtime", D(2025, 9, 26), D(2025, 9, 28)),   # Fri; next working day is the worked Sunday 28 Sep
    ("realtime", D(2025, 9, 30), D(2025, 10, 9)),   # the day before National Day: fresh through the holiday
    ("realtime", D(2025, 10, 4), D(2025, 10, 10)),  # updated on a day off: due 9 Oct, +1 working day
    ("daily", D(2025, 9, 25), D(2025, 9, 28)),      # due Fri 26, tolerance to the worked Sunday
    ("daily", D(2025, 9, 29), D(2025, 10, 9)),      # due Tue 30, next working day after it is 9 Oct
    ("daily", D(2025, 9, 30), D(2025, 10, 10)),     # due 1 Oct is off → 9 Oct, tolerance → 10 Oct
    ("daily", D(2025, 4, 30), D(2025, 5, 7)),       # due 1 May off → Tue 6 May, tolerance → 7 May
    ("weekly", D(2025, 3, 3), D(2025, 3, 11)),      # Mon → due Mon 10 Mar → Tue 11 Mar
    ("weekly", D(2025, 9, 24), D(2025, 10, 10)),    # due Wed 1 Oct off → 9 Oct → 10 Oct
    ("monthly", D(2025, 1, 31), D(2025, 3, 3)),     # 31 Jan → 28 Feb (Fri) → Mon 3 Mar
    ("monthly", D(2025, 9, 1), D(2025, 10, 10)),    # 1 Oct off → 9 Oct → 10 Oct
    ("quarterly", D(2025, 7, 1), D(2025, 10, 10)),  # 1 Oct off → 9 Oct → 10 Oct
    ("quarterly", D(2024, 11, 30), D(2025, 3, 3)),  # → 28 Feb 2025 (Fri) → Mon 3 Mar
    ("yearly", D(2024, 2, 29), D(2025, 3, 3)),      # leap day → 28 Feb 2025 → Mon 3 Mar
    ("yearly", D(2024, 10, 1), D(2025, 10, 10)),    # → 1 Oct 2025 off → 9 Oct → 10 Oct
]


@pytest.mark.parametrize(("frequency", "updated", "until"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_fresh_through_the_last_day_and_stale_the_day_after(frequency, updated, until):
    assert rules.fresh_until(updated, frequency, CAL) == until
    assert rules.is_fresh(until, until)
    assert not rules.is_fresh(until, date.fromordinal(until.toordinal() + 1))
    assert rules.days_late(until, date.fromordinal(until.toordinal() + 3)) == 3


def test_every_frequency_is_covered():
    from models.catalog import UpdateFrequency

    assert {c[0] for c in CASES} | {"irregular"} == set(UpdateFrequency)


@pytest.mark.parametrize("frequency", ["irregular", None])
def test_irregular_and_undeclared_frequencies_are_always_fresh(frequency):
    assert rules.fresh_until(D(2020, 1, 1), frequency, CAL) is None
    assert rules.is_fresh(None, D(2030, 1, 1)) and rules.days_late(None, D(2030, 1, 1)) == 0
