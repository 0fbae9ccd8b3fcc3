"""Informatization projects: the registry's stages, the approval gate (pre-compiled catalog; nothing collected that
can be obtained by sharing, where the profile asks it) and the acceptance gate (every linked entry published,
aggregated and fresh), each reason of refusal with hand-built projects, the no-operating-funds mark and the KPIs."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from models import AuditEvent, SlaClock
from models.clock import CaseKind
from models.project import Project
from services import aggregation, catalog, kpi, projects
from services.aggregation.rules import RegistrationInput
from services.catalog import DataItemInput
from services.core.db import read_session
from services.core.errors import PermissionDenied, ValidationError
from services.kpi.period import Period
from services.projects import rules
from tests.services.catalog_fixtures import entry_input, published_entry
from tests.services.sharing_fixtures import at, use

DAY = date(2025, 6, 3)


def draft(world, unit="police", *, items=None, **overrides) -> int:
    default = [DataItemInput("案件编号", "string", 30, is_source=True)]
    data = entry_input(world, unit, data_items=default if items is None else items,
                       **overrides)
    return catalog.create_entry(world[unit], data)


def project(world, unit="police", name="智慧警务平台") -> int:
    return projects.register_project(world[unit], projects.ProjectInput(name, 320.5, "建设内容"), now=at(DAY))


def version(project_id: int) -> int:
    with read_session() as session:
        return session.get(Project, project_id).version


def row(project_id: int) -> Project:
    with read_session() as session:
        return session.get(Project, project_id)


def submitted(world, *entries: int) -> int:
    pid = project(world)
    for entry_id in entries:
        projects.link_entry(world["police"], pid, entry_id, "creates", now=at(DAY))
    projects.submit_project(world["police"], pid, now=at(DAY))
    return pid


def codes(result) -> list[str]:
    return [r.code for r in result.reasons]


def test_approval_without_a_precompiled_catalog_is_refused_and_returned(world):
    pid = submitted(world)
    result = projects.approve_project(world["reviewer"], pid, now=at(DAY))
    assert not result.passed and codes(result) == [rules.NO_CATALOG]
    stored = row(pid)
    assert stored.stage == "proposal" and "pre-compiled" in stored.return_reason or "目录" in stored.return_reason


def test_approval_with_the_draft_catalog_passes(world):
    pid = submitted(world, draft(world))
    result = projects.approve_project(world["reviewer"], pid, now=at(DAY))
    assert result.passed and row(pid).stage == "approved"
    with read_session() as session:
        clock = session.exec(select(SlaClock).where(SlaClock.case_kind == CaseKind.PROJECT,
                                                    SlaClock.case_id == pid)).one()
        assert clock.closed_at is not None and clock.responsible_unit_id == world.units["bureau"]


def test_entry_without_items_is_named(world):
    entry_id = draft(world, items=[])
    result = projects.approve_project(world["reviewer"], submitted(world, entry_id), now=at(DAY))
    assert codes(result) == [rules.NO_ITEMS] and result.reasons[0].entry_id == entry_id


def test_collecting_base_library_data_is_refused_where_the_profile_asks(world):
    use(world, "yunyang")
    published_entry(world, "civil", name="人口基础信息", classification="base", base_library="population",
                    data_items=[DataItemInput("公民身份号码", "string", 18, is_source=True)])
    own = draft(world, items=[DataItemInput("公民身份号码", "string", 18, is_source=True),
                              DataItemInput("案件编号", "string", 30, is_source=True)])
    result = projects.approve_project(world["reviewer"], submitted(world, own), now=at(DAY))
    assert codes(result) == [rules.OBTAINABLE]
    assert result.reasons[0].entry_id == own and "公民身份号码" in result.reasons[0].text()
    assert "示范市民政局" in result.reasons[0].text()


def test_one_source_claim_is_refused_and_an_item_obtained_by_sharing_is_not(world):
    use(world, "yunyang")
    published_entry(world, "civil", name="婚姻登记信息", data_items=[DataItemInput("婚姻状况", "string", 8, is_source=True)])
    claim = draft(world, items=[DataItemInput("婚姻状况", "string", 8, is_source=True)])
    assert codes(projects.approve_project(world["reviewer"], submitted(world, claim), now=at(DAY))) == [rules.ONE_SOURCE]
    shared = draft(world, items=[DataItemInput("婚姻状况", "string", 8, is_source=False)])
    assert projects.approve_project(world["reviewer"], submitted(world, shared), now=at(DAY)).passed


def test_the_sharing_check_is_off_where_the_profile_does_not_ask(world):
    use(world, "longyan")
    published_entry(world, "civil", name="人口基础信息", classification="base", base_library="population",
                    data_items=[DataItemInput("公民身份号码", "string", 18, is_source=True)])
    own = draft(world, items=[DataItemInput("公民身份号码", "string", 18, is_source=True)])
    assert projects.approve_project(world["reviewer"], submitted(world, own), now=at(DAY)).passed


def _built(world, *entries: int) -> int:
    pid = submitted(world, *entries)
    assert projects.approve_project(world["reviewer"], pid, now=at(DAY)).passed
    projects.start_construction(world["police"], pid, now=at(DAY))
    projects.request_acceptance(world["police"], pid, now=at(DAY))
    return pid


def test_acceptance_lists_every_failing_entry_and_why_and_withholds_funds(world):
    unpublished = draft(world)
    unmounted = published_entry(world, "police", name="警情信息")
    stale = published_entry(world, "police", name="出入境信息", update_frequency="daily")
    aggregation.register(world["police"], RegistrationInput(stale, "database_push", "前置机", 10), now=at(DAY))
    good = published_entry(world, "police", name="交通违法信息", update_frequency="irregular")
    aggregation.register(world["police"], RegistrationInput(good, "database_push", "前置机", 10), now=at(DAY))
    pid = _built(world, unpublished, unmounted, stale, good)
    result = projects.accept_project(world["reviewer"], pid, now=at(date(2025, 6, 20)))
    assert not result.passed
    assert {(r.entry_id, r.code) for r in result.reasons} == {
        (unpublished, rules.NOT_PUBLISHED), (unmounted, rules.NOT_MOUNTED), (stale, rules.STALE)}
    stored = row(pid)
    assert stored.stage == "construction" and stored.no_operating_funds and stored.failed_acceptances == 1
    assert "交通违法信息" not in stored.return_reason


def test_acceptance_passes_once_everything_is_fixed_and_funds_return(world):
    entry_id = published_entry(world, "police", name="交通违法信息", update_frequency="irregular")
    pid = _built(world, entry_id)
    assert not projects.accept_project(world["reviewer"], pid, now=at(DAY)).passed
    aggregation.register(world["police"], RegistrationInput(entry_id, "database_push", "前置机", 10), now=at(DAY))
    projects.request_acceptance(world["police"], pid, now=at(DAY))
    assert projects.accept_project(world["reviewer"], pid, now=at(DAY)).passed
    stored = row(pid)
    assert stored.stage == "operation" and not stored.no_operating_funds and stored.failed_acceptances == 1


def test_project_kpis_count_the_gate_decisions(world):
    first_ok = published_entry(world, "police", name="交通违法信息", update_frequency="irregular")
    aggregation.register(world["police"], RegistrationInput(first_ok, "database_push", "前置机", 10), now=at(DAY))
    ok = _built(world, first_ok)
    assert projects.accept_project(world["reviewer"], ok, now=at(DAY)).passed
    bad = _built(world, draft(world))
    assert not projects.accept_project(world["reviewer"], bad, now=at(DAY)).passed
    values = {r.key: r.value for r in kpi.compute(world["leader"], Period.between(date(2025, 6, 1), date(2025, 6, 30)),
                                                   family_keys=["projects"], now=at(date(2025, 7, 1)))}
    assert values["projects.approved"] == 2
    assert values["projects.acceptance_failed"] == 1
    assert values["projects.first_time_acceptance"] == 50.0
    assert values["projects.no_operating_funds"] == 1
    per_unit = kpi.by_unit(world["leader"], Period.between(date(2025, 6, 1), date(2025, 6, 30)), "projects",
                           now=at(date(2025, 7, 1)))
    assert per_unit.set_index("unit_id").loc[world.units["police"], "projects.acceptance_failed"] == 1


def test_who_may_act(world):
    pid = project(world)
    with pytest.raises(PermissionDenied):
        projects.register_project(world["reviewer"], projects.ProjectInput("x"), now=at(DAY))
    with pytest.raises(PermissionDenied):
        projects.submit_project(world["civil"], pid, now=at(DAY))
    projects.submit_project(world["police"], pid, now=at(DAY))
    with pytest.raises(PermissionDenied):
        projects.approve_project(world["police"], pid, now=at(DAY))
    with pytest.raises(ValidationError):
        projects.accept_project(world["reviewer"], pid, now=at(DAY))  # not waiting for acceptance
    assert projects.list_projects(world["civil"]).empty
    assert len(projects.list_projects(world["police"])) == 1


def test_links_follow_the_rules_and_every_change_is_audited(world):
    pid = project(world)
    with pytest.raises(ValidationError):
        projects.link_entry(world["police"], pid, draft(world, "civil"), "creates", now=at(DAY))
    with pytest.raises(ValidationError):
        projects.link_entry(world["police"], pid, draft(world, "civil"), "uses", now=at(DAY))
    projects.link_entry(world["police"], pid, published_entry(world, "civil", name="婚姻登记信息"), "uses", now=at(DAY))
    projects.update_project(world["police"], pid, projects.ProjectInput("新名称", 10), expected_version=version(pid),
                            now=at(DAY))
    with pytest.raises(ValidationError) as err:
        projects.update_project(world["police"], pid, projects.ProjectInput("", -1), now=at(DAY))
    assert set(err.value.errors) == {"name", "budget"}
    with read_session() as session:
        actions = set(session.exec(select(AuditEvent.action).where(AuditEvent.object_type == "project")).all())
    assert {"project.register", "project.link_entry", "project.update"} <= actions


def test_preview_says_what_the_gate_would_say_without_recording(world):
    pid = project(world)
    preview = projects.preview_gate(world["police"], pid, "approval")
    assert not preview.passed and codes(preview) == [rules.NO_CATALOG]
    assert projects.get_project(world["police"], pid).checks == []


def test_over_long_project_texts_are_refused_with_their_length_and_nothing_is_saved(world):
    """The project forms have no max_chars (a longer paste would vanish): the services refuse the text."""
    with read_session() as session:
        before = len(session.exec(select(Project)).all())
    with pytest.raises(ValidationError) as refused:
        projects.register_project(world["police"], projects.ProjectInput("名" * 121, 1.0, "建" * 1001), now=at(DAY))
    assert refused.value.errors == {"name": "最多 120 个字符，当前内容有 121 个字符。",
                                    "description": "最多 1000 个字符，当前内容有 1001 个字符。"}
    with read_session() as session:
        assert len(session.exec(select(Project)).all()) == before
    pid = submitted(world, draft(world))
    with pytest.raises(ValidationError) as refused:
        projects.return_project(world["reviewer"], pid, "因" * 2001, now=at(DAY))
    assert refused.value.errors == {"reason": "最多 2000 个字符，当前内容有 2001 个字符。"}
    assert row(pid).stage == "review" and row(pid).return_reason is None
