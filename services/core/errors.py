"""Typed service errors; each carries a message a person can read, already in the UI language."""

from __future__ import annotations

from services.core.i18n import gettext as _


class ServiceError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PermissionDenied(ServiceError):
    def __init__(self, message: str | None = None, action: str | None = None):
        super().__init__(message or _("You do not have permission to do this."))
        self.action = action


class NotFound(ServiceError):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("The record does not exist or was removed."))


class Conflict(ServiceError):
    """A stale version: somebody else changed the record since it was read."""

    def __init__(self, message: str | None = None):
        super().__init__(message or _("This record was changed by someone else. Reload it and try again."))


class ValidationError(ServiceError):
    """Field-level problems; `errors` maps a field name to its message."""

    def __init__(self, errors: dict[str, str] | str):
        if isinstance(errors, str):
            errors = {"": errors}
        self.errors = errors
        super().__init__("\n".join(msg for msg in errors.values()) if errors else _("The input is not valid."))


class AuthError(ServiceError):
    """Sign-in refused (wrong credentials, locked, inactive); deliberately vague to callers."""


class RateLimited(ServiceError):
    """Too many calls with one interface key in the current window; `retry_after` is in seconds."""

    def __init__(self, retry_after: int, message: str | None = None):
        super().__init__(message or _("Too many calls with this key. Try again in {n} seconds.", n=retry_after))
        self.retry_after = retry_after
