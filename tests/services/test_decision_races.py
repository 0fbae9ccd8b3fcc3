"""Races of the decision workflows (issue #12, GB/T 22239 data integrity): several connections decide the same case
at the same moment. Exactly one decision is recorded and audited; the others are refused with a message (the case
was already decided, or its version moved on); nothing is doubled and no database error leaks. The `db` fixture runs
each test on SQLite and, when GOVDATA_TEST_PG_URL is set, on PostgreSQL.

Share decisions and uncatalogued confirmations race in test_sharing.py and test_rules_as_written.py."""

from __future__ import annotations

from datetime import date

from sqlmodel import func, select

from models import AuditEvent, CatalogEntry, CredentialReset, OpenRequest
from models.correction import Correction
from services import catalog, corrections, opendata, sharing
from services.administration import users
from services.core.db import read_session
from services.core.errors import ServiceError
from services.opendata import AnswerInput
from tests.services.catalog_fixtures import entry_input
from tests.services.opendata_fixtures import application as open_application
from tests.services.opendata_fixtures import open_entry
from tests.services.sharing_fixtures import application, at, entry, item_ids, refusal, use
from tests.services.test_corrections import filed
from tests.services.test_sharing import _at_once

CONNECTIONS = 4


def _audited(actions: tuple[str, ...], object_id: object) -> int:
    with read_session() as session:
        return session.exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(actions), AuditEvent.object_id == str(object_id),  # type: ignore[attr-defined]
            AuditEvent.result == "success")).one()


def _split(outcomes: list) -> tuple[list, list]:
    """The decisions that took effect and the refusals; anything else (a database error) fails the test."""
    done = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, ServiceError) and o.message]
    assert len(done) + len(refused) == len(outcomes), f"an error other than a refusal leaked: {outcomes}"
    return done, refused


def _row(model, row_id: int):
    with read_session() as session:
        return session.get(model, row_id)


def test_four_reviewers_deciding_one_submitted_entry_at_once_decide_it_once(world):
    """Catalog review: two approvals and two returns of one submission at the same moment."""
    entry_id = catalog.save_and_submit(world["police"], None, entry_input(world), now=at(date(2025, 9, 29)))
    calls = [lambda: catalog.approve_entry(world["reviewer"], entry_id, now=at(date(2025, 9, 30))),
             lambda: catalog.return_entry(world["reviewer"], entry_id, "字段说明不全", now=at(date(2025, 9, 30)))] * 2
    done, refused = _split(_at_once(calls))
    assert len(done) == 1 and len(refused) == CONNECTIONS - 1
    assert _audited(("catalog.approve", "catalog.return"), entry_id) == 1
    status = _row(CatalogEntry, entry_id).status
    assert status == ("published" if done[0] is not None else "returned")


def test_four_connections_answering_one_open_data_application_at_once_answer_it_once(world):
    use(world, "qingyuan")
    code = opendata.file_request(open_application(open_entry(world)), now=at(date(2025, 3, 3)))
    with read_session() as session:
        request_id = session.exec(select(OpenRequest.id).where(OpenRequest.code == code)).one()
    agree = AnswerInput("agree", reply="同意", agreement_signed_on=date(2025, 3, 10), agreement_ends_on=date(2026, 3, 9))
    answers = [agree, AnswerInput("refuse", reply="涉及商业秘密")] * 2
    done, refused = _split(_at_once([lambda a=a: opendata.answer(world["police"], request_id, a,
                                                                 now=at(date(2025, 3, 10))) for a in answers]))
    assert len(done) == 1 and len(refused) == CONNECTIONS - 1
    assert _audited(("open.agree", "open.refuse"), request_id) == 1
    assert _row(OpenRequest, request_id).status == done[0]


def test_four_connections_answering_one_correction_at_once_answer_it_once(world):
    use(world, "qingyuan")
    correction_id = filed(world)
    answers = [corrections.AnswerInput("corrected", "已更正住址", "住址字段改为实际地址"),
               corrections.AnswerInput("confirmed", "数据无误")] * 2
    done, refused = _split(_at_once([lambda a=a: corrections.answer(world["police"], correction_id, a,
                                                                    now=at(date(2025, 9, 25))) for a in answers]))
    assert len(done) == 1 and len(refused) == CONNECTIONS - 1
    row = _row(Correction, correction_id)
    assert _audited(("correction.answer",), row.code) == 1
    assert row.status in {"corrected", "confirmed"}
    with read_session() as session:  # the entry's open count went down once, not four times
        assert session.get(CatalogEntry, row.entry_id).open_corrections == 0


def test_four_reviewers_deciding_one_dispute_at_once_decide_it_once(world):
    use(world, "qingyuan")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(date(2025, 9, 30)))
    sharing.decide(world["police"], request_id, refusal("未到开放期限", law="档案法", article="第二十八条"),
                   now=at(date(2025, 10, 9)))
    dispute_id = sharing.raise_dispute(world["civil"], request_id, reason="属于履行法定职责所需",
                                       now=at(date(2025, 10, 10)))
    outcomes = _at_once([lambda o=o: sharing.resolve_dispute(world["reviewer"], dispute_id, outcome=o, note="经协调",
                                                             now=at(date(2025, 10, 14)))
                         for o in ("overturned", "upheld") * 2])
    done, refused = _split(outcomes)
    assert len(done) == 1 and len(refused) == CONNECTIONS - 1
    assert _audited(("share.coordinate",), dispute_id) == 1


def test_four_approvals_of_one_administrator_reset_at_once_apply_it_once(world):
    """Dual control: the second administrator's approval (or rejection) of a credential reset, sent four times at
    once (a double click, two tabs), resets the password once and hands over one one-time password."""
    target = world["auditadmin"]
    request_id = users.request_reset(world["sysadmin"], target.user_id, "password", "forgotten after leave")
    decisions = [True, False] * 2
    done, refused = _split(_at_once([lambda d=d: users.decide_reset(world["secadmin"], request_id, d)
                                     for d in decisions]))
    assert len(done) == 1 and len(refused) == CONNECTIONS - 1
    assert _audited(("user.reset_approve", "user.reset_reject"), target.user_id) == 1
    assert _audited(("user.reset_password",), target.user_id) == (1 if done[0].approved else 0)
    assert _row(CredentialReset, request_id).status == ("approved" if done[0].approved else "rejected")
