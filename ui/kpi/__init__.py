"""Leadership dashboard widgets: KPI tiles, filter bar, case tables and the plotly charts."""
