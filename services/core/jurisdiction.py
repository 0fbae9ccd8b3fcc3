"""Who is competent for a region: the one definition of "the nearest competent bureau" and of the departments a
cross-level request is filed with. Catalog review, sharing decisions, disputes and filings all ask here."""

from __future__ import annotations

from sqlmodel import Session, select

from models import Region, Unit, UnitKind

# A county's competent department for data is its e-government department when it has no bureau of its own
# (Longyan §5, §12 para 2); both kinds receive filings (Qingyuan ch.4).
COMPETENT_KINDS = (UnitKind.BUREAU, UnitKind.COUNTY_EGOV)


def _parent(session: Session, region_id: int) -> int | None:
    return session.exec(select(Region.parent_id).where(Region.id == region_id)).first()


def _first_of_kind(session: Session, region_id: int, kinds) -> Unit | None:
    """The region's own unit of the first kind in `kinds` that it has (active units only, lowest id first)."""
    rows = session.exec(select(Unit).where(Unit.region_id == region_id, Unit.kind.in_([str(k) for k in kinds]),  # type: ignore[attr-defined]
                                           Unit.is_active == True).order_by(Unit.id)).all()  # noqa: E712
    for kind in kinds:
        for unit in rows:
            if unit.kind == kind:
                return unit
    return None


def competent_bureau(session: Session, region_id: int | None) -> Unit | None:
    """The competent bureau (主管部门) of a region: the nearest active bureau at or above it, or None. A county
    without a bureau of its own is served by its city's bureau."""
    while region_id is not None:
        bureau = _first_of_kind(session, region_id, (UnitKind.BUREAU,))
        if bureau is not None:
            return bureau
        region_id = _parent(session, region_id)
    return None


def competent_department(session: Session, region_id: int | None) -> Unit | None:
    """The region's own competent department: its bureau, or else its (county) e-government department."""
    return _first_of_kind(session, region_id, COMPETENT_KINDS) if region_id is not None else None


def filing_departments(session: Session, region_id: int | None) -> list[Unit]:
    """Qingyuan ch.4: a cross-level or cross-region request is filed with the requester's competent department
    at its own level and with the one of the level above, whichever kind each is. Where a level has none, the
    nearest one further up stands in, so a filing is never lost."""
    found: list[Unit] = []
    while region_id is not None and len(found) < 2:
        unit = competent_department(session, region_id)
        if unit is not None and all(unit.id != f.id for f in found):
            found.append(unit)
        region_id = _parent(session, region_id)
    return found
