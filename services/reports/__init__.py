"""Annual data-management reports (年度数据管理工作报告, Yunyang §46): every unit reports to the bureau by the end of
December, the bureau to the government by mid-January (its jurisdiction report compiled from the units'), the
government to the city by the end of January. Each report is a clock; figures come from the platform's own
numbers (the KPI registry) and are frozen at submission; the unit writes its own sections.

`rules` holds the state table, due dates and compilation (no I/O), `figures` the numbers of a unit and year,
`commands` every change, `queries` every read and the PDF/XLSX exports."""

from services.reports.commands import open_year, review_report, save_sections, submit_report
from services.reports.figures import ASSESSMENT_RESULT_SOURCE, assessment_result
from services.reports.queries import (
    export_pdf,
    export_xlsx,
    get_report,
    home_counts,
    list_reports,
    schedule,
)
from services.reports.rules import KIND_NAMES, RETURN_REASON_MAX, SECTION_TITLES, SECTIONS, STATUS_NAMES

__all__ = [
    "RETURN_REASON_MAX",
    "ASSESSMENT_RESULT_SOURCE", "KIND_NAMES", "SECTIONS", "SECTION_TITLES", "STATUS_NAMES", "assessment_result",
    "export_pdf", "export_xlsx", "get_report", "home_counts", "list_reports", "open_year", "review_report",
    "save_sections", "schedule", "submit_report",
]
