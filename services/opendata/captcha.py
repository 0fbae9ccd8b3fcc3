"""A simple image captcha for the public forms: an addition drawn as a distorted SVG, answered in a signed,
expiring ticket (nothing kept on the server). Combined with the per-client rate limit in the database."""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import time
from dataclasses import dataclass

from services.core.settings import get_settings


@dataclass(frozen=True)
class Challenge:
    ticket: str  # signed: expiry and a hash of the answer
    svg: str  # the image shown to the applicant


def _sign(payload: str) -> str:
    key = get_settings().signing_key().encode("utf-8")
    return hmac.new(key, b"captcha\x00" + payload.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _answer_hash(answer: str, nonce: str) -> str:
    return hashlib.sha256(f"{nonce}:{answer.strip()}".encode()).hexdigest()[:16]


def new(*, now: float | None = None, rng: random.Random | None = None) -> tuple[Challenge, str]:
    """A new challenge and its answer (the answer is returned for tests; pages show only the image)."""
    rng = rng or random.SystemRandom()
    a, b = rng.randint(10, 49), rng.randint(1, 9)
    answer = str(a + b)
    nonce = secrets.token_hex(6)
    expires = int((now or time.time()) + get_settings().captcha_minutes * 60)
    payload = f"{expires}.{nonce}.{_answer_hash(answer, nonce)}"
    return Challenge(ticket=f"{payload}.{_sign(payload)}", svg=_svg(f"{a} + {b} = ?", rng)), answer


def check(ticket: str | None, answer: str | None, *, now: float | None = None) -> bool:
    try:
        expires, nonce, digest, signature = (ticket or "").split(".")
        expiry = int(expires)
    except ValueError:
        return False
    payload = f"{expires}.{nonce}.{digest}"
    if not hmac.compare_digest(signature, _sign(payload)) or expiry < (now or time.time()):
        return False
    return hmac.compare_digest(digest, _answer_hash(answer or "", nonce))


def _svg(text: str, rng: random.Random) -> str:
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="180" height="56" viewBox="0 0 180 56">',
             '<rect width="180" height="56" fill="#f4f6f8"/>']
    for _ in range(6):
        parts.append(f'<line x1="{rng.randint(0, 180)}" y1="{rng.randint(0, 56)}" x2="{rng.randint(0, 180)}" '
                     f'y2="{rng.randint(0, 56)}" stroke="#9aa5b1" stroke-width="1"/>')
    x = 12
    for ch in text:
        if ch != " ":
            parts.append(f'<text x="{x}" y="{rng.randint(32, 40)}" font-family="monospace" font-size="24" '
                         f'fill="#1f2933" transform="rotate({rng.randint(-18, 18)} {x} 30)">{ch}</text>')
        x += 15
    parts.append("</svg>")
    return "".join(parts)
