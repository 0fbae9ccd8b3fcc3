"""Personal data of open-data applicants at rest, through the one helper for the public's personal data
(services.core.personal_data: Fernet, key outside the database and the repository), and the keyed client hash of
the rate limit."""

from __future__ import annotations

import hashlib
import hmac

from services.core import personal_data
from services.core.settings import get_settings


def encrypt(text: str) -> str:
    return personal_data.encrypt(text) or ""


def decrypt(token: str | None) -> str:
    """The plain text, or an empty string for a token this key did not write (a restored database, a lost key)."""
    return personal_data.decrypt(token) or ""


def client_hash(client: str) -> str:
    """A keyed hash of the client address: the database never holds the address itself."""
    return hmac.new(get_settings().personal_data_secret(), client.encode("utf-8"), hashlib.sha256).hexdigest()
