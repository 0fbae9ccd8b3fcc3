"""Sharing rules without I/O: the request state machine, who is a party to a request, and routing by profile.

The transition table is the one place that says which action may move a request from which status and which
party may take it; the service functions in services/sharing/commands.py only call `transition` and never test
statuses themselves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from models.org import UnitLevel
from models.sharing import Party, RequestStatus, Route
from models.user import Role
from services.core.actor import Actor
from services.core.errors import PermissionDenied, ValidationError
from services.core.i18n import N_
from services.core.i18n import gettext as _

S = RequestStatus


# A request in one of these states still waits for somebody; the others are final (implemented is final too:
# what follows lives on the grant).
OPEN_STATUSES = (RequestStatus.PENDING_CONFIRM, RequestStatus.AWAITING_CATALOG, RequestStatus.SUBMITTED,
                 RequestStatus.VERIFYING, RequestStatus.NEEDS_INFO, RequestStatus.APPROVED, RequestStatus.DISPUTED)
CLOSED_STATUSES = (RequestStatus.REJECTED, RequestStatus.WITHDRAWN, RequestStatus.EXPIRED, RequestStatus.REVOKED,
                   RequestStatus.VERIFIED)
# What a provider's "incoming requests" groups show: requests the provider must act on, and those it waits on.
PROVIDER_GROUPS = {
    "answer": (RequestStatus.PENDING_CONFIRM, RequestStatus.SUBMITTED, RequestStatus.VERIFYING),
    "implement": (RequestStatus.APPROVED,),
    "waiting": (RequestStatus.AWAITING_CATALOG, RequestStatus.NEEDS_INFO, RequestStatus.DISPUTED),
    "granted": (RequestStatus.IMPLEMENTED,),
    "closed": CLOSED_STATUSES,
}


class Act(StrEnum):
    ACCESS = "access"  # unconditional entry: access granted at once
    APPLY = "apply"  # conditional entry, or verification against a not-shared entry
    REQUEST_UNCATALOGUED = "request_uncatalogued"
    CONFIRM = "confirm"  # provider confirms it will catalog uncatalogued data
    CATALOGUED = "catalogued"  # the confirmed data's entry was published: the request goes on to the answer
    REQUEST_VERIFICATION = "request_verification"  # 核验比对 of records against not-shared or conditional data
    ANSWER_VERIFICATION = "answer_verification"  # the source answers match / no match / partly
    RECEIVE_APPLICATION = "receive_application"  # provider records receipt of the signed form (Shanghai §14)
    APPROVE = "approve"
    REJECT = "reject"
    ASK_INFO = "ask_info"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"
    RECORD_AGREEMENTS = "record_agreements"
    IMPLEMENT = "implement"
    DISPUTE = "dispute"
    UPHOLD = "uphold"  # bureau: the refusal stands
    OVERTURN = "overturn"  # bureau: the refusal is overturned, the provider must implement
    REVOKE = "revoke"
    EXPIRE = "expire"


REQUESTER = "requester"
SYSTEM = "system"
DECIDER = "decider"  # whichever parties the request's route names (see ROUTE_PARTIES)

ROUTE_PARTIES: dict[str, frozenset[str]] = {
    Route.PROVIDER: frozenset({Party.PROVIDER}),
    Route.BUREAU_CO: frozenset({Party.PROVIDER, Party.BUREAU}),
    Route.COUNTY: frozenset({Party.PROVIDER, Party.COUNTY}),
}


@dataclass(frozen=True)
class Transition:
    to: str
    parties: frozenset[str]


def _t(to: str, *parties: str) -> Transition:
    return Transition(to, frozenset(parties))


# (status, action) -> next status and the parties allowed. `None` is "no request yet".
# APPROVE on a co-decided route leaves the request SUBMITTED until every party of the route approved.
TRANSITIONS: dict[tuple[str | None, str], Transition] = {
    (None, Act.ACCESS): _t(S.IMPLEMENTED, REQUESTER),
    (None, Act.APPLY): _t(S.SUBMITTED, REQUESTER),
    (None, Act.REQUEST_UNCATALOGUED): _t(S.PENDING_CONFIRM, REQUESTER),
    (None, Act.REQUEST_VERIFICATION): _t(S.VERIFYING, REQUESTER),
    (S.VERIFYING, Act.ANSWER_VERIFICATION): _t(S.VERIFIED, Party.PROVIDER),
    (S.VERIFYING, Act.WITHDRAW): _t(S.WITHDRAWN, REQUESTER),
    # Longyan §8 / Shanghai §9: nothing is shared before its entry is published; the request waits for it.
    (S.PENDING_CONFIRM, Act.CONFIRM): _t(S.AWAITING_CATALOG, Party.PROVIDER),
    (S.AWAITING_CATALOG, Act.CATALOGUED): _t(S.SUBMITTED, SYSTEM),
    (S.AWAITING_CATALOG, Act.WITHDRAW): _t(S.WITHDRAWN, REQUESTER),
    (S.PENDING_CONFIRM, Act.REJECT): _t(S.REJECTED, Party.PROVIDER),
    (S.PENDING_CONFIRM, Act.WITHDRAW): _t(S.WITHDRAWN, REQUESTER),
    (S.SUBMITTED, Act.RECEIVE_APPLICATION): _t(S.SUBMITTED, Party.PROVIDER),
    (S.SUBMITTED, Act.APPROVE): _t(S.APPROVED, DECIDER),
    (S.SUBMITTED, Act.REJECT): _t(S.REJECTED, DECIDER),
    (S.SUBMITTED, Act.ASK_INFO): _t(S.NEEDS_INFO, DECIDER),
    (S.SUBMITTED, Act.WITHDRAW): _t(S.WITHDRAWN, REQUESTER),
    (S.NEEDS_INFO, Act.RESUBMIT): _t(S.SUBMITTED, REQUESTER),
    (S.NEEDS_INFO, Act.WITHDRAW): _t(S.WITHDRAWN, REQUESTER),
    (S.APPROVED, Act.RECORD_AGREEMENTS): _t(S.APPROVED, Party.PROVIDER),
    (S.APPROVED, Act.IMPLEMENT): _t(S.IMPLEMENTED, Party.PROVIDER),
    (S.REJECTED, Act.DISPUTE): _t(S.DISPUTED, REQUESTER),
    (S.DISPUTED, Act.UPHOLD): _t(S.REJECTED, Party.BUREAU),
    (S.DISPUTED, Act.OVERTURN): _t(S.APPROVED, Party.BUREAU),
    (S.IMPLEMENTED, Act.REVOKE): _t(S.REVOKED, Party.PROVIDER, Party.BUREAU),
    (S.IMPLEMENTED, Act.EXPIRE): _t(S.EXPIRED, SYSTEM),
}

STATUS_LABELS = {
    S.DRAFT: N_("Draft"),
    S.PENDING_CONFIRM: N_("Awaiting confirmation"),
    S.AWAITING_CATALOG: N_("Confirmed, waiting for the entry to be published"),
    S.VERIFYING: N_("Awaiting verification"),
    S.VERIFIED: N_("Verified"),
    S.SUBMITTED: N_("Awaiting answer"),
    S.NEEDS_INFO: N_("More information needed"),
    S.APPROVED: N_("Approved, awaiting implementation"),
    S.IMPLEMENTED: N_("Access granted"),
    S.REJECTED: N_("Refused"),
    S.DISPUTED: N_("Under coordination"),
    S.WITHDRAWN: N_("Withdrawn"),
    S.EXPIRED: N_("Expired"),
    S.REVOKED: N_("Revoked"),
}

ACT_LABELS = {
    Act.ACCESS: N_("Get access"),
    Act.APPLY: N_("Submit application"),
    Act.REQUEST_UNCATALOGUED: N_("Request data not in the catalog"),
    Act.CONFIRM: N_("Confirm the data is held"),
    Act.CATALOGUED: N_("Entry published"),
    Act.REQUEST_VERIFICATION: N_("Ask for verification"),
    Act.ANSWER_VERIFICATION: N_("Answer the verification"),
    Act.RECEIVE_APPLICATION: N_("Record receipt of the written application"),
    Act.APPROVE: N_("Approve the request"),
    Act.REJECT: N_("Refuse the request"),
    Act.ASK_INFO: N_("Ask for more information"),
    Act.RESUBMIT: N_("Amend and resubmit"),
    Act.WITHDRAW: N_("Withdraw the request"),
    Act.RECORD_AGREEMENTS: N_("Record agreements"),
    Act.IMPLEMENT: N_("Record implementation"),
    Act.DISPUTE: N_("Object to the refusal"),
    Act.UPHOLD: N_("Uphold the refusal"),
    Act.OVERTURN: N_("Overturn the refusal"),
    Act.REVOKE: N_("Revoke access"),
    Act.EXPIRE: N_("Expire the grant"),
}

PARTY_LABELS = {
    REQUESTER: N_("Requesting unit"),
    Party.PROVIDER: N_("Providing unit"),
    Party.BUREAU: N_("Competent bureau"),
    Party.COUNTY: N_("County e-government department"),
    SYSTEM: N_("System"),
}

ROUTE_LABELS = {
    Route.PROVIDER: N_("Provider decides"),
    Route.BUREAU_CO: N_("Bureau decides with the provider"),
    Route.COUNTY: N_("County approves with the provider"),
}


def label(mapping: dict, code: str | None) -> str:
    if code is None:
        return ""
    msgid = mapping.get(code)
    return _(msgid) if msgid else str(code)


@dataclass(frozen=True)
class RequestParties:
    """The fields of a request that decide who its parties are (a ShareRequest row fits)."""

    route: str
    requester_unit_id: int
    provider_unit_id: int
    provider_region_id: int | None
    bureau_unit_id: int | None = None  # the provider's competent bureau, fixed at submission


def parties_of(actor: Actor, req: RequestParties) -> set[str]:
    """Every role the actor plays on this request."""
    found: set[str] = set()
    if actor.is_system:
        found.add(SYSTEM)
    steward = actor.has(Role.UNIT_STEWARD)
    if steward and actor.unit_id == req.requester_unit_id:
        found.add(REQUESTER)
    if steward and actor.unit_id == req.provider_unit_id:
        found.add(Party.PROVIDER)
    if actor.has(Role.BUREAU_REVIEWER) and _is_competent_bureau(actor, req):
        found.add(Party.BUREAU)
    if actor.has(Role.COUNTY_APPROVER) and req.provider_region_id in actor.region_ids:
        found.add(Party.COUNTY)
    return found


def _is_competent_bureau(actor: Actor, req: RequestParties) -> bool:
    """Only the provider's competent bureau co-decides and coordinates (not any bureau's reviewer): the bureau
    named on the request, or, for a request recorded without one, a bureau whose jurisdiction covers the
    provider's region."""
    if req.bureau_unit_id is not None:
        return actor.unit_id == req.bureau_unit_id
    return req.provider_region_id is not None and req.provider_region_id in actor.region_ids


def parties_of_new(actor: Actor) -> set[str]:
    """Before a request exists the only party is the requesting unit's data administrator."""
    return {REQUESTER} if actor.has(Role.UNIT_STEWARD) and actor.unit_id is not None else set()


def allowed_parties(transition: Transition, route: str) -> frozenset[str]:
    if DECIDER in transition.parties:
        return (transition.parties - {DECIDER}) | ROUTE_PARTIES[route]
    return transition.parties


def transition(status: str | None, act: str, parties: set[str], route: str = Route.PROVIDER) -> tuple[str, str]:
    """The next status and the party the actor acts as; refuses an illegal move or a wrong party."""
    rule = TRANSITIONS.get((status, act))
    if rule is None:
        raise ValidationError({"status": _(
            "This request is “{status}”: it cannot be handled with “{action}” now.",
            status=label(STATUS_LABELS, status), action=label(ACT_LABELS, act))})
    allowed = allowed_parties(rule, route)
    # A unit that is both requester and provider never happens (validated at submission); the first
    # matching party in this order is the capacity the actor acts in.
    for party in (REQUESTER, Party.PROVIDER, Party.COUNTY, Party.BUREAU, SYSTEM):
        if party in parties and party in allowed:
            return rule.to, party
    names = _(", ").join(label(PARTY_LABELS, p) for p in sorted(allowed))
    raise PermissionDenied(_("Only {parties} may take the action “{action}” on this request.", parties=names,
                             action=label(ACT_LABELS, act)), action=f"share.{act}")


def available_acts(status: str | None, parties: set[str], route: str) -> list[str]:
    """What the actor could do on a request in `status` (the page shows only these buttons)."""
    acts = []
    for (from_status, act), rule in TRANSITIONS.items():
        if from_status == status and from_status is not None and parties & allowed_parties(rule, route):
            acts.append(act)
    return acts


@dataclass(frozen=True)
class UnitFacts:
    id: int
    level: str
    region_id: int


def choose_route(requester: UnitFacts, provider: UnitFacts, *, bureau_co_decides: bool, county_approval: bool,
                 county_has_approver: bool = True, bureau_has_reviewer: bool = True) -> tuple[str, str | None]:
    """Longyan §12 para 2: two county-level units of the same county go to the county e-gov department with
    the provider; Longyan §12: otherwise the bureau decides with the provider; elsewhere the provider decides.
    A route with nobody to take its decision would strand the request: a county route without an approver goes
    to the competent bureau, and a bureau route without a reviewer to the provider alone, each with a note
    saying why. Returns (route, note)."""
    if county_approval and requester.level == UnitLevel.COUNTY and provider.level == UnitLevel.COUNTY \
            and requester.region_id == provider.region_id:
        if county_has_approver:
            return Route.COUNTY, None
        if bureau_has_reviewer:
            return Route.BUREAU_CO, N_("The county has no approver on the platform: the competent bureau decides "
                                       "with the provider.")
        return Route.PROVIDER, N_("Neither the county nor the competent bureau has anyone on the platform to "
                                  "decide: the provider decides alone.")
    if bureau_co_decides:
        if bureau_has_reviewer:
            return Route.BUREAU_CO, None
        return Route.PROVIDER, N_("The competent bureau has no reviewer on the platform: the provider decides "
                                  "alone.")
    return Route.PROVIDER, None


def is_cross_level(requester: UnitFacts, provider: UnitFacts) -> bool:
    """Qingyuan ch.4: a cross-level or cross-region request is filed with the higher and same-level bureau."""
    return requester.level != provider.level or requester.region_id != provider.region_id


KIND_LABELS = {
    "access": N_("Direct access"),
    "apply": N_("Application"),
    "verify": N_("Verification request"),
    "uncatalogued": N_("Data not in the catalog"),
}

# Least authorisation covers the share method too (Longyan §13: no bulk export, no free querying): an approval
# may move down this order, never up. Offline exchange hands over copies like a download.
METHOD_RANK = {"online_browse": 1, "interface": 2, "file_download": 3, "offline": 3}


def method_widens(requested: str | None, granted: str | None) -> bool:
    """True when `granted` gives more than `requested` (unknown methods count as the widest)."""
    if requested is None or granted is None:
        return False
    return METHOD_RANK.get(granted, 9) > METHOD_RANK.get(requested, 9)


# A refusal cites a basis a reviewer can check (Shanghai §13): the law or regulation and the article.
ARTICLE_RE = re.compile(r"(第[一二三四五六七八九十百零〇\d]+条)|(§\s*\d+)|(\b(art(icle)?\.?)\s*\d+)", re.IGNORECASE)


def citation_errors(law: str | None, article: str | None, reasons: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    law, article, reasons = (law or "").strip(), (article or "").strip(), (reasons or "").strip()
    if len(law) < 2:
        errors["basis_law"] = _("Name the law or regulation the refusal rests on.")
    elif len(law) > 200:
        errors["basis_law"] = _("At most {n} characters.", n=200)
    if not article:
        errors["basis_article"] = _("Give the article, e.g. 第十三条.")
    elif len(article) > 60 or not ARTICLE_RE.search(article):
        errors["basis_article"] = _("Give the article as 第…条 or § followed by its number.")
    if not reasons:
        errors["reason"] = _("Give the reasons for the refusal.")
    return errors


def format_citation(law: str, article: str, reasons: str | None = None) -> str:
    """One line for lists and notices: 《law》article: reasons (book-title marks added when missing)."""
    law = law.strip()
    if not law.startswith("《"):
        law = f"《{law.strip('《》')}》"
    text = f"{law}{article.strip()}"
    return f"{text}：{reasons.strip()}" if reasons and reasons.strip() else text


VERIFY_RESULT_LABELS = {
    "match": N_("The records match"),
    "no_match": N_("The records do not match"),
    "partial": N_("Partly matching"),
}


METHOD_LABELS = {
    "interface": N_("Interface exchange"),
    "file_download": N_("File download"),
    "online_browse": N_("Online browsing"),
    "offline": N_("Offline exchange"),
}

DECISION_LABELS = {
    "approve": N_("Approved"),
    "reject": N_("Refused"),
    "needs_info": N_("More information requested"),
}

DISPUTE_STATUS_LABELS = {
    "open": N_("Under coordination"),
    "upheld": N_("Refusal upheld"),
    "overturned": N_("Refusal overturned"),
}


def round_answers(route: str, decisions: list[dict], current_round: int) -> tuple[set[str], set[str]]:
    """On a request waiting for its deciders: the parties of the route that answered the current round and
    those still to answer. A co-decided request stays `submitted` until every party approved, so the first
    answer is otherwise invisible in its status."""
    parties = set(ROUTE_PARTIES.get(route, frozenset()))
    answered = {str(d["party"]) for d in decisions if d.get("round") == current_round and d.get("party") in parties}
    return answered, parties - answered
