"""Units (单位管理): government departments and public-service organisations with their unified social credit
code, region, chief data officer and data administrator; system administrator only."""

import streamlit as st

from services.administration import orgs
from services.core.i18n import N_
from services.core.i18n import gettext as _
from ui import session
from ui.forms import choose, field_value, limit_help, optional, yes_no
from ui.labels import LEVEL_LABELS, UNIT_KIND_LABELS, label
from ui.markdown import md_text
from ui.tables import data_table

actor = session.require_actor()
session.show_flash()
st.title(_("Units"))
st.caption(
    _("Every unit is identified by its 18-character unified social credit code (GB 32100), checked on save.")
)

regions = orgs.list_regions()
region_names = {int(r.id): f"{r.code} {r.name}" for r in regions.itertuples()}

filters = st.columns([2, 3, 1.4], vertical_alignment="bottom")
region_filter = filters[0].selectbox(
    _("Region"),
    [None, *region_names],
    key="units_region",
    format_func=lambda i: _("All regions") if i is None else region_names[i],
)
search = filters[1].text_input(_("Search name or code"), key="units_search")
show_inactive = filters[2].toggle(_("Show inactive"), key="units_inactive")

units = orgs.list_units(region_id=region_filter, include_inactive=show_inactive, search=search or None)
units["kind_text"] = units["kind"].map(lambda v: label(UNIT_KIND_LABELS, v))
units["level_text"] = units["level"].map(lambda v: label(LEVEL_LABELS, v))
units["active_text"] = units["is_active"].map(yes_no)


def unit_form(existing=None) -> None:
    def value(key, default=""):
        return field_value(existing, key, default)

    with st.form("unit_form"):
        left, right = st.columns(2)
        uscc = left.text_input(_("Unified social credit code"), value=value("uscc"), help=limit_help(18))
        name = right.text_input(_("Name"), value=value("name"), help=limit_help(orgs.UNIT_LIMITS["name"]))
        short_name = left.text_input(_("Short name"), value=value("short_name"),
                                     help=limit_help(orgs.UNIT_LIMITS["short_name"]))
        kind = right.selectbox(
            _("Kind"),
            list(UNIT_KIND_LABELS),
            format_func=lambda v: label(UNIT_KIND_LABELS, v),
            index=list(UNIT_KIND_LABELS).index(value("kind", "department")),
        )
        level = left.selectbox(
            _("Level"),
            list(LEVEL_LABELS),
            format_func=lambda v: label(LEVEL_LABELS, v),
            index=list(LEVEL_LABELS).index(value("level", "city")),
        )
        with right:
            region_id = choose(_("Region"), region_names, value=int(value("region_id", 0)) or None)
        cdo = left.text_input(_("Chief data officer"), value=value("chief_data_officer"),
                             help=limit_help(orgs.UNIT_LIMITS["chief_data_officer"]))
        admin_name = right.text_input(_("Data administrator"), value=value("data_admin_name"),
                                     help=limit_help(orgs.UNIT_LIMITS["data_admin_name"]))
        admin_phone = left.text_input(
            _("Data administrator's phone"), value=value("data_admin_phone"),
            help=limit_help(orgs.UNIT_LIMITS["data_admin_phone"])
        )
        active = right.checkbox(_("Active"), value=bool(value("is_active", True)))
        if st.form_submit_button(_("Save"), type="primary"):
            data = orgs.UnitInput(
                uscc=uscc,
                name=name,
                kind=kind,
                level=level,
                region_id=region_id,
                short_name=optional(short_name),
                chief_data_officer=optional(cdo),
                data_admin_name=optional(admin_name),
                data_admin_phone=optional(admin_phone),
                is_active=active,
            )
            unit_id = None if existing is None else int(existing["id"])
            version = None if existing is None else int(existing["version"])
            session.run_action(
                orgs.save_unit,
                actor,
                data,
                unit_id,
                expected_version=version,
                success=md_text("Unit {name} saved.", name=name.strip()),
                rerun=True,
            )


@st.dialog(_("New unit"), width="large")
def new_unit() -> None:
    unit_form()


@st.dialog(_("Edit unit"), width="large")
def edit_unit(row) -> None:
    unit_form(row)


toolbar = st.container(horizontal=True)
if toolbar.button(_("New unit"), icon=":material/add:", type="primary"):
    new_unit()
edit_clicked = toolbar.button(_("Edit"), icon=":material/edit:", key="edit_unit_btn")

selected = data_table(
    units,
    {
        "uscc": N_("Unified social credit code"),
        "name": N_("Name"),
        "kind_text": N_("Kind"),
        "level_text": N_("Level"),
        "region": N_("Region"),
        "data_admin_name": N_("Data administrator"),
        "data_admin_phone": N_("Phone"),
        "users": N_("Account count"),
        "active_text": N_("Active"),
    },
    key="units_table",
    height=520,
)
st.caption(_("{n} units", n=len(units)))
if edit_clicked:
    if selected is None:
        st.info(_("Select a row in the table first."))
    else:
        edit_unit(selected)
