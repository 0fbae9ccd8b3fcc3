"""Sharing widgets: request tables and detail, application forms, decisions, and the sharing home panels."""
