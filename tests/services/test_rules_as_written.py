"""One test per rule the regulations set and the platform used to let a unit break (RULES.md §2, §4, §7, §10).

Each test is named after the rule; the article it comes from is in the docstring."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import threading
import tomllib
from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from models import AuditEvent, CatalogEntry, Notification, Region, ShareGrant, ShareRequest
from models.sharing import RequestKind, RequestStatus, Route
from models.user import Role
from services import catalog, sharing
from services.administration import audit_log
from services.catalog import spreadsheet
from services.core import audit
from services.core.actor import Actor
from services.core.db import read_session, write_session
from services.core.errors import PermissionDenied, ValidationError
from services.core.jurisdiction import competent_bureau
from services.core.settings import DATA_DIR
from services.deadlines import calendar, configuration, reminders
from services.kpi import catalog as kpi_catalog
from services.kpi.registry import KpiWindow
from tests.factories import add_unit, add_user
from tests.services.catalog_fixtures import entry_input
from tests.services.sharing_fixtures import (
    application,
    at,
    entry,
    item_ids,
    notifications_for,
    open_clock,
    refusal,
    use,
)

S = RequestStatus
APPROVE = sharing.DecisionInput("approve")
DAY = date(2025, 3, 3)


def _request(request_id: int) -> ShareRequest:
    with read_session() as session:
        return session.get(ShareRequest, request_id)


def _grants() -> int:
    with read_session() as session:
        return session.exec(select(func.count()).select_from(ShareGrant)).one()


def _uncatalogued(world, provider: str = "police") -> int:
    data = sharing.ApplicationInput(
        provider_unit_id=world.units[provider], title="流动人口居住登记信息", description="需要流动人口居住登记数据",
        wanted_items=["姓名", "居住地址"], scenario="社区网格化服务", purpose="入户走访核对",
        legal_basis="《居住证暂行条例》第十条", share_method="interface", end_date=date(2026, 1, 31))
    return sharing.request_uncatalogued(world["civil"], data, now=at(DAY))


def _complete_and_publish(world, entry_id: int, when: date) -> None:
    working, version, _status = catalog.get_working_copy(world["police"], entry_id)
    for key, value in dict(summary="流动人口居住登记信息", resource_format="database", share_type="conditional",
                           share_conditions="用于履行法定职责", share_method="interface", share_scope="全市政务部门",
                           open_attribute="not_open", restriction_basis="《居住证暂行条例》第十条",
                           update_frequency="daily", security_level="internal").items():
        setattr(working, key, value)
    catalog.save_and_submit(world["police"], entry_id, working, expected_version=version, now=at(when))
    catalog.approve_entry(world["reviewer"], entry_id, now=at(when))


def _second_city(world) -> Actor:
    """Another city with its own bureau and reviewer (a reviewer outside the provider's jurisdiction)."""
    with write_session() as session:
        region = Region(code="990200", name="邻市", level="city")
        session.add(region)
        session.commit()
        region_id = region.id
    bureau = add_unit("邻市大数据局", region_id, "990200", kind="bureau")
    return add_user("reviewer_other_city", bureau, [Role.BUREAU_REVIEWER])


# --- sharing ---------------------------------------------------------------------------------------------------
def test_nothing_is_shared_unless_catalogued_and_published(world):
    """Longyan §8, Shanghai §9: a confirmed request for uncatalogued data waits, with its clock, until the
    provider's new entry is published; it cannot be approved or implemented before."""
    use(world, "qingyuan")
    request_id = _uncatalogued(world)
    entry_id = sharing.confirm_uncatalogued(world["police"], request_id, now=at(DAY))
    waiting = _request(request_id)
    assert waiting.status == S.AWAITING_CATALOG and open_clock(request_id).step == "share_catalog"
    with pytest.raises(ValidationError):
        sharing.decide(world["police"], request_id, APPROVE, now=at(DAY))
    with pytest.raises(ValidationError):
        sharing.implement(world["police"], request_id, note="x", use_agreement="X", now=at(DAY))
    assert _grants() == 0
    _complete_and_publish(world, entry_id, date(2025, 3, 4))
    assert _request(request_id).status == S.SUBMITTED and open_clock(request_id).step == "share_answer"
    assert "share.catalogued" in _actions(waiting.code)


def test_approval_and_implementation_require_the_entry_to_stay_published(world):
    """Longyan §8: an approved request whose entry was withdrawn is not implemented."""
    use(world, "qingyuan")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(DAY))
    sharing.decide(world["police"], request_id, APPROVE, now=at(DAY))
    catalog.request_withdrawal(world["police"], entry_id, "数据停止采集", now=at(DAY))
    catalog.approve_entry(world["reviewer"], entry_id, now=at(DAY))
    with pytest.raises(ValidationError) as refused:
        sharing.implement(world["police"], request_id, note="开通接口", use_agreement="SJXY-1", now=at(DAY))
    assert "entry_id" in refused.value.errors and _grants() == 0


def test_not_shared_data_is_verified_never_handed_over(world):
    """Qingyuan ch.4: for not-shared data the requester may only ask the source to verify or compare records;
    the answer is match / no match / partly within the profile's days, and no grant or data items flow."""
    use(world, "qingyuan")
    entry_id = entry(world, share_type="not_shared")
    with pytest.raises(ValidationError):
        sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(DAY))
    data = sharing.VerificationInput(entry_id=entry_id, records="350802198001011234 张三\n350802199002022345 李四",
                                     purpose="核对低保申请人身份", legal_basis="《社会救助暂行办法》第十一条",
                                     items=item_ids(entry_id)[:2])
    request_id = sharing.request_verification(world["civil"], data, now=at(DAY))
    req = _request(request_id)
    assert (req.kind, req.status, req.share_method, req.end_date) == (RequestKind.VERIFY, S.VERIFYING, None, None)
    clock = open_clock(request_id)
    assert (clock.step, clock.due_on) == ("share_verify", calendar.deadline(DAY, 2))
    with pytest.raises(ValidationError):  # a verification is never approved into a grant
        sharing.decide(world["police"], request_id, APPROVE, now=at(DAY))
    with pytest.raises(ValidationError) as refused:
        sharing.answer_verification(world["police"], request_id, result="partial", now=at(DAY))
    assert "verify_note" in refused.value.errors
    sharing.answer_verification(world["police"], request_id, result="partial", note="第2条记录姓名不一致",
                                now=at(date(2025, 3, 4)))
    done = _request(request_id)
    assert (done.status, done.verify_result, done.approved_items) == (S.VERIFIED, "partial", None)
    assert _grants() == 0 and open_clock(request_id) is None


def test_deciding_bureau_is_the_providers_competent_bureau(world):
    """Longyan §12: the bureau that decides with the provider is the provider's competent bureau; a reviewer of
    another city can neither co-decide nor coordinate."""
    use(world, "longyan")
    stranger = _second_city(world)
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(DAY))
    assert _request(request_id).bureau_unit_id == world.units["bureau"]
    with pytest.raises(PermissionDenied):
        sharing.decide(stranger, request_id, APPROVE, now=at(DAY))
    sharing.decide(world["reviewer"], request_id, APPROVE, now=at(DAY))
    assert _request(request_id).status == S.SUBMITTED  # waits for the provider


def test_a_city_reviewer_acts_for_a_county_without_its_own_bureau(world):
    """Longyan §12 para 2: a county without a bureau of its own is served by its city's bureau."""
    use(world, "longyan")
    entry_id = entry(world, "county_police")
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(DAY))
    assert _request(request_id).bureau_unit_id == world.units["bureau"]
    sharing.decide(world["reviewer"], request_id, APPROVE, now=at(DAY))


def test_cross_level_filing_goes_to_the_requesters_department_and_the_one_above(world):
    """Qingyuan ch.4: cross-level requests are filed with the requester's competent department (here the
    county's e-government department) and the competent department of the level above."""
    use(world, "qingyuan")
    entry_id = entry(world)  # city police
    sharing.apply(world["county_police"], application(entry_id, item_ids(entry_id)), now=at(DAY))
    assert [n.message for n in notifications_for(world["approver"])] == [sharing.MSG_FILED]
    assert [n.message for n in notifications_for(world["reviewer"])] == [sharing.MSG_FILED]
    assert notifications_for(world["approver2"]) == []  # another county's department is not concerned


def test_county_route_without_a_county_approver_goes_to_the_bureau_with_a_note(world):
    """Longyan §12 para 2 names the county department; with nobody there to approve, the request must not be
    stranded: the competent bureau decides with the provider, and the request says why."""
    use(world, "longyan")
    entry_id = entry(world, "county2_police")
    requester = add_user("county2_civil", add_unit("西江县民政局", world.regions["county2"], "990122", level="county"),
                         [Role.UNIT_STEWARD])
    with write_session() as session:  # the county's only approver leaves
        from models import User

        approver = session.get(User, world["approver2"].user_id)
        approver.is_active = False
        session.add(approver)
        session.commit()
    request_id = sharing.apply(requester, application(entry_id, item_ids(entry_id)), now=at(DAY))
    req = _request(request_id)
    assert req.route == Route.BUREAU_CO and req.route_note
    sharing.decide(world["reviewer"], request_id, APPROVE, now=at(DAY))
    assert sharing.decide(world["county2_police"], request_id, APPROVE, now=at(DAY)) == S.APPROVED


def test_reminders_reach_every_party_that_must_act(world):
    """Due-soon and overdue reminders go to the route's parties (county approver, bureau reviewer) as well as
    the provider."""
    use(world, "longyan")
    entry_id = entry(world)
    sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(DAY))
    county_entry = entry(world, "county_police")
    sharing.apply(world["county_civil"], application(county_entry, item_ids(county_entry)), now=at(DAY))
    reminders.refresh(now=at(date(2025, 3, 20)))
    overdue = {n.user_id for n in _notifications(kind="overdue")}
    assert {world["police"].user_id, world["reviewer"].user_id, world["county_police"].user_id,
            world["approver"].user_id} <= overdue


def test_reminders_follow_the_sharing_rules_route_parties(world, monkeypatch):
    """Who is reminded besides the provider is read from the one rule, sharing.rules.ROUTE_PARTIES: a route
    whose parties change there changes the reminders too (the reminders do not restate the routes)."""
    from models.sharing import Party
    from services.sharing import rules as sharing_rules

    use(world, "longyan")
    entry_id = entry(world)
    sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(DAY))  # bureau + provider
    monkeypatch.setitem(sharing_rules.ROUTE_PARTIES, Route.BUREAU_CO, frozenset({Party.PROVIDER}))
    reminders.refresh(now=at(date(2025, 3, 20)))
    overdue = {n.user_id for n in _notifications(kind="overdue")}
    assert world["police"].user_id in overdue and world["reviewer"].user_id not in overdue


def test_least_authorisation_covers_the_share_method(world):
    """Longyan §13 (no bulk export): an approval may narrow the method (online browsing < interface < file
    download), never widen it; direct access uses the entry's declared method."""
    use(world, "qingyuan")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id), share_method="interface"),
                               now=at(DAY))
    with pytest.raises(ValidationError) as refused:
        sharing.decide(world["police"], request_id, sharing.DecisionInput("approve", method="file_download"),
                       now=at(DAY))
    assert "method" in refused.value.errors
    sharing.decide(world["police"], request_id, sharing.DecisionInput("approve", method="online_browse"), now=at(DAY))
    assert _request(request_id).approved_method == "online_browse"
    browse_only = entry(world, share_type="unconditional", share_method="online_browse", name="婚姻登记信息")
    grant_id = sharing.get_access(world["civil"], browse_only, purpose="核对婚姻状况", now=at(DAY))
    with read_session() as session:
        assert session.get(ShareGrant, grant_id).method == "online_browse"


def test_a_refusal_cites_a_basis_a_reviewer_can_check(world):
    """Shanghai §13: no refusal without a legal basis — a law or regulation with its article, and the reasons."""
    use(world, "qingyuan")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(DAY))
    for law, article in (("", "第二十五条"), ("统计法", ""), ("统计法", "看情况")):
        with pytest.raises(ValidationError):
            sharing.decide(world["police"], request_id, refusal(law=law, article=article), now=at(DAY))
    sharing.decide(world["police"], request_id, refusal(), now=at(DAY))
    assert _request(request_id).decision_reason.startswith("《中华人民共和国统计法》第二十五条：")


def test_shanghai_answer_clock_counts_from_receipt_of_the_written_application(world):
    """Shanghai §14: the provider answers within 10 working days of receiving the written application."""
    use(world, "shanghai")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(date(2025, 9, 26)))
    waiting = open_clock(request_id)  # no answer deadline before the signed form arrives: its age is tracked
    assert waiting.step == "share_application_form" and waiting.due_on is None
    with pytest.raises(ValidationError):
        sharing.record_application_received(world["police"], request_id, date(2025, 10, 31), now=at(date(2025, 10, 9)))
    sharing.record_application_received(world["police"], request_id, date(2025, 9, 30), now=at(date(2025, 10, 9)))
    assert open_clock(request_id).due_on == calendar.deadline(date(2025, 9, 30), 10)
    use(world, "qingyuan")  # other profiles count from the online submission
    other = entry(world, name="居住证信息")
    started = sharing.apply(world["civil"], application(other, item_ids(other)), now=at(date(2025, 9, 26)))
    assert open_clock(started).started_on == date(2025, 9, 26)


def test_nobody_decides_a_request_they_submitted(world):
    """Nobody decides their own request, even when one account holds both roles."""
    use(world, "qingyuan")
    entry_id = entry(world)
    both = add_user("civil_and_police", world.units["civil"], [Role.UNIT_STEWARD])
    request_id = sharing.apply(both, application(entry_id, item_ids(entry_id)), now=at(DAY))
    with write_session() as session:  # the same account also answers for the provider (moved unit)
        from models import User

        user = session.get(User, both.user_id)
        user.unit_id = world.units["police"]
        session.add(user)
        session.commit()
    moved = Actor(**{**both.__dict__, "unit_id": world.units["police"]})
    with pytest.raises(PermissionDenied):
        sharing.decide(moved, request_id, APPROVE, now=at(DAY))


def test_no_duplicate_open_request_when_two_calls_race(world, db):
    """Checks-then-inserts under PostgreSQL's READ COMMITTED: two concurrent applications of one unit for one
    entry give one request, not two."""
    use(world, "qingyuan")
    entry_id = entry(world)
    ids = item_ids(entry_id)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def apply_once():
        barrier.wait()
        try:
            sharing.apply(world["civil"], application(entry_id, ids), now=at(DAY))
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")

    threads = [threading.Thread(target=apply_once) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with read_session() as session:
        count = session.exec(select(func.count()).select_from(ShareRequest)
                             .where(ShareRequest.entry_id == entry_id)).one()
    assert count == 1 and sorted(outcomes) == ["ok", "refused"]


# --- catalog ---------------------------------------------------------------------------------------------------
def test_longyan_files_conditional_and_not_shared_entries(world):
    """Longyan §11 files conditional and not-shared entries with the bureau; Qingyuan §14 only not-shared ones."""
    use(world, "longyan")
    conditional = entry(world, share_type="conditional")
    catalog.file_entry(world["reviewer"], conditional, "备案号 LY-2025-001", now=at(DAY))
    use(world, "qingyuan")
    other = entry(world, share_type="conditional", name="居住证信息")
    assert "file" not in catalog.available_actions(world["reviewer"], catalog.get_entry(world["reviewer"], other))
    with pytest.raises(ValidationError):
        catalog.file_entry(world["reviewer"], other, now=at(DAY))


def test_one_source_per_data_item_is_enforced_until_the_bureau_rules(world):
    """Shanghai §11, Yunyang §20: a second unit flagging an item as its own source is held, told which unit is
    the source, until the bureau rules."""
    first = catalog.create_entry(world["police"], entry_input(world, "police", items=["公民身份号码"]), now=at(DAY))
    _make_source(first)
    catalog.submit_entry(world["police"], first, now=at(DAY))
    catalog.approve_entry(world["reviewer"], first, now=at(DAY))
    second = catalog.create_entry(world["civil"], entry_input(world, "civil", name="低保人员信息",
                                                              items=["公民身份号码", "姓名"]), now=at(DAY))
    _make_source(second)
    with pytest.raises(ValidationError) as held:
        catalog.submit_entry(world["civil"], second, now=at(DAY))
    assert "示范市公安局" in held.value.errors["data_items"]
    from services.catalog import quality

    quality.settle_conflict(world["reviewer"], "公民身份号码", world.units["civil"], "由民政局采集", now=at(DAY))
    catalog.submit_entry(world["civil"], second, now=at(DAY))


def test_nobody_reviews_their_own_catalog_submission(world):
    """A designated reviewer checks each entry (Shanghai §10): never the person who submitted it."""
    both = add_user("steward_and_reviewer", world.units["bureau"], [Role.UNIT_STEWARD, Role.BUREAU_REVIEWER])
    entry_id = catalog.save_and_submit(both, None, entry_input(world, "bureau", name="政务数据目录"), now=at(DAY))
    with pytest.raises(PermissionDenied):
        catalog.approve_entry(both, entry_id, now=at(DAY))
    with pytest.raises(PermissionDenied):
        catalog.return_entry(both, entry_id, "x", now=at(DAY))
    catalog.approve_entry(world["reviewer"], entry_id, now=at(DAY))


def test_fixing_the_share_type_during_approval_needs_a_reason(world):
    """Shanxi §12: the bureau fixes the share type of a restricted entry with reasons, on approval too."""
    entry_id = catalog.save_and_submit(world["police"], None, entry_input(world, share_type="not_shared"),
                                       now=at(DAY))
    with pytest.raises(ValidationError) as refused:
        catalog.approve_entry(world["reviewer"], entry_id, share_type="unconditional", now=at(DAY))
    assert "note" in refused.value.errors
    catalog.approve_entry(world["reviewer"], entry_id, share_type="unconditional", note="依据《条例》第十二条调整",
                          now=at(DAY))


# Commands with a required argument a generic walk cannot invent are listed with their arguments.
SPECIAL_ARGS = {
    "catalog.commands.create_draft_in": None,  # takes the caller's unit of work, not an actor
    "catalog.commands.submit_in": None,
    "sharing.commands.entry_published": None,
    "administration.users.set_language": None,  # a user's own preference: every signed-in account may set it
}


def _dummy(name: str, annotation: str, namespace: dict | None = None):
    text = str(annotation)
    cls = (namespace or {}).get(text.split(" |")[0].strip())
    if dataclasses.is_dataclass(cls):  # an input dataclass: its required fields filled in the same way
        hints = {f.name: f.type for f in dataclasses.fields(cls)}
        return cls(**{f.name: _dummy(f.name, hints[f.name], namespace) for f in dataclasses.fields(cls)
                      if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING})
    if "EntryInput" in text:
        return catalog.EntryInput(resource_code="X-001", name="x", provider_unit_id=1)
    if "ApplicationInput" in text:
        return sharing.ApplicationInput(scenario="s", purpose="p", legal_basis="b", share_method="interface",
                                        end_date=date(2030, 1, 1), entry_id=1, items=[1])
    if "VerificationInput" in text:
        return sharing.VerificationInput(entry_id=1, records="r", purpose="p", legal_basis="b")
    if "DecisionInput" in text:
        return APPROVE
    if "list" in text or "Sequence" in text:
        return ["x"] if "str" in text else [1]
    if "date" in text and "datetime" not in text:
        return DAY
    if "bool" in text:
        return False
    if "int" in text:
        return 1
    return "x"


def test_every_mutating_call_checks_permission_first(world):
    """CKAN-style: the first thing a command does is check the permission; an actor without any role is refused
    by every public command of every workflow package, before anything is read or written."""
    from services.administration import api_clients, orgs, users
    from services.aggregation import commands as aggregation_commands
    from services.assessment import commands as assessment_commands
    from services.catalog import commands as catalog_commands
    from services.catalog import quality
    from services.corrections import commands as correction_commands
    from services.opendata import commands as opendata_commands
    from services.opendata import plans as opendata_plans
    from services.projects import commands as project_commands
    from services.reports import commands as report_commands
    from services.sharing import commands as sharing_commands

    nobody = Actor(user_id=world["civil"].user_id + 1000, username="nobody", display_name="nobody",
                   unit_id=world.units["civil"], region_id=world.regions["city"], roles=frozenset(),
                   region_ids=frozenset({world.regions["city"]}))
    walked = []
    for module in (catalog_commands, quality, sharing_commands, configuration, orgs, users, aggregation_commands,
                   correction_commands, opendata_commands, opendata_plans, api_clients, assessment_commands,
                   project_commands, report_commands):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters.values())
            if not params or params[0].name != "actor" or any(p.name == "action" for p in params):
                continue  # not a use case (a helper that checks a permission it is given)
            key = f"{module.__name__.removeprefix('services.')}.{name}"
            if key in SPECIAL_ARGS:
                continue
            args = [_dummy(p.name, p.annotation, fn.__globals__) for p in params[1:]
                    if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
            kwargs = {p.name: _dummy(p.name, p.annotation, fn.__globals__) for p in params[1:]
                      if p.default is inspect.Parameter.empty and p.kind is p.KEYWORD_ONLY}
            try:
                fn(nobody, *args, **kwargs)
            except PermissionDenied:
                pass
            else:
                pytest.fail(f"{key} accepted an actor without any role")
            walked.append(key)
    assert len(walked) > 40, walked


def test_confirming_maintenance_of_nothing_is_refused(world):
    """An empty confirmation writes nothing and no success event."""
    use(world, "shanghai")
    with pytest.raises(ValidationError):
        catalog.confirm_maintained(world["police"], [], now=at(DAY))
    assert "catalog.confirm_maintained" not in _actions(None)
    with pytest.raises(PermissionDenied):
        catalog.confirm_maintained(world["auditadmin"], [], now=at(DAY))


# --- profiles, retention, transactions ---------------------------------------------------------------------------
KNOWN_RULES = {"bureau_co_decides", "county_approval", "cross_level_filing", "correction_extension_max",
               "open_applicant_kinds", "log_retention_days", "annual_maintenance", "filing_share_types",
               "answer_clock_starts", "data_refresh_workdays", "open_grant_by_bureau", "annual_report_unit_due",
               "annual_report_bureau_workdays", "annual_report_government_due", "project_sharing_check"}


# Values shipped for a workflow that is built after this one reads them (none left: open data reads who may apply).
READ_BY_LATER_WORKFLOWS: set[str] = set()


def test_every_value_in_the_profiles_is_used():
    """Every number in a profile file changes behaviour somewhere (values nothing reads are not shipped)."""
    for path in sorted((DATA_DIR / "policies").glob("*.toml")):
        rules = set(tomllib.loads(path.read_text(encoding="utf-8")).get("rules", {}))
        assert rules <= KNOWN_RULES, f"{path.name}: {sorted(rules - KNOWN_RULES)} are not used"
        assert rules == KNOWN_RULES, f"{path.name} leaves out {sorted(KNOWN_RULES - rules)}"
    source = "\n".join(p.read_text(encoding="utf-8") for p in (DATA_DIR.parent / "services").rglob("*.py"))
    tree = ast.parse(source)
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for rule in KNOWN_RULES - READ_BY_LATER_WORKFLOWS:
        assert rule in attributes, f"no service reads profile.{rule}"


def test_profile_log_retention_is_honoured_by_the_purge(world):
    """Yunyang §27 / a profile overriding the retention: a 400-day profile does not purge at 215 days."""
    configuration.set_override(world["secadmin"], "rules.log_retention_days", 400, now=at(DAY))
    with pytest.raises(ValidationError):
        audit_log.purge(world["auditadmin"], date(2024, 8, 1), now=at(DAY))  # 214 days back
    assert audit_log.purge(world["auditadmin"], date(2024, 1, 1), now=at(DAY)) == 0  # 427 days back


def test_six_months_is_six_calendar_months(world):
    """Longyan §24, Yunyang §27: at least six months — on 31 August, nothing after 28 February goes."""
    today = date(2026, 8, 31)
    limit, _days = audit.retention_limit(today, 180)
    assert limit == date(2026, 2, 28)  # 180 days back would be 4 March
    with pytest.raises(ValidationError):
        audit_log.purge(world["auditadmin"], date(2026, 3, 1), now=datetime(2026, 8, 31, 4, tzinfo=UTC))


def test_annual_maintenance_follows_the_profile(world):
    """Shanghai §10 requires the yearly maintenance; Longyan does not, so nothing is due there."""
    old = catalog.save_and_submit(world["police"], None, entry_input(world), now=at(date(2024, 1, 10)))
    catalog.approve_entry(world["reviewer"], old, now=at(date(2024, 1, 10)))
    use(world, "longyan")
    assert catalog.maintenance_due(world["police"], now=at(DAY)).empty
    use(world, "shanghai")
    assert list(catalog.maintenance_due(world["police"], now=at(DAY))["id"]) == [old]


def test_confirming_an_uncatalogued_request_is_one_transaction(world, monkeypatch):
    """One business action, one transaction: when the confirmation fails after the draft was written, neither
    the draft nor the request's new status remains (no audited undo)."""
    use(world, "qingyuan")
    request_id = _uncatalogued(world)
    before = _count(CatalogEntry)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sharing.commands, "_close", broken)
    with pytest.raises(RuntimeError):
        sharing.confirm_uncatalogued(world["police"], request_id, now=at(DAY))
    assert _count(CatalogEntry) == before and _request(request_id).status == S.PENDING_CONFIRM
    assert "catalog.delete_draft" not in _actions(None)


def test_import_with_submit_without_the_submit_permission_writes_nothing(world, tmp_path):
    """The import and the submissions are one action: refused before anything is written."""
    draft = catalog.create_entry(world["police"], entry_input(world, code="IMP-00001"), now=at(DAY))
    workbook = tmp_path / "catalog.xlsx"
    spreadsheet.export_catalog(world["reviewer"], workbook, working=True)
    catalog.discard_draft(world["police"], draft, now=at(DAY))  # the workbook now holds a new entry
    before = _count(CatalogEntry)
    with pytest.raises(PermissionDenied):  # a reviewer may import, but not submit for a unit
        spreadsheet.import_catalog(world["reviewer"], workbook, submit=True, now=at(DAY))
    assert _count(CatalogEntry) == before


def test_one_definition_of_the_competent_bureau_and_of_maintained_within_twelve_months(world):
    """The catalog review clock and the sharing co-decision name the same bureau; the maintenance list and the
    maintenance KPI cut at the same moment."""
    entry_id = catalog.save_and_submit(world["county_police"], None, entry_input(world, "county_police"), now=at(DAY))
    review = open_clock(entry_id, "catalog_entry")
    with read_session() as session:
        assert review.responsible_unit_id == competent_bureau(session, world.regions["county"]).id
    as_of = date(2025, 8, 31)
    window = KpiWindow(start=date(2025, 8, 1), end=as_of, as_of=as_of)
    assert kpi_catalog.maintained_since(window) == catalog.maintained_since(as_of)
    assert catalog.maintained_since(as_of).date() == date(2024, 9, 1)


# --- helpers -----------------------------------------------------------------------------------------------------
def _actions(object_id: str | None) -> list[str]:
    with read_session() as session:
        query = select(AuditEvent.action)
        if object_id is not None:
            query = query.where(AuditEvent.object_id == object_id)
        return list(session.exec(query).all())


def _notifications(kind: str) -> list[Notification]:
    with read_session() as session:
        return list(session.exec(select(Notification).where(Notification.kind == kind)).all())


def _count(model) -> int:
    with read_session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _make_source(entry_id: int) -> None:
    """Flag the entry's first data item as the unit's own source (as the form's tick box does)."""
    with write_session() as session:
        row = session.get(CatalogEntry, entry_id)
        from models import DataItem

        item = session.exec(select(DataItem).where(DataItem.entry_id == entry_id).order_by(DataItem.position)).first()
        item.is_source = True
        session.add(item)
        session.add(row)
        session.commit()



# --- loopholes closed after review -------------------------------------------------------------------------------
def test_an_entry_that_became_not_shared_is_never_granted(world):
    """Qingyuan ch.4: once an entry is not shared, an application on it can be refused but not approved or
    implemented (only verification reaches not-shared data)."""
    use(world, "qingyuan")
    entry_id = entry(world, share_type="conditional")
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(DAY))
    catalog.fix_share_type(world["reviewer"], entry_id, "not_shared", "涉及个人敏感信息", now=at(DAY))
    with pytest.raises(ValidationError):
        sharing.decide(world["police"], request_id, APPROVE, now=at(DAY))
    sharing.decide(world["police"], request_id, refusal(), now=at(DAY))
    assert _request(request_id).status == S.REJECTED and _grants() == 0


def test_an_application_asks_for_no_wider_method_than_the_entry_declares(world):
    """Least authorisation starts at the entry: an interface-only entry is never downloaded."""
    use(world, "qingyuan")
    entry_id = entry(world, share_method="interface")
    with pytest.raises(ValidationError) as refused:
        sharing.apply(world["civil"], application(entry_id, item_ids(entry_id), share_method="file_download"),
                      now=at(DAY))
    assert "share_method" in refused.value.errors


def test_a_draft_a_confirmed_request_waits_for_cannot_be_deleted(world):
    """The request would be stranded on a deleted entry."""
    use(world, "qingyuan")
    request_id = _uncatalogued(world)
    entry_id = sharing.confirm_uncatalogued(world["police"], request_id, now=at(DAY))
    with pytest.raises(ValidationError):
        catalog.discard_draft(world["police"], entry_id, now=at(DAY))
    assert _request(request_id).status == S.AWAITING_CATALOG


def test_a_unit_with_access_gets_no_second_grant(world):
    use(world, "qingyuan")
    entry_id = entry(world)
    ids = item_ids(entry_id)
    first = sharing.apply(world["civil"], application(entry_id, ids), now=at(DAY))
    sharing.decide(world["police"], first, APPROVE, now=at(DAY))
    sharing.implement(world["police"], first, note="开通接口", use_agreement="SJXY-1", now=at(DAY))
    with pytest.raises(ValidationError):
        sharing.apply(world["civil"], application(entry_id, ids), now=at(DAY))
    assert _grants() == 1


def test_concurrent_confirmations_of_one_provider_each_get_their_own_resource_code(world):
    """Issue #12 finding 8: four connections confirming four uncatalogued requests of one provider at the same
    moment (before: 39 IntegrityErrors on PostgreSQL, refusals naming a code nobody typed on SQLite): each draft
    gets its own resource code, allocated inside its transaction, and nothing is refused."""
    use(world, "qingyuan")
    requests = []
    for n in range(4):
        data = sharing.ApplicationInput(
            provider_unit_id=world.units["police"], title=f"流动人口居住登记信息{n}", description="需要居住登记数据",
            wanted_items=["姓名"], scenario="社区网格化服务", purpose="入户走访核对",
            legal_basis="《居住证暂行条例》第十条", share_method="interface", end_date=date(2026, 1, 31))
        requests.append(sharing.request_uncatalogued(world["civil"], data, now=at(DAY)))
    barrier = threading.Barrier(len(requests))
    drafts: list[int] = []
    errors: list[BaseException] = []

    def confirm(request_id: int) -> None:
        barrier.wait()
        try:
            drafts.append(sharing.confirm_uncatalogued(world["police"], request_id, now=at(DAY)))
        except BaseException as exc:  # noqa: BLE001 - every outcome is counted
            errors.append(exc)

    threads = [threading.Thread(target=confirm, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(drafts) == 4
    with read_session() as session:
        codes = session.exec(select(CatalogEntry.resource_code).where(CatalogEntry.id.in_(drafts))).all()  # type: ignore[union-attr]
        statuses = {_request(r).status for r in requests}
    assert len(set(codes)) == 4 and statuses == {RequestStatus.AWAITING_CATALOG}


def test_the_same_uncatalogued_data_is_not_requested_twice_while_open(world):
    use(world, "qingyuan")
    _uncatalogued(world)
    with pytest.raises(ValidationError):
        _uncatalogued(world)


def test_nobody_coordinates_a_dispute_over_their_own_refusal(world):
    """The bureau reviewer who refused (Longyan co-decision) does not coordinate the objection to it."""
    use(world, "longyan")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(DAY))
    sharing.decide(world["reviewer"], request_id, refusal(), now=at(DAY))
    dispute_id = sharing.raise_dispute(world["civil"], request_id, reason="属于履行法定职责所需", now=at(DAY))
    with pytest.raises(PermissionDenied):
        sharing.resolve_dispute(world["reviewer"], dispute_id, outcome="upheld", note="维持", now=at(DAY))
    colleague = add_user("reviewer2", world.units["bureau"], [Role.BUREAU_REVIEWER])
    sharing.resolve_dispute(colleague, dispute_id, outcome="upheld", note="维持原决定", now=at(DAY))


def test_only_the_competent_bureau_reviews_a_units_catalog(world):
    """A county with a bureau of its own reviews its units' entries; the city bureau does not."""
    county_bureau = add_unit("东山县大数据局", world.regions["county"], "990121", kind="bureau", level="county")
    county_reviewer = add_user("county_reviewer", county_bureau, [Role.BUREAU_REVIEWER])
    entry_id = catalog.save_and_submit(world["county_police"], None, entry_input(world, "county_police"), now=at(DAY))
    assert entry_id not in set(catalog.review_queue(_second_city(world))["id"])
    with pytest.raises(PermissionDenied):
        catalog.approve_entry(world["reviewer"], entry_id, now=at(DAY))
    catalog.approve_entry(county_reviewer, entry_id, now=at(DAY))


def test_a_held_source_claim_saved_as_a_draft_reaches_the_bureau(world):
    """The held unit saves its draft; the bureau sees the two claims among the one-source conflicts."""
    from services.catalog import quality

    first = catalog.create_entry(world["police"], entry_input(world, "police", items=["公民身份号码"]), now=at(DAY))
    _make_source(first)
    catalog.submit_entry(world["police"], first, now=at(DAY))
    catalog.approve_entry(world["reviewer"], first, now=at(DAY))
    second = catalog.create_entry(world["civil"], entry_input(world, "civil", name="低保人员信息",
                                                              items=["公民身份号码"]), now=at(DAY))
    _make_source(second)
    conflicts = quality.one_source_conflicts(world["reviewer"])
    assert "公民身份号码" in set(conflicts["norm_name"])


def test_a_route_with_nobody_to_decide_falls_back_to_the_provider_with_a_note(world):
    """Longyan co-decision without any reviewer at the competent bureau would strand the request."""
    use(world, "longyan")
    with write_session() as session:
        from models import User

        user = session.get(User, world["reviewer"].user_id)
        user.is_active = False
        session.add(user)
        session.commit()
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(DAY))
    req = _request(request_id)
    assert req.route == Route.PROVIDER and req.route_note
    assert sharing.decide(world["police"], request_id, APPROVE, now=at(DAY)) == S.APPROVED


def test_notifications_read_their_outcome_in_the_readers_language(world):
    """A stored outcome is a msgid, shown translated."""
    use(world, "qingyuan")
    entry_id = entry(world)
    request_id = sharing.apply(world["civil"], application(entry_id, item_ids(entry_id)), now=at(DAY))
    sharing.decide(world["police"], request_id, refusal(), now=at(DAY))
    note = [n for n in notifications_for(world["civil"]) if n.message == sharing.MSG_DECIDED][0]
    text = reminders.render_text(note.message, note.params)
    assert "不予共享" in text and "refused" not in text
