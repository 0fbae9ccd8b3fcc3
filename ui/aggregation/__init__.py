"""Aggregation widgets and home panel."""
