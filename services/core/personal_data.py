"""Personal data at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key kept outside the database and the
repository (settings.personal_data_secret). The database holds tokens only; `mask_resident_id` is what screens
show of a resident ID."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from services.core.settings import get_settings


@lru_cache(maxsize=4)
def _fernet(secret: bytes) -> Fernet:
    # Any configured string becomes a valid 32-byte Fernet key; the key file itself never leaves the server.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"govdata-personal-data:" + secret).digest()))


def encrypt(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    return _fernet(get_settings().personal_data_secret()).encrypt(value.encode("utf-8")).decode("ascii")


def encrypt_bytes(value: bytes) -> bytes:
    return _fernet(get_settings().personal_data_secret()).encrypt(value)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet(get_settings().personal_data_secret()).decrypt(token)


def decrypt(token: str | None) -> str | None:
    """The plain value, or None when there is none or it cannot be read with the current key."""
    if not token:
        return None
    try:
        return _fernet(get_settings().personal_data_secret()).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):  # not a token this key wrote (a restored database, a lost key)
        return None


def mask_resident_id(number: str | None) -> str | None:
    """First six and last four characters of an 18-character ID (region and check digit stay readable)."""
    if not number:
        return None
    return number[:6] + "*" * (len(number) - 10) + number[-4:] if len(number) > 10 else "*" * len(number)


def mask_name(name: str | None) -> str | None:
    if not name:
        return None
    return name[0] + "*" * (len(name) - 1)
