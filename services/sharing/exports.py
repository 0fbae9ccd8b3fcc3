"""Share-request lists as files (audited exports): all requests and incoming requests, with the filter on
screen. A new module, so the sharing rules and commands stay as they are."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

import pandas as pd

from services.core.actor import Actor
from services.core.errors import ValidationError
from services.core.i18n import gettext as _
from services.core.tabular import ExportFile, export_frame
from services.sharing.queries import RequestFilter, list_requests

EXPORT_MAX_ROWS = 200_000  # one file a colleague can open; narrow the filter beyond that


def export_requests(actor: Actor, flt: RequestFilter, fmt: str, *,
                    present: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
                    now: datetime | None = None) -> ExportFile:
    """Every request the filter matches in the actor's scope (not only the page on screen), newest first."""
    rows, total = list_requests(actor, flt, page=1, page_size=EXPORT_MAX_ROWS, now=now)
    if total > EXPORT_MAX_ROWS:
        raise ValidationError({"format": _("{n} rows match: more than one file should hold. Narrow the filter.",
                                           n=total)})
    filters = {k: v for k, v in dataclasses.asdict(flt).items() if v not in (None, False, [], "")}
    stem = "incoming-requests" if flt.view == "incoming" else "share-requests"
    return export_frame(actor, rows, fmt, permission="share.view", action="share.export", object_type="share_request",
                        stem=stem, sheet=_("Share requests"), filters=filters, present=present, now=now)
