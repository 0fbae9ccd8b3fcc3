"""Service layer: one package per domain (core, deadlines, catalog, sharing, kpi, administration, seed); pages, the
CLI and tests call these, never the database directly."""
