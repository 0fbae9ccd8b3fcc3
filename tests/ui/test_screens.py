"""The screens as users meet them (issue 13): review-queue selection, drill-down to a case, validation next to
the field, one escaping rule, no internal names on Chinese screens."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from services.core.db import read_session
from services.seed.orgs import DEMO_PASSWORD
from tests.ui.conftest import APP

TIMEOUT = 90


def sign_in(username: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    fields = {t.label: t for t in at.text_input}
    fields["用户名"].input(username)
    fields["密码"].input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r} in {[b.label for b in at.button]}"
    return found[0]


def select_row(at: AppTest, key: str, row: int) -> AppTest:
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()


def page_text(at: AppTest) -> str:
    parts = [*at.title, *at.subheader, *at.markdown, *at.caption, *at.info, *at.error, *at.success, *at.warning]
    return " ".join(str(p.value) for p in parts)


def _review(at: AppTest) -> AppTest:
    at.switch_page("pages/catalog/review.py").run()
    assert not at.exception, at.exception
    return at


def _queue_table_key(at: AppTest) -> str:
    keys = [d.key for d in at.dataframe if d.key and d.key.startswith("review_table")]
    assert keys, [d.key for d in at.dataframe]
    return keys[0]


def test_approving_the_last_row_of_the_queue_publishes_it_and_clears_the_selection(app_db):
    at = _review(sign_in("reviewer"))
    queue = at.dataframe[0].value
    assert len(queue) >= 2
    last = len(queue) - 1
    at = select_row(at, _queue_table_key(at), last)
    assert not at.exception, at.exception
    button(at, "审核通过并发布").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["已审核通过。"]
    assert len(at.dataframe[0].value) == len(queue) - 1
    assert not [b for b in at.button if b.label == "审核通过并发布"], "the panel must be empty after a decision"


def test_returning_an_entry_leaves_no_other_submission_in_the_panel(app_db):
    at = _review(sign_in("reviewer"))
    queue = at.dataframe[0].value
    at = select_row(at, _queue_table_key(at), 0)
    shown = at.subheader[0].value
    [reason] = [t for t in at.text_area if t.label == "退回理由"]
    reason.input("缺少更新周期").run()
    button(at, "退回修改").click().run()
    assert not at.exception, at.exception
    assert len(at.dataframe[0].value) == len(queue) - 1
    assert not at.subheader or at.subheader[0].value != shown
    assert not [b for b in at.button if b.label in ("审核通过并发布", "退回修改")]


def test_leader_and_assessor_see_every_units_catalog_quality(app_db):
    for username in ("leader", "assessor"):
        at = sign_in(username)
        at.switch_page("pages/catalog/quality.py").run()
        assert not at.exception, at.exception
        rollup, responsibility = at.dataframe[0].value, at.dataframe[1].value
        assert len(rollup) >= 10, username
        assert len(responsibility) >= 10, username


def test_a_case_in_the_overdue_list_opens_the_case_not_the_unit(app_db):
    at = sign_in("leader")
    at.query_params["mode"] = "open"
    at.switch_page("pages/supervision/overdue_cases.py").run()
    assert not at.exception, at.exception
    [table] = [d for d in at.dataframe if d.key == "cases_table"]
    frame = table.value
    kind_title = "共享申请"
    assert kind_title in set(frame["case_kind"]), set(frame["case_kind"])
    row = int(frame.index[frame["case_kind"] == kind_title][0])
    reference = frame.iloc[row]["reference"]
    at = select_row(at, "cases_table", row)
    assert not at.exception, at.exception
    assert at.title[0].value == "共享申请", [t.value for t in at.title]
    assert reference in page_text(at)


def test_a_request_in_the_unit_profile_opens_the_request(app_db):
    at = sign_in("reviewer")
    at.switch_page("pages/supervision/unit_profile.py").run()
    with read_session() as s:
        from sqlmodel import func, select

        from models import ShareRequest
        provider = s.exec(select(ShareRequest.provider_unit_id, func.count()).group_by(ShareRequest.provider_unit_id)
                          .order_by(func.count().desc())).first()[0]
    at.query_params["unit"] = str(provider)
    at.switch_page("pages/supervision/unit_profile.py").run()
    assert not at.exception, at.exception
    [table] = [d for d in at.dataframe if d.key == "unit_requests"]
    assert len(table.value) >= 1
    code = table.value.iloc[0]["code"]
    at = select_row(at, "unit_requests", 0)
    assert not at.exception, at.exception
    assert at.title[0].value == "共享申请"
    assert code in page_text(at)


def flat(node) -> list:
    """The elements of a block in the order the user sees them (depth first)."""
    children = getattr(node, "children", None)
    if children is None:
        return [node]
    out = []
    for key in sorted(children):
        out.extend(flat(children[key]))
    return out


def test_validation_messages_name_the_field_as_labelled_and_sit_under_it(app_db):
    at = sign_in("steward_gaj")
    at.switch_page("pages/sharing/apply.py").run()
    assert not at.exception, at.exception
    [send] = [b for b in at.button if b.label == "提交需求"]
    send.click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert errors, "an empty request must be refused"
    internal = ("title", "purpose", "legal_basis", "provider_unit_id", "wanted_items", "scenario", "end_date")
    assert not [e for e in errors if e.split("：")[0] in internal], errors
    elements = flat(at.main)
    for label in ("数据名称", "使用用途"):
        [index] = [i for i, e in enumerate(elements) if getattr(e, "label", None) == label]
        following = elements[index + 1]
        assert following.type == "alert" or getattr(following, "value", "").startswith(label), following
        assert str(following.value).startswith(f"{label}："), following.value


def test_a_providers_answer_on_a_co_decided_request_says_the_bureau_is_awaited(app_db):
    from sqlmodel import select

    from models import ShareDecision, ShareRequest, User
    from services import sharing
    from services.core.actor_store import load_actor

    with read_session() as s:
        user = s.exec(select(User).where(User.username == "steward_gaj")).one()
        steward = load_actor(s, user)
        decided = select(ShareDecision.request_id)
        req = s.exec(select(ShareRequest).where(ShareRequest.status == "submitted", ShareRequest.route == "bureau_co",
                                                ShareRequest.provider_unit_id == user.unit_id,
                                                ShareRequest.id.not_in(decided))).first()  # type: ignore[union-attr]
        if req is None:  # the demo story has none waiting today: file one as another unit would
            from datetime import timedelta

            from models import CatalogEntry, DataItem
            from services.core.timeutil import local_date

            requester = load_actor(s, s.exec(select(User).where(User.username == "steward_mzj")).one())
            entry = s.exec(select(CatalogEntry).where(CatalogEntry.provider_unit_id == user.unit_id,
                                                      CatalogEntry.share_type == "conditional",
                                                      CatalogEntry.is_published.is_(True))).first()  # type: ignore[attr-defined]
            items = list(s.exec(select(DataItem.id).where(DataItem.entry_id == entry.id)).all())[:2]
            request_id = sharing.apply(requester, sharing.ApplicationInput(
                entry_id=entry.id, items=items, scenario="低保审核", purpose="核对申请人信息",
                legal_basis="《社会救助暂行办法》第十一条", share_method=entry.share_method or "interface",
                end_date=local_date() + timedelta(days=200)))
    if req is None:
        with read_session() as s:
            req = s.get(ShareRequest, request_id)
    assert req is not None and req.route == "bureau_co", "a co-decided request waits for this provider"
    sharing.decide(steward, req.id, sharing.DecisionInput("approve"))
    at = sign_in("steward_gaj")
    at.session_state["share_request_id"] = req.id
    at.switch_page("pages/sharing/request.py").run()
    assert not at.exception, at.exception
    assert "提供单位已答复，等待主管部门答复" in page_text(at)
    labels = [b.label for b in at.button]
    assert "同意" not in labels and "不予共享" not in labels, labels


def test_an_entry_name_with_markdown_is_shown_as_typed_on_its_button(app_db):
    from sqlmodel import select

    from models import User
    from services import catalog
    from services.core.actor_store import load_actor

    with read_session() as s:
        steward = load_actor(s, s.exec(select(User).where(User.username == "steward_gaj")).one())
    name = "**粗体** [链接](http://x)"
    with read_session() as s:
        code = catalog.suggest_resource_code(s, steward.unit_id)
    catalog.create_entry(steward, catalog.EntryInput(resource_code=code, name=name, provider_unit_id=steward.unit_id))
    at = sign_in("steward_gaj")
    at.switch_page("pages/catalog/mine.py").run()
    [search] = [t for t in at.text_input if t.key == "mine_text"]
    search.input("粗体").run()
    at = select_row(at, "mine_table", 0)
    assert not at.exception, at.exception
    # (the sidebar's reminders have "打开" buttons of their own: the demo notifies this unit of its assessment)
    [opener] = [b for b in at.button if b.label.startswith("打开") and "粗体" in b.label]
    assert "\\*\\*粗体\\*\\*" in opener.label and "\\[链接\\]" in opener.label and "http\\:" in opener.label


def test_the_deadline_tab_converts_for_the_browser_without_errors(app_db):
    """Defect 12: a column mixing dates with 'no statutory deadline' made Streamlit log an ArrowTypeError on every
    render of a request's deadline tab; every column is now one type and converts to Arrow."""
    from datetime import date

    import pyarrow as pa

    from services.sharing.queries import ClockView
    from ui.sharing.widgets import deadline_rows

    class _View:
        clocks = [ClockView("share_answer", date(2025, 3, 3), None, None, None, "示范市公安局"),
                  ClockView("share_implement", date(2025, 3, 4), date(2025, 3, 7), date(2025, 3, 6), "done", None)]

    frame = deadline_rows(_View(), date(2025, 3, 10))
    pa.Table.from_pandas(frame)  # raises ArrowTypeError / ArrowInvalid on a mixed column
    assert len(frame) == 2
