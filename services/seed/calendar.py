"""Seed step: the working-day calendar 2015–2035 and the default policy profile, before any workflow data."""

from __future__ import annotations

from services.deadlines import configuration, policy
from services.seed import SeedContext, register


@register("calendar")
def seed_calendar(ctx: SeedContext) -> None:
    result = configuration.ensure_filled(now=ctx.now)
    policy.ensure_active(now=ctx.now)
    if ctx.ids.get("profile"):  # seed-demo --profile: a deployment of that jurisdiction (annual reports: yunyang)
        configuration.use_profile(ctx.actor, ctx.ids["profile"], now=ctx.now)
    ctx.counts["calendar_days"] = result["inserted"]
