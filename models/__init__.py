"""SQLModel tables, one module per aggregate; importing this package registers every table's metadata."""

from models.aggregation import AggregationRegistration, DataChange, DataUpdate
from models.api import ApiAddressWindow, ApiClient, ApiRateWindow, ApiScope
from models.assessment import Assessment, AssessmentAppeal, AssessmentCard, AssessmentScore
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
from models.correction import Correction
from models.kpi import KpiTarget
from models.opendata import OpenPlan, OpenPlanItem, OpenRequest, PublicSubmission
from models.org import Region, RegionLevel, Unit, UnitKind, UnitLevel
from models.policy import PolicySetting
from models.project import Project, ProjectEntry, ProjectGateCheck
from models.report import AnnualReport
from models.sharing import (
    Attachment,
    Dispute,
    ShareDecision,
    ShareGrant,
    ShareRequest,
    UsageReport,
)
from models.user import (
    ADMIN_ROLES,
    CredentialReset,
    ResetKind,
    ResetStatus,
    Role,
    User,
    UserRole,
    UserSession,
)

__all__ = [
    "ApiAddressWindow", "ApiClient", "ApiRateWindow", "ApiScope",
    "ADMIN_ROLES", "Attachment", "AuditEvent", "AuditHead", "CalendarDay", "CaseKind", "CatalogEntry",
    "CatalogTrigger", "CatalogVersion", "CredentialReset", "ResetKind", "ResetStatus", "ClockOutcome", "ClockStep", "DataItem", "DaySource", "DemandItem",
    "Dispute", "KpiTarget", "Notification", "PolicySetting", "Region", "RegionLevel", "ResponsibilityItem",
    "Role", "ShareDecision", "ShareGrant", "ShareRequest", "SlaClock", "Unit", "UnitKind", "UnitLevel",
    "UsageReport", "User", "UserRole", "UserSession",
    "OneSourceDecision", "AggregationRegistration", "DataUpdate", "DataChange", "Correction",
    "OpenPlan", "OpenPlanItem", "OpenRequest", "PublicSubmission",
    "Assessment", "AssessmentAppeal", "AssessmentCard", "AssessmentScore",
    "Project", "ProjectEntry", "ProjectGateCheck", "AnnualReport",
]
