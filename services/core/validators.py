"""Identifier checks: unified social credit code (GB 32100), organisation code (GB 11714), resident ID (GB 11643)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

from services.core.i18n import gettext as _

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
EARLIEST_BIRTH_YEAR = 1900


def normalize_code(code: str | None) -> str:
    """A credit code as typed, in the form GB 32100 defines: full-width letters and digits (what a Chinese input
    method types) and the ideographic space become their ASCII forms (NFKC), then trimmed and upper-cased.
    Other digits (Arabic-Indic, …) are left alone, so the check below refuses them."""
    return unicodedata.normalize("NFKC", code or "").strip().upper()


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(first8, ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def uscc_error(code: str | None) -> str | None:
    """None when `code` is a valid USCC, otherwise a message saying what is wrong."""
    code = normalize_code(code)
    if len(code) != 18:
        return _("A unified social credit code has 18 characters.")
    if not _USCC_RE.match(code):
        return _("The unified social credit code contains characters it cannot have (I, O, S, V, Z are never used).")
    if uscc_check_char(code[:17]) != code[17]:
        return _("The check character of the unified social credit code is wrong.")
    org = code[8:17]
    if all(c.isdigit() or c in "ABCDEFGHJKLMNPQRTUWXY" for c in org[:8]) and org_code_check_char(org[:8]) != org[8]:
        return _("The organisation code inside the unified social credit code has a wrong check character.")
    return None


_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8}(-\d{1,6})?)$")


def phone_error(number: str | None) -> str | None:
    """None for an empty value or a mainland phone number: a mobile (11 digits), a landline with or without
    its area code (0591-87654321) and an optional extension; spaces are ignored."""
    text = "".join((number or "").split())
    if not text or _PHONE_RE.match(text):
        return None
    return _("Enter a mobile number (11 digits) or a landline such as 0591-87654321.")


def make_uscc(authority: str, kind: str, region_code: str, org_body: str) -> str:
    """Build a valid USCC from its parts (used by the demo generator and tests)."""
    org = org_body + org_code_check_char(org_body)
    first17 = authority + kind + region_code + org
    return first17 + uscc_check_char(first17)


def resident_id_error(number: str | None) -> str | None:
    number = (number or "").strip().upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        return _("A resident ID number has 17 digits followed by a digit or X.")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return _("The birth date inside the resident ID number is not a real date.")
    if born.year < EARLIEST_BIRTH_YEAR or born > date.today():
        return _("The birth date inside the resident ID number is not plausible.")
    total = sum(int(c) * w for c, w in zip(number[:17], RESIDENT_ID_WEIGHTS, strict=True))
    if RESIDENT_ID_CHECK[total % 11] != number[17]:
        return _("The check digit of the resident ID number is wrong.")
    return None


def region_code_error(code: str | None) -> str | None:
    if not re.fullmatch(r"[0-9]{6}", (code or "").strip()):
        return _("An administrative division code (GB/T 2260) has 6 digits.")
    return None


# --- limits every form shares: a refusal says what is wrong, nothing is cut or replaced silently -----------------
EARLIEST_DATE = date(2000, 1, 1)  # no record of the platform (catalog, request, trigger, audit) is dated earlier
YEARS_AHEAD = 10  # an end date (access needed until, agreement valid until) at most this far ahead


def text_error(value: str | None, limit: int) -> str | None:
    """None when `value` fits in `limit` characters, otherwise a message giving the limit and the length (a
    pasted text is refused with this, never cut off)."""
    if value is not None and len(value) > limit:
        return _("At most {n} characters; this text has {m}.", n=limit, m=len(value))
    return None


def length_errors(errors: dict[str, str], limits: Mapping[str, int], values: Mapping[str, str | None]) -> None:
    """Add text_error's message for each field of `limits` whose (stripped) value is too long, unless the field
    already has a problem. A form field shows the limit in its help and has no max_chars (a longer paste would be
    dropped without a word), so the service is where the length is refused, for the screens, the CLI and the API."""
    for field, limit in limits.items():
        if field not in errors and (problem := text_error((values.get(field) or "").strip(), limit)):
            errors[field] = problem


def latest_end_date(today: date) -> date:
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def date_error(value: date | None, *, earliest: date | None = EARLIEST_DATE, latest: date | None = None) -> str | None:
    """None for an empty date or one within [earliest, latest]; otherwise a message naming the bound."""
    if value is None:
        return None
    if earliest is not None and value < earliest:
        return _("The date must be on or after {day}.", day=earliest.isoformat())
    if latest is not None and value > latest:
        return _("The date must be on or before {day}.", day=latest.isoformat())
    return None
