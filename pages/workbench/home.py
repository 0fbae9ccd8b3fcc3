"""Home (我的待办): what is waiting for the signed-in user, panel by panel for each of their roles."""

import streamlit as st

from services.core.i18n import gettext as _
from ui import session
from ui.home import panels_for
from ui.markdown import md_escape

actor = session.require_actor()
session.show_flash()
st.title(_("My to-do"))
st.caption(_("{name}, {unit}", name=md_escape(actor.display_name), unit=md_escape(actor.unit_name)))
panels = panels_for(actor)
if not panels:
    st.info(_("Nothing is waiting for you."))
for panel in panels:
    panel.render(actor)
