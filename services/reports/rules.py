"""Pure rules of the annual data-management reports (Yunyang §46): the state table, the due dates (given the
calendar's arithmetic as functions), the written sections' checks, which figures a report holds, and the
compilation of the bureau's jurisdiction report from the units' frozen figures (no I/O)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from models.report import ReportKind, ReportStatus
from services.core.i18n import N_
from services.core.i18n import gettext as _

R = ReportStatus
TRANSITIONS: dict[tuple[str, str, str], str] = {
    (ReportKind.UNIT, R.DRAFT, "submit"): R.SUBMITTED,
    (ReportKind.UNIT, R.RETURNED, "submit"): R.SUBMITTED,
    (ReportKind.UNIT, R.SUBMITTED, "accept"): R.ACCEPTED,
    (ReportKind.UNIT, R.SUBMITTED, "return"): R.RETURNED,
    (ReportKind.JURISDICTION, R.DRAFT, "submit"): R.SUBMITTED,
}
EDITABLE = (R.DRAFT, R.RETURNED)
STATUS_NAMES = {R.DRAFT: N_("Draft"), R.SUBMITTED: N_("Submitted, waiting for the bureau"), R.ACCEPTED: N_("Accepted"),
                R.RETURNED: N_("Returned for revision")}
KIND_NAMES = {ReportKind.UNIT: N_("Unit report"), ReportKind.JURISDICTION: N_("Jurisdiction report")}

SECTIONS = ("work_done", "problems", "next_year_plan")
SECTION_TITLES = {"work_done": N_("Work done this year"), "problems": N_("Problems"),
                  "next_year_plan": N_("Plan for next year")}
SECTION_MAX = 20000
RETURN_REASON_MAX = 2000  # the column's length; the form states it, the service refuses a longer text

# The KPI figures a report holds, by family (the keys of services.kpi: the same numbers as the dashboard).
REPORT_KPIS: dict[str, tuple[str, ...]] = {
    "catalog": ("catalog.coverage", "catalog.completeness", "catalog.maintenance", "catalog.basis_rate"),
    "aggregation": ("aggregation.mount_rate", "aggregation.fresh_rate", "aggregation.stale_entries"),
    "sharing": ("sharing.on_time_answer", "sharing.on_time_implementation", "sharing.approval_rate",
                "sharing.overdue_now"),
    "corrections": ("corrections.on_time", "corrections.open", "corrections.overdue"),
    "opendata": ("opendata.requests", "opendata.on_time_answer", "opendata.plan_progress"),
    "projects": ("projects.approved", "projects.acceptance_failed", "projects.no_operating_funds"),
}
# Counts the report adds beside the KPIs (key → msgid).
EXTRA_FIGURES = {
    "entries_published": N_("Catalog entries published"),
    "requests_made": N_("Share requests made"),
    "requests_received": N_("Share requests received"),
    "corrections_received": N_("Corrections received"),
    "accounts": N_("Active accounts"),
    "administrator": N_("Data administrator registered"),
    "audit_events": N_("Audit events recorded"),
    "deadlines_missed": N_("Deadlines missed"),
}
ASSESSMENT_FIELDS = {"total": N_("Score"), "max": N_("Maximum score"), "rank": N_("Rank"), "group": N_("Group"),
                     "group_size": N_("Units in the group"), "grade": N_("Grade")}
# The figures the jurisdiction report ranks units by (higher is better).
RANKED_KPIS = ("catalog.coverage", "aggregation.mount_rate", "sharing.on_time_answer")


def next_status(kind: str, status: str, action: str) -> str | None:
    return TRANSITIONS.get((str(kind), str(status), action))


def section_errors(sections: dict[str, str | None]) -> dict[str, str]:
    errors = {}
    for key in SECTIONS:
        text = sections.get(key) or ""
        if len(text) > SECTION_MAX:
            errors[key] = _("At most {n} characters.", n=SECTION_MAX)
    return errors


def submission_errors(sections: dict[str, str | None]) -> dict[str, str]:
    """A submitted report has every written section filled in."""
    return {key: _("Write this section before submitting.") for key in SECTIONS if not (sections.get(key) or "").strip()}


def month_day(year: int, text: str) -> date:
    month, day = (int(x) for x in text.split("-"))
    return date(year, month, day)


@dataclass(frozen=True)
class DueDates:
    unit: date  # every unit to the bureau
    bureau: date  # the bureau to the government
    government: date  # the government to the city (shown; no account on the platform acts for it)


def due_dates(year: int, unit_due: str | None, bureau_workdays: int, government_due: str,
              next_workday: Callable[[date], date], deadline: Callable[[date, int], date]) -> DueDates | None:
    """The report year's due dates, or None where the profile sets no duty. A fixed date that is not a working day
    moves to the next working day; the bureau's date counts working days after the units' (across the New Year
    holiday)."""
    if not unit_due:
        return None
    unit = next_workday(month_day(year, unit_due))
    return DueDates(unit, deadline(unit, bureau_workdays), next_workday(month_day(year + 1, government_due)))


def first_workday_on_or_after(day: date, is_workday: Callable[[date], bool]) -> date:
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def kpi_value(snapshot: dict, key: str) -> float | None:
    for family in snapshot.get("families", []):
        for kpi in family.get("kpis", []):
            if kpi["key"] == key:
                return kpi["value"]
    return None


@dataclass(frozen=True)
class UnitLine:
    """One unit's line in the jurisdiction report."""

    unit_id: int
    unit: str
    status: str
    late: bool
    snapshot: dict | None  # the unit's frozen figures (None: not submitted)


def compile_jurisdiction(lines: list[UnitLine]) -> dict:
    """Totals, rankings and the lists of late and failing units, from the units' frozen figures only."""
    submitted = [line for line in lines if line.snapshot is not None]
    totals = {key: sum(int(line.snapshot["extras"].get(key) or 0) for line in submitted)  # type: ignore[index]
              for key in EXTRA_FIGURES if key != "administrator"}
    means = {}
    for key in RANKED_KPIS:
        values = [v for line in submitted if (v := kpi_value(line.snapshot, key)) is not None]  # type: ignore[arg-type]
        means[key] = round(sum(values) / len(values), 2) if values else None
    rankings = {}
    for key in RANKED_KPIS:
        scored = [(line.unit, kpi_value(line.snapshot, key)) for line in submitted]  # type: ignore[arg-type]
        scored = sorted([(u, v) for u, v in scored if v is not None], key=lambda p: (-p[1], p[0]))
        rankings[key] = [{"rank": i + 1, "unit": u, "value": round(v, 2)} for i, (u, v) in enumerate(scored)]
    return {
        "units": len(lines),
        "submitted": len(submitted),
        "accepted": sum(1 for line in lines if line.status == R.ACCEPTED),
        "totals": totals,
        "means": means,
        "rankings": rankings,
        "late": sorted(line.unit for line in lines if line.late),
        "missing": sorted(line.unit for line in lines if line.snapshot is None),
        "returned": sorted(line.unit for line in lines if line.status == R.RETURNED),
    }
