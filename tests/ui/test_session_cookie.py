"""The HttpOnly session cookie route (ui/session_cookie.py): a ticket is exchanged once, within its lifetime, only
with the custom header from the same origin, and the answer is an HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

import warnings

import pytest
from starlette.applications import Starlette

with warnings.catch_warnings():  # starlette's note about a newer httpx; the client works the same
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from ui import session_cookie

H = {session_cookie.HEADER: "1"}


@pytest.fixture
def client():
    return TestClient(Starlette(routes=session_cookie.routes()), base_url="http://testserver")


def test_a_ticket_is_redeemed_once_and_only_before_it_expires():
    ticket = session_cookie.issue("token-1", now=100.0)
    assert session_cookie.redeem(ticket, now=101.0) == "token-1"
    assert session_cookie.redeem(ticket, now=101.0) is None
    late = session_cookie.issue("token-2", now=100.0)
    assert session_cookie.redeem(late, now=100.0 + session_cookie.TICKET_SECONDS) is None
    assert session_cookie.redeem("guessed", now=100.0) is None


def test_the_exchange_answers_with_an_httponly_strict_cookie_once(client):
    ticket = session_cookie.issue("token-3")
    answer = client.post(session_cookie.ROUTE_PATH, content=ticket, headers=H)
    assert answer.status_code == 204
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{session_cookie.COOKIE_NAME}=token-3;")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie and "Secure" not in cookie
    assert "Max-Age" not in cookie  # ends with the browser; the server ends idle sessions
    again = client.post(session_cookie.ROUTE_PATH, content=ticket, headers=H)
    assert again.status_code == 403 and "set-cookie" not in again.headers


def test_over_tls_the_cookie_is_secure(client):
    ticket = session_cookie.issue("token-4")
    answer = client.post(session_cookie.ROUTE_PATH, content=ticket, headers={**H, "X-Forwarded-Proto": "https"})
    assert "Secure" in answer.headers["set-cookie"]


@pytest.mark.parametrize("headers", [{}, {**H, "Sec-Fetch-Site": "cross-site"}, {**H, "Sec-Fetch-Site": "same-site"}],
                         ids=["no-header", "cross-site", "same-site"])
def test_a_request_from_another_site_gets_no_cookie_and_spends_nothing(client, headers):
    ticket = session_cookie.issue("token-5")
    for method in ("post", "delete"):
        answer = client.request(method, session_cookie.ROUTE_PATH, content=ticket, headers=headers)
        assert answer.status_code == 403 and "set-cookie" not in answer.headers
    assert session_cookie.redeem(ticket) == "token-5"  # still there for the genuine page


def test_sign_out_clears_the_cookie(client):
    answer = client.delete(session_cookie.ROUTE_PATH, headers=H)
    assert answer.status_code == 204
    assert "Max-Age=0" in answer.headers["set-cookie"] and "HttpOnly" in answer.headers["set-cookie"]


def test_the_page_never_holds_the_session_token():
    ticket = session_cookie.issue("secret-token")
    script = session_cookie.exchange_script(ticket)
    assert "secret-token" not in script and ticket in script and session_cookie.HEADER in script
    assert "document.cookie" not in script + session_cookie.clear_script()
