"""Deadlines: the working-day calendar, policy profiles, SLA clocks, the inbox, reminders and the daily jobs."""
