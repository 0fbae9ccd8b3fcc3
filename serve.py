"""The web server's entry point: `streamlit run serve.py` (make run, deploy/run-app-servers.sh).

It serves the Streamlit app (app.py) on Streamlit's own Starlette server (`st.App`) with one route more,
`/auth/session`, through which the server sets the HttpOnly session cookie (ui/session_cookie.py). Running
`streamlit run app.py` directly still works, without that cookie (a reload asks to sign in again)."""

import streamlit as st

from ui import session_cookie

session_cookie.enable()
app = st.App("app.py", routes=session_cookie.routes())
