"""SQLModel tables, one module per aggregate; importing this package registers every table's metadata."""

from models.audit import AuditEvent, AuditHead
from models.calendar import CalendarDay, DaySource
from models.catalog import (
    CatalogEntry,
    CatalogTrigger,
    CatalogVersion,
    DataItem,
    DemandItem,
    OneSourceDecision,
    ResponsibilityItem,
)
from models.clock import CaseKind, ClockOutcome, ClockStep, Notification, SlaClock
from models.kpi import KpiTarget
from models.opendata import OpenPlan, OpenPlanItem, OpenRequest, PublicSubmission
from models.org import Region, RegionLevel, Unit, UnitKind, UnitLevel
from models.policy import PolicySetting
from models.sharing import (
    Attachment,
    Dispute,
    ShareDecision,
    ShareGrant,
    ShareRequest,
    UsageReport,
)
from models.user import ADMIN_ROLES, Role, User, UserRole, UserSession

__all__ = [
    "ADMIN_ROLES", "Attachment", "AuditEvent", "AuditHead", "CalendarDay", "CaseKind", "CatalogEntry",
    "CatalogTrigger", "CatalogVersion", "ClockOutcome", "ClockStep", "DataItem", "DaySource", "DemandItem",
    "Dispute", "KpiTarget", "Notification", "PolicySetting", "Region", "RegionLevel", "ResponsibilityItem",
    "Role", "ShareDecision", "ShareGrant", "ShareRequest", "SlaClock", "Unit", "UnitKind", "UnitLevel",
    "UsageReport", "User", "UserRole", "UserSession",
    "OneSourceDecision",
    "OpenPlan", "OpenPlanItem", "OpenRequest", "PublicSubmission",
]
