"""The browser's session cookie, set by the server as HttpOnly (never by a script in the page).

A Streamlit script cannot answer an HTTP request: it runs over a WebSocket after the page was served, so it cannot
send `Set-Cookie`. The web server started by `serve.py` (Streamlit's own Starlette server, `st.App`) therefore
carries one more route, `/auth/session`:

1. the signed-in Streamlit session asks for a one-time exchange ticket (`issue`): 32 random bytes, valid for
   `TICKET_SECONDS`, kept in this process only, mapped to the session token;
2. a small script in the page posts the ticket to `POST /auth/session` with the header `X-GovData-Session`
   (a cross-site page cannot send that header without a CORS preflight, which this route never answers);
3. the route redeems the ticket (once: it is removed as it is read) and answers
   `Set-Cookie: govdata_session=<token>; HttpOnly; SameSite=Strict; Path=/` (`Secure` over TLS);
4. after a reload, or on another app process after a failover, `ui.session.restore_from_cookie` reads the cookie
   from `st.context.cookies` (the browser sends it with the WebSocket handshake) and asks the server whether the
   session is still live.

`DELETE /auth/session` (same header) clears the cookie at sign-out. The token itself never appears in the page;
only a ticket does, and it is spent within a second of being written. The ticket is redeemed by the process that
issued it: behind nginx the route cookie keeps a browser on one process (deploy/nginx-govdata.conf).

When the app is started without `serve.py` (`streamlit run app.py`, AppTest) the route does not exist: `served()`
is False and no cookie is written at all — the sign-in then lasts as long as the tab's connection."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time

COOKIE_NAME = "govdata_session"
ROUTE_PATH = "/auth/session"
HEADER = "X-GovData-Session"
TICKET_SECONDS = 30

_lock = threading.Lock()
_tickets: dict[str, tuple[str, float]] = {}  # SHA-256 of the ticket -> (session token, expiry on the monotonic clock)
_served = False


def enable() -> None:
    """Called by serve.py before the server starts: this process answers `/auth/session`."""
    global _served
    _served = True


def served() -> bool:
    return _served


def _key(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8")).hexdigest()


def issue(token: str, *, now: float | None = None) -> str:
    """A one-time ticket that the route exchanges for a cookie holding `token`."""
    moment = time.monotonic() if now is None else now
    ticket = secrets.token_urlsafe(32)
    with _lock:
        for key in [k for k, (_t, expires) in _tickets.items() if expires <= moment]:
            del _tickets[key]  # forgotten, never redeemed
        _tickets[_key(ticket)] = (token, moment + TICKET_SECONDS)
    return ticket


def redeem(ticket: str, *, now: float | None = None) -> str | None:
    """The session token behind `ticket`, once; None when unknown, already used or expired."""
    moment = time.monotonic() if now is None else now
    with _lock:
        entry = _tickets.pop(_key(ticket or ""), None)
    if entry is None or entry[1] <= moment:
        return None
    return entry[0]


def _same_origin(request) -> bool:
    """The custom header (forces a CORS preflight from any other origin) and, where the browser says where the
    request came from, the same origin."""
    if request.headers.get(HEADER) is None:
        return False
    return request.headers.get("sec-fetch-site", "same-origin") == "same-origin"


def _secure(request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


async def _exchange(request):
    from starlette.responses import Response

    if not _same_origin(request):
        return Response(status_code=403)
    ticket = (await request.body())[:200].decode("ascii", "replace").strip()
    token = redeem(ticket)
    if token is None:
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    # No Max-Age: the cookie ends with the browser; the server ends idle sessions whatever the cookie says.
    response.set_cookie(COOKIE_NAME, token, path="/", httponly=True, secure=_secure(request), samesite="strict")
    return response


async def _clear(request):
    from starlette.responses import Response

    if not _same_origin(request):
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, secure=_secure(request), samesite="strict")
    return response


def routes() -> list:
    from starlette.routing import Route

    return [Route(ROUTE_PATH, _exchange, methods=["POST"]), Route(ROUTE_PATH, _clear, methods=["DELETE"])]


def exchange_script(ticket: str) -> str:
    """The page's part: post the ticket to the route (same origin, the custom header)."""
    return (f"<script>fetch('{ROUTE_PATH}', {{method: 'POST', credentials: 'same-origin', "
            f"headers: {{'{HEADER}': '1', 'Content-Type': 'text/plain'}}, body: '{ticket}'}});</script>")


def clear_script() -> str:
    return (f"<script>fetch('{ROUTE_PATH}', {{method: 'DELETE', credentials: 'same-origin', "
            f"headers: {{'{HEADER}': '1'}}}});</script>")
