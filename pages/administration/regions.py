"""Regions (行政区划): the city/county tree that scopes every permission; system administrator only."""

import pandas as pd
import streamlit as st

from services.administration import orgs
from services.core.i18n import N_
from services.core.i18n import gettext as _
from ui import session
from ui.forms import choose, field_value, limit_help
from ui.labels import LEVEL_LABELS, label
from ui.markdown import md_text
from ui.tables import data_table

actor = session.require_actor()
session.show_flash()
st.title(_("Regions"))
st.caption(
    _("Administrative divisions (GB/T 2260). A county belongs to its city; users of a city see its counties.")
)

regions = orgs.list_regions()
names = dict(zip(regions["id"], regions["name"], strict=True))
regions["parent"] = regions["parent_id"].map(lambda p: names.get(int(p), "") if pd.notna(p) else "")
regions["level_text"] = regions["level"].map(lambda v: label(LEVEL_LABELS, v))


def region_form(existing=None) -> None:
    with st.form("region_form"):
        code = st.text_input(
            _("Code"), value=field_value(existing, "code"), help=_("Six digits, e.g. 350800.")
        )
        name = st.text_input(_("Name"), value=field_value(existing, "name"),
                             help=limit_help(orgs.REGION_LIMITS["name"]))
        levels = {v: label(LEVEL_LABELS, v) for v in LEVEL_LABELS}
        level = choose(_("Level"), levels, value=field_value(existing, "level", "county"))
        parents = {
            int(r.id): f"{r.code} {r.name}"
            for r in regions.itertuples()
            if existing is None or r.id != existing["id"]
        }
        parent = field_value(existing, "parent_id", None)
        parent_id = choose(
            _("Parent region"), parents, value=None if parent is None else int(parent), allow_empty=True
        )
        if st.form_submit_button(_("Save"), type="primary"):
            data = orgs.RegionInput(code=code.strip(), name=name, level=level, parent_id=parent_id)
            session.run_action(
                orgs.save_region,
                actor,
                data,
                None if existing is None else int(existing["id"]),
                success=md_text("Region {code} saved.", code=code.strip()),
                rerun=True,
            )


@st.dialog(_("New region"), width="medium")
def new_region() -> None:
    region_form()


@st.dialog(_("Edit region"), width="medium")
def edit_region(row) -> None:
    region_form(row)


toolbar = st.container(horizontal=True)
if toolbar.button(_("New region"), icon=":material/add:", type="primary"):
    new_region()
edit_clicked = toolbar.button(_("Edit"), icon=":material/edit:", key="edit_region_btn")

selected = data_table(
    regions,
    {"code": N_("Code"), "name": N_("Name"), "level_text": N_("Level"), "parent": N_("Parent region")},
    key="regions_table",
)
if edit_clicked:
    if selected is None:
        st.info(_("Select a row in the table first."))
    else:
        edit_region(selected)
