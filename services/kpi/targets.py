"""KPI targets set by the bureau, for the whole jurisdiction or one region; every change is audited."""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd
from sqlmodel import select

from models import KpiTarget, Region
from services.core.actor import Actor
from services.core.errors import ValidationError
from services.core.i18n import gettext as _
from services.core.timeutil import now_utc
from services.core.uow import read_scope, unit_of_work
from services.kpi import KpiUnit, definition, definitions

PERCENT_MAX = 100.0


def _validate(kpi_key: str, value: float | None, region_id: int | None, session) -> None:
    kpi = definition(kpi_key)
    if kpi is None:
        raise ValidationError({"kpi_key": _("There is no KPI {key}.", key=kpi_key)})
    if region_id is not None and session.get(Region, region_id) is None:
        raise ValidationError({"region_id": _("Choose a region.")})
    if value is None:
        return
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ValidationError({"value": _("The target must be a number.")})
    if value < 0:
        raise ValidationError({"value": _("The target cannot be negative.")})
    if kpi.unit is KpiUnit.PERCENT and value > PERCENT_MAX:
        raise ValidationError({"value": _("A percentage target must be between 0 and 100.")})


def set_target(actor: Actor, kpi_key: str, value: float | None, *, region_id: int | None = None,
               now: datetime | None = None) -> None:
    """Sets the target of one KPI (for one region, or the whole jurisdiction when `region_id` is None).

    `value=None` removes the bureau's target so the KPI falls back to the wider or the default target."""
    with unit_of_work(actor, now) as uow:
        uow.require("kpi.set_target", region_id=region_id, object_type="kpi_target", object_id=kpi_key)
        _validate(kpi_key, value, region_id, uow.session)
        row = uow.session.exec(select(KpiTarget).where(
            KpiTarget.kpi_key == kpi_key,
            KpiTarget.region_id.is_(None) if region_id is None else KpiTarget.region_id == region_id,  # type: ignore[union-attr]
        ).with_for_update()).first()
        before = row.value if row else None
        if before == value:
            return
        if value is None:
            uow.session.delete(row)
        else:
            if row is None:
                row = KpiTarget(kpi_key=kpi_key, region_id=region_id, value=float(value))
            row.value = float(value)
            row.set_by = actor.user_id
            row.set_at = now_utc(now)
            uow.session.add(row)
        uow.audit("kpi.set_target", object_type="kpi_target", object_id=kpi_key,
                  detail={"region_id": region_id, "before": before, "after": value})
        uow.commit()


def list_targets(actor: Actor) -> pd.DataFrame:
    """Every KPI with its default target and the bureau's targets (jurisdiction-wide and per region)."""
    with read_scope(actor, "kpi.view") as (session, _scope):
        rows = session.exec(select(KpiTarget, Region.name).outerjoin(Region, Region.id == KpiTarget.region_id)).all()
    set_by_key: dict[str, list] = {}
    for target, region in rows:
        set_by_key.setdefault(target.kpi_key, []).append((target, region))
    records = []
    for kpi in definitions():
        overall = next((t.value for t, _r in set_by_key.get(kpi.key, []) if t.region_id is None), None)
        regional = {r: t.value for t, r in set_by_key.get(kpi.key, []) if t.region_id is not None}
        records.append({"key": kpi.key, "family": kpi.family, "title": kpi.title, "unit": str(kpi.unit),
                        "direction": str(kpi.direction), "default": kpi.default_target, "target": overall,
                        "regional": regional})
    return pd.DataFrame(records, columns=["key", "family", "title", "unit", "direction", "default", "target",
                                          "regional"])
