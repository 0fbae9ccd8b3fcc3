"""Corrections: filing by a unit and by the public, the verification clock per profile, questions pausing it,
the Yunyang extension (once, approved by the head, capped by the profile), answers telling the reporter, the
public tracking view leaking nothing personal, and personal data encrypted in the database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import select

from models import AuditEvent, CatalogEntry
from models.correction import Correction
from services import corrections
from services.core.db import read_session
from services.core.errors import PermissionDenied, ValidationError
from services.corrections import queries
from services.corrections.evidence import Upload
from tests.services.sharing_fixtures import at, clocks_of, entry, notifications_for, open_clock, use

DAY = date(2025, 9, 24)  # Wednesday; 1–8 Oct off, Sun 28 Sep worked
ID = "11010519491231002X"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def filed(w, now=DAY) -> int:
    entry_id = entry(w, "police", share_type="unconditional")
    return corrections.file_correction(w["civil"], corrections.CorrectionInput(entry_id, "住址字段与实际不符", ["住址"]),
                                       [Upload("证明.png", PNG)], now=at(now))


def public(w, entry_id: int, **overrides) -> tuple[str, str]:
    values = dict(entry_id=entry_id, description="本人户籍地址登记错误", name="张三", contact="13800138000",
                  resident_id=ID)
    values.update(overrides)
    return corrections.file_public_correction(corrections.PublicCorrectionInput(**values), now=at(DAY))


def test_qingyuan_gives_five_working_days_and_the_entry_shows_the_open_correction(world):
    use(world, "qingyuan")
    cid = filed(world)
    clock = open_clock(cid, "correction")
    assert clock.due_on == date(2025, 9, 30)  # Thu 25, Fri 26, Sun 28 (worked), Mon 29, Tue 30
    view = queries.get_correction(world["police"], cid, today=DAY)
    assert view.actions == ["answer", "ask"] and view.evidence
    assert queries.open_on_entry(world["civil"], view.entry_id) == 1
    assert notifications_for(world["police"])


def test_the_answer_closes_the_clock_tells_the_unit_and_clears_the_entry_notice(world):
    use(world, "qingyuan")
    cid = filed(world)
    with pytest.raises(ValidationError) as err:
        corrections.answer(world["police"], cid, corrections.AnswerInput("corrected", "已更正", ""), now=at(DAY))
    assert "change_note" in err.value.errors
    with pytest.raises(PermissionDenied):
        corrections.answer(world["civil"], cid, corrections.AnswerInput("confirmed", "数据无误"), now=at(DAY))
    corrections.answer(world["police"], cid, corrections.AnswerInput("corrected", "已更正住址", "住址字段改为实际地址"),
                       now=at(date(2025, 9, 26)))
    assert clocks_of(cid, "correction")[0].closed_on == date(2025, 9, 26)
    view = queries.get_correction(world["civil"], cid)
    assert view.status == "corrected" and view.actions == []
    assert queries.open_on_entry(world["civil"], view.entry_id) == 0
    assert any("JC" in str(n.params) for n in notifications_for(world["civil"]))


def test_a_question_pauses_the_clock_and_the_days_paused_move_the_due_date(world):
    use(world, "qingyuan")
    cid = filed(world)
    due = open_clock(cid, "correction").due_on
    corrections.ask_reporter(world["police"], cid, "请提供户籍证明", now=at(DAY))
    assert queries.get_correction(world["police"], cid).actions == ["resume"]
    corrections.resume_verification(world["police"], cid, "已收到", now=at(date(2025, 9, 26)))
    clock = open_clock(cid, "correction")
    assert clock.paused_workdays == 2 and clock.due_on > due


def test_yunyang_extension_is_once_capped_and_names_the_approver(world):
    use(world, "yunyang")
    cid = filed(world)
    # Thu 25, Fri 26, Sun 28, Mon 29, Tue 30, (1–8 Oct off) Thu 9, Fri 10, Sat 11 (worked), Mon 13, Tue 14
    assert open_clock(cid, "correction").due_on == date(2025, 10, 14)
    with pytest.raises(ValidationError) as err:
        corrections.extend(world["police"], cid, 11, approver="王局长", approved_on=DAY, reason="需外调核实",
                           now=at(DAY))
    assert "workdays" in err.value.errors
    with pytest.raises(ValidationError):
        corrections.extend(world["police"], cid, 5, approver="", approved_on=DAY, reason="x", now=at(DAY))
    due = corrections.extend(world["police"], cid, 10, approver="王局长", approved_on=DAY, reason="需外调核实",
                             now=at(DAY))
    assert due == date(2025, 10, 28)  # ten more: 15, 16, 17, 20–24, 27, 28 Oct
    with pytest.raises(ValidationError):
        corrections.extend(world["police"], cid, 1, approver="王局长", approved_on=DAY, reason="再延", now=at(DAY))
    view = queries.get_correction(world["police"], cid)
    assert (view.extension_days, view.extension_approver, view.extension_approved_on) == (10, "王局长", DAY)


def test_profiles_without_extension_refuse_it(world):
    use(world, "qingyuan")
    cid = filed(world)
    with pytest.raises(ValidationError):
        corrections.extend(world["police"], cid, 1, approver="王局长", approved_on=DAY, reason="x", now=at(DAY))


def test_the_source_unit_cannot_report_on_its_own_data(world):
    entry_id = entry(world, "police", share_type="unconditional")
    with pytest.raises(ValidationError):
        corrections.file_correction(world["police"], corrections.CorrectionInput(entry_id, "x"), now=at(DAY))


def test_public_filing_checks_the_resident_id_and_contact(world):
    entry_id = entry(world, "police", share_type="unconditional")
    with pytest.raises(ValidationError) as err:
        public(world, entry_id, resident_id="110105194912310021", contact="abc")
    assert set(err.value.errors) >= {"resident_id", "contact"}


def test_tracking_shows_status_dates_and_reply_only(world):
    use(world, "qingyuan")
    entry_id = entry(world, "police", share_type="unconditional")
    code, tracking = public(world, entry_id)
    status = queries.track(tracking.lower().replace("-", ""))  # typed without dashes, in lower case
    assert status is not None and status.code == code and status.due_on == date(2025, 9, 30)
    assert queries.track("AAAA-AAAA-AAAA-AAAA") is None
    with read_session() as session:
        cid = session.exec(select(Correction.id).where(Correction.code == code)).one()
    corrections.answer(world["police"], cid, corrections.AnswerInput("corrected", "已更正", "地址已改"), now=at(DAY))
    status = queries.track(tracking)
    shown = repr(status)
    assert status.reply == "已更正" and status.answered_on == DAY
    for secret in ("张三", "13800138000", ID, "户籍地址登记错误", "地址已改"):
        assert secret not in shown


def test_personal_data_is_encrypted_at_rest_and_shown_masked_to_the_source_unit(world):
    entry_id = entry(world, "police", share_type="unconditional")
    code, _tracking = public(world, entry_id)
    with read_session() as session:
        raw = session.execute(text("SELECT reporter_name_enc, reporter_contact_enc, reporter_id_enc, tracking_hash "
                                   "FROM correction")).all()
        events = " ".join(str(e.detail) for e in session.exec(select(AuditEvent)).all())
        cid = session.exec(select(Correction.id).where(Correction.code == code)).one()
    dump = repr(raw)
    for secret in ("张三", "13800138000", ID, "1101"):
        assert secret not in dump and secret not in events
    source = queries.get_correction(world["police"], cid)
    assert (source.reporter_name, source.reporter_contact) == ("张三", "13800138000")
    assert source.reporter_id_masked == "110105********002X"
    bureau = queries.get_correction(world["reviewer"], cid)
    assert bureau.reporter_name is None and bureau.reporter_id_masked is None


def test_every_business_action_is_audited(world):
    use(world, "yunyang")
    cid = filed(world)
    corrections.ask_reporter(world["police"], cid, "?", now=at(DAY))
    corrections.resume_verification(world["police"], cid, now=at(DAY))
    corrections.extend(world["police"], cid, 3, approver="王局长", approved_on=DAY, reason="r", now=at(DAY))
    corrections.answer(world["police"], cid, corrections.AnswerInput("confirmed", "数据无误"), now=at(DAY))
    with read_session() as session:
        actions = {e.action for e in session.exec(select(AuditEvent)).all()}
        assert session.exec(select(CatalogEntry.open_corrections)).all() == [0]
    assert {"correction.file", "correction.ask", "correction.resume", "correction.extend",
            "correction.answer"} <= actions


def test_the_entry_notice_counts_every_open_correction_and_lists_those_the_viewer_may_open(world):
    use(world, "qingyuan")
    cid = filed(world)  # by the civil affairs bureau on a police entry
    entry_id = queries.get_correction(world["police"], cid).entry_id
    code, _tracking = public(world, entry_id)
    source = queries.entry_notice(world["police"], entry_id)
    assert source.open_count == 2 and len(source.visible) == 2  # the source unit sees both
    assert list(source.visible["due_on"]) == [date(2025, 9, 30)] * 2
    reporter = queries.entry_notice(world["civil"], entry_id)
    assert reporter.open_count == 2 and list(reporter.visible["id"]) == [cid]  # its own only
    other = queries.entry_notice(world["county_police"], entry_id)
    assert other.open_count == 2 and other.visible.empty
    assert len(queries.entry_notice(world["reviewer"], entry_id).visible) == 2
    corrections.answer(world["police"], cid, corrections.AnswerInput("confirmed", "数据无误"), now=at(DAY))
    after = queries.entry_notice(world["police"], entry_id)
    assert after.open_count == 1 and list(after.visible["code"]) == [code]
