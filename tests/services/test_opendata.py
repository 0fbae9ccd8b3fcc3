"""Open data: the open catalog and its downloads, public requests (eligibility per profile, identity check digits,
captcha, rate limit, encryption at rest, tracking privacy) and their processing on the statutory clocks.

Dates use the official 2025 schedule: 1–8 Oct off (Sun 28 Sep and Sat 11 Oct worked)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import select

from models import AuditEvent, OpenRequest, SlaClock
from models.clock import CaseKind
from services import opendata
from services.core.db import read_session
from services.core.errors import PermissionDenied, ValidationError
from services.opendata import AnswerInput, captcha, open_catalog
from services.opendata import queries as open_queries
from tests.services.opendata_fixtures import PERSON_ID, application, demand, open_entry
from tests.services.sharing_fixtures import at, use

DAY = date(2025, 3, 3)  # a Monday


def _clock(request_id: int) -> SlaClock:
    with read_session() as session:
        return session.exec(select(SlaClock).where(SlaClock.case_kind == CaseKind.OPEN_REQUEST,
                                                   SlaClock.case_id == request_id).order_by(SlaClock.id)).all()[-1]


def _row(code: str) -> OpenRequest:
    with read_session() as session:
        return session.exec(select(OpenRequest).where(OpenRequest.code == code)).one()


def _actions() -> list[str]:
    with read_session() as session:
        return list(session.exec(select(AuditEvent.action).order_by(AuditEvent.seq)).all())


# --- the open catalog -------------------------------------------------------------------------------------------
def test_the_open_catalog_lists_open_and_conditional_entries_only(world):
    open_id = open_entry(world, open_attribute="open", name="企业登记信息")
    cond_id = open_entry(world, "civil", name="社会组织登记信息")
    open_entry(world, open_attribute="not_open", name="不开放的户籍信息")
    rows, total = open_catalog.search()
    assert total == 2 and set(rows["id"]) == {open_id, cond_id}
    assert open_catalog.search(open_attribute="open")[0]["id"].tolist() == [open_id]
    assert open_catalog.search(unit_id=world.units["civil"])[0]["id"].tolist() == [cond_id]
    assert open_catalog.search(text="社会组织")[0]["id"].tolist() == [cond_id]
    assert open_catalog.search(classification="base")[1] == 0
    page2, total = open_catalog.search(page=2, page_size=1)
    assert total == 2 and len(page2) == 1
    assert set(open_catalog.units()) == {world.units["police"], world.units["civil"]}


def test_an_open_entry_never_lists_its_sensitive_items(world):
    entry_id = open_entry(world)
    view = open_catalog.get_entry(entry_id)
    assert [i["name"] for i in view.items] == ["企业名称", "登记日期"]
    assert view.open_conditions
    assert open_catalog.get_entry(open_entry(world, open_attribute="not_open", name="内部")) is None


def test_csv_download_has_a_bom_and_no_formulas(world):
    open_entry(world, name="=HYPERLINK(\"http://x\")")
    raw = open_catalog.export_csv()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == open_catalog.EXPORT_COLUMNS
    assert rows[1][1].startswith("'=")
    assert "公民身份号码" not in raw.decode("utf-8-sig")  # sensitive item
    assert "企业名称" in rows[1][-1]


def test_xlsx_download_writes_text_cells(world):
    open_entry(world, name="+1 公式")
    wb = load_workbook(io.BytesIO(open_catalog.export_xlsx()))
    cell = wb.active.cell(row=2, column=2)
    assert cell.value == "+1 公式" and cell.data_type == "s"


def test_dcat_document_is_json_ld_with_the_required_terms(world):
    open_entry(world, open_attribute="open", name="企业登记信息", update_frequency="monthly")
    doc = json.loads(open_catalog.export_dcat())
    context = doc["@context"]
    assert context["dcat"] == "http://www.w3.org/ns/dcat#" and context["dct"] == "http://purl.org/dc/terms/"
    assert doc["@type"] == "dcat:Catalog"
    [dataset] = doc["dcat:dataset"]
    assert dataset["@type"] == "dcat:Dataset"
    for term in ("dct:title", "dct:description", "dct:publisher", "dct:modified", "dct:accrualPeriodicity",
                 "dcat:keyword", "dcat:theme", "dct:identifier"):
        assert term in dataset, term
    assert dataset["dct:accrualPeriodicity"] == {"@id": "http://purl.org/cld/freq/monthly"}
    assert "公民身份号码" not in dataset["dcat:keyword"]
    # every compact IRI uses a prefix the context defines (what a JSON-LD processor needs to expand it)
    def prefixes(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if ":" in key and not key.startswith("@"):
                    yield key.split(":")[0]
                yield from prefixes(value)
        elif isinstance(node, list):
            for value in node:
                yield from prefixes(value)
    assert set(prefixes(doc)) <= set(context)


# --- public requests --------------------------------------------------------------------------------------------
def test_identity_numbers_are_checked_by_their_check_character(world):
    entry_id = open_entry(world)
    with pytest.raises(ValidationError) as err:
        opendata.file_request(demand(id_number=PERSON_ID[:-1] + ("0" if PERSON_ID[-1] != "0" else "1")), now=at(DAY))
    assert "id_number" in err.value.errors
    with pytest.raises(ValidationError) as err:
        opendata.file_request(application(entry_id, id_number="91990100MA1234569X"), now=at(DAY))
    assert "id_number" in err.value.errors


def test_eligibility_follows_the_longyan_profile(world):
    """Longyan §17–18: authorised-open data only for domestic-controlled enterprises, universities and research
    institutes; universities and institutes for research and education only. A demand is open to anyone (§19)."""
    use(world, "longyan")
    entry_id = open_entry(world)
    with pytest.raises(ValidationError) as err:
        opendata.file_request(application(entry_id, applicant_kind="natural_person", id_number=PERSON_ID),
                              now=at(DAY))
    assert "only these applicants" in err.value.errors["applicant_kind"] or "只有" in err.value.errors["applicant_kind"]
    with pytest.raises(ValidationError):
        opendata.file_request(application(entry_id, domestic_controlled=False), now=at(DAY))
    with pytest.raises(ValidationError):
        opendata.file_request(application(entry_id, applicant_kind="university"), now=at(DAY))
    assert opendata.file_request(application(entry_id, applicant_kind="university", research_or_education=True),
                                 now=at(DAY))
    assert opendata.file_request(application(entry_id), now=at(DAY))
    assert opendata.file_request(demand(), now=at(DAY))


def test_eligibility_follows_the_qingyuan_profile(world):
    use(world, "qingyuan")
    entry_id = open_entry(world)
    assert opendata.file_request(application(entry_id, applicant_kind="natural_person", id_number=PERSON_ID),
                                 now=at(DAY))
    assert opendata.file_request(application(entry_id, domestic_controlled=False), now=at(DAY))


def test_an_unconditionally_open_entry_needs_no_application(world):
    entry_id = open_entry(world, open_attribute="open")
    with pytest.raises(ValidationError) as err:
        opendata.file_request(application(entry_id), now=at(DAY))
    assert "entry_id" in err.value.errors


def test_personal_data_is_encrypted_at_rest_and_never_tracked(world):
    code = opendata.file_request(demand(), now=at(DAY))
    with read_session() as session:
        raw = session.execute(text("SELECT applicant_name_enc, applicant_id_enc, contact_enc FROM open_request")).one()
    assert all(value.startswith("gAAAA") for value in raw)
    assert "张三" not in "".join(raw) and PERSON_ID not in "".join(raw) and "zhangsan" not in "".join(raw)
    shown = repr(open_queries.track(code, now=at(DAY)))
    assert "张三" not in shown and PERSON_ID not in shown and "zhangsan" not in shown
    assert open_queries.track("KF-NOPE") is None


def test_the_captcha_and_the_rate_limit_guard_the_form(world, monkeypatch):
    challenge, answer = captcha.new()
    with pytest.raises(ValidationError) as err:
        opendata.submit(demand(), client="10.0.0.1", captcha_ticket=challenge.ticket, captcha_answer="0")
    assert "captcha" in err.value.errors
    assert not captcha.check(challenge.ticket.replace(challenge.ticket[-1], "0" if challenge.ticket[-1] != "0"
                                                      else "1"), answer)
    assert not captcha.check(challenge.ticket, answer, now=10**12)  # expired
    from services.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "open_submissions_per_hour", 3)  # the failed attempt above counted
    for _ in range(2):
        challenge, answer = captcha.new()
        assert opendata.submit(demand(), client="10.0.0.1", captcha_ticket=challenge.ticket, captcha_answer=answer)
    challenge, answer = captcha.new()
    with pytest.raises(ValidationError) as err:
        opendata.submit(demand(), client="10.0.0.1", captcha_ticket=challenge.ticket, captcha_answer=answer)
    assert "" in err.value.errors
    assert opendata.submit(demand(), client="10.0.0.2", captcha_ticket=challenge.ticket, captcha_answer=answer)
    assert challenge.image.startswith(b"\x89PNG")
    with read_session() as session:
        stored = session.execute(text("SELECT client_hash FROM public_submission")).scalars().all()
    assert len(stored) == 4 and not any("10.0.0" in h for h in stored)


# --- processing -------------------------------------------------------------------------------------------------
def test_an_application_goes_to_the_entry_unit_on_the_profile_clock(world):
    """Qingyuan ch.5: answered within 10 working days; asking for more pauses the clock; an approval records the
    data use agreement (公共数据利用协议)."""
    use(world, "qingyuan")
    entry_id = open_entry(world)
    code = opendata.file_request(application(entry_id), now=at(DAY))
    row = _row(code)
    assert row.unit_id == world.units["police"]
    clock = _clock(row.id)
    assert clock.step == "open_application_answer" and clock.due_on == date(2025, 3, 17)
    opendata.answer(world["police"], row.id, AnswerInput("ask_info", reply="请补充使用场景"), now=at(date(2025, 3, 5)))
    assert _clock(row.id).paused_at is not None
    assert open_queries.track(code).info_request == "请补充使用场景"
    opendata.supplement(code, "用于企业信用评估产品", now=at(date(2025, 3, 7)))
    assert _clock(row.id).due_on == date(2025, 3, 19)  # two working days paused
    with pytest.raises(ValidationError) as err:
        opendata.answer(world["police"], row.id, AnswerInput("agree"), now=at(date(2025, 3, 10)))
    assert "agreement_signed_on" in err.value.errors
    opendata.answer(world["police"], row.id, AnswerInput("agree", reply="同意", agreement_signed_on=date(2025, 3, 10),
                                                          agreement_ends_on=date(2026, 3, 9)), now=at(date(2025, 3, 10)))
    tracked = open_queries.track(code, now=at(date(2025, 3, 10)))
    assert tracked.status == "agreed" and tracked.reply == "同意" and tracked.agreement_ends_on == date(2026, 3, 9)
    assert tracked.clock_status == "closed_on_time"
    assert {"open.submit", "open.ask_info", "open.supplement", "open.agree"} <= set(_actions())


def test_longyan_authorised_open_access_is_granted_by_the_bureau_after_the_unit_agrees(world):
    """Longyan §18: the unit agrees (its answer clock closes, no agreement recorded yet), then the data bureau grants
    the access with the data use agreement on a clock of its own (no number in the regulation: tracked by age);
    the inbox, reminders, tracking page and audit log follow both steps."""
    from services.deadlines import inbox
    from services.opendata import GrantInput
    from tests.services.sharing_fixtures import notifications_for

    use(world, "longyan")
    entry_id = open_entry(world)
    code = opendata.file_request(application(entry_id), now=at(DAY))
    row = _row(code)
    with pytest.raises(PermissionDenied):  # the bureau cannot grant before the unit agreed... nor for the unit
        opendata.grant(world["police"], row.id, GrantInput("grant"), now=at(DAY))
    with pytest.raises(ValidationError):
        opendata.grant(world["reviewer"], row.id, GrantInput("grant", agreement_signed_on=DAY,
                                                             agreement_ends_on=date(2026, 3, 2)), now=at(DAY))
    status = opendata.answer(world["police"], row.id, AnswerInput("agree", reply="同意，请数据局授权"),
                             now=at(date(2025, 3, 5)))
    assert status == "unit_agreed"
    row = _row(code)
    assert row.unit_agreed_by == world["police"].user_id and row.answered_at is None and row.agreement_signed_on is None
    clock = _clock(row.id)
    assert clock.step == "open_grant" and clock.responsible_unit_id == world.units["bureau"] and clock.due_on is None
    assert open_queries.track(code, now=at(date(2025, 3, 5))).status == "unit_agreed"
    cases = inbox.inbox(world["reviewer"], inbox.InboxFilters(case_kind="open_request"), now=at(date(2025, 3, 5))).rows
    assert code in set(cases["case_ref"])
    assert any(n.params and code in n.params for n in notifications_for(world["reviewer"]))
    view = open_queries.get_request(world["reviewer"], row.id)
    assert view.can_grant and view.personal_data_shown and view.answers == []
    assert not open_queries.get_request(world["police"], row.id).can_grant
    with pytest.raises(ValidationError) as err:
        opendata.grant(world["reviewer"], row.id, GrantInput("grant"), now=at(date(2025, 3, 7)))
    assert "agreement_signed_on" in err.value.errors
    with pytest.raises(PermissionDenied):
        opendata.grant(world["police"], row.id, GrantInput("refuse", reply="x"), now=at(date(2025, 3, 7)))
    opendata.grant(world["reviewer"], row.id, GrantInput("grant", reply="准予授权使用", agreement_signed_on=date(2025, 3, 7),
                                                         agreement_ends_on=date(2026, 3, 6)),
                   expected_version=view.version, now=at(date(2025, 3, 7)))
    tracked = open_queries.track(code, now=at(date(2025, 3, 7)))
    assert tracked.status == "agreed" and tracked.reply == "准予授权使用" and tracked.answered_on == date(2025, 3, 7)
    assert tracked.agreement_signed_on == date(2025, 3, 7) and _clock(row.id).closed_on == date(2025, 3, 7)
    assert any(n.params and code in n.params for n in notifications_for(world["police"]))
    assert {"open.unit_agree", "open.grant"} <= set(_actions())


def test_other_profiles_agree_to_an_application_in_one_step(world):
    use(world, "qingyuan")
    code = opendata.file_request(application(open_entry(world)), now=at(DAY))
    row = _row(code)
    with pytest.raises(ValidationError):  # a one-step agreement records the data use agreement itself
        opendata.answer(world["police"], row.id, AnswerInput("agree", reply="同意"), now=at(DAY))
    opendata.answer(world["police"], row.id, AnswerInput("agree", agreement_signed_on=DAY,
                                                          agreement_ends_on=date(2026, 3, 2)), now=at(DAY))
    assert _row(code).status == "agreed"


def test_a_demand_goes_to_the_bureau_which_assigns_it_without_restarting_the_clock(world):
    """Longyan §19: answered within 20 working days, counted from the submission whoever answers."""
    use(world, "longyan")
    code = opendata.file_request(demand(), now=at(date(2025, 9, 26)))
    row = _row(code)
    assert row.unit_id == world.units["bureau"]
    tracked = open_queries.track(code, now=at(date(2025, 9, 26)))
    assert tracked.due_on == date(2025, 10, 30)
    kinds = {d.day: d.kind for d in tracked.days}
    assert kinds[date(2025, 9, 27)] == "weekend" and kinds[date(2025, 9, 28)] == "worked_weekend"
    assert kinds[date(2025, 10, 1)] == "holiday" and sum(d.counted for d in tracked.days) == 20
    with pytest.raises(PermissionDenied):
        opendata.assign(world["police"], row.id, world.units["police"], now=at(date(2025, 9, 29)))
    opendata.assign(world["reviewer"], row.id, world.units["civil"], now=at(date(2025, 9, 29)))
    clock = _clock(row.id)
    assert clock.responsible_unit_id == world.units["civil"] and clock.started_on == date(2025, 9, 26)
    with pytest.raises(PermissionDenied):
        opendata.answer(world["police"], row.id, AnswerInput("refuse", reply="x"), now=at(date(2025, 10, 9)))
    with pytest.raises(ValidationError):
        opendata.answer(world["civil"], row.id, AnswerInput("refuse"), now=at(date(2025, 10, 9)))
    opendata.answer(world["civil"], row.id, AnswerInput("refuse", reply="涉及个人信息，无法脱敏"),
                    now=at(date(2025, 11, 3)))
    tracked = open_queries.track(code, now=at(date(2025, 11, 3)))
    assert tracked.status == "refused" and tracked.clock_status == "closed_late"


def test_personal_data_is_shown_to_the_processing_unit_only(world):
    code = opendata.file_request(demand(), now=at(DAY))
    request_id = _row(code).id
    mine = open_queries.get_request(world["reviewer"], request_id)
    assert mine.personal_data_shown and mine.applicant_name == "张三" and mine.applicant_id == PERSON_ID
    opendata.assign(world["reviewer"], request_id, world.units["police"], now=at(DAY))
    theirs = open_queries.get_request(world["reviewer"], request_id)
    assert not theirs.personal_data_shown and "张三" not in theirs.applicant_name and PERSON_ID not in theirs.applicant_id
    assert open_queries.get_request(world["police"], request_id).applicant_name == "张三"
    with pytest.raises(PermissionDenied):
        open_queries.get_request(world["civil"], request_id)
    rows, total = open_queries.list_requests(world["police"])
    assert total == 1 and rows["code"].tolist() == [code]
    assert open_queries.list_requests(world["civil"])[1] == 0
    assert open_queries.open_count(world["police"]) == 1


def test_transparency_shows_the_mean_only_with_enough_answers(world):
    use(world, "qingyuan")
    entry_id = open_entry(world)
    for _ in range(open_queries.TRANSPARENCY_MIN_REQUESTS):
        code = opendata.file_request(application(entry_id), now=at(DAY))
        opendata.answer(world["police"], _row(code).id, AnswerInput("refuse", reply="不符合条件"),
                        now=at(date(2025, 3, 5)))
    table = open_queries.transparency()
    police = table[table["unit"] == "示范市公安局"].iloc[0]
    assert police["received"] == 5 and police["answered_on_time"] == 5 and police["mean_workdays"] == 2.0


# --- what may be opened (catalog submission rules) ---------------------------------------------------------------
def test_data_obtained_by_sharing_cannot_enter_the_units_open_catalog(world):
    """Qingyuan ch.5: the unit holding another unit's data may not open it."""
    from services.catalog import rules as catalog_rules
    from tests.services.catalog_fixtures import entry_input

    data = entry_input(world, "civil", source_unit_id=world.units["police"], open_attribute="open",
                       restriction_basis=None)
    assert "open_attribute" in catalog_rules.submission_errors(data, {})
    data = entry_input(world, "civil", open_attribute="open", restriction_basis=None)
    assert "open_attribute" not in catalog_rules.submission_errors(data, {})


def test_sensitive_items_are_not_opened_unconditionally(world):
    """Longyan §17, Qingyuan ch.5: personal data only desensitised or with consent."""
    from services.catalog import DataItemInput
    from services.catalog import rules as catalog_rules
    from tests.services.catalog_fixtures import entry_input

    items = [DataItemInput("公民身份号码", "string", 18, is_sensitive=True), DataItemInput("姓名", "string", 50)]
    data = entry_input(world, open_attribute="open", restriction_basis=None, data_items=items)
    assert "open_attribute" in catalog_rules.submission_errors(data, {})
    data = entry_input(world, open_attribute="conditional", open_conditions="脱敏后提供", data_items=items)
    assert "open_attribute" not in catalog_rules.submission_errors(data, {})


def test_an_agreed_demand_shows_the_progress_of_its_entrys_opening(world):
    """Longyan §19: agree and add it to the catalog / open it; the tracking page follows the entry."""
    from models import CatalogEntry
    from services.core.db import write_session

    code = opendata.file_request(demand(), now=at(DAY))
    request_id = _row(code).id
    opendata.assign(world["reviewer"], request_id, world.units["police"], now=at(DAY))
    other = open_entry(world, "civil", open_attribute="not_open")
    with pytest.raises(ValidationError):
        opendata.answer(world["police"], request_id, AnswerInput("agree", reply="同意", entry_id=other), now=at(DAY))
    mine = open_entry(world, open_attribute="not_open", name="公交线路数据")
    opendata.answer(world["police"], request_id, AnswerInput("agree", reply="将于三季度开放", entry_id=mine),
                    now=at(DAY))
    tracked = open_queries.track(code)
    assert tracked.opening == "in_preparation" and tracked.subject == "公交线路及站点数据"
    with write_session() as session:
        session.get(CatalogEntry, mine).open_attribute = "open"
        session.commit()
    assert open_queries.track(code).opening == "opened"
