"""Published catalog (目录查询): search by name, code or data item, filter by unit, class and share type;
select an entry to read its metadata and data items, and apply for it when the user may."""

from pathlib import Path

import streamlit as st

from services import catalog
from services.core.i18n import gettext as _
from services.core.permissions import can
from services.core.settings import ROOT, get_settings
from ui import session
from ui.catalog import widgets as cw
from ui.corrections.widgets import entry_notice
from ui.markdown import md_escape

actor = session.require_actor()
session.show_flash()
st.title(_("Published catalog"))

units = catalog.unit_options(actor)
with st.container(border=True):
    c1, c2, c3, c4 = st.columns([2.2, 1.6, 1, 1])
    text = c1.text_input(_("Search by resource name, code or data item"), key="pub_text",
                         placeholder=_("e.g. 公民身份号码"))
    with c2:
        unit_id = cw.unit_picker(_("Providing unit"), units, key="pub_unit")
    classification = c3.selectbox(_("Classification"), [None, *cw.options("classification")], key="pub_class",
                                  format_func=lambda c: _("All") if c is None else cw.name_of("classification", c))
    share_type = c4.selectbox(_("Share type"), [None, *cw.options("share_type")], key="pub_share",
                              format_func=lambda c: _("All") if c is None else cw.name_of("share_type", c))

filters = (text, unit_id, classification, share_type)
if st.session_state.get("pub_filters") != filters:
    st.session_state["pub_filters"] = filters
    st.session_state["pub_page"] = 1
page_size = get_settings().page_size
page = st.session_state.get("pub_page", 1)
rows, total = catalog.search_published(actor, text=text or None, unit_id=unit_id, classification=classification,
                                       share_type=share_type, page=page, page_size=page_size)
pages = max(1, -(-total // page_size))

st.caption(_("{n} published entries found", n=total))
table = cw.display_frame(rows, {"resource_code": "Resource code", "name": "Resource name", "provider": "Providing unit",
                                "classification": "Classification", "share_type": "Share type",
                                "open_attribute": "Open attribute", "update_frequency": "Update frequency",
                                "items": "Data items"},
                         enums={"classification": "classification", "share_type": "share_type",
                                "open_attribute": "open_attribute", "update_frequency": "update_frequency"})
event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                     key=f"pub_table_{page}")

nav = st.columns([1, 1, 4])
if nav[0].button(_("Previous page"), disabled=page <= 1, icon=":material/chevron_left:"):
    st.session_state["pub_page"] = page - 1
    st.rerun()
if nav[1].button(_("Next page"), disabled=page >= pages, icon=":material/chevron_right:"):
    st.session_state["pub_page"] = page + 1
    st.rerun()
nav[2].caption(_("Page {page} of {pages}", page=page, pages=pages))

selected = event.selection.rows if event and event.selection else []
if selected:
    entry_id = int(rows.iloc[selected[0]]["id"])
    view = session.run_action(catalog.get_entry, actor, entry_id)
    if view:
        with st.container(border=True):
            st.subheader(f"{md_escape(view.name)}（{md_escape(view.resource_code)}）")
            entry_notice(actor, entry_id)
            if view.share_type == "not_shared" and view.restriction_basis:
                st.info(_("Not shared. Legal basis: {basis}", basis=view.restriction_basis))
            cw.entry_details(view)
            share_page = Path(ROOT / "pages" / "share_apply.py")
            if (share_page.exists() and can(actor, "share.apply") and view.provider_unit_id != actor.unit_id
                    and st.button(_("Apply for this data"), type="primary", icon=":material/send:")):
                st.session_state["share_entry_id"] = entry_id
                st.switch_page("pages/sharing/apply.py")
