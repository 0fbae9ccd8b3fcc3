"""Personal data at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key kept outside the database and the
repository (GOVDATA_PERSONAL_DATA_KEY, or data/.personal_data_key generated once — the one key for personal data at rest, shared with corrections), and the keyed client hash of the rate limit."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from services.core.settings import get_settings


@lru_cache(maxsize=4)
def _fernet(secret: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"govdata.personal-data\x00" + secret).digest()))


def _current() -> Fernet:
    return _fernet(get_settings().personal_data_secret())


def encrypt(text: str) -> str:
    return _current().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str | None) -> str:
    """The plain text, or an empty string for a token this key did not write (a restored database, a lost key)."""
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        return ""


def client_hash(client: str) -> str:
    """A keyed hash of the client address: the database never holds the address itself."""
    return hmac.new(get_settings().personal_data_secret(), client.encode("utf-8"), hashlib.sha256).hexdigest()
