"""Pure rules of annual reports."""
