"""Deadline widgets: the calendar month grid, the inbox home panel and the sidebar reminders."""
