"""Policy profiles: the numbers and names of RULES.md §10, the active profile, overrides and their effects."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from models import AuditEvent, SlaClock
from services.core.db import write_session
from services.core.errors import PermissionDenied, ValidationError
from services.core.i18n import set_language
from services.deadlines import clocks, configuration, policy

NOW = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)

# RULES.md §10, row by row (None = the document sets no number: tracked by age).
EXPECTED_DAYS = {
    "longyan": {"catalog_update": None, "catalog_review": None, "share_answer": 5, "share_implement": None,
                "uncatalogued_confirm": None, "correction_verify": None, "open_demand_answer": 20,
                "open_application_answer": None},
    "shanghai": {"catalog_update": 2, "catalog_review": None, "share_answer": 10, "share_implement": None,
                 "correction_verify": None},
    "qingyuan": {"catalog_update": 15, "catalog_review": 5, "share_answer": 2, "share_implement": 3,
                 "uncatalogued_confirm": 5, "correction_verify": 5, "open_application_answer": 10},
    "yunyang": {"catalog_update": 10, "catalog_review": 5, "share_answer": None, "correction_verify": 10,
                "correction_extension": 10},
    "custom": {step: None for step in ("catalog_update", "share_answer", "correction_verify")},
}
EXPECTED_SHARE_NAMES = {
    "longyan": ("无条件共享", "有条件共享", "暂不共享"),
    "shanghai": ("普遍共享", "按需共享", "不共享"),
    "qingyuan": ("无条件共享", "有条件共享", "不予共享"),
    "yunyang": ("无条件共享", "有条件共享", "不予共享"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_DAYS))
def test_shipped_profiles_carry_the_numbers_of_the_regulations(name):
    profile = policy.get_profile(name)
    for step, days in EXPECTED_DAYS[name].items():
        assert profile.step_days(step) == days, (name, step)
    for step, rule in profile.steps.items():
        if rule.workdays is not None:
            assert rule.article, f"{name}.{step} must cite its article"


@pytest.mark.parametrize("name", sorted(EXPECTED_SHARE_NAMES))
def test_share_type_names_follow_each_regulation(name):
    profile = policy.get_profile(name)
    assert tuple(profile.share_type_name(c) for c in ("unconditional", "conditional", "not_shared")) \
        == EXPECTED_SHARE_NAMES[name]


def test_routing_flags_and_other_rules():
    longyan, qingyuan, yunyang = (policy.get_profile(n) for n in ("longyan", "qingyuan", "yunyang"))
    assert longyan.bureau_co_decides and longyan.county_approval and not longyan.cross_level_filing
    assert qingyuan.cross_level_filing and not qingyuan.bureau_co_decides
    assert yunyang.correction_extension_max == 10 and longyan.correction_extension_max == 0
    assert longyan.open_applicant_kinds == ("domestic_enterprise", "university", "research_institute")
    assert longyan.log_retention_days == 180 and policy.get_profile("shanghai").log_retention_days is None
    assert policy.get_profile("shanghai").annual_maintenance
    assert policy.get_profile("longyan").filing_share_types == ("conditional", "not_shared")
    assert policy.get_profile("qingyuan").filing_share_types == ("not_shared",)
    assert policy.get_profile("shanghai").answer_clock_starts == "written_application"
    assert longyan.answer_clock_starts == "submission"


def test_default_profile_is_active_on_a_new_database(db):
    assert policy.active_profile().name == policy.default_profile_name() == "longyan"


def test_labels_follow_the_active_profile_and_the_language(world):
    configuration.use_profile(world["secadmin"], "shanghai", now=NOW)
    assert policy.share_type_label("unconditional") == "普遍共享"
    assert policy.open_attribute_label("not_open") == "不予开放"
    set_language("en")
    try:
        assert policy.share_type_label("conditional") == "Conditional sharing"
        assert policy.active_profile().title.startswith("Shanghai")
    finally:
        set_language("zh_CN")


def test_parsing_accepts_profile_names_standard_names_and_codes(world):
    configuration.use_profile(world["secadmin"], "shanghai", now=NOW)
    assert policy.parse_share_type("按需共享") == "conditional"
    assert policy.parse_share_type(" 有条件共享 ") == "conditional"
    assert policy.parse_share_type("not_shared") == "not_shared"
    assert policy.parse_share_type("Unconditional sharing") == "unconditional"
    assert policy.parse_share_type("随便共享") is None
    assert policy.parse_share_type("") is None
    assert policy.parse_open_attribute("有条件开放") == "conditional"
    configuration.use_profile(world["secadmin"], "longyan", now=NOW)
    assert policy.parse_open_attribute("授权开放") == "conditional"
    assert policy.parse_open_attribute("普遍开放") == "open"


def _clock(world, step="share_answer") -> int:
    with write_session() as session:
        clock = clocks.start(session, case_kind="share_request", case_id=1, step=step,
                             unit_id=world.units["police"], region_id=None, now=NOW)
        session.commit()
        return clock.id  # type: ignore[return-value]


def test_changing_the_profile_moves_open_due_dates_and_audits_the_count(world):
    clock_id = _clock(world)  # Longyan 5 wd → 14 Oct 2025
    moved = configuration.use_profile(world["secadmin"], "qingyuan", now=NOW)
    assert moved == 1
    with write_session() as session:
        clock = session.get(SlaClock, clock_id)
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "policy.use")).one()
    assert (clock.workdays, clock.due_on) == (2, date(2025, 10, 10))
    assert json.loads(event.detail) == {"before": "longyan", "after": "qingyuan", "clocks_moved": 1}
    configuration.use_profile(world["secadmin"], "yunyang", now=NOW)
    with write_session() as session:
        clock = session.get(SlaClock, clock_id)
    assert clock.workdays is None and clock.due_on is None


def test_overriding_one_value_applies_everywhere_and_can_be_cleared(world):
    clock_id = _clock(world)
    moved = configuration.set_override(world["secadmin"], "steps.share_answer", 7, now=NOW)
    assert moved == 1 and policy.active_profile().step_days("share_answer") == 7
    with write_session() as session:
        assert session.get(SlaClock, clock_id).due_on == date(2025, 10, 16)
    configuration.set_override(world["secadmin"], "share_types.not_shared", "不共享", now=NOW)
    assert policy.share_type_label("not_shared") == "不共享"
    configuration.set_override(world["secadmin"], "rules.county_approval", False, now=NOW)
    assert not policy.active_profile().county_approval
    configuration.clear_override(world["secadmin"], "steps.share_answer", now=NOW)
    assert policy.active_profile().step_days("share_answer") == 5
    with write_session() as session:
        assert session.get(SlaClock, clock_id).due_on == date(2025, 10, 14)
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.action.like("policy.%"))).all()  # type: ignore[attr-defined]
    assert actions.count("policy.override") == 3 and "policy.override_clear" in actions


@pytest.mark.parametrize(("path", "value"), [
    ("steps.share_answer", 0), ("steps.share_answer", "five"), ("steps.share_answer", 999),
    ("rules.county_approval", "yes"), ("rules.log_retention_days", 30), ("steps.nonexistent", 3),
    ("share_types.conditional", ""),
])
def test_bad_overrides_are_refused_and_nothing_changes(world, path, value):
    with pytest.raises(ValidationError):
        configuration.set_override(world["secadmin"], path, value, now=NOW)
    assert policy.active_profile().overrides == {}


def test_an_unknown_profile_is_refused(world):
    with pytest.raises(ValidationError):
        configuration.use_profile(world["secadmin"], "atlantis", now=NOW)


def test_only_the_security_admin_changes_the_policy(world):
    for who in ("sysadmin", "reviewer", "leader"):
        with pytest.raises(PermissionDenied):
            configuration.use_profile(world[who], "shanghai", now=NOW)
    assert policy.active_profile().name == "longyan"


def test_the_profile_behaviour_document_matches_the_profile_files():
    """docs/policy-profiles.md is generated from data/policies/*.toml and may not drift from them."""
    from pathlib import Path

    from services.deadlines import profile_table

    doc = Path(__file__).resolve().parents[2] / "docs" / "policy-profiles.md"
    assert doc.read_text(encoding="utf-8") == profile_table.profiles_markdown(), (
        "regenerate: python -m services.deadlines.profile_table > docs/policy-profiles.md")
