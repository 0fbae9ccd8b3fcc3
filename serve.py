"""The web server's entry point: `streamlit run serve.py` (make run, deploy/run-app-servers.sh).

It serves the Streamlit app (app.py) on Streamlit's own Starlette server (`st.App`) with one route more,
`/auth/session`, through which the server sets the HttpOnly session cookie (ui/session_cookie.py), and starts the
daily jobs as the process starts (app.py starts them again on the first page of each new local day; each job runs
once a day across every process, services/daily.py). Running `streamlit run app.py` directly still works, without
that cookie (a reload asks to sign in again).

It also tells Streamlit before the first session that the `pages/` folder is not a page list. app.py builds the
navigation with `st.navigation`, but until the first `st.navigation` call of a process Streamlit treats an app
beside a `pages/` folder as a folder-based multipage app, so the first visitor who opened a page by its address (a
public link such as /open-catalog, shared by mail or printed on a receipt) got a "Page not found" dialog: the
folder lists no such page (its scripts are in section subfolders)."""

import logging
import threading
from contextlib import asynccontextmanager

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from services.core.settings import get_settings
from ui import session_cookie

PagesManager.uses_pages_directory = False  # pages/ holds the scripts app.py's st.navigation names, nothing else


def _daily_jobs_at_start() -> None:
    from services import daily
    from services.core import db, schema

    try:
        db.get_engine()  # binds the process-wide engine (app.py's first page may rebind it: harmless)
        if not schema.is_empty():  # a new database gets its schema from the first page (app.py)
            daily.run_due()
    except Exception:
        logging.getLogger("govdata.daily").exception("daily jobs at start failed")


@asynccontextmanager
async def _lifespan(_app):
    if get_settings().daily_jobs_in_app:
        threading.Thread(target=_daily_jobs_at_start, name="govdata-daily-jobs-start", daemon=True).start()
    yield


session_cookie.enable()
app = st.App("app.py", routes=session_cookie.routes(), lifespan=_lifespan)
