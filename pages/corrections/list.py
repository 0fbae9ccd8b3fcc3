"""Corrections (纠错): what my unit must verify, what it filed, and (bureau, leaders) all corrections."""

import streamlit as st

from models.user import Role
from services.core.i18n import gettext as _
from services.corrections import queries
from ui import session
from ui.corrections.widgets import CORRECTION_COLUMNS, label_rows, show_correction
from ui.tables import data_table

actor = session.require_actor()
session.show_flash()
head = st.columns([4, 1], vertical_alignment="bottom")
head[0].title(_("Corrections"))
if actor.has(Role.UNIT_STEWARD) and head[1].button(_("Report wrong data"), icon=":material/add:", type="primary"):
    st.switch_page("pages/corrections/file.py")

views = {"incoming": _("To verify"), "filed": _("Filed by my unit"), "all": _("All")} \
    if actor.has(Role.UNIT_STEWARD) else {"all": _("All")}
view = st.segmented_control(_("Show"), list(views), format_func=views.get, default=list(views)[0],
                            key="corr_view") or list(views)[0]
if view == "incoming":
    df, total = queries.incoming(actor, status="open")
elif view == "filed":
    df, total = queries.filed_by_unit(actor)
else:
    df, total = queries.all_corrections(actor)
st.caption(_("{n} corrections", n=total))
selected = data_table(label_rows(df), CORRECTION_COLUMNS, key=f"corr_table_{view}", height=320)
if selected is not None:
    show_correction(actor, int(selected["id"]))
