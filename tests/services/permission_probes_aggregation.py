"""Probes for the aggregation and correction actions: each calls the real service as a wrong-role or
out-of-scope user."""

from __future__ import annotations

from datetime import date

from services import aggregation, corrections
from services.aggregation import queries as aggregation_queries
from services.aggregation.rules import RegistrationInput, UpdateInput
from services.corrections import queries as correction_queries
from tests.services.probes import probe
from tests.services.sharing_fixtures import at, entry

DAY = at(date(2025, 3, 3))


def _mounted(w) -> int:
    entry_id = entry(w, "police", share_type="unconditional")
    aggregation.register(w["police"], RegistrationInput(entry_id, "manual_upload"), now=DAY)
    return entry_id


def _correction(w) -> int:
    entry_id = entry(w, "police", share_type="unconditional")
    return corrections.file_correction(w["civil"], corrections.CorrectionInput(entry_id, "有误"), now=DAY)


@probe("aggregation.view")
def _(w):
    aggregation_queries.registrations(w["auditadmin"])


@probe("aggregation.register")
def _(w):
    entry_id = entry(w, "police", share_type="unconditional")
    aggregation.register(w["civil"], RegistrationInput(entry_id, "manual_upload"), now=DAY)


@probe("aggregation.record_update")
def _(w):
    aggregation.record_update(w["civil"], UpdateInput(_mounted(w), date(2025, 3, 1), 10), now=DAY)


@probe("aggregation.report_change")
def _(w):
    aggregation.report_change(w["civil"], _mounted(w), date(2025, 3, 1), "变化", now=DAY)


@probe("aggregation.acknowledge")
def _(w):
    entry_id = entry(w, "police", share_type="unconditional")
    reg_id = aggregation.file_not_possible(w["police"], entry_id, "无接口", now=DAY)
    aggregation.decide_filing(w["police"], reg_id, True, now=DAY)


@probe("correction.view")
def _(w):
    correction_queries.get_correction(w["county_police"], _correction(w))


@probe("correction.file")
def _(w):
    entry_id = entry(w, "police", share_type="unconditional")
    corrections.file_correction(w["reviewer"], corrections.CorrectionInput(entry_id, "有误"), now=DAY)


@probe("correction.answer")
def _(w):
    corrections.answer(w["county_police"], _correction(w), corrections.AnswerInput("confirmed", "无误"), now=DAY)


@probe("correction.extend")
def _(w):
    corrections.extend(w["civil"], _correction(w), 1, approver="x", approved_on=date(2025, 3, 3), reason="x", now=DAY)
