"""Seed step: the working-day calendar 2015–2035 and the default policy profile, before any workflow data.

Longyan §14 tells the source unit to verify a correction "at once" (立即) and gives no number of working days, so
the profile's `correction_verify` step has none and a deployment sets its own short deadline as an override
(DESIGN.md: "Longyan 'at once' = a short default the deployment sets"). The demo deployment does so here, through
the audited override command an administrator would use, so its corrections carry due dates and some are late."""

from __future__ import annotations

from models.clock import ClockStep
from services.deadlines import configuration, policy
from services.seed import SeedContext, register

# Working days the demo deployment gives "at once" where a profile names no number (profile name → days).
AT_ONCE_WORKDAYS = {"longyan": 2}


@register("calendar")
def seed_calendar(ctx: SeedContext) -> None:
    result = configuration.ensure_filled(now=ctx.now)
    policy.ensure_active(now=ctx.now)
    if ctx.ids.get("profile"):  # seed-demo --profile: a deployment of that jurisdiction (annual reports: yunyang)
        configuration.use_profile(ctx.actor, ctx.ids["profile"], now=ctx.now)
    ctx.counts["calendar_days"] = result["inserted"]
    profile = policy.active_profile()
    at_once = AT_ONCE_WORKDAYS.get(profile.name)
    if at_once and profile.step_days(ClockStep.CORRECTION_VERIFY) is None:
        configuration.set_override(ctx.actor, f"steps.{ClockStep.CORRECTION_VERIFY}", at_once, now=ctx.now)
