"""Request open data (开放数据申请), no account needed: a demand for data not yet open (Longyan §19) or an
application for conditionally open data of a listed entry (Qingyuan ch.5)."""

import streamlit as st

from services import opendata
from services.core.i18n import gettext as _
from services.deadlines import policy
from services.opendata import captcha, open_catalog
from services.opendata.rules import APPLICANT_KIND_LABELS
from ui import session
from ui.forms import limit_help
from ui.markdown import md_escape
from ui.opendata.widgets import KIND_LABELS, client_key, public_header

public_header()
st.title(_("Request open data"))
allowed = policy.active_profile().open_applicant_kinds
st.caption(md_escape(_("Anyone may ask for data that is not open yet. Conditionally open data may be applied for by: "
                       "{names}.", names="、".join(_(policy.APPLICANT_KIND_LABELS.get(k, k)) for k in allowed))))

if "open_captcha" not in st.session_state:
    st.session_state["open_captcha"] = captcha.new()[0]
challenge = st.session_state["open_captcha"]
preset = st.session_state.get("open_apply_entry")
kind = st.radio(_("Kind of request"), list(KIND_LABELS), format_func=lambda k: _(KIND_LABELS[k]), horizontal=True,
                index=1 if preset else 0, key="open_request_kind")
with st.form("open_request"):
    entry_id = title = description = None
    if kind == "application":
        frame, _total = open_catalog.search(open_attribute="conditional", page_size=200)
        options = dict(zip(frame["id"], frame["resource_code"] + " " + frame["name"], strict=True))
        entry_id = st.selectbox(_("Catalog entry"), list(options), format_func=options.get,
                                index=list(options).index(preset) if preset in options else None)
    else:
        title = st.text_input(_("Data you need"), help=limit_help(120))
        description = st.text_area(_("Description (optional)"), help=limit_help(1000))
    applicant_kind = st.selectbox(_("Applicant type"), list(APPLICANT_KIND_LABELS),
                                  format_func=lambda k: _(APPLICANT_KIND_LABELS[k]))
    cols = st.columns(2)
    name = cols[0].text_input(_("Name of the person or organisation"), help=limit_help(100))
    id_number = cols[1].text_input(_("Resident ID number (persons) or unified social credit code"),
                                   help=limit_help(18))
    contact = st.text_input(_("Phone or e-mail"), help=limit_help(100))
    purpose = st.text_area(_("Purpose"), help=limit_help(1000))
    domestic = st.checkbox(_("Our enterprise is domestic-controlled"))
    research = st.checkbox(_("The data is for research or education"))
    st.image(challenge.image, caption=_("Type the result of the sum in the picture"))
    answer = st.text_input(_("Result"))
    sent = st.form_submit_button(_("Submit"), type="primary")
if sent:
    data = opendata.PublicRequestInput(kind=kind, applicant_kind=applicant_kind, name=name, id_number=id_number,
                                       contact=contact, purpose=purpose, entry_id=entry_id, title=title,
                                       description=description, domestic_controlled=domestic,
                                       research_or_education=research)
    code = session.run_action(opendata.submit, data, client=client_key(), captcha_ticket=challenge.ticket,
                              captcha_answer=answer)
    st.session_state["open_captcha"] = captcha.new()[0]  # one attempt per picture
    if code:
        st.session_state.pop("open_apply_entry", None)
        st.success(_("Your request was received. Keep this tracking code: {code}", code=code),
                   icon=":material/check_circle:")
        st.code(code, language=None)
        st.page_link("pages/public/open_track.py", label=_("Track a request"), icon=":material/search:")
