"""Probes for the annual report actions: each calls the real service as a wrong-role or out-of-scope user."""

from __future__ import annotations

from datetime import date

from services import reports
from tests.services.probes import probe
from tests.services.sharing_fixtures import at, use

DAY = at(date(2025, 12, 1))


def _report(w, unit: str = "police") -> int:
    use(w, "yunyang")
    reports.open_year(w["reviewer"], 2025, now=DAY)
    frame = reports.list_reports(w["reviewer"], 2025)
    return int(frame.loc[frame.unit_id == w.units[unit], "id"].item())


@probe("report.view")
def _(w):
    reports.get_report(w["civil"], _report(w))


@probe("report.edit")
def _(w):
    reports.save_sections(w["civil"], _report(w), {"work_done": "x"}, now=DAY)


@probe("report.review")
def _(w):
    reports.open_year(w["police"], 2025, now=DAY)


@probe("report.compile")
def _(w):
    report_id = _report(w, "bureau")
    reports.save_sections(w["leader"], report_id, {"work_done": "x"}, now=DAY)
