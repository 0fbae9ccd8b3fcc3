"""Administration: regions and units, accounts and roles, sign-in, reading the audit log, backup and the
reference data a new database starts with."""
