"""Get data (申请共享数据): find an entry in the published catalog and get access (unconditional), apply
(conditional) or ask for verification (not shared); or request data that is not in the catalog yet."""

import pandas as pd
import streamlit as st

from services import catalog
from services.core.i18n import gettext as _
from services.deadlines import policy
from services.sharing import queries as sharing_queries
from ui import session
from ui.markdown import md_escape, md_text
from ui.sharing.widgets import access_form, application_form, fields_md, uncatalogued_form, verification_form
from ui.tables import data_table

actor = session.require_actor()
session.show_flash()
st.title(_("Get data"))
st.caption(_("Sharing is the rule (Longyan §11, Shanghai §5): unconditional data is granted at once; conditional "
             "data is applied for and answered within the working days of the active policy."))

from_catalog, not_catalogued = st.tabs([_("From the catalog"), _("Data not in the catalog")])

with from_catalog:
    entry_id = st.session_state.get("share_entry_id")
    search = st.text_input(_("Search the published catalog (name, code or data item)"), key="share_apply_search")
    if search.strip():
        found, total = catalog.search_published(actor, text=search, page_size=10)
        found["share_type_text"] = found["share_type"].map(policy.share_type_label)
        picked = data_table(found, {"resource_code": "Resource code", "name": "Name", "provider": "Providing unit",
                                    "share_type_text": "Share type", "items": "Data items"},
                            key="share_apply_found", height=250)
        st.caption(_("{n} entries found; the first 10 are shown.", n=total))
        if picked is not None:
            entry_id = int(picked["id"])
            st.session_state["share_entry_id"] = entry_id
    if entry_id:
        entry = session.run_action(catalog.get_entry, actor, int(entry_id))
        if entry and entry is not True:
            with st.container(border=True):
                st.subheader(f"{md_escape(entry.name)} · {md_escape(entry.resource_code)}")
                rows = [(_("Providing unit"), entry.provider), (_("Share type"), policy.share_type_label(entry.share_type))]
                if entry.share_conditions:
                    rows.append((_("Share conditions"), entry.share_conditions))
                if entry.summary:
                    rows.append((_("Summary"), entry.summary))
                st.markdown(fields_md(rows))
                st.dataframe(pd.DataFrame([{_("Data item"): i["name"], _("Data type"): i["data_type"],
                                            _("Sensitive"): "⚠" if i["is_sensitive"] else ""}
                                           for i in entry.data_items]), hide_index=True, height=160)
            access = sharing_queries.my_access(actor, entry.id)
            if access.state == "not_published":
                st.warning(_("This entry is not published: it cannot be requested."))
            elif access.state == "own_unit":
                st.info(_("Your unit provides this data itself."))
            elif access.state == "granted":
                st.success(_("Your unit has access to this entry until {day}.", day=access.grant_ends_on))
            elif access.state == "open_request":
                st.info(md_text("Your unit already has an open request {code} for this entry.",
                          code=access.open_request_code))
                if st.button(_("Open the request")):
                    st.session_state["share_request_id"] = access.open_request_id
                    st.switch_page("pages/sharing/request.py")
            elif "access" in access.options:
                access_form(actor, entry)
            elif "apply" in access.options:
                application_form(actor, entry)
                with st.expander(_("Your unit does not meet the share conditions? Ask for verification instead")):
                    verification_form(actor, entry)
            elif "verify" in access.options:
                st.error(md_text("Not shared. Legal basis: {basis}", basis=entry.restriction_basis or "—"),
                         icon=":material/block:")
                st.markdown(_("You may ask the provider to verify or compare your data against it "
                              "instead of receiving it."))
                verification_form(actor, entry)
    else:
        st.caption(_("Search above, or choose “Apply” on an entry in the published catalog."))

with not_catalogued:
    st.caption(_("The unit confirms within the working days of the active policy and catalogs the data; the "
                 "request then continues as an application."))
    uncatalogued_form(actor)
