"""Annual data-management reports (Yunyang §46)."""
