"""Catalog lists as files (audited exports): the review queue with the reviewer's filter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd

from services.catalog.queries import review_queue
from services.core.actor import Actor
from services.core.i18n import gettext as _
from services.core.tabular import ExportFile, export_frame


def export_review_queue(actor: Actor, fmt: str, *, search: str | None = None, change_kind: str | None = None,
                        share_type: str | None = None,
                        present: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
                        now: datetime | None = None) -> ExportFile:
    """The submissions waiting for review, narrowed as on screen; `present` gives the page's columns."""
    frame = review_queue(actor, search=search, change_kind=change_kind, share_type=share_type)
    return export_frame(actor, frame, fmt, permission="catalog.review", action="catalog.review_export",
                        object_type="catalog_entry", stem="review-queue", sheet=_("Catalog review"),
                        filters={"search": search, "change_kind": change_kind, "share_type": share_type},
                        present=present, now=now)


def export_quality(actor: Actor, fmt: str, *, unit_id: int | None = None,
                   present: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
                   now: datetime | None = None) -> ExportFile:
    """Completeness and coverage per unit, for the units the reader sees (catalog.quality.quality_unit)."""
    from services.catalog import quality

    narrowed = quality.quality_unit(actor, unit_id)
    frame = quality.unit_rollup(actor, unit_id=narrowed)
    return export_frame(actor, frame, fmt, permission="catalog.view", action="catalog.quality_export",
                        object_type="catalog_entry", stem="catalog-quality", sheet=_("Catalog quality"),
                        filters={"unit_id": narrowed}, present=present, now=now)
