"""Probes for the sharing actions: each calls the real service as a wrong-role or out-of-scope user."""

from __future__ import annotations

from datetime import date

from models.sharing import Decision
from services import sharing
from services.sharing import DecisionInput
from services.sharing import attachments as sharing_files
from services.sharing import queries as sharing_queries
from tests.services.probes import probe
from tests.services.sharing_fixtures import application, at, entry, item_ids, refusal

DAY = at(date(2025, 3, 3))


def _request(w, requester: str = "civil", provider: str = "police") -> int:
    entry_id = entry(w, provider)
    return sharing.apply(w[requester], application(entry_id, item_ids(entry_id)), now=DAY)


def _granted(w) -> int:
    entry_id = entry(w, "police", share_type="unconditional")
    return sharing.get_access(w["civil"], entry_id, purpose="核对", now=DAY)


@probe("share.view")
def _(w):
    sharing_queries.get_request(w["county2_police"], _request(w))


@probe("share.apply")
def _(w):
    entry_id = entry(w, "police")
    sharing.apply(w["leader"], application(entry_id, item_ids(entry_id)), now=DAY)


@probe("share.decide")
def _(w):
    sharing.decide(w["civil"], _request(w), DecisionInput(Decision.APPROVE), now=DAY)


@probe("share.implement")
def _(w):
    request_id = _request(w)
    sharing.decide(w["police"], request_id, DecisionInput(Decision.APPROVE), now=DAY)
    sharing.implement(w["civil"], request_id, note="x", use_agreement="y", now=DAY)


@probe("share.revoke")
def _(w):
    sharing.revoke_grant(w["civil"], _granted(w), reason="x", now=DAY)


@probe("share.report_usage")
def _(w):
    sharing.report_usage(w["police"], _granted(w), content="x", now=DAY)


@probe("share.dispute")
def _(w):
    request_id = _request(w)
    sharing.decide(w["police"], request_id, refusal(), now=DAY)
    sharing.raise_dispute(w["county_police"], request_id, reason="x", now=DAY)


@probe("share.coordinate")
def _(w):
    request_id = _request(w)
    sharing.decide(w["police"], request_id, refusal(), now=DAY)
    dispute_id = sharing.raise_dispute(w["civil"], request_id, reason="x", now=DAY)
    sharing.resolve_dispute(w["police"], dispute_id, outcome="overturned", note="x", now=DAY)


@probe("share.confirm")
def _(w):
    data = sharing.ApplicationInput(provider_unit_id=w.units["police"], title="t", description="d",
                                    wanted_items=["姓名"], scenario="s", purpose="p", legal_basis="b",
                                    share_method="interface", end_date=date(2026, 1, 31))
    request_id = sharing.request_uncatalogued(w["civil"], data, now=DAY)
    sharing.confirm_uncatalogued(w["county_police"], request_id, now=DAY)


@probe("share.attach")
def _(w):
    sharing.attach_application(w["police"], _request(w), sharing_files.Upload("a.pdf", b"%PDF-1.4 x"), now=DAY)


@probe("share.sweep")
def _(w):
    sharing.sweep(w["reviewer"], now=DAY)
