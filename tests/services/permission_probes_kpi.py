"""Permission probes of the dashboard actions: a unit administrator reads no KPIs, a leader sets no target,
and a county approver exports nothing."""

from __future__ import annotations

from datetime import date

from services import kpi
from services.kpi import Period
from services.kpi.export import export_dashboard
from services.kpi.targets import set_target
from tests.services.probes import probe


@probe("kpi.view")
def _view(w):
    kpi.compute(w["police"], Period.current("month", date.today()))


@probe("kpi.set_target")
def _set_target(w):
    set_target(w["leader"], "catalog.coverage", 80)


@probe("kpi.export")
def _export(w):
    export_dashboard(w["approver"], Period.current("month", date.today()))
