"""QR codes for the screen (the authenticator-app enrolment link), drawn without image libraries."""

from __future__ import annotations

import io

import segno


def qr_png(text: str, *, scale: int = 5) -> bytes:
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()
