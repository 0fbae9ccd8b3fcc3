"""A simple image captcha for the public forms: an addition drawn as a noisy PNG (glyphs rotated one by one, lines
across), answered in a signed, expiring ticket (nothing kept on the server). Every attempt also counts toward the
per-client rate limit in the database, so the small answer space cannot be walked. A deployment in demo mode may
switch it off for browser tests (GOVDATA_CAPTCHA_ENABLED=false); outside demo mode it is always on."""

from __future__ import annotations

import hashlib
import hmac
import io
import random
import secrets
import time
from dataclasses import dataclass

from services.core.settings import get_settings


@dataclass(frozen=True)
class Challenge:
    ticket: str  # signed: expiry and a hash of the answer
    image: bytes  # PNG shown to the applicant


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
    return Challenge(ticket=f"{payload}.{_sign(payload)}", image=_png(f"{a}+{b}=?", rng)), answer


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


def enabled() -> bool:
    cfg = get_settings()
    return cfg.captcha_enabled or not cfg.demo_mode


def _png(text: str, rng: random.Random) -> bytes:
    from PIL import Image, ImageDraw, ImageFont  # Pillow comes with streamlit

    width, height = 170, 56
    image = Image.new("RGB", (width, height), (244, 246, 248))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=30)
    x = 8
    for ch in text:
        glyph = Image.new("RGBA", (34, 44), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((4, 2), ch, font=font, fill=(rng.randint(10, 80), rng.randint(20, 90), 60, 255))
        glyph = glyph.rotate(rng.randint(-25, 25), resample=Image.Resampling.BICUBIC, expand=False)
        image.paste(glyph, (x, rng.randint(2, 10)), glyph)
        x += rng.randint(20, 25)
    for _ in range(7):
        draw.line([(rng.randint(0, width), rng.randint(0, height)), (rng.randint(0, width), rng.randint(0, height))],
                  fill=(rng.randint(100, 180), rng.randint(100, 180), rng.randint(100, 180)), width=1)
    for _ in range(250):
        draw.point((rng.randint(0, width - 1), rng.randint(0, height - 1)), fill=(120, 120, 120))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
