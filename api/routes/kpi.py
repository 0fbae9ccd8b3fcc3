"""KPIs: the dashboard bundle for a period and a region, exactly as `manage.py kpi --json` prints it."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query

from api.schemas import Text
from api.security import Caller, requires
from models.api import ApiScope
from services import kpi
from services.core.errors import ValidationError
from services.core.i18n import gettext as _
from services.kpi import cli as kpi_cli

router = APIRouter(prefix="/kpi", tags=["kpi"])
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


@router.get("", summary="The dashboard KPIs (value, target, previous period, status)")
def bundle(date_from: date | None = Query(None, alias="from", description="first day (default: this month)"),
           date_to: date | None = Query(None, alias="to", description="last day"),
           region: Text(12) | None = Query(None, description="GB/T 2260 region code (includes the regions below)"),
           caller: Caller = Depends(requires(ApiScope.KPI_READ))) -> dict[str, Any]:
    for name, day in (("from", date_from), ("to", date_to)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ValidationError({name: _("Choose a day between {first} and {last}.", first=EARLIEST.isoformat(),
                                           last=LATEST.isoformat())})
    period = kpi_cli.parse_period(date_from.isoformat() if date_from else None,
                                  date_to.isoformat() if date_to else None)
    results = kpi.compute(caller.actor, period, region_id=kpi_cli.region_id(region))
    return kpi_cli.as_json(results, period)
