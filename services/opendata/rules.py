"""Open-data rules without I/O: who may apply under the active profile's eligibility list, what a public request
must contain, and which answers a request's state allows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from models.opendata import ApplicantKind, OpenRequestKind, OpenRequestStatus
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.validators import resident_id_error, uscc_error

K = ApplicantKind
S = OpenRequestStatus

APPLICANT_KIND_LABELS = {
    K.NATURAL_PERSON: N_("Natural person"),
    K.ENTERPRISE: N_("Enterprise"),
    K.UNIVERSITY: N_("University"),
    K.RESEARCH_INSTITUTE: N_("Research institute"),
    K.OTHER_ORGANISATION: N_("Other organisation"),
}

# The profile's eligibility names (rules.open_applicant_kinds) each applicant kind counts as. Longyan §17–18 names
# domestic-controlled enterprises, universities and research institutes; Qingyuan natural persons, legal persons
# and other organisations.
_COUNTS_AS = {
    K.NATURAL_PERSON: {"natural_person"},
    K.ENTERPRISE: {"legal_person"},
    K.UNIVERSITY: {"university", "legal_person"},
    K.RESEARCH_INSTITUTE: {"research_institute", "legal_person"},
    K.OTHER_ORGANISATION: {"other_organisation"},
}
RESEARCH_ONLY_KINDS = {"university", "research_institute"}  # Longyan §18: research and education use only

TEXT_LIMITS = {"name": 100, "contact": 100, "purpose": 1000, "title": 120, "description": 1000, "reply": 2000,
               "info": 1000}


@dataclass
class PublicRequestInput:
    kind: str  # OpenRequestKind
    applicant_kind: str  # ApplicantKind
    name: str
    id_number: str  # resident ID (natural person) or unified social credit code
    contact: str
    purpose: str
    entry_id: int | None = None  # an application: the listed entry
    title: str | None = None  # a demand: the data wanted
    description: str | None = None
    domestic_controlled: bool = False  # an enterprise's declaration
    research_or_education: bool = False  # a university's or institute's declaration of its use


def counts_as(applicant_kind: str, domestic_controlled: bool) -> set[str]:
    names = set(_COUNTS_AS.get(applicant_kind, set()))  # type: ignore[call-overload]
    if applicant_kind == K.ENTERPRISE and domestic_controlled:
        names.add("domestic_enterprise")
    return names


def eligibility_error(allowed: tuple[str, ...], data: PublicRequestInput,
                      label: Callable[[str], str] = str) -> str | None:
    """Why the applicant may not apply for conditionally open data under the profile, or None. A demand for data
    not yet open is open to anyone (Longyan §19), so only applications are checked."""
    if data.kind != OpenRequestKind.APPLICATION or not allowed:
        return None
    mine = counts_as(data.applicant_kind, data.domestic_controlled)
    if not mine.intersection(allowed):
        names = "、".join(label(k) for k in allowed)
        return _("Under the rules in force only these applicants may apply for conditionally open data: {names}.",
                 names=names)
    if mine.intersection(RESEARCH_ONLY_KINDS).intersection(allowed) and "legal_person" not in allowed \
            and not data.research_or_education:
        return _("Universities and research institutes may use conditionally open data for research and education "
                 "only; please confirm that this is the use.")
    return None


def field_errors(data: PublicRequestInput, allowed: tuple[str, ...],
                 label: Callable[[str], str] = str) -> dict[str, str]:
    """Every field error of a public request (the form shows them all at once)."""
    errors: dict[str, str] = {}
    if data.kind not in set(OpenRequestKind):
        errors["kind"] = _("Choose the kind of request.")
    if data.applicant_kind not in set(ApplicantKind):
        errors["applicant_kind"] = _("Choose the kind of applicant.")
    for key, value in (("name", data.name), ("contact", data.contact), ("purpose", data.purpose)):
        if not (value or "").strip():
            errors[key] = _("This field is required.")
        elif len(value.strip()) > TEXT_LIMITS[key]:
            errors[key] = _("At most {n} characters.", n=TEXT_LIMITS[key])
    if data.applicant_kind == K.NATURAL_PERSON:
        message = resident_id_error(data.id_number)
    else:
        message = uscc_error(data.id_number)
    if message:
        errors["id_number"] = message
    if data.kind == OpenRequestKind.APPLICATION and not data.entry_id:
        errors["entry_id"] = _("Choose the catalog entry you apply for.")
    if data.kind == OpenRequestKind.DEMAND:
        if not (data.title or "").strip():
            errors["title"] = _("Name the data you need.")
        elif len(data.title.strip()) > TEXT_LIMITS["title"]:  # type: ignore[union-attr]
            errors["title"] = _("At most {n} characters.", n=TEXT_LIMITS["title"])
        if data.description and len(data.description) > TEXT_LIMITS["description"]:
            errors["description"] = _("At most {n} characters.", n=TEXT_LIMITS["description"])
    if not errors:
        message = eligibility_error(allowed, data, label)
        if message:
            errors["applicant_kind"] = message
    return errors


# --- answers --------------------------------------------------------------------------------------------------
class Answer:
    AGREE = "agree"
    REFUSE = "refuse"
    ASK_INFO = "ask_info"


TRANSITIONS = {
    (S.SUBMITTED, Answer.AGREE): S.AGREED,
    (S.SUBMITTED, Answer.REFUSE): S.REFUSED,
    (S.SUBMITTED, Answer.ASK_INFO): S.NEEDS_INFO,
    (S.NEEDS_INFO, "supplement"): S.SUBMITTED,
}
OPEN_STATUSES = (S.SUBMITTED, S.NEEDS_INFO)


class Grant:
    """The bureau's step of a two-step application (Longyan §18, profile rule open_grant_by_bureau)."""
    GRANT = "grant"
    REFUSE = "refuse"


# After the unit agreed (two-step profiles), the bureau grants the access or refuses it with reasons.
GRANT_TRANSITIONS = {(S.UNIT_AGREED, Grant.GRANT): S.AGREED, (S.UNIT_AGREED, Grant.REFUSE): S.REFUSED}
WAITING_STATUSES = (*OPEN_STATUSES, S.UNIT_AGREED)  # not answered yet: the unit's or the bureau's turn


def agreed_status(kind: str, two_step: bool) -> str:
    """Where the unit's agreement leads: to the bureau's grant for an application under a two-step profile."""
    return S.UNIT_AGREED if two_step and kind == OpenRequestKind.APPLICATION else S.AGREED


@dataclass
class GrantInput:
    grant: str  # Grant
    reply: str = ""  # the reasons of a refusal, or the conditions of the grant
    agreement_signed_on: object | None = None  # date: 公共数据利用协议 signed with the applicant
    agreement_ends_on: object | None = None


def grant_errors(data: GrantInput) -> dict[str, str]:
    if data.grant not in (Grant.GRANT, Grant.REFUSE):
        return {"grant": _("Choose an answer.")}
    if data.grant == Grant.REFUSE:
        reply = (data.reply or "").strip()
        if not reply:
            return {"reply": _("A refusal states its reasons.")}
        return {"reply": _("At most {n} characters.", n=TEXT_LIMITS["reply"])} if len(reply) > TEXT_LIMITS["reply"] \
            else {}
    return answer_errors(OpenRequestKind.APPLICATION, AnswerInput(Answer.AGREE, data.reply or "",
                                                                   data.agreement_signed_on, data.agreement_ends_on))


@dataclass
class AnswerInput:
    answer: str  # Answer
    reply: str = ""  # reasons of a refusal, how the data will be opened, or what is missing
    agreement_signed_on: object | None = None  # date: 公共数据利用协议 of an approved application
    agreement_ends_on: object | None = None
    entry_id: int | None = None  # an agreed demand: the unit's entry whose opening goes through catalog review


def answer_errors(kind: str, data: AnswerInput, *, two_step: bool = False) -> dict[str, str]:
    """Errors of the unit's answer. Under a two-step profile the unit's agreement to an application records no
    data use agreement: the bureau records it when it grants the access."""
    errors: dict[str, str] = {}
    reply = (data.reply or "").strip()
    if data.answer not in (Answer.AGREE, Answer.REFUSE, Answer.ASK_INFO):
        errors["answer"] = _("Choose an answer.")
    elif data.answer == Answer.REFUSE and not reply:
        errors["reply"] = _("A refusal states its reasons.")
    elif data.answer == Answer.ASK_INFO and not reply:
        errors["reply"] = _("Say what the applicant should add.")
    elif data.answer == Answer.AGREE and kind == OpenRequestKind.DEMAND and not reply:
        errors["reply"] = _("Say how and when the data will be opened.")
    if len(reply) > TEXT_LIMITS["reply"]:
        errors["reply"] = _("At most {n} characters.", n=TEXT_LIMITS["reply"])
    if data.answer == Answer.AGREE and kind == OpenRequestKind.APPLICATION and not two_step:
        if not data.agreement_signed_on:
            errors["agreement_signed_on"] = _("Record the signing date of the data use agreement.")
        elif data.agreement_ends_on and data.agreement_ends_on <= data.agreement_signed_on:  # type: ignore[operator]
            errors["agreement_ends_on"] = _("The agreement must end after it is signed.")
        if not data.agreement_ends_on:
            errors["agreement_ends_on"] = _("Record the term of the data use agreement.")
    return errors


def available_answers(status: str) -> list[str]:
    return [action for (state, action) in TRANSITIONS if state == status and action != "supplement"]


def mask(text: str | None, keep: int = 1) -> str:
    """Personal data shown to staff who do not process the request: the first characters only."""
    if not text:
        return ""
    return text[:keep] + "*" * max(2, len(text) - keep)
