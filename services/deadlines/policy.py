"""Policy profiles: each jurisdiction's deadlines, category names and routing rules (RULES.md §10).

Profiles ship as data files (data/policies/<name>.toml) citing the article each value comes from. One profile is
active per deployment (policy_setting 'active_profile'); the security administrator may override single values
('override.<path>' keys). Both changes are audited and move the due dates of open clocks."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from models import PolicySetting
from models.catalog import OpenAttribute, ShareType
from models.clock import ClockStep
from services.core.actor import Actor
from services.core.cache import VersionedCache
from services.core.errors import NotFound, ValidationError
from services.core.i18n import N_, current_language
from services.core.i18n import gettext as _
from services.core.settings import DATA_DIR
from services.core.timeutil import now_utc
from services.core.uow import read_scope

POLICY_DIR = DATA_DIR / "policies"
ACTIVE_KEY = "active_profile"
OVERRIDE_PREFIX = "override."
# Appeal window on a provisional assessment scorecard when neither the profile nor an override names one
# (steps.assessment_review; RULES §8 sets no number).
DEFAULT_APPEAL_WORKDAYS = 5
RECHECK_SECONDS = 2.0  # how long a process trusts its cached profile before re-reading policy_setting

# Standard names (national catalog guideline): English msgids, translated to the standard Chinese names.
STANDARD_SHARE_TYPES = {
    ShareType.UNCONDITIONAL: N_("Unconditional sharing"),
    ShareType.CONDITIONAL: N_("Conditional sharing"),
    ShareType.NOT_SHARED: N_("Not shared"),
}
STANDARD_OPEN_ATTRIBUTES = {
    OpenAttribute.OPEN: N_("Unconditional opening"),
    OpenAttribute.CONDITIONAL: N_("Conditional opening"),
    OpenAttribute.NOT_OPEN: N_("Not opened"),
}
STANDARD_SHARE_TYPES_ZH = {ShareType.UNCONDITIONAL: "无条件共享", ShareType.CONDITIONAL: "有条件共享",
                           ShareType.NOT_SHARED: "不予共享"}
STANDARD_OPEN_ATTRIBUTES_ZH = {OpenAttribute.OPEN: "无条件开放", OpenAttribute.CONDITIONAL: "有条件开放",
                               OpenAttribute.NOT_OPEN: "不予开放"}

STEP_LABELS = {
    ClockStep.CATALOG_UPDATE: N_("Catalog update by the unit"),
    ClockStep.CATALOG_REVIEW: N_("Catalog review by the bureau"),
    ClockStep.SHARE_ANSWER: N_("Answer to a share request"),
    ClockStep.SHARE_IMPLEMENT: N_("Implementation of approved sharing"),
    ClockStep.UNCATALOGUED_CONFIRM: N_("Confirmation of uncatalogued data"),
    ClockStep.SHARE_CATALOG: N_("Cataloguing of confirmed data before it is shared"),
    ClockStep.SHARE_VERIFY: N_("Answer to a verification request"),
    ClockStep.DISPUTE: N_("Dispute coordination"),
    ClockStep.CORRECTION_VERIFY: N_("Verification of a correction"),
    ClockStep.CORRECTION_EXTENSION: N_("Extended verification of a correction"),
    ClockStep.DATA_REFRESH: N_("Update of changed shared data"),
    ClockStep.OPEN_DEMAND_ANSWER: N_("Answer to an open-data demand"),
    ClockStep.OPEN_APPLICATION_ANSWER: N_("Answer to a conditional-open application"),
    ClockStep.OPEN_GRANT: N_("Bureau's grant of authorised-open access"),
    ClockStep.ASSESSMENT_REVIEW: N_("Review of a provisional assessment scorecard"),
    ClockStep.ASSESSMENT_APPEAL: N_("Answer to an assessment appeal"),
    ClockStep.PROJECT_REVIEW: N_("Approval of an informatization project"),
    ClockStep.PROJECT_ACCEPTANCE: N_("Acceptance of an informatization project"),
    ClockStep.ANNUAL_REPORT_UNIT: N_("Annual data-management report of a unit"),
    ClockStep.ANNUAL_REPORT_BUREAU: N_("Annual data-management report of the bureau"),
    ClockStep.SHARE_APPLICATION_FORM: N_("Receipt of the written application form"),
}

RULE_LABELS = {
    "bureau_co_decides": N_("The bureau decides conditional sharing with the provider"),
    "county_approval": N_("County requests are approved by the county e-government department"),
    "cross_level_filing": N_("Cross-level requests are filed with the higher and same-level bureau"),
    "correction_extension_max": N_("Maximum extension of a correction (working days)"),
    "open_applicant_kinds": N_("Who may apply for conditional (authorised) open data"),
    "log_retention_days": N_("Log retention (days)"),
    "annual_maintenance": N_("Whole catalog maintained at least once a year"),
    "filing_share_types": N_("Share types filed (备案) with the bureau"),
    "answer_clock_starts": N_("The answer deadline counts from"),
    "data_refresh_workdays": N_("Changed shared data updated within (working days)"),
    "open_grant_by_bureau": N_("The bureau grants authorised-open access after the unit agrees"),
    "annual_report_unit_due": N_("Units submit their annual report by (month-day)"),
    "annual_report_bureau_workdays": N_("The bureau reports to the government within (working days after the units)"),
    "annual_report_government_due": N_("The government reports to the city by (month-day, next year)"),
    "project_sharing_check": N_("Project approval checks that shared data is not collected again"),
}

APPLICANT_KIND_LABELS = {
    "domestic_enterprise": N_("Domestic-controlled enterprise"),
    "university": N_("University"),
    "research_institute": N_("Research institute"),
    "natural_person": N_("Natural person"),
    "legal_person": N_("Legal person"),
    "other_organisation": N_("Other organisation"),
}

# Values a security administrator may override, with their type: (kind, allowed values).
BOOL_RULES = ("bureau_co_decides", "county_approval", "cross_level_filing", "annual_maintenance", "open_grant_by_bureau",
              "project_sharing_check")
INT_RULES = ("correction_extension_max", "log_retention_days", "data_refresh_workdays", "annual_report_bureau_workdays")
MAX_STEP_WORKDAYS = 250  # a year of working days: anything longer is a typing error


@dataclass(frozen=True)
class StepRule:
    workdays: int | None
    article: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class NameRule:
    name: str
    article: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class RuleValue:
    value: Any
    article: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    title_zh: str
    title_en: str
    jurisdiction: str
    steps: dict[str, StepRule]
    share_types: dict[str, NameRule]
    open_attributes: dict[str, NameRule]
    rules: dict[str, RuleValue]
    is_default: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)  # path -> value applied on top of the file

    @property
    def title(self) -> str:
        return self.title_zh if current_language() == "zh_CN" else self.title_en

    def step_days(self, step: str) -> int | None:
        if str(step) == ClockStep.DATA_REFRESH:
            return self.data_refresh_workdays
        rule = self.steps.get(str(step))
        if str(step) == ClockStep.ASSESSMENT_REVIEW:  # the regulations set no number: a product default
            return rule.workdays if rule and rule.workdays is not None else DEFAULT_APPEAL_WORKDAYS
        return rule.workdays if rule else None

    def rule(self, key: str, default: Any = None) -> Any:
        entry = self.rules.get(key)
        return default if entry is None or entry.value is None else entry.value

    @property
    def bureau_co_decides(self) -> bool:
        return bool(self.rule("bureau_co_decides", False))

    @property
    def county_approval(self) -> bool:
        return bool(self.rule("county_approval", False))

    @property
    def cross_level_filing(self) -> bool:
        return bool(self.rule("cross_level_filing", False))

    @property
    def correction_extension_max(self) -> int:
        return int(self.rule("correction_extension_max", 0))

    @property
    def data_refresh_workdays(self) -> int | None:
        """Shanghai §16: shared data is updated within 2 working days of a change; None = no number set."""
        value = self.rule("data_refresh_workdays")
        return None if value is None else int(value)

    @property
    def open_applicant_kinds(self) -> tuple[str, ...]:
        return tuple(self.rule("open_applicant_kinds", ()))

    @property
    def log_retention_days(self) -> int | None:
        value = self.rule("log_retention_days")
        return None if value is None else int(value)

    @property
    def annual_maintenance(self) -> bool:
        return bool(self.rule("annual_maintenance", False))

    @property
    def filing_share_types(self) -> tuple[str, ...]:
        """Share types whose published entries are filed (备案) with the bureau (Longyan §11: conditional and
        not shared; Qingyuan §14: not shared)."""
        return tuple(self.rule("filing_share_types", (ShareType.NOT_SHARED,)))

    @property
    def open_grant_by_bureau(self) -> bool:
        """Longyan §18: an application for authorised-open data is agreed by the unit, then the bureau grants it."""
        return bool(self.rule("open_grant_by_bureau", False))

    @property
    def answer_clock_starts(self) -> str:
        """`submission`, or `written_application`: Shanghai §14 counts from receipt of the signed form."""
        return str(self.rule("answer_clock_starts", "submission"))

    @property
    def annual_report_unit_due(self) -> str | None:
        """Yunyang §46: "MM-DD" in the report's year by which every unit submits its annual data-management report;
        None where the profile sets no annual report duty (the reports are then not applicable)."""
        value = self.rule("annual_report_unit_due")
        return str(value) if value else None

    @property
    def annual_report_bureau_workdays(self) -> int:
        """Working days after the units' due date by which the bureau reports to the government (mid-January)."""
        return int(self.rule("annual_report_bureau_workdays", 10))

    @property
    def annual_report_government_due(self) -> str:
        """"MM-DD" of the next year by which the government reports to the city (end of January)."""
        return str(self.rule("annual_report_government_due", "01-31"))

    @property
    def project_sharing_check(self) -> bool:
        """Project approval refuses a catalog that collects data the unit can obtain by sharing (one source,
        base libraries)."""
        return bool(self.rule("project_sharing_check", False))

    def extension_cap(self, step: str) -> int:
        """Working days a clock of `step` may be extended by in total (0 = no extension allowed)."""
        if str(step) == ClockStep.CORRECTION_VERIFY:
            return self.correction_extension_max
        return 0

    def share_type_name(self, code: str) -> str:
        rule = self.share_types.get(code)
        return rule.name if rule else STANDARD_SHARE_TYPES_ZH.get(code, code)  # type: ignore[call-overload]

    def open_attribute_name(self, code: str) -> str:
        rule = self.open_attributes.get(code)
        return rule.name if rule else STANDARD_OPEN_ATTRIBUTES_ZH.get(code, code)  # type: ignore[call-overload]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for `policy show --json` and the administration page."""
        return {
            "name": self.name, "title": self.title_zh, "title_en": self.title_en, "jurisdiction": self.jurisdiction,
            "steps": {k: {"workdays": v.workdays, "article": v.article, "note": v.note} for k, v in self.steps.items()},
            "share_types": {k: {"name": v.name, "article": v.article} for k, v in self.share_types.items()},
            "open_attributes": {k: {"name": v.name, "article": v.article} for k, v in self.open_attributes.items()},
            "rules": {k: {"value": v.value, "article": v.article, "note": v.note} for k, v in self.rules.items()},
            "overrides": dict(self.overrides),
        }


# --- loading the files -------------------------------------------------------------------------------------
def _parse(data: dict[str, Any]) -> Profile:
    steps = {}
    for step in ClockStep:
        raw = data.get("steps", {}).get(str(step), {})
        workdays = raw.get("workdays")
        steps[str(step)] = StepRule(int(workdays) if workdays is not None else None, raw.get("article"), raw.get("note"))
    share_types = {code: NameRule(v["name"], v.get("article"), v.get("note"))
                   for code, v in data.get("share_types", {}).items()}
    open_attributes = {code: NameRule(v["name"], v.get("article"), v.get("note"))
                       for code, v in data.get("open_attributes", {}).items()}
    rules = {key: RuleValue(v.get("value"), v.get("article"), v.get("note")) for key, v in data.get("rules", {}).items()}
    return Profile(name=data["name"], title_zh=data.get("title", data["name"]), title_en=data.get("title_en", data["name"]),
                   jurisdiction=data.get("jurisdiction", ""), steps=steps, share_types=share_types,
                   open_attributes=open_attributes, rules=rules, is_default=bool(data.get("default", False)))


@lru_cache(maxsize=1)
def shipped_profiles() -> dict[str, Profile]:
    """Every data/policies/*.toml, by name (read once per process)."""
    profiles = {}
    for path in sorted(POLICY_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            profile = _parse(tomllib.load(fh))
        profiles[profile.name] = profile
    return profiles


def profile_names() -> list[str]:
    return list(shipped_profiles())


def default_profile_name() -> str:
    profiles = shipped_profiles()
    return next((p.name for p in profiles.values() if p.is_default), next(iter(profiles)))


def get_profile(name: str) -> Profile:
    """A shipped profile as written in its file (no overrides)."""
    try:
        return shipped_profiles()[name]
    except KeyError:
        raise NotFound(_("There is no policy profile named {name}.", name=name)) from None


def apply_overrides(profile: Profile, overrides: dict[str, Any]) -> Profile:
    if not overrides:
        return profile
    steps = dict(profile.steps)
    rules = dict(profile.rules)
    share_types = dict(profile.share_types)
    open_attributes = dict(profile.open_attributes)
    applied = {}
    for path, value in overrides.items():
        section, _dot, key = path.partition(".")
        if section == "steps" and key in steps:
            steps[key] = replace(steps[key], workdays=value)
        elif section == "rules" and (key in BOOL_RULES or key in INT_RULES or key in rules):
            rules[key] = replace(rules.get(key, RuleValue(None)), value=value)
        elif section == "share_types" and key in set(ShareType):
            share_types[key] = replace(share_types.get(key, NameRule(value)), name=value)
        elif section == "open_attributes" and key in set(OpenAttribute):
            open_attributes[key] = replace(open_attributes.get(key, NameRule(value)), name=value)
        else:
            continue  # an override for a path this version no longer knows is ignored, not fatal
        applied[path] = value
    return replace(profile, steps=steps, rules=rules, share_types=share_types, open_attributes=open_attributes,
                   overrides=applied)


# --- the active profile, cached per process ----------------------------------------------------------------
def read_settings(session: Session) -> dict[str, Any]:
    rows = session.exec(select(PolicySetting.key, PolicySetting.value)
                        .where((PolicySetting.key == ACTIVE_KEY) | PolicySetting.key.startswith(OVERRIDE_PREFIX))  # type: ignore[attr-defined]
                        ).all()
    return {k: json.loads(v) for k, v in rows}


def _settings_key(engine: Engine) -> tuple:
    """The profile settings as a comparable value: the profile is rebuilt only when it changes."""
    try:
        with Session(engine) as session:
            settings = read_settings(session)
    except SQLAlchemyError:
        settings = {}
    return tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in settings.items()))


def build_profile(settings: dict[str, Any]) -> Profile:
    name = settings.get(ACTIVE_KEY) or default_profile_name()
    profile = shipped_profiles().get(name) or shipped_profiles()[default_profile_name()]
    overrides = {k[len(OVERRIDE_PREFIX):]: v for k, v in settings.items() if k.startswith(OVERRIDE_PREFIX)}
    return apply_overrides(profile, overrides)


def _build_from_key(_engine: Engine, key: tuple) -> Profile:
    return build_profile({k: json.loads(v) for k, v in key})


_cache: VersionedCache[tuple, Profile] = VersionedCache(_settings_key, _build_from_key, recheck_seconds=RECHECK_SECONDS)


def active_profile() -> Profile:
    """The deployment's profile with its overrides; re-read at most every RECHECK_SECONDS and after changes."""
    return _cache.get()


def invalidate() -> None:
    _cache.invalidate()


# --- names of categories in the active profile ----------------------------------------------------------
def share_type_label(code: str | None) -> str:
    """The active profile's name of a share type (Chinese UI) or the English standard name (English UI)."""
    if not code:
        return ""
    if current_language() == "zh_CN":
        return active_profile().share_type_name(code)
    msgid = STANDARD_SHARE_TYPES.get(code)  # type: ignore[call-overload]
    return _(msgid) if msgid else code


def open_attribute_label(code: str | None) -> str:
    if not code:
        return ""
    if current_language() == "zh_CN":
        return active_profile().open_attribute_name(code)
    msgid = STANDARD_OPEN_ATTRIBUTES.get(code)  # type: ignore[call-overload]
    return _(msgid) if msgid else code


def share_type_options() -> dict[str, str]:
    """code -> label, in the order of the enum (for select boxes)."""
    return {str(code): share_type_label(code) for code in ShareType}


def open_attribute_options() -> dict[str, str]:
    return {str(code): open_attribute_label(code) for code in OpenAttribute}


def _norm(text: str) -> str:
    return "".join(text.split()).lower().replace("类", "")


def _parse_name(text: str | None, codes, profile_names: dict[str, str], standard_zh: dict, standard_en: dict) -> str | None:
    if text is None:
        return None
    wanted = _norm(str(text))
    if not wanted:
        return None
    for code in codes:
        candidates = {str(code), profile_names.get(str(code), ""), standard_zh[code], standard_en[code]}
        if wanted in {_norm(c) for c in candidates if c}:
            return str(code)
    return None


def parse_share_type(text: str | None) -> str | None:
    """The code for a name as typed in a spreadsheet: the active profile's name, a standard name or the code."""
    profile = active_profile()
    return _parse_name(text, list(ShareType), {k: v.name for k, v in profile.share_types.items()},
                       STANDARD_SHARE_TYPES_ZH, STANDARD_SHARE_TYPES)


def parse_open_attribute(text: str | None) -> str | None:
    profile = active_profile()
    return _parse_name(text, list(OpenAttribute), {k: v.name for k, v in profile.open_attributes.items()},
                       STANDARD_OPEN_ATTRIBUTES_ZH, STANDARD_OPEN_ATTRIBUTES)


ANSWER_CLOCK_START_LABELS = {
    "submission": N_("the online submission"),
    "written_application": N_("receipt of the signed written application"),
}


def rule_value_text(key: str, value: Any) -> str:
    """A rule's value as a reader of the profile page or the docs understands it."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key == "open_applicant_kinds":
        return "、".join(_(APPLICANT_KIND_LABELS.get(k, k)) for k in value or [])
    if key == "filing_share_types":
        return "、".join(share_type_label(k) for k in value or [])
    if key == "answer_clock_starts":
        msgid = ANSWER_CLOCK_START_LABELS.get(str(value))
        return _(msgid) if msgid else str(value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return "—" if value is None else str(value)


def step_label(step: str | None) -> str:
    if not step:
        return ""
    msgid = STEP_LABELS.get(step)  # type: ignore[call-overload]
    return _(msgid) if msgid else step


# --- changing the policy (security administrator) -----------------------------------------------------------
def put_setting(session: Session, key: str, value: Any, actor: Actor, now: datetime | None) -> None:
    row = session.get(PolicySetting, key, with_for_update=True) or PolicySetting(key=key, value="null")
    row.value = json.dumps(value, ensure_ascii=False)
    row.updated_by = actor.user_id
    row.updated_at = now_utc(now)
    session.add(row)


def overridable_paths() -> list[str]:
    return ([f"steps.{s}" for s in ClockStep] + [f"rules.{k}" for k in BOOL_RULES + INT_RULES]
            + [f"share_types.{c}" for c in ShareType] + [f"open_attributes.{c}" for c in OpenAttribute])


def override_label(path: str) -> str:
    """A person's name for an overridable path ('steps.share_answer' → 'Answer to a share request')."""
    section, _dot, key = path.partition(".")
    if section == "steps":
        return step_label(key)
    if section == "rules":
        msgid = RULE_LABELS.get(key)
        return _(msgid) if msgid else key
    if section == "share_types":
        return _("Share type name: {name}", name=_(STANDARD_SHARE_TYPES.get(key, key)))  # type: ignore[call-overload]
    if section == "open_attributes":
        return _("Open attribute name: {name}", name=_(STANDARD_OPEN_ATTRIBUTES.get(key, key)))  # type: ignore[call-overload]
    return path


YES_WORDS = {"yes", "y", "true", "1", "是"}
NO_WORDS = {"no", "n", "false", "0", "否"}


def parse_override_text(path: str, text: str | None) -> Any:
    """Turn what was typed in a form into the value `set_override` validates (yes/no for flags)."""
    text = (text or "").strip()
    if path.removeprefix("rules.") in BOOL_RULES:
        lowered = text.lower()
        return True if lowered in YES_WORDS else False if lowered in NO_WORDS else text
    return text


def validate_override(path: str, value: Any) -> Any:
    section, _dot, key = path.partition(".")
    if path not in overridable_paths():
        raise ValidationError({"path": _("{path} cannot be overridden.", path=path)})
    if section == "steps":
        if value is None or value == "":
            return None
        try:
            days = int(value)
        except (TypeError, ValueError):
            raise ValidationError({"value": _("Enter a whole number of working days, or leave it empty for no deadline.")}) from None
        if not 1 <= days <= MAX_STEP_WORKDAYS:
            raise ValidationError({"value": _("Enter between 1 and {n} working days.", n=MAX_STEP_WORKDAYS)})
        return days
    if key in BOOL_RULES:
        if isinstance(value, bool):
            return value
        raise ValidationError({"value": _("Choose yes or no.")})
    if key in INT_RULES:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError({"value": _("Enter a whole number.")}) from None
        if number < 0:
            raise ValidationError({"value": _("The number cannot be negative.")})
        if key == "log_retention_days" and number < 180:
            raise ValidationError({"value": _("Logs must be kept at least 180 days.")})
        return number
    text = str(value or "").strip()
    if not text or len(text) > 20:
        raise ValidationError({"value": _("Enter a name of 1 to 20 characters.")})
    return text


def ensure_active(now: datetime | None = None) -> str:
    """Bootstrap loader: record the default profile as active when none is set (idempotent)."""
    from services.core import audit
    from services.core.db import write_session

    with write_session() as session:
        row = session.get(PolicySetting, ACTIVE_KEY)
        if row is None:
            name = default_profile_name()
            session.add(PolicySetting(key=ACTIVE_KEY, value=json.dumps(name), updated_at=now_utc(now)))
            audit.record(session, Actor.system("policy"), "policy.use", object_type="policy", object_id=name,
                         detail={"before": None, "after": name, "reason": "default"}, now=now)
            session.commit()
        else:
            name = json.loads(row.value)
    invalidate()
    return name


@dataclass
class PolicyOverview:
    active: Profile
    file_profile: Profile
    profiles: list[Profile]


def overview(actor: Actor) -> PolicyOverview:
    """What the policy page shows: the active profile with overrides, the file values, and the choices."""
    with read_scope(actor, "policy.manage") as (session, _scope):
        settings = read_settings(session)
    active = build_profile(settings)
    return PolicyOverview(active, get_profile(active.name), list(shipped_profiles().values()))
