"""Correction widgets and home panel."""
