"""Aggregation (汇聚登记, RULES.md §3): registrations of published entries (mode, source system, state), filings
that aggregation is not possible and the bureau's answer, the update log (form, CSV/XLSX import and export),
freshness against the declared update frequency, and reports that shared data changed (Shanghai §16).

`rules` holds the freshness rule and the state table (no I/O), `commands` every change, `queries` every read,
`update_log` the file format."""

from services.aggregation.commands import (
    decide_filing,
    entry_published,
    file_not_possible,
    record_update,
    register,
    report_change,
    suspend,
)
from services.aggregation.rules import RegistrationInput, UpdateInput, fresh_until, is_fresh, next_due

__all__ = [
    "RegistrationInput", "UpdateInput", "decide_filing", "entry_published", "file_not_possible", "fresh_until",
    "is_fresh", "next_due", "record_update", "register", "report_change", "suspend",
]
