"""Screens of the aggregation, correction and open-data leftovers: an entry with open corrections shows them on
the entry's page with a link to each, and a bureau reviewer finds the Longyan §18 grant form on an application
its unit agreed to."""

from __future__ import annotations

from sqlalchemy import select

from models import CatalogEntry, OpenRequest, User
from models.correction import Correction
from services.core.db import read_session
from tests.ui.test_screens import button, page_text, sign_in


def test_an_entry_with_open_corrections_shows_them_with_a_link_to_each(app_db):
    with read_session() as session:
        entry_id, provider = session.execute(
            select(CatalogEntry.id, CatalogEntry.provider_unit_id)
            .where(CatalogEntry.open_corrections > 0).order_by(CatalogEntry.id)).first()
        steward = session.execute(select(User.username).where(User.unit_id == provider,
                                                              User.username.like("steward%"))).scalars().first()
        first = session.execute(select(Correction.id, Correction.code).where(
            Correction.entry_id == entry_id, Correction.status == "open").order_by(Correction.filed_on)).first()
    at = sign_in(steward)
    at.session_state["catalog_entry_id"] = entry_id
    at.switch_page("pages/catalog/entry.py").run()
    assert not at.exception, at.exception
    assert "条纠错正在核实" in page_text(at)
    button(at, next(b.label for b in at.button if first.code in b.label)).click().run()
    assert not at.exception, at.exception
    assert at.session_state["correction_id"] == first.id


def test_a_reviewer_finds_the_grant_form_on_an_application_its_unit_agreed_to(app_db):
    with read_session() as session:
        request_id = session.execute(select(OpenRequest.id).where(OpenRequest.status == "unit_agreed")
                                     .order_by(OpenRequest.id)).scalars().first()
    at = sign_in("reviewer")
    at.session_state["open_request_id"] = request_id
    at.switch_page("pages/opendata/requests.py").run()
    assert not at.exception, at.exception
    assert "单位已同意，待数据局授权" in page_text(at)
    assert any(r.label == "决定" for r in at.radio) and any(b.label == "记录授权决定" for b in at.button)
