"""Entry point: page config, schema on first start, sign-in gate, language, and navigation built from roles."""

from __future__ import annotations

import threading

import streamlit as st

from services.core import db, schema
from services.core.i18n import gettext as _
from services.core.settings import ROOT, get_settings
from services.core.timeutil import local_date
from ui import session, sidebar
from ui.navigation import PAGES, SECTION_ORDER, pages_for

# The icon is served from this server: a material-symbol icon would make every browser fetch it from
# fonts.gstatic.com, which the Content-Security-Policy (deploy/nginx-govdata.conf) rightly blocks.
st.set_page_config(page_title="GovData Hub", page_icon=str(ROOT / "ui" / "assets" / "favicon.png"), layout="wide",
                   initial_sidebar_state="expanded", menu_items={"Get help": None, "Report a bug": None,
                                                                 "About": "GovData Hub"})


@st.cache_resource(show_spinner=False)
def _database_ready() -> bool:
    """Once per process: bind the engine and bring an empty database to the latest schema."""
    db.configure()
    if schema.is_empty():
        schema.upgrade()
        from services.administration import bootstrap

        bootstrap.reference_data()
    return True


_database_ready()


@st.cache_resource(show_spinner=False, max_entries=2)
def _daily_jobs(today_iso: str) -> threading.Thread:
    """Once per process and local day: reminders and the share-grant sweep, in a background thread so that no
    page waits for them; each job runs at most once a day across processes and logs its failures."""
    from services import daily

    thread = threading.Thread(target=daily.run_due, name=f"govdata-daily-jobs-{today_iso}", daemon=True)
    thread.start()
    return thread


if get_settings().daily_jobs_in_app:
    _daily_jobs(local_date().isoformat())
sidebar.inject_css()
session.begin_run()
session.restore_from_cookie()
if not session.enforce_idle_timeout():  # a statement, not an expression: Streamlit would print its value
    session.revalidate()  # the account's active state and roles, once per run
session.apply_language()
sidebar.inject_language_css()
if get_settings().demo_mode:  # on every page, signed in or not, so demo mode is never left on unnoticed;
    # after the language is known, so an English session reads it in English
    st.warning(_("**Demo mode** — demo accounts are listed on the sign-in page and second-factor enrolment is not "
               "forced. Never use it with real data (unset GOVDATA_DEMO_MODE)."), icon=":material/science:")

actor = session.actor()
if actor is None:
    session.keep_cookie()  # clears a cookie left by a session that just ended
    # Pages without sign-in: the public may report wrong data and track it with the code it received.
    # The sign-in page twice: as the default page (served at "/", where Streamlit puts a default page whatever its
    # url_path) and at /sign-in, so that a link to /sign-in opens it too instead of "Page not found".
    public = [st.Page("pages/account/sign_in.py", title=_("Sign in"), icon=":material/login:", url_path="start",
                      default=True),
              st.Page("pages/account/sign_in.py", title=_("Sign in"), icon=":material/login:", url_path="sign-in"),
              st.Page("pages/public/report_correction.py", title=_("Report wrong government data"),
                      icon=":material/flag:", url_path="report-correction"),
              st.Page("pages/public/track_correction.py", title=_("Track a correction"), icon=":material/search:",
                      url_path="track-correction")]

    from ui.opendata.widgets import PUBLIC_PAGES  # the open-data portal needs no account

    public += [st.Page(path, title=_(title), icon=icon, url_path=path.rsplit("/", 1)[1][:-3].replace("_", "-"))
               for path, title, icon in PUBLIC_PAGES if path.startswith("pages/public/")]
    # The address of a page behind the sign-in (a bookmark of /dashboard, a session that ended) shows the sign-in
    # page, not "Page not found"; once signed in, the same address opens the page if the user's roles have it.
    taken = {p.url_path for p in public} | {"start"}
    public += [st.Page("pages/account/sign_in.py", title=_("Sign in"), icon=":material/login:", url_path=url)
               for url in dict.fromkeys(spec.url_path for spec in PAGES if spec.url_path) if url not in taken]
    st.navigation(public, position="hidden").run()
    st.stop()

if st.session_state.get("govdata_must_change_password") or st.session_state.get("govdata_must_enrol_totp"):
    # An expired or handed-over password, or a missing second factor, comes before anything else.
    page = st.Page("pages/account/account.py", title=_("Account and password"), icon=":material/person:",
                   url_path="account", default=True)
    sidebar.render(actor)
    st.navigation([page]).run()
    st.stop()

specs = pages_for(actor.roles)
sections: dict[str, list] = {}
for spec in sorted(specs, key=lambda s: SECTION_ORDER.index(s.section)):
    first = spec is specs[0]
    # The first page is the default, which Streamlit serves at "/" only, whatever its url_path; so it is registered
    # under an internal url_path and once more, hidden from the menu, at its own address: a bookmark or a typed
    # /dashboard (the leader's first page) opens it instead of "Page not found" (as /sign-in does signed out).
    page = st.Page(spec.path, title=_(spec.title), icon=spec.icon,
                   url_path="start" if first else spec.url_path, default=first)
    sections.setdefault(_(spec.section), []).append(page)
    if first and spec.url_path:
        sections[_(spec.section)].append(st.Page(spec.path, title=_(spec.title), icon=spec.icon,
                                                 url_path=spec.url_path, visibility="hidden"))

sidebar.render(actor)
session.run_page(st.navigation(sections, expanded=True))
