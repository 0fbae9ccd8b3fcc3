"""Open catalog (开放目录): published entries open to the public, searchable and downloadable without an account."""

import streamlit as st

from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.settings import get_settings
from services.deadlines import policy
from services.opendata import open_catalog
from ui.markdown import md_escape
from ui.opendata.widgets import CLASSIFICATION, FREQUENCY, public_header
from ui.tables import current_page, data_table, pager, reset_page

public_header()
st.title(_("Open data catalog"))
st.caption(_("Data published by the government units for everyone. Conditionally open data can be applied for."))
cols = st.columns([3, 2, 2, 2])
text = cols[0].text_input(_("Search"), key="open_catalog_text", on_change=reset_page, args=("open_catalog",),
                          placeholder=_("Name, code or data item"))
units = open_catalog.units()
unit_id = cols[1].selectbox(_("Unit"), [0, *units], format_func=lambda u: units.get(u, _("All")),
                            key="open_catalog_unit", on_change=reset_page, args=("open_catalog",))
classification = cols[2].selectbox(_("Classification"), ["", *CLASSIFICATION],
                                   format_func=lambda c: _(CLASSIFICATION[c]) if c else _("All"),
                                   key="open_catalog_class", on_change=reset_page, args=("open_catalog",))
attribute = cols[3].selectbox(_("Open attribute"), ["", *open_catalog.OPEN_ATTRIBUTES],
                              format_func=lambda a: policy.open_attribute_label(a) if a else _("All"),
                              key="open_catalog_attribute", on_change=reset_page, args=("open_catalog",))
page = current_page("open_catalog")
frame, total = open_catalog.search(text=text, unit_id=unit_id or None, classification=classification or None,
                                   open_attribute=attribute or None, page=page)
shown = frame.assign(classification=frame["classification"].map(lambda c: _(CLASSIFICATION.get(c, c))),
                     open_attribute=frame["open_attribute"].map(policy.open_attribute_label),
                     update_frequency=frame["update_frequency"].map(lambda f: _(FREQUENCY.get(f, f)) if f else ""))
columns = {"resource_code": N_("Resource code"), "name": N_("Name"), "unit": N_("Unit"),
           "classification": N_("Classification"), "open_attribute": N_("Open attribute"),
           "update_frequency": N_("Update frequency"), "published_on": N_("Published on")}
selected = data_table(shown, columns, key="open_catalog_table", height=360)
pager("open_catalog", page, max(1, -(-total // get_settings().page_size)), total)

# Downloads are built on request (the whole open catalog), never on every rerun of the search.
FORMATS = {"csv": ("CSV", "open_catalog.csv", "text/csv"),
           "xlsx": ("XLSX", "open_catalog.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
           "jsonld": ("DCAT (JSON-LD)", "open_catalog.jsonld", "application/ld+json")}
cols = st.columns([2, 1, 1], vertical_alignment="bottom")
fmt = cols[0].segmented_control(_("Download the open catalog"), list(FORMATS), format_func=lambda f: FORMATS[f][0],
                                default="csv", key="open_catalog_format") or "csv"
if cols[1].button(_("Prepare the file"), icon=":material/download:"):
    headers = {c: c for c in open_catalog.EXPORT_COLUMNS}
    build = {"csv": lambda: open_catalog.export_csv(headers), "xlsx": lambda: open_catalog.export_xlsx(headers),
             "jsonld": lambda: open_catalog.export_dcat(theme_labels={k: _(v) for k, v in CLASSIFICATION.items()})}
    st.session_state["open_catalog_file"] = (fmt, build[fmt]())
prepared = st.session_state.get("open_catalog_file")
if prepared:
    label, filename, mime = FORMATS[prepared[0]]
    cols[2].download_button(_("Save {name}", name=label), prepared[1], filename, mime, on_click="ignore",
                            type="primary")

if selected is not None:
    entry = open_catalog.get_entry(int(selected["id"]))
    if entry:
        st.subheader(md_escape(entry.name))
        for name, value in ((_("Resource code"), entry.resource_code), (_("Unit"), entry.unit),
                            (_("Summary"), entry.summary or "—"),
                            (_("Open attribute"), policy.open_attribute_label(entry.open_attribute)),
                            (_("Open conditions"), entry.open_conditions or "—"),
                            (_("Update frequency"), _(FREQUENCY.get(entry.update_frequency or "", "—"))),
                            (_("Data last updated"), entry.data_updated_on.isoformat() if entry.data_updated_on
                             else "—"),
                            (_("Usage requirements"), entry.usage_requirements or "—")):
            st.markdown(f"**{name}**: {md_escape(str(value))}")
        st.dataframe([{_("Data item"): i["name"], _("Data type"): i["data_type"]} for i in entry.items],
                     hide_index=True, width="stretch")
        if entry.open_attribute == "conditional" and st.button(_("Apply for this data"), type="primary"):
            st.session_state["open_apply_entry"] = entry.id
            st.switch_page("pages/public/open_request.py")
