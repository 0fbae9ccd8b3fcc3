"""The page registry: every screen, its navigation section and the roles that see it.

`app.py` builds `st.navigation` from this list for the signed-in user's roles, so a page outside the user's
roles is neither listed nor reachable. Titles and sections are msgids, translated when the menu is built."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from models.user import Role
from services.core.i18n import N_

R = Role
WORKING = frozenset({R.LEADER, R.BUREAU_REVIEWER, R.UNIT_STEWARD, R.COUNTY_APPROVER, R.ASSESSOR})
ADMINS = frozenset({R.SYS_ADMIN, R.SECURITY_ADMIN, R.AUDIT_ADMIN})
EVERYONE = WORKING | ADMINS

SECTION_WORK = N_("Workbench")
SECTION_CATALOG = N_("Catalog")
SECTION_SHARING = N_("Sharing")
SECTION_DATA = N_("Aggregation and corrections")
SECTION_OPEN = N_("Open data")
SECTION_SUPERVISION = N_("Supervision")
SECTION_GOVERNANCE = N_("Projects and reports")
SECTION_ADMIN = N_("Administration")
SECTION_ACCOUNT = N_("My account")
SECTION_ORDER = [SECTION_WORK, SECTION_CATALOG, SECTION_SHARING, SECTION_DATA, SECTION_OPEN, SECTION_GOVERNANCE,
                 SECTION_SUPERVISION, SECTION_ADMIN, SECTION_ACCOUNT]


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to the project root
    title: str  # msgid
    section: str  # msgid, one of SECTION_ORDER
    roles: frozenset[str]
    icon: str = ":material/article:"
    url_path: str | None = None


PAGES: list[PageSpec] = [
    # Leaders have no inbox work: their first page (the default) is the dashboard, at the top of the Workbench.
    # Reviewers and assessors find it under Supervision; pages_for keeps one
    # entry per page for users holding both kinds of role.
    PageSpec("pages/supervision/dashboard.py", N_("Leadership dashboard"), SECTION_WORK, frozenset({R.LEADER}),
             ":material/monitoring:", "dashboard"),
    PageSpec("pages/workbench/home.py", N_("My to-do"), SECTION_WORK, EVERYONE, ":material/inbox:", "home"),
    # The county approver's queue is their daily work: first page after home (Workbench), not under Sharing.
    PageSpec("pages/workbench/county_approvals.py", N_("County approvals"), SECTION_WORK, frozenset({R.COUNTY_APPROVER}),
             ":material/approval:", "share-county"),
    PageSpec("pages/catalog/mine.py", N_("My catalog"), SECTION_CATALOG, frozenset({R.UNIT_STEWARD}),
             ":material/folder_open:", "catalog-mine"),
    PageSpec("pages/catalog/entry.py", N_("Compile an entry"), SECTION_CATALOG, frozenset({R.UNIT_STEWARD}),
             ":material/edit_note:", "catalog-entry"),
    PageSpec("pages/catalog/review.py", N_("Catalog review"), SECTION_CATALOG, frozenset({R.BUREAU_REVIEWER}),
             ":material/fact_check:", "catalog-review"),
    PageSpec("pages/catalog/published.py", N_("Published catalog"), SECTION_CATALOG, WORKING,
             ":material/menu_book:", "catalog"),
    PageSpec("pages/catalog/spreadsheet.py", N_("Catalog spreadsheet"), SECTION_CATALOG,
             frozenset({R.UNIT_STEWARD, R.BUREAU_REVIEWER, R.LEADER, R.ASSESSOR}), ":material/table:",
             "catalog-spreadsheet"),
    PageSpec("pages/catalog/quality.py", N_("Catalog quality"), SECTION_CATALOG, WORKING, ":material/rule:",
             "catalog-quality"),
    PageSpec("pages/sharing/apply.py", N_("Get data"), SECTION_SHARING, frozenset({R.UNIT_STEWARD}),
             ":material/travel_explore:", "share-apply"),
    PageSpec("pages/sharing/mine.py", N_("My applications"), SECTION_SHARING, frozenset({R.UNIT_STEWARD}),
             ":material/outbox:", "share-mine"),
    PageSpec("pages/sharing/incoming.py", N_("Incoming requests"), SECTION_SHARING, frozenset({R.UNIT_STEWARD}),
             ":material/move_to_inbox:", "share-incoming"),
    PageSpec("pages/sharing/grants.py", N_("Access grants"), SECTION_SHARING, frozenset({R.UNIT_STEWARD}),
             ":material/key:", "share-grants"),
    PageSpec("pages/sharing/all_requests.py", N_("All share requests"), SECTION_SHARING,
             frozenset({R.BUREAU_REVIEWER, R.LEADER, R.ASSESSOR, R.COUNTY_APPROVER}), ":material/table_view:",
             "share-all"),
    PageSpec("pages/sharing/disputes.py", N_("Disputes"), SECTION_SHARING, frozenset({R.BUREAU_REVIEWER}),
             ":material/gavel:", "share-disputes"),
    PageSpec("pages/sharing/request.py", N_("Share request"), SECTION_SHARING,
             frozenset({R.UNIT_STEWARD, R.COUNTY_APPROVER, R.BUREAU_REVIEWER, R.LEADER, R.ASSESSOR}),
             ":material/description:", "share-request"),
    PageSpec("pages/aggregation/registrations.py", N_("My aggregation"), SECTION_DATA, frozenset({R.UNIT_STEWARD}),
             ":material/cloud_sync:", "aggregation"),
    PageSpec("pages/aggregation/overview.py", N_("Aggregation overview"), SECTION_DATA,
             frozenset({R.BUREAU_REVIEWER, R.LEADER, R.ASSESSOR}), ":material/cloud_done:", "aggregation-overview"),
    PageSpec("pages/corrections/list.py", N_("Corrections"), SECTION_DATA,
             frozenset({R.UNIT_STEWARD, R.BUREAU_REVIEWER, R.LEADER, R.ASSESSOR}), ":material/report:", "corrections"),
    PageSpec("pages/corrections/file.py", N_("Report wrong data"), SECTION_DATA, frozenset({R.UNIT_STEWARD}),
             ":material/flag:", "correction-file"),
    PageSpec("pages/corrections/correction.py", N_("Correction"), SECTION_DATA,
             frozenset({R.UNIT_STEWARD, R.BUREAU_REVIEWER, R.LEADER, R.ASSESSOR}), ":material/description:",
             "correction"),
    PageSpec("pages/opendata/requests.py", N_("Open-data requests"), SECTION_OPEN,
             frozenset({R.UNIT_STEWARD, R.BUREAU_REVIEWER, R.LEADER, R.ASSESSOR}), ":material/public:", "open-requests"),
    PageSpec("pages/opendata/plans.py", N_("Yearly open plans"), SECTION_OPEN,
             frozenset({R.UNIT_STEWARD, R.BUREAU_REVIEWER, R.LEADER, R.ASSESSOR}), ":material/event_note:", "open-plans"),
    PageSpec("pages/projects/projects.py", N_("Informatization projects"), SECTION_GOVERNANCE,
             frozenset({R.UNIT_STEWARD, R.BUREAU_REVIEWER, R.LEADER, R.ASSESSOR, R.COUNTY_APPROVER}),
             ":material/engineering:", "projects"),
    PageSpec("pages/reports/annual.py", N_("Annual reports"), SECTION_GOVERNANCE,
             frozenset({R.UNIT_STEWARD, R.BUREAU_REVIEWER, R.LEADER, R.ASSESSOR}), ":material/summarize:",
             "annual-reports"),
    PageSpec("pages/supervision/dashboard.py", N_("Leadership dashboard"), SECTION_SUPERVISION,
             frozenset({R.BUREAU_REVIEWER, R.ASSESSOR}), ":material/monitoring:", "dashboard"),
    PageSpec("pages/supervision/overdue_cases.py", N_("Overdue cases"), SECTION_SUPERVISION,
             frozenset({R.LEADER, R.BUREAU_REVIEWER, R.ASSESSOR}), ":material/running_with_errors:", "overdue"),
    PageSpec("pages/supervision/unit_profile.py", N_("Unit profile"), SECTION_SUPERVISION,
             frozenset({R.LEADER, R.BUREAU_REVIEWER, R.ASSESSOR}), ":material/apartment:", "unit-profile"),
    PageSpec("pages/supervision/assessment.py", N_("Assessment work"), SECTION_SUPERVISION, frozenset({R.ASSESSOR}),
             ":material/grading:", "assessment"),
    PageSpec("pages/supervision/assessment_results.py", N_("Assessment results"), SECTION_SUPERVISION,
             frozenset({R.ASSESSOR, R.LEADER, R.BUREAU_REVIEWER, R.UNIT_STEWARD}), ":material/leaderboard:",
             "assessment-results"),
    PageSpec("pages/supervision/my_scorecard.py", N_("My assessment scorecard"), SECTION_SUPERVISION,
             frozenset({R.UNIT_STEWARD}), ":material/scoreboard:", "assessment-mine"),
    PageSpec("pages/administration/regions.py", N_("Regions"), SECTION_ADMIN, frozenset({R.SYS_ADMIN}), ":material/map:",
             "regions"),
    PageSpec("pages/administration/units.py", N_("Units"), SECTION_ADMIN, frozenset({R.SYS_ADMIN}), ":material/apartment:",
             "units"),
    PageSpec("pages/administration/api_clients.py", N_("Interface clients"), SECTION_ADMIN, frozenset({R.SYS_ADMIN}),
             ":material/key:", "api-clients"),
    # The security and audit administrators see only the credential resets waiting for a second administrator.
    PageSpec("pages/administration/accounts.py", N_("Accounts"), SECTION_ADMIN,
             frozenset({R.SYS_ADMIN, R.SECURITY_ADMIN, R.AUDIT_ADMIN}), ":material/group:", "accounts"),
    PageSpec("pages/administration/role_grants.py", N_("Role grants"), SECTION_ADMIN, frozenset({R.SECURITY_ADMIN}),
             ":material/admin_panel_settings:", "roles"),
    PageSpec("pages/administration/policy_profile.py", N_("Policy profile"), SECTION_ADMIN, frozenset({R.SECURITY_ADMIN}),
             ":material/gavel:", "policy"),
    PageSpec("pages/administration/working_days.py", N_("Working-day calendar"), SECTION_ADMIN, frozenset({R.SECURITY_ADMIN}),
             ":material/calendar_month:", "calendar"),
    PageSpec("pages/administration/audit_log.py", N_("Audit log"), SECTION_ADMIN, frozenset({R.AUDIT_ADMIN}),
             ":material/policy:", "audit"),
    PageSpec("pages/account/account.py", N_("Account and password"), SECTION_ACCOUNT, EVERYONE, ":material/person:",
             "account"),
]


def pages_for(roles: Iterable[str]) -> list[PageSpec]:
    roles = set(roles)
    specs: list[PageSpec] = []
    for spec in PAGES:  # a page registered in two sections for different roles is listed once, first one wins
        if roles & spec.roles and all(spec.path != seen.path for seen in specs):
            specs.append(spec)
    return specs


def spec_for(path: str) -> PageSpec:
    return next(spec for spec in PAGES if spec.path == path)
