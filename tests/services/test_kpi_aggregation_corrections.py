"""The aggregation and correction KPI families on hand-built rows (September–October 2025)."""

from __future__ import annotations

from datetime import date

from models import CatalogEntry
from services import aggregation, corrections, kpi
from services.aggregation.rules import RegistrationInput, UpdateInput
from services.core.db import write_session
from services.kpi import Period, PeriodKind
from tests.services.sharing_fixtures import at, entry, use

OCTOBER = Period.current(PeriodKind.MONTH, date(2025, 10, 20))
NOW = at(date(2025, 10, 20))


def published_long_ago() -> None:
    """The fixture publishes today; these periods lie in 2025."""
    with write_session() as session:
        for row in session.query(CatalogEntry).all():
            row.published_on = date(2025, 1, 2)
        session.commit()


def values(w) -> dict:
    published_long_ago()
    return {r.key: r.value for r in kpi.compute(w["leader"], OCTOBER, now=NOW)}


def test_mount_fresh_stale_and_not_possible(world):
    day = at(date(2025, 10, 17))
    fresh = entry(world, "police", share_type="unconditional", update_frequency="monthly")
    stale = entry(world, "police", share_type="unconditional", update_frequency="daily")
    filed = entry(world, "police", share_type="unconditional")
    entry(world, "civil", share_type="unconditional")  # published, never registered
    for entry_id in (fresh, stale):
        aggregation.register(world["police"], RegistrationInput(entry_id, "manual_upload"), now=day)
    aggregation.record_update(world["police"], UpdateInput(fresh, date(2025, 10, 10), 5), now=day)
    aggregation.record_update(world["police"], UpdateInput(stale, date(2025, 10, 10), 5), now=day)  # fresh to 14 Oct
    aggregation.file_not_possible(world["police"], filed, "国垂系统无接口", now=day)
    v = values(world)
    assert v["aggregation.mount_rate"] == 50.0  # 2 of 4 published
    assert v["aggregation.fresh_rate"] == 50.0 and v["aggregation.stale_entries"] == 1
    assert v["aggregation.not_possible"] == 1


def test_on_time_open_overdue_mean_days_and_extensions(world):
    from tests.services.test_kpi import add_calendar

    with write_session() as session:
        add_calendar(session)  # workday_seq, which the mean working days are read from
        session.commit()
    use(world, "yunyang")
    entry_id = entry(world, "police", share_type="unconditional")
    filed = at(date(2025, 9, 24))  # due 14 Oct (10 working days)
    first = corrections.file_correction(world["civil"], corrections.CorrectionInput(entry_id, "错"), now=filed)
    second = corrections.file_correction(world["civil"], corrections.CorrectionInput(entry_id, "错"), now=filed)
    corrections.file_correction(world["civil"], corrections.CorrectionInput(entry_id, "错"), now=filed)  # overdue
    corrections.extend(world["police"], second, 10, approver="王局长", approved_on=date(2025, 9, 24), reason="r",
                       now=filed)  # due 28 Oct: not yet due
    corrections.answer(world["police"], first, corrections.AnswerInput("confirmed", "无误"),
                       now=at(date(2025, 10, 9)))  # 25, 26, 28 (worked Sunday), 29, 30 Sep, 9 Oct
    v = values(world)
    assert v["corrections.on_time"] == 50.0  # first met, third missed (due 14 Oct); second due later
    assert v["corrections.open"] == 2 and v["corrections.overdue"] == 1
    assert v["corrections.mean_days"] == 6.0
    assert v["corrections.extensions"] == 0  # the extended clock falls due in November
