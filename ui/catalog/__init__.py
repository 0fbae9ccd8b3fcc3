"""Catalog widgets: entry views, diffs, the data-item grid, and the catalog's home panels."""
