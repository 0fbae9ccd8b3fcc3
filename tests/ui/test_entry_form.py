"""The catalog entry form (issue 13, defect 9): a refused save shows every problem at once, each under its field,
and each tab says how many problems it holds; nothing is saved; the header follows what was saved."""

from __future__ import annotations

from sqlmodel import func, select

from models import CatalogEntry
from services.core.db import read_session
from tests.ui.test_screens import button, sign_in


def _new_entry_form(username: str = "steward_gaj"):
    at = sign_in(username)
    at.session_state["catalog_entry_id"] = None
    at.switch_page("pages/catalog/entry.py").run()
    assert not at.exception, at.exception
    return at


def _entries() -> int:
    with read_session() as s:
        return s.exec(select(func.count()).select_from(CatalogEntry)).one()


def test_a_refused_submission_shows_every_problem_under_its_field_and_marks_the_tabs(app_db):
    at = _new_entry_form()
    before = _entries()
    [name] = [t for t in at.text_input if t.label == "资源名称"]
    name.input("")
    button(at, "保存并提交审核").click().run()
    assert not at.exception, at.exception
    assert _entries() == before, "a refused submission saves nothing"
    tabs = [t.label for t in at.tabs]
    assert any(t.startswith("基本信息（") and "处待改" in t for t in tabs), tabs
    assert any(t.startswith("共享与开放（") for t in tabs) or any("共享" in t and "处待改" in t for t in tabs), tabs
    assert any(t.startswith("信息项（") for t in tabs), tabs
    errors = [str(e.value) for e in at.error]
    named = [e for e in errors if e.startswith(("资源名称：", "资源摘要：", "信息项：", "共享类型："))]
    assert len(named) >= 4, errors
    # each message follows its own widget
    elements = [e for e in _flat(at.main)]
    [index] = [i for i, e in enumerate(elements) if getattr(e, "label", None) == "资源名称"]
    assert str(elements[index + 1].value).startswith("资源名称："), elements[index + 1]


def test_the_header_follows_the_saved_entry(app_db):
    at = _new_entry_form()
    [name] = [t for t in at.text_input if t.label == "资源名称"]
    name.input("流动人口登记信息")
    button(at, "保存草稿").click().run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["流动人口登记信息"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["状态"] == "草稿" and metrics["已发布版本"] == "—", metrics
    first = metrics["完整度"]
    [summary] = [t for t in at.text_area if t.label == "资源摘要"]
    summary.input("全市流动人口登记的基本信息")
    button(at, "保存草稿").click().run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["完整度"] != first


def _flat(node) -> list:
    children = getattr(node, "children", None)
    if children is None:
        return [node]
    out = []
    for key in sorted(children):
        out.extend(_flat(children[key]))
    return out
