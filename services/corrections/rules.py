"""Correction rules without I/O: inputs, field checks, outcomes and the actions open to the source unit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from models.correction import CorrectionStatus
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.validators import resident_id_error

TEXT_LIMITS = {"description": 2000, "reply": 2000, "change_note": 2000, "reason": 1000, "question": 1000,
               "approver": 50, "name": 50, "contact": 100}
OUTCOMES = (CorrectionStatus.CORRECTED, CorrectionStatus.CONFIRMED, CorrectionStatus.REJECTED)
STATUS_LABELS = {
    CorrectionStatus.OPEN: N_("Being verified"),
    CorrectionStatus.CORRECTED: N_("Corrected"),
    CorrectionStatus.CONFIRMED: N_("Confirmed correct"),
    CorrectionStatus.REJECTED: N_("Rejected"),
}
ORIGIN_LABELS = {"unit": N_("Unit"), "public": N_("Public")}
# Qingyuan ch.4, Yunyang §23: a data subject with valid proof is served as normal while the data is verified.
SERVED_AS_NORMAL = N_("While this correction is verified, a data subject who shows valid proof is served as "
                      "normal (Qingyuan ch.4, Yunyang §23).")
CONTACT_PATTERN = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|[^@\s]+@[^@\s]+\.[^@\s]+)$")


@dataclass
class CorrectionInput:
    entry_id: int
    description: str
    items: Sequence[str] = ()


@dataclass
class PublicCorrectionInput:
    entry_id: int
    description: str
    name: str
    contact: str
    resident_id: str | None = None
    items: Sequence[str] = field(default_factory=tuple)


@dataclass
class AnswerInput:
    outcome: str  # CorrectionStatus: corrected | confirmed | rejected
    reply: str
    change_note: str | None = None


def _text(errors: dict[str, str], name: str, value: str | None, message: str | None) -> str:
    text = (value or "").strip()
    if not text and message:
        errors[name] = message
    elif len(text) > TEXT_LIMITS[name]:
        errors[name] = _("At most {n} characters.", n=TEXT_LIMITS[name])
    return text


def correction_errors(data: CorrectionInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    _text(errors, "description", data.description, _("Describe what is wrong."))
    return errors


def public_errors(data: PublicCorrectionInput) -> dict[str, str]:
    errors = correction_errors(CorrectionInput(data.entry_id, data.description, data.items))
    _text(errors, "name", data.name, _("Give your name."))
    contact = _text(errors, "contact", data.contact, _("Give a telephone number or e-mail address."))
    if contact and "contact" not in errors and not CONTACT_PATTERN.match(contact):
        errors["contact"] = _("Give a telephone number or e-mail address.")
    if (data.resident_id or "").strip():
        problem = resident_id_error(data.resident_id)
        if problem:
            errors["resident_id"] = problem
    return errors


def answer_errors(data: AnswerInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.outcome not in OUTCOMES:
        errors["outcome"] = _("Choose the outcome.")
    _text(errors, "reply", data.reply, _("Write the reply the reporter receives."))
    needs_change = data.outcome == CorrectionStatus.CORRECTED
    _text(errors, "change_note", data.change_note, _("Say what was changed.") if needs_change else None)
    return errors


def extension_errors(workdays: int | None, approver: str | None, reason: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if workdays is None or workdays < 1:
        errors["workdays"] = _("Extend by at least one working day.")
    _text(errors, "approver", approver, _("Name the head of the unit who approved the extension."))
    _text(errors, "reason", reason, _("Give the reason."))
    return errors


def available_actions(status: str, *, paused: bool, extended: bool, extension_cap: int) -> list[str]:
    """What the source unit may do now: answer, ask (pause), resume, extend (once, where the profile allows)."""
    if status != CorrectionStatus.OPEN:
        return []
    actions = ["resume"] if paused else ["answer", "ask"]
    if not paused and not extended and extension_cap > 0:
        actions.append("extend")
    return actions
