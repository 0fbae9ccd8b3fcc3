"""Permission probes for the calendar, the policy profile and the inbox."""

from __future__ import annotations

from datetime import date

from services.deadlines import configuration
from tests.services.probes import probe


@probe("calendar.manage")
def _(w):
    configuration.set_day(w["sysadmin"], date(2027, 1, 4), False, "x")


@probe("policy.manage")
def _(w):
    configuration.use_profile(w["auditadmin"], "shanghai")


@probe("inbox.view")
def _(w):
    from services.deadlines import inbox

    inbox.inbox(w["secadmin"])
