"""Catalog display helpers: names of the catalog codes, entry detail and diff rendering, table formatting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from services.catalog import FIELD_LABELS, STATUS_NAMES, EntryView, FieldChange
from services.core import i18n
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import fmt_local
from services.deadlines import policy
from ui.markdown import md_escape

CLASSIFICATION = {"base": N_("Base resources"), "theme": N_("Theme resources"), "department": N_("Department resources")}
BASE_LIBRARY = {"population": N_("Population"), "legal_person": N_("Legal persons"), "credit": N_("Public credit"),
                "macro_economy": N_("Macro economy"), "geospatial": N_("Natural resources and geospatial"),
                "licence": N_("Electronic licences")}
RESOURCE_FORMAT = {"database": N_("Database"), "file": N_("File"), "interface": N_("Interface"),
                   "document": N_("Document"), "other": N_("Other")}
SHARE_METHOD = {"interface": N_("Interface exchange"), "file_download": N_("File download"),
                "online_browse": N_("Online browsing"), "offline": N_("Offline exchange")}
UPDATE_FREQUENCY = {"realtime": N_("Real time"), "daily": N_("Daily"), "weekly": N_("Weekly"),
                    "monthly": N_("Monthly"), "quarterly": N_("Quarterly"), "yearly": N_("Yearly"),
                    "irregular": N_("Irregular")}
SECURITY_LEVEL = {"public": N_("Public"), "internal": N_("Internal"), "sensitive": N_("Sensitive")}
DATA_TYPE = {"string": N_("Text"), "integer": N_("Integer"), "decimal": N_("Decimal"), "date": N_("Date"),
             "datetime": N_("Date and time"), "boolean": N_("Yes/no"), "binary": N_("Binary")}
CHANGE_KIND = {"new": N_("New entry"), "change": N_("Change of a published entry"), "withdraw": N_("Withdrawal")}
TRIGGER_KIND = {"law": N_("Change of law or regulation"), "duty": N_("Change of duties"),
                "data": N_("Change of the data")}
# Column headers the catalog pages pass to display_frame (listed here so the catalogs extract them).
TABLE_HEADERS = (
    N_("Base library"),
    N_("Changed fields"),
    N_("Classification"),
    N_("Completeness"),
    N_("Coverage"),
    N_("Covered"),
    N_("Data item"),
    N_("Data items"),
    N_("Data items wanted"),
    N_("Data the unit needs"),
    N_("Entries"),
    N_("Expected entries"),
    N_("Filing"),
    N_("Incomplete entries"),
    N_("Last maintained"),
    N_("Legal basis for the restriction"),
    N_("Linked entry"),
    N_("Note"),
    N_("Open attribute"),
    N_("Providing unit"),
    N_("Published"),
    N_("Reasons for return"),
    N_("Requesting unit"),
    N_("Resource code"),
    N_("Resource name"),
    N_("Responsible unit"),
    N_("Returned"),
    N_("Review due"),
    N_("Ruled source unit"),
    N_("Share type"),
    N_("Status"),
    N_("Submission"),
    N_("Submitted"),
    N_("Under review"),
    N_("Unit"),
    N_("Units claiming the source"),
    N_("Update frequency"),
    N_("Updated"),
    N_("Version"),
)
ENUM_LABELS: dict[str, dict[str, str]] = {"classification": CLASSIFICATION, "base_library": BASE_LIBRARY,
                                          "resource_format": RESOURCE_FORMAT, "share_method": SHARE_METHOD,
                                          "update_frequency": UPDATE_FREQUENCY, "security_level": SECURITY_LEVEL}


def name_of(kind: str, code: Any) -> str:
    """Display name of a stored code (share type and open attribute follow the active policy profile)."""
    if code is None or (isinstance(code, float) and pd.isna(code)) or code == "":
        return ""
    if kind == "share_type":
        return policy.share_type_label(code)
    if kind == "open_attribute":
        return policy.open_attribute_label(code)
    if kind == "status":
        return _(STATUS_NAMES.get(code, code))
    mapping = {**ENUM_LABELS, "data_type": DATA_TYPE, "change_kind": CHANGE_KIND, "trigger": TRIGGER_KIND}[kind]
    msgid = mapping.get(code)
    return _(msgid) if msgid else str(code)


def options(kind: str) -> dict[str, str]:
    """code -> display name for a select box."""
    if kind == "share_type":
        return policy.share_type_options()
    if kind == "open_attribute":
        return policy.open_attribute_options()
    mapping = {**ENUM_LABELS, "data_type": DATA_TYPE, "trigger": TRIGGER_KIND}[kind]
    return {code: _(msgid) for code, msgid in mapping.items()}


def field_name(key: str) -> str:
    return _(FIELD_LABELS[key]) if key in FIELD_LABELS else key


def percent(value: float | None) -> str:
    return "" if value is None or pd.isna(value) else f"{value * 100:.0f}%"


def display_frame(frame: pd.DataFrame, columns: dict[str, str], *, enums: dict[str, str] | None = None) -> pd.DataFrame:
    """Keep `columns` (key -> msgid header), translate codes of `enums` (column -> kind), format timestamps."""
    out = frame[list(columns)].copy()
    for column, kind in (enums or {}).items():
        out[column] = out[column].map(lambda v, k=kind: name_of(k, v))
    for column in out.columns:
        if column.endswith("_at"):
            out[column] = out[column].map(lambda v: fmt_local(v) if isinstance(v, datetime) and not pd.isna(v) else "")
    out = out.astype(object).where(out.notna(), "")
    return out.rename(columns={k: _(v) for k, v in columns.items()})


def _value_text(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if key in ENUM_LABELS or key in ("share_type", "open_attribute"):
        return name_of(key, value)
    return str(value)


def entry_details(view: EntryView) -> None:
    """The published (or draft) metadata of one entry, two columns, then its data items."""
    left, right = st.columns(2)
    rows = [("resource_code", view.resource_code), ("name", view.name), ("classification", view.classification),
            ("base_library", view.base_library), ("provider_unit_id", view.provider),
            ("source_unit_id", view.source_unit), ("resource_format", view.resource_format),
            ("update_frequency", view.update_frequency), ("security_level", view.security_level),
            ("published_on", view.published_on), ("related_codes", view.related_codes)]
    share = [("share_type", view.share_type), ("share_conditions", view.share_conditions),
             ("share_method", view.share_method), ("share_scope", view.share_scope),
             ("open_attribute", view.open_attribute), ("open_conditions", view.open_conditions),
             ("restriction_basis", view.restriction_basis), ("usage_requirements", view.usage_requirements)]
    for column, pairs in ((left, rows), (right, share)):
        with column:
            st.markdown("  \n".join(f"**{field_name(k)}**{_colon()}{md_escape(_value_text(k, v))}" for k, v in pairs))
    if view.summary:
        st.caption(f"{field_name('summary')}{_colon()}{md_escape(view.summary)}")
    items_table(view.data_items)


def items_table(items: list[dict]) -> None:
    frame = pd.DataFrame(items, columns=["name", "data_type", "length", "is_sensitive", "is_source"])
    frame["data_type"] = frame["data_type"].map(lambda v: name_of("data_type", v))
    st.dataframe(frame.rename(columns={"name": _("Data item"), "data_type": _("Data type"), "length": _("Length"),
                                       "is_sensitive": _("Sensitive"), "is_source": _("Source")}),
                 hide_index=True, width="stretch")


def describe_item(item: dict | None) -> str:
    """A data item in one line of the user's language: name (type, length, sensitive, source)."""
    if item is None:
        return ""
    parts = [name_of("data_type", item["data_type"])]
    if item.get("length"):
        parts.append(_("length {n}", n=item["length"]))
    if item.get("is_sensitive"):
        parts.append(_("sensitive"))
    if item.get("is_source"):
        parts.append(_("source"))
    return f"{item['name']}（{_(', ').join(parts)}）"


def diff_table(changes: list[FieldChange]) -> None:
    """Field by field: the published value and the submitted one."""
    if not changes:
        st.info(_("The submission changes nothing against the published version."))
        return
    rows = []
    for change in changes:
        if change.field == "data_items":
            describe = describe_item
            rows.append({_("Field"): field_name("data_items"), _("Published"): describe(change.before),
                         _("Submitted version"): describe(change.after)})
        elif change.field == "status":
            rows.append({_("Field"): _("Status"), _("Published"): name_of("status", change.before),
                         _("Submitted version"): name_of("status", change.after)})
        else:
            rows.append({_("Field"): field_name(change.field), _("Published"): _value_text(change.field, change.before),
                         _("Submitted version"): _value_text(change.field, change.after)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def unit_picker(label: str, units: pd.DataFrame, *, key: str, allow_all: bool = True,
                value: int | None = None) -> int | None:
    ids = ([None] if allow_all else []) + [int(i) for i in units["id"]]
    names = dict(zip(units["id"], units["name"], strict=True))
    index = ids.index(value) if value in ids else 0
    return st.selectbox(label, ids, index=index, key=key,
                        format_func=lambda i: _("All units") if i is None else names.get(i, str(i)))


def _select(label: str, kind: str, value: str | None, key: str, *, optional: bool = True) -> str | None:
    opts = options(kind)
    codes = ([None] if optional else []) + list(opts)
    index = codes.index(value) if value in codes else 0
    return st.selectbox(label, codes, index=index, key=key,
                        format_func=lambda c: "—" if c is None else opts.get(c, c))


# Which tab of the entry form holds each field (a problem is marked on its tab and shown under its field).
BASIC_FIELDS = ("resource_code", "name", "summary", "classification", "base_library", "resource_format",
                "update_frequency", "security_level", "source_unit_id", "related_codes", "provider_unit_id",
                "published_on")
SHARE_FIELDS = ("share_type", "share_method", "open_attribute", "share_scope", "share_conditions", "open_conditions",
                "restriction_basis", "usage_requirements")
ITEM_FIELDS = ("data_items",)


def tab_label(label: str, problems: int) -> str:
    return _("{tab} ({n} to correct)", tab=label, n=problems) if problems else label


def problem(errors: dict[str, str] | None, field: str, where=None) -> None:
    """The message about `field` right under its widget, naming the field as its label reads."""
    if errors and field in errors:
        colon = "：" if i18n.current_language() == "zh_CN" else ": "
        (where or st).error(md_escape(f"{field_name(field)}{colon}{errors[field]}"), icon=":material/error:")


def entry_form_fields(data, units: pd.DataFrame, key: str, *, disabled: bool = False,
                      errors: dict[str, str] | None = None):
    """The three editing tabs of an entry (basic / share and open / data items) inside the caller's form.
    Returns a new EntryInput with what the user entered (validation is the service's job). `errors` (field →
    message, from a refused save) are shown each under its field, and each tab says how many of them it holds."""
    from services.catalog import DataItemInput, EntryInput

    errors = errors or {}
    counts = [sum(1 for f in errors if f in fields) for fields in (BASIC_FIELDS, SHARE_FIELDS, ITEM_FIELDS)]
    basic, share, items = st.tabs([tab_label(_("Basic information"), counts[0]),
                                   tab_label(_("Sharing and opening"), counts[1]),
                                   tab_label(_("Data items"), counts[2])])
    with basic:
        problem(errors, "provider_unit_id")
        problem(errors, "published_on")
        c1, c2 = st.columns([1, 2])
        code = c1.text_input(field_name("resource_code"), data.resource_code, key=f"{key}_code",
                             disabled=disabled, help=_("At most {n} characters.", n=40))
        problem(errors, "resource_code", c1)
        name = c2.text_input(field_name("name"), data.name, key=f"{key}_name", disabled=disabled,
                             help=_("At most {n} characters.", n=120))
        problem(errors, "name", c2)
        summary = st.text_area(field_name("summary"), data.summary or "", height=90, key=f"{key}_summary",
                               disabled=disabled, help=_("At most {n} characters.", n=1000))
        problem(errors, "summary")
        c1, c2, c3 = st.columns(3)
        with c1:
            classification = _select(field_name("classification"), "classification", data.classification,
                                     f"{key}_class", optional=False)
            problem(errors, "classification")
        with c2:
            base_library = _select(field_name("base_library"), "base_library", data.base_library, f"{key}_base")
            problem(errors, "base_library")
        with c3:
            resource_format = _select(field_name("resource_format"), "resource_format", data.resource_format,
                                      f"{key}_format")
            problem(errors, "resource_format")
        c1, c2, c3 = st.columns(3)
        with c1:
            update_frequency = _select(field_name("update_frequency"), "update_frequency", data.update_frequency,
                                       f"{key}_freq")
            problem(errors, "update_frequency")
        with c2:
            security_level = _select(field_name("security_level"), "security_level", data.security_level,
                                     f"{key}_security")
            problem(errors, "security_level")
        with c3:
            source_unit_id = unit_picker(field_name("source_unit_id"), units, key=f"{key}_source",
                                         value=data.source_unit_id)
            problem(errors, "source_unit_id")
        related = st.text_input(field_name("related_codes"), data.related_codes or "", key=f"{key}_related",
                                help=_("Separate codes with commas."))
        problem(errors, "related_codes")
    with share:
        c1, c2 = st.columns(2)
        with c1:
            share_type = _select(field_name("share_type"), "share_type", data.share_type, f"{key}_share")
            problem(errors, "share_type")
            share_method = _select(field_name("share_method"), "share_method", data.share_method, f"{key}_method")
            problem(errors, "share_method")
        with c2:
            open_attribute = _select(field_name("open_attribute"), "open_attribute", data.open_attribute,
                                     f"{key}_open")
            problem(errors, "open_attribute")
            share_scope = st.text_input(field_name("share_scope"), data.share_scope or "", key=f"{key}_scope",
                                        help=_("At most {n} characters.", n=200))
            problem(errors, "share_scope")
        share_conditions = st.text_area(field_name("share_conditions"), data.share_conditions or "", height=70,
                                        key=f"{key}_cond", help=_("At most {n} characters.", n=1000))
        problem(errors, "share_conditions")
        open_conditions = st.text_area(field_name("open_conditions"), data.open_conditions or "", height=70,
                                       key=f"{key}_opencond", help=_("At most {n} characters.", n=1000))
        problem(errors, "open_conditions")
        basis = st.text_area(field_name("restriction_basis"), data.restriction_basis or "", height=70,
                             key=f"{key}_basis",
                             help=_("Required for conditional or not-shared entries and restricted open attributes."))
        problem(errors, "restriction_basis")
        usage = st.text_area(field_name("usage_requirements"), data.usage_requirements or "", height=70,
                             key=f"{key}_usage", help=_("At most {n} characters.", n=1000))
        problem(errors, "usage_requirements")
    with items:
        st.caption(_("One row per data item. Mark sensitive items and the items your unit is the legal source of."))
        frame = pd.DataFrame([i.__dict__ for i in data.data_items],
                             columns=["name", "data_type", "length", "is_sensitive", "is_source"])
        edited = st.data_editor(
            frame, num_rows="dynamic", width="stretch", key=f"{key}_items", hide_index=True,
            column_config={
                "name": st.column_config.TextColumn(_("Data item"), required=True,
                                                    help=_("At most {n} characters.", n=80)),
                "data_type": st.column_config.SelectboxColumn(_("Data type"), options=list(DATA_TYPE),
                                                              default="string", required=True,
                                                              format_func=lambda c: name_of("data_type", c)),
                "length": st.column_config.NumberColumn(_("Length"), min_value=1, max_value=65535, step=1),
                "is_sensitive": st.column_config.CheckboxColumn(_("Sensitive"), default=False),
                "is_source": st.column_config.CheckboxColumn(_("Source"), default=False),
            })
        problem(errors, "data_items")
    items_in = [DataItemInput(str(r["name"] or ""), str(r["data_type"] or "string"),
                              None if pd.isna(r["length"]) else int(r["length"]), bool(r["is_sensitive"]),
                              bool(r["is_source"]))
                for r in edited.to_dict("records") if r.get("name") and not pd.isna(r["name"])]
    return EntryInput(resource_code=code, name=name, provider_unit_id=data.provider_unit_id,
                      classification=classification, summary=summary, base_library=base_library,
                      source_unit_id=source_unit_id, resource_format=resource_format, share_type=share_type,
                      share_conditions=share_conditions, share_method=share_method, share_scope=share_scope,
                      open_attribute=open_attribute, open_conditions=open_conditions, restriction_basis=basis,
                      update_frequency=update_frequency, security_level=security_level,
                      published_on=data.published_on, related_codes=related, usage_requirements=usage,
                      data_items=items_in)


def _colon() -> str:
    return "：" if i18n.current_language() == "zh_CN" else ": "
