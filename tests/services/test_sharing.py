"""Sharing between units: routes per profile, clocks with hand-checked due dates, decisions, agreements,
implementation, grants, disputes and the race between two approvers.

Dates use the official 2025 schedule: 1–8 Oct off (Sun 28 Sep and Sat 11 Oct worked); 31 May–2 Jun off;
28 Jan–4 Feb off (Sun 26 Jan and Sat 8 Feb worked)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from models import AuditEvent, ShareGrant, ShareRequest
from models.sharing import Decision, RequestKind, RequestStatus, Route
from services import catalog, sharing
from services.core.db import read_session
from services.core.errors import Conflict, PermissionDenied, ValidationError
from services.sharing import DecisionInput
from services.sharing import queries as sharing_queries
from tests.services.sharing_fixtures import (
    application,
    at,
    clocks_of,
    entry,
    item_ids,
    notifications_for,
    open_clock,
    refusal,
    use,
)

S = RequestStatus
APPROVE = DecisionInput(Decision.APPROVE)


def request_row(request_id: int) -> ShareRequest:
    with read_session() as session:
        return session.get(ShareRequest, request_id)


def audit_actions(code: str) -> list[str]:
    with read_session() as session:
        return list(session.exec(select(AuditEvent.action).where(AuditEvent.object_id == code)
                                 .order_by(AuditEvent.seq)).all())


# --- getting data -----------------------------------------------------------------------------------------
def test_unconditional_entry_grants_access_at_once_and_is_audited(world):
    entry_id = entry(world, share_type="unconditional")
    grant_id = sharing.get_access(world["civil"], entry_id, purpose="核对救助对象户籍", now=at(date(2025, 3, 3)))
    with read_session() as session:
        grant = session.get(ShareGrant, grant_id)
        req = session.get(ShareRequest, grant.request_id)
    assert req.kind == RequestKind.ACCESS and req.status == S.IMPLEMENTED
    assert grant.consumer_unit_id == world.units["civil"] and grant.ends_on > date(2025, 3, 3)
    assert clocks_of(req.id) == []  # no approval, so nothing waits
    assert audit_actions(req.code) == ["share.access"]
    with pytest.raises(ValidationError) as err:
        sharing.get_access(world["civil"], entry_id, purpose="再次申请", now=at(date(2025, 3, 4)))
    assert "entry_id" in err.value.errors


def test_conditional_entry_cannot_be_taken_without_applying(world):
    entry_id = entry(world, share_type="conditional")
    with pytest.raises(ValidationError) as err:
        sharing.get_access(world["civil"], entry_id, purpose="x", now=at(date(2025, 3, 3)))
    assert "entry_id" in err.value.errors


def test_not_shared_entry_takes_a_verification_request(world):
    use(world, "shanghai")
    entry_id = entry(world, share_type="not_shared")
    with pytest.raises(ValidationError):
        sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)[:1]), now=at(date(2025, 3, 3)))
    request_id = sharing.request_verification(world["civil"], sharing.VerificationInput(
        entry_id=entry_id, records="350802198001011234 张三", purpose="核对身份", legal_basis="《社会救助暂行办法》第十一条"),
        now=at(date(2025, 3, 3)))
    assert request_row(request_id).kind == RequestKind.VERIFY


# --- routes and clocks per profile ------------------------------------------------------------------------------
def test_qingyuan_provider_answers_in_two_workdays_and_implements_in_three(world):
    use(world, "qingyuan")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(date(2025, 9, 30)))
    req = request_row(request_id)
    assert req.route == Route.PROVIDER and not req.cross_level
    answer = open_clock(request_id)
    assert (answer.step, answer.due_on, answer.responsible_unit_id) == ("share_answer", date(2025, 10, 10),
                                                                         world.units["police"])
    status = sharing.decide(world["police"], request_id, APPROVE, expected_version=req.version,
                            now=at(date(2025, 10, 10)))
    assert status == S.APPROVED
    implement = open_clock(request_id)
    assert (implement.step, implement.due_on) == ("share_implement", date(2025, 10, 14))
    answered = [c for c in clocks_of(request_id) if c.step == "share_answer"][0]
    assert answered.closed_on == date(2025, 10, 10) and answered.outcome == "done"


def test_longyan_city_request_is_decided_by_bureau_together_with_provider(world):
    use(world, "longyan")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(date(2025, 9, 29)))
    req = request_row(request_id)
    assert req.route == Route.BUREAU_CO
    assert open_clock(request_id).due_on == date(2025, 10, 13)
    assert sharing.decide(world["police"], request_id, APPROVE, now=at(date(2025, 10, 9))) == S.SUBMITTED
    with pytest.raises(ValidationError):
        sharing.decide(world["police"], request_id, APPROVE, now=at(date(2025, 10, 9)))
    assert sharing.decide(world["reviewer"], request_id, APPROVE, now=at(date(2025, 10, 10))) == S.APPROVED
    implement = open_clock(request_id)
    assert implement.step == "share_implement" and implement.due_on is None  # Longyan: "promptly", no number


def test_longyan_county_request_goes_to_county_approver_with_provider(world):
    use(world, "longyan")
    entry_id = entry(world, "county_police")
    request_id = sharing.apply(world["county_civil"], application(entry_id, item_ids(entry_id)),
                               now=at(date(2025, 9, 29)))
    assert request_row(request_id).route == Route.COUNTY
    queue = sharing_queries.county_queue(world["approver"], now=at(date(2025, 9, 30)))
    assert [q.id for q in queue] == [request_id]
    assert queue[0].due_on == date(2025, 10, 13) and queue[0].items == ["公民身份号码", "姓名", "住址"]
    assert sharing_queries.county_queue(world["approver2"], now=at(date(2025, 9, 30))) == []
    with pytest.raises(PermissionDenied):
        sharing.decide(world["reviewer"], request_id, APPROVE, now=at(date(2025, 9, 30)))  # not a party
    sharing.decide(world["approver"], request_id, APPROVE, expected_version=queue[0].version,
                   now=at(date(2025, 9, 30)))
    assert sharing_queries.county_queue(world["approver"], now=at(date(2025, 9, 30))) == []
    assert request_row(request_id).status == S.SUBMITTED  # the provider has not answered yet
    assert sharing.decide(world["county_police"], request_id, APPROVE, now=at(date(2025, 10, 9))) == S.APPROVED


def test_county_approver_cannot_decide_other_county_request(world):
    use(world, "longyan")
    entry_id = entry(world, "county_police")
    request_id = sharing.apply(world["county_civil"], application(entry_id, item_ids(entry_id)),
                               now=at(date(2025, 9, 29)))
    with pytest.raises(PermissionDenied):
        sharing.decide(world["approver2"], request_id, APPROVE, now=at(date(2025, 9, 30)))
    assert request_row(request_id).version == 1


def test_shanghai_answer_clock_counts_from_the_first_workday_after_a_holiday(world):
    use(world, "shanghai")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(date(2025, 6, 2)))
    assert request_row(request_id).route == Route.PROVIDER
    sharing.record_application_received(world["police"], request_id, date(2025, 6, 2), now=at(date(2025, 6, 3)))
    assert open_clock(request_id).due_on == date(2025, 6, 16)


def test_shanghai_request_waiting_for_its_written_application_is_tracked_by_age(world):
    """Shanghai §14: no answer deadline runs before the signed form arrives, but the request is not invisible
    meanwhile: an age clock on the provider (no due date) puts it in the provider's to-do until the receipt."""
    from services.deadlines import inbox

    use(world, "shanghai")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(date(2025, 6, 2)))
    waiting = open_clock(request_id)
    assert waiting.step == "share_application_form" and waiting.due_on is None
    assert waiting.responsible_unit_id == world.units["police"]
    rows = inbox.inbox(world["police"], now=at(date(2025, 6, 10))).rows
    mine = rows[rows["case_id"] == request_id]
    assert list(mine["step"]) == ["share_application_form"] and list(mine["age_workdays"]) == [6]
    sharing.record_application_received(world["police"], request_id, date(2025, 6, 9), now=at(date(2025, 6, 10)))
    answer = open_clock(request_id)
    assert answer.step == "share_answer" and answer.started_on == date(2025, 6, 9)
    assert [c.outcome for c in clocks_of(request_id) if c.step == "share_application_form"] == ["done"]


def test_qingyuan_cross_level_request_is_filed_with_the_bureaus(world):
    use(world, "qingyuan")
    entry_id = entry(world)  # city police
    request_id = sharing.apply(world["county_police"], application(entry_id, item_ids(entry_id)),
                               now=at(date(2025, 9, 30)))
    req = request_row(request_id)
    assert req.cross_level and req.filed_at is not None
    assert "share.file" in audit_actions(req.code)
    assert [n.message for n in notifications_for(world["reviewer"])] == [sharing.MSG_FILED]
    rows, total = sharing_queries.list_requests(world["reviewer"], sharing_queries.RequestFilter(cross_level_only=True))
    assert total == 1 and rows.iloc[0]["code"] == req.code


# --- decisions -----------------------------------------------------------------------------------------------
def test_refusal_without_legal_basis_is_refused(world):
    use(world, "shanghai")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(date(2025, 3, 3)))
    with pytest.raises(ValidationError) as err:
        sharing.decide(world["police"], request_id, DecisionInput(Decision.REJECT, reason="  "),
                       now=at(date(2025, 3, 4)))
    assert {"reason", "basis_law", "basis_article"} <= set(err.value.errors)
    assert request_row(request_id).status == S.SUBMITTED
    sharing.decide(world["police"], request_id, refusal("调查对象信息不得对外提供", law="统计法"),
                   now=at(date(2025, 3, 4)))
    req = request_row(request_id)
    assert req.status == S.REJECTED and req.decision_reason == "《统计法》第二十五条：调查对象信息不得对外提供"
    assert open_clock(request_id) is None


def test_approval_narrows_items_and_end_date_on_least_authorisation_but_never_widens(world):
    use(world, "shanghai")
    entry_id = entry(world)
    ids = item_ids(entry_id)
    request_id = sharing.apply(world["civil"], application(entry_id, ids[:2], end_date=date(2026, 6, 30)),
                               now=at(date(2025, 3, 3)))
    with pytest.raises(ValidationError) as err:
        sharing.decide(world["police"], request_id, DecisionInput(Decision.APPROVE, items=ids),
                       now=at(date(2025, 3, 4)))
    assert "items" in err.value.errors
    with pytest.raises(ValidationError) as err:
        sharing.decide(world["police"], request_id, DecisionInput(Decision.APPROVE, end_date=date(2027, 1, 1)),
                       now=at(date(2025, 3, 4)))
    assert "end_date" in err.value.errors
    sharing.decide(world["police"], request_id,
                   DecisionInput(Decision.APPROVE, items=ids[:1], end_date=date(2025, 12, 31), method="online_browse"),
                   now=at(date(2025, 3, 4)))
    req = request_row(request_id)
    assert json.loads(req.approved_items) == ids[:1]
    assert (req.approved_end_date, req.approved_method) == (date(2025, 12, 31), "online_browse")
    sharing.record_agreements(world["police"], request_id, use_agreement="SZXY-2025-017", now=at(date(2025, 3, 5)))
    grant_id = sharing.implement(world["police"], request_id, note="开通接口账号", now=at(date(2025, 3, 5)))
    with read_session() as session:
        grant = session.get(ShareGrant, grant_id)
    assert json.loads(grant.items) == ids[:1] and grant.ends_on == date(2025, 12, 31) and grant.method == "online_browse"


def test_second_of_two_racing_approvers_is_told_it_changed(world):
    use(world, "longyan")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(date(2025, 3, 3)))
    seen = sharing_queries.get_request(world["reviewer"], request_id).version
    assert sharing_queries.get_request(world["police"], request_id).version == seen
    sharing.decide(world["police"], request_id, refusal("涉及国家秘密", law="保密法", article="第二十条"),
                   expected_version=seen, now=at(date(2025, 3, 4)))
    with pytest.raises(Conflict):
        sharing.decide(world["reviewer"], request_id, APPROVE, expected_version=seen, now=at(date(2025, 3, 4)))
    req = request_row(request_id)
    assert req.status == S.REJECTED and req.approved_items is None
    with read_session() as session:
        from models import ShareDecision

        assert len(session.exec(select(ShareDecision).where(ShareDecision.request_id == request_id)).all()) == 1


def test_asking_for_information_then_resubmitting_starts_a_new_answer_clock(world):
    use(world, "qingyuan")
    entry_id = entry(world)
    ids = item_ids(entry_id)
    request_id = sharing.apply(world["civil"], application(entry_id, ids), now=at(date(2025, 9, 30)))
    with pytest.raises(ValidationError):
        sharing.decide(world["police"], request_id, DecisionInput(Decision.NEEDS_INFO), now=at(date(2025, 10, 9)))
    sharing.decide(world["police"], request_id, DecisionInput(Decision.NEEDS_INFO, reason="请补充书面申请函"),
                   now=at(date(2025, 10, 9)))
    req = request_row(request_id)
    assert req.status == S.NEEDS_INFO and req.info_request == "请补充书面申请函" and open_clock(request_id) is None
    assert [n.message for n in notifications_for(world["civil"])][-1] == sharing.MSG_NEEDS_INFO
    sharing.resubmit(world["civil"], request_id, scenario=req.scenario, purpose="核对低保申请人户籍（附申请函）",
                     legal_basis=req.legal_basis, share_method="interface", end_date=date(2026, 12, 31),
                     items=ids[:2], expected_version=req.version, now=at(date(2025, 10, 10)))
    req = request_row(request_id)
    assert req.status == S.SUBMITTED and req.resubmissions == 1 and json.loads(req.requested_items) == ids[:2]
    answers = [c for c in clocks_of(request_id) if c.step == "share_answer"]
    assert [(c.started_on, c.due_on) for c in answers] == [(date(2025, 9, 30), date(2025, 10, 10)),
                                                           (date(2025, 10, 10), date(2025, 10, 13))]
    assert sharing.decide(world["police"], request_id, APPROVE, now=at(date(2025, 10, 11))) == S.APPROVED


def test_requester_cannot_decide_its_own_request(world):
    use(world, "shanghai")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(date(2025, 3, 3)))
    with pytest.raises(PermissionDenied):
        sharing.decide(world["civil"], request_id, APPROVE, now=at(date(2025, 3, 3)))


def test_illegal_transition_is_refused_with_a_clear_message(world):
    use(world, "shanghai")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(date(2025, 3, 3)))
    with pytest.raises(ValidationError, match="待答复"):
        sharing.implement(world["police"], request_id, note="x", use_agreement="y", now=at(date(2025, 3, 3)))
    with pytest.raises(ValidationError):
        sharing.raise_dispute(world["civil"], request_id, reason="x", now=at(date(2025, 3, 3)))


# --- agreements, implementation, grants ---------------------------------------------------------------------
def test_sensitive_request_needs_confidentiality_and_use_agreements_before_implementation(world):
    use(world, "shanghai")
    entry_id = entry(world, sensitive=True)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)[:1]),
                               now=at(date(2025, 3, 3)))
    assert request_row(request_id).needs_confidentiality
    sharing.decide(world["police"], request_id, APPROVE, now=at(date(2025, 3, 4)))
    with pytest.raises(ValidationError) as err:
        sharing.implement(world["police"], request_id, note="开通接口", now=at(date(2025, 3, 5)))
    assert {"use_agreement", "confidentiality_agreement"} <= set(err.value.errors)
    with pytest.raises(ValidationError) as err:
        sharing.implement(world["police"], request_id, note="开通接口", use_agreement="XY-1", now=at(date(2025, 3, 5)))
    assert set(err.value.errors) == {"confidentiality_agreement"}
    assert request_row(request_id).status == S.APPROVED
    sharing.implement(world["police"], request_id, note="开通接口", use_agreement="XY-1",
                      confidentiality_agreement="BM-1", now=at(date(2025, 3, 5)))
    req = request_row(request_id)
    assert req.status == S.IMPLEMENTED and req.confidentiality_agreement == "BM-1"


def test_grant_expiry_is_reminded_to_both_sides_and_then_expires(world):
    use(world, "shanghai")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id), end_date=date(2025, 4, 30)),
                               now=at(date(2025, 3, 3)))
    sharing.decide(world["police"], request_id, APPROVE, now=at(date(2025, 3, 4)))
    grant_id = sharing.implement(world["police"], request_id, note="文件下载", use_agreement="XY-2",
                                 now=at(date(2025, 3, 5)))
    system = sharing_system_actor()
    assert sharing.sweep(system, now=at(date(2025, 4, 1))) == sharing.SweepResult(0, 0)
    assert sharing.sweep(system, now=at(date(2025, 4, 25))) == sharing.SweepResult(0, 1)
    assert sharing.sweep(system, now=at(date(2025, 4, 26))) == sharing.SweepResult(0, 0)  # reminded once
    for side in ("civil", "police"):
        assert sharing.MSG_EXPIRING in [n.message for n in notifications_for(world[side])]
    rows, _total = sharing_queries.list_grants(world["civil"], now=at(date(2025, 4, 30)))
    assert list(rows["id"]) == [grant_id]
    assert sharing.sweep(system, now=at(date(2025, 5, 1))) == sharing.SweepResult(1, 0)
    assert request_row(request_id).status == S.EXPIRED
    rows, _total = sharing_queries.list_grants(world["civil"], now=at(date(2025, 5, 1)))
    assert rows.empty


def sharing_system_actor():
    from services.core.actor import Actor

    return Actor.system("scheduler")


def test_provider_revokes_access_with_reasons_and_consumer_reports_usage(world):
    entry_id = entry(world, share_type="unconditional")
    grant_id = sharing.get_access(world["civil"], entry_id, purpose="核对", now=at(date(2025, 3, 3)))
    sharing.report_usage(world["civil"], grant_id, period="2025Q1", content="用于低保资格核验2,310人次",
                         now=at(date(2025, 3, 31)))
    with pytest.raises(PermissionDenied):
        sharing.revoke_grant(world["civil"], grant_id, reason="x", now=at(date(2025, 4, 1)))
    with pytest.raises(ValidationError):
        sharing.revoke_grant(world["police"], grant_id, reason="", now=at(date(2025, 4, 1)))
    sharing.revoke_grant(world["police"], grant_id, reason="超出申请用途使用", now=at(date(2025, 4, 1)))
    with read_session() as session:
        grant = session.get(ShareGrant, grant_id)
        assert grant.revoked_reason == "超出申请用途使用"
        assert session.get(ShareRequest, grant.request_id).status == S.REVOKED
    view = sharing_queries.get_request(world["civil"], grant.request_id)
    assert view.usage_reports[0]["period"] == "2025Q1"


# --- disputes ----------------------------------------------------------------------------------------------
def test_overturned_refusal_obliges_the_provider_to_implement(world):
    use(world, "qingyuan")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(date(2025, 9, 30)))
    sharing.decide(world["police"], request_id, refusal("未到开放期限", law="档案法", article="第二十八条"),
                   now=at(date(2025, 10, 9)))
    dispute_id = sharing.raise_dispute(world["civil"], request_id, reason="属于履行法定职责所需",
                                       now=at(date(2025, 10, 10)))
    assert request_row(request_id).status == S.DISPUTED
    dispute_clock = open_clock(dispute_id, "dispute")
    assert dispute_clock.due_on is None and dispute_clock.responsible_unit_id == world.units["bureau"]
    with pytest.raises(PermissionDenied):
        sharing.resolve_dispute(world["police"], dispute_id, outcome="overturned", note="x", now=at(date(2025, 10, 13)))
    frame = sharing_queries.list_disputes(world["reviewer"], now=at(date(2025, 10, 14)))
    assert list(frame["id"]) == [dispute_id] and frame.iloc[0]["age_workdays"] == 3
    sharing.resolve_dispute(world["reviewer"], dispute_id, outcome="overturned", note="经协调，应予共享",
                            expected_version=1, now=at(date(2025, 10, 14)))
    assert request_row(request_id).status == S.APPROVED
    implement = open_clock(request_id)
    assert (implement.step, implement.due_on) == ("share_implement", date(2025, 10, 17))
    with pytest.raises(ValidationError):
        sharing.raise_dispute(world["civil"], request_id, reason="again", now=at(date(2025, 10, 15)))


# --- data not in the catalog ------------------------------------------------------------------------------
def test_uncatalogued_request_is_confirmed_into_a_draft_entry_and_continues(world):
    use(world, "qingyuan")
    data = sharing.ApplicationInput(
        provider_unit_id=world.units["police"], title="流动人口居住登记信息", description="需要流动人口居住登记数据",
        wanted_items=["姓名", "居住地址", "登记日期"], scenario="社区网格化服务", purpose="入户走访核对",
        legal_basis="《居住证暂行条例》", share_method="interface", end_date=date(2026, 1, 31))
    request_id = sharing.request_uncatalogued(world["civil"], data, now=at(date(2025, 1, 24)))
    confirm = open_clock(request_id)
    assert (confirm.step, confirm.due_on) == ("uncatalogued_confirm", date(2025, 2, 7))
    with pytest.raises(PermissionDenied):
        sharing.confirm_uncatalogued(world["civil"], request_id, now=at(date(2025, 2, 5)))
    entry_id = sharing.confirm_uncatalogued(world["police"], request_id, expected_version=1, now=at(date(2025, 2, 5)))
    req = request_row(request_id)
    assert req.status == S.AWAITING_CATALOG and req.entry_id == entry_id and len(item_ids(entry_id)) == 3
    assert open_clock(request_id).step == "share_catalog"
    with pytest.raises(ValidationError):  # nothing is decided before the entry is published (Longyan §8)
        sharing.decide(world["police"], request_id, APPROVE, now=at(date(2025, 2, 5)))
    working, version, _status = catalog.get_working_copy(world["police"], entry_id)
    for key, value in dict(summary="流动人口居住登记信息", resource_format="database", share_type="conditional",
                           share_conditions="用于履行法定职责", share_method="interface", share_scope="全市政务部门",
                           open_attribute="not_open", restriction_basis="《居住证暂行条例》第十条",
                           update_frequency="daily", security_level="internal").items():
        setattr(working, key, value)
    catalog.save_and_submit(world["police"], entry_id, working, expected_version=version, now=at(date(2025, 2, 5)))
    catalog.approve_entry(world["reviewer"], entry_id, now=at(date(2025, 2, 6)))
    req = request_row(request_id)
    assert req.status == S.SUBMITTED
    assert json.loads(req.requested_items) == item_ids(entry_id)  # the published items, by the names asked for
    answer = open_clock(request_id)
    assert (answer.step, answer.due_on) == ("share_answer", date(2025, 2, 8))  # Sat 8 Feb 2025 was worked


def test_uncatalogued_confirmation_on_a_stale_version_leaves_no_draft(world):
    from models import CatalogEntry

    use(world, "qingyuan")
    data = sharing.ApplicationInput(
        provider_unit_id=world.units["police"], title="流动人口", description="d", wanted_items=["姓名"],
        scenario="s", purpose="p", legal_basis="b", share_method="interface", end_date=date(2026, 1, 31))
    request_id = sharing.request_uncatalogued(world["civil"], data, now=at(date(2025, 1, 24)))
    with pytest.raises(Conflict):
        sharing.confirm_uncatalogued(world["police"], request_id, expected_version=7, now=at(date(2025, 2, 5)))
    with read_session() as session:
        assert session.exec(select(CatalogEntry).where(CatalogEntry.name == "流动人口")).first() is None


# --- reads -----------------------------------------------------------------------------------------------------
def test_request_lists_are_scoped_to_the_units_involved_and_paginated(world):
    use(world, "longyan")
    entry_id = entry(world)
    ids = item_ids(entry_id)
    for key in ("civil", "county_police", "county_civil"):
        sharing.apply(world[key], application(entry_id, ids), now=at(date(2025, 3, 3)))
    mine, total = sharing_queries.list_requests(world["civil"], sharing_queries.RequestFilter(view="mine"))
    assert total == 1 and mine.iloc[0]["requester"] == "示范市民政局"
    incoming, total = sharing_queries.list_requests(world["police"], sharing_queries.RequestFilter(view="incoming"),
                                                    page_size=2)
    assert total == 3 and len(incoming) == 2
    second, _ = sharing_queries.list_requests(world["police"], sharing_queries.RequestFilter(view="incoming"),
                                              page=2, page_size=2)
    assert len(second) == 1 and set(second["id"]).isdisjoint(incoming["id"])
    other, total = sharing_queries.list_requests(world["county2_police"])
    assert total == 0 and other.empty
    overdue, total = sharing_queries.list_requests(world["reviewer"], sharing_queries.RequestFilter(overdue_only=True),
                                                   now=at(date(2025, 3, 20)))
    assert total == 3
    with pytest.raises(PermissionDenied):
        sharing_queries.get_request(world["county2_police"], int(mine.iloc[0]["id"]))


# --- races: several connections deciding at the same moment (both backends) -------------------------------------
def _at_once(calls) -> list:
    """Run the calls at the same moment on their own connections; returns each outcome (a result or the error)."""
    import threading

    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            outcomes[i] = call()
        except Exception as exc:  # noqa: BLE001 - every outcome is counted
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def _decide_events(request_id: int) -> int:
    code = request_row(request_id).code
    with read_session() as session:
        return len(session.exec(select(AuditEvent).where(AuditEvent.action == "share.decide",
                                                         AuditEvent.object_id == code)).all())


def test_four_connections_deciding_one_request_at_once_decide_it_once(world):
    """0 doubled: one decision takes effect; the others are refused with a message (the version moved on)."""
    use(world, "qingyuan")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(date(2025, 9, 30)))
    version = request_row(request_id).version
    choices = [APPROVE, refusal(), APPROVE, refusal()]
    outcomes = _at_once([lambda d=d: sharing.decide(world["police"], request_id, d, expected_version=version,
                                                    now=at(date(2025, 10, 9))) for d in choices])
    decided = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Conflict | ValidationError)]
    assert len(decided) == 1 and len(refused) == 3, outcomes
    assert request_row(request_id).status == decided[0] and _decide_events(request_id) == 1


def test_both_parties_deciding_together_at_the_same_moment_lose_neither_decision(world):
    """0 lost: on the co-decision route the provider and the bureau answer at the same moment; both answers are
    recorded and the request moves on once, to approved."""
    use(world, "longyan")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(date(2025, 9, 29)))
    assert request_row(request_id).route == Route.BUREAU_CO
    outcomes = _at_once([lambda who=who: sharing.decide(world[who], request_id, APPROVE, now=at(date(2025, 10, 9)))
                         for who in ("police", "reviewer")])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert request_row(request_id).status == S.APPROVED and _decide_events(request_id) == 2
