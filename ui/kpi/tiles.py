"""Dashboard widgets: the period/region/unit filter bar, cached KPI loaders, KPI tiles and the target editor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from services import kpi
from services.administration import orgs
from services.core import i18n, permissions
from services.core.actor import Actor
from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.core.timeutil import local_date
from services.kpi import Direction, KpiResult, KpiUnit, Period, PeriodKind, Status
from ui import case_links, session
from ui.markdown import md_text

CACHE_TTL_S = 300  # a safety net: the data generation in the key already invalidates on every change
PERIOD_LABELS = {PeriodKind.MONTH: N_("This month"), PeriodKind.QUARTER: N_("This quarter"),
                 PeriodKind.YEAR: N_("This year"), PeriodKind.CUSTOM: N_("Custom")}
STATUS_COLOURS = {Status.GREEN: "green", Status.AMBER: "orange", Status.RED: "red", Status.NONE: "gray",
                  Status.NOT_APPLICABLE: "gray"}
STATUS_LABELS = {Status.GREEN: N_("On target"), Status.AMBER: N_("Near target"), Status.RED: N_("Off target"),
                 Status.NONE: N_("No target"), Status.NOT_APPLICABLE: N_("Not applicable")}
DASHBOARD, UNIT_PAGE, CASES_PAGE = "pages/supervision/dashboard.py", "pages/supervision/unit_profile.py", "pages/supervision/overdue_cases.py"


@dataclass(frozen=True)
class Filters:
    period: Period
    region_id: int | None
    unit_id: int | None

    def query_params(self, **extra) -> dict[str, str]:
        params = {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()}
        if self.region_id is not None:
            params["region"] = str(self.region_id)
        if self.unit_id is not None:
            params["unit"] = str(self.unit_id)
        params.update({k: str(v) for k, v in extra.items() if v is not None})
        return params


# --- cached reads -------------------------------------------------------------------------------------
@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=512)
def _cached(name: str, generation: int, today: date, scope: tuple, lang: str, args: tuple, kwargs: tuple,
            _actor: Actor, _fn: Callable):
    i18n.set_language(lang)
    return _fn(_actor, *args, **dict(kwargs))


def load(fn: Callable, actor: Actor, *args, **kwargs):
    """Calls a read service through the cache; the key holds the data generation (changes with every audited
    action), today's date (period edges move at midnight), the actor's scope and the language."""
    scope = (tuple(sorted(actor.roles)), actor.unit_id, tuple(sorted(actor.region_ids)))
    generation = kpi.generation(actor)
    return _cached(f"{fn.__module__}.{fn.__qualname__}", generation, local_date(), scope, i18n.current_language(),
                   args, tuple(sorted(kwargs.items())), actor, fn)


# --- filters ------------------------------------------------------------------------------------------
def _param_int(name: str) -> int | None:
    value = st.query_params.get(name)
    return int(value) if value and value.isdigit() else None


def _param_date(name: str) -> date | None:
    try:
        return date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        return None


FILTER_PARAMS = ("from", "to", "region", "unit")
ALL = 0  # the "whole jurisdiction" / "all units" choice (ids start at 1; None would show as an empty box)
URL_SEEN_KEY = "kpi_filters_url"


def _url_filters() -> dict[str, str | None]:
    return {name: st.query_params.get(name) for name in FILTER_PARAMS}


def _apply_url(today: date) -> None:
    """A link (drill-down, bookmark) brought filters in the URL: they replace the widgets' remembered values.

    Changes made with the widgets themselves are written back to the URL, so they are not mistaken for links."""
    url = _url_filters()
    if url == st.session_state.get(URL_SEEN_KEY):
        return
    start, end = _param_date("from"), _param_date("to")
    period = Period.between(start, end) if start and end and start <= end else Period.current("month", today)
    st.session_state["kpi_period_kind"] = period.kind
    if period.kind is PeriodKind.CUSTOM:
        st.session_state["kpi_custom_range"] = (period.start, period.end)
    st.session_state["kpi_region"] = _param_int("region") or ALL
    st.session_state["kpi_unit"] = _param_int("unit") or ALL


def filter_bar(actor: Actor, *, with_unit: bool = True) -> Filters | None:
    """Period, region and unit; the URL carries them so drill-down links and bookmarks keep the filters."""
    today = local_date()
    _apply_url(today)
    kinds = list(PeriodKind)
    # The period control gets the room its four choices need at 1366 px in either language; the dates of a
    # fixed period are in the caption under the bar, a custom period's picker sits under the control.
    cols = st.columns([3.2, 1.6, 2.0] if with_unit else [3.2, 1.6])
    st.session_state.setdefault("kpi_period_kind", PeriodKind.MONTH)
    kind = cols[0].segmented_control(_("Period"), kinds, key="kpi_period_kind",
                                     format_func=lambda k: _(PERIOD_LABELS[k])) or PeriodKind.MONTH
    if kind is PeriodKind.CUSTOM:
        st.session_state.setdefault("kpi_custom_range", (today - timedelta(days=29), today))
        picked = cols[0].date_input(_("From – to"), min_value=date(2000, 1, 1), max_value=today,
                                    key="kpi_custom_range")
        if not isinstance(picked, tuple) or len(picked) != 2:
            cols[0].caption(_("Choose the last day of the period."))
            return None
        period = session.run_action(Period.between, picked[0], picked[1])
        if period is None:
            return None
    else:
        period = Period.current(kind, today)
    regions = orgs.list_regions()
    region_options = [ALL] + [int(r) for r in regions["id"]]
    names = dict(zip(regions["id"], regions["name"], strict=True))
    levels = dict(zip(regions["id"], regions["level"], strict=True))
    if st.session_state.get("kpi_region") not in region_options:
        st.session_state["kpi_region"] = ALL
    region_id = cols[1].selectbox(
        _("Region"), region_options, key="kpi_region",
        format_func=lambda r: _("Whole jurisdiction") if r == ALL else
        ("\u3000" if levels[r] == "county" else "") + names[r]) or None
    unit_id = None
    if with_unit:
        units = orgs.list_units(include_inactive=False)
        if region_id is not None:  # a region includes the regions below it, as in the KPIs
            below = {r for r in region_options[1:] if r == region_id or _is_below(r, region_id, regions)}
            units = units[units["region_id"].isin(below)]
        unit_options = [ALL] + [int(u) for u in units["id"]]
        unit_names = dict(zip(units["id"], units["name"], strict=True))
        if st.session_state.get("kpi_unit") not in unit_options:
            st.session_state["kpi_unit"] = ALL
        unit_id = cols[2].selectbox(_("Unit"), unit_options, key="kpi_unit",
                                    format_func=lambda u: _("All units") if u == ALL else unit_names[u]) or None
    filters = Filters(period, region_id, unit_id)
    st.query_params.from_dict({**{k: v for k, v in st.query_params.to_dict().items() if k not in FILTER_PARAMS},
                               **filters.query_params()})
    st.session_state[URL_SEEN_KEY] = _url_filters()
    return filters


def _is_below(region: int, ancestor: int, regions: pd.DataFrame) -> bool:
    parents = dict(zip(regions["id"], regions["parent_id"], strict=True))
    current = parents.get(region)
    while current is not None and not pd.isna(current):
        if int(current) == ancestor:
            return True
        current = parents.get(int(current))
    return False


# --- tiles --------------------------------------------------------------------------------------------
def format_value(value: float | None, unit: KpiUnit) -> str:
    if value is None:
        return "—"
    if unit is KpiUnit.PERCENT:
        return f"{value:.1f}%"
    if unit is KpiUnit.DAYS:
        return _("{n} wd", n=f"{value:.1f}")
    return f"{value:,.0f}"


def tile_value(value: float | None, unit: KpiUnit) -> str:
    """The figure on a tile: working days without their unit word (the KPI's title names it), so a tile of
    ~170 px at 1366 px keeps the whole number instead of "3.2 个…"."""
    if unit is KpiUnit.DAYS and value is not None:
        return f"{value:.1f}"
    return format_value(value, unit)


def format_delta(result: KpiResult) -> str | int | None:
    """Change against the previous period; Streamlit picks the arrow from a leading '-' and greys a 0."""
    delta = result.delta
    if delta is None:
        return None
    shown = f"{abs(delta):,.0f}" if result.unit is KpiUnit.COUNT else f"{abs(delta):.1f}"
    if float(shown.replace(",", "")) == 0:
        return 0
    sign = "+" if delta > 0 else "-"
    if result.unit is KpiUnit.PERCENT:
        return _("{sign}{n} pts", sign=sign, n=shown)
    return f"{sign}{shown}"


def target_text(result: KpiResult) -> str:
    if result.status is Status.NOT_APPLICABLE:
        return _("Not applicable: the rules in force impose no such duty")
    if result.target is None:
        return _("No target set")
    sign = "≥" if result.direction is Direction.HIGHER else "≤"
    return _("Target {sign} {value}", sign=sign, value=format_value(result.target, result.unit))


def tile(result: KpiResult, filters: Filters) -> None:
    colour = STATUS_COLOURS[result.status]
    st.metric(f":{colour}[●] {_(result.title)}", tile_value(result.value, result.unit), format_delta(result),
              delta_color="normal" if result.direction is Direction.HIGHER else "inverse",
              help=_(result.description) if result.description else None)
    parts = [target_text(result)] if result.status in (Status.NONE, Status.NOT_APPLICABLE) else \
        [f":{colour}[{_(STATUS_LABELS[result.status])}]", target_text(result)]
    if result.previous is not None:
        parts.append(_("previous {value}", value=format_value(result.previous, result.unit)))
    st.caption(" · ".join(parts))
    if result.drill in {"overdue", "late"} and result.value and result.status is not Status.GREEN:
        st.page_link(CASES_PAGE, label=_("Show the cases"), icon=":material/list:",
                     query_params=filters.query_params(mode=result.drill, **result.drill_filter))


def tiles(results: list[KpiResult], filters: Filters, per_row: int = 5) -> None:
    for start in range(0, len(results), per_row):
        cols = st.columns(per_row)
        for col, result in zip(cols, results[start:start + per_row], strict=False):
            with col:
                tile(result, filters)


# --- targets ------------------------------------------------------------------------------------------
def target_editor(actor: Actor, results: list[KpiResult], filters: Filters) -> None:
    """The bureau reviewer sets a KPI's target for the whole jurisdiction or the selected region."""
    if not permissions.can(actor, "kpi.set_target"):
        return
    from services.kpi.targets import set_target

    with st.expander(_("Set targets"), icon=":material/flag:"):
        by_key = {r.key: r for r in results}
        with st.form("kpi_target_form", border=False):
            cols = st.columns([3, 1.3, 1.2])
            key = cols[0].selectbox(_("KPI"), list(by_key), format_func=lambda k: _(by_key[k].title))
            value = cols[1].number_input(_("Target"), min_value=0.0, value=None, step=1.0,
                                         placeholder=_("empty = default"))
            cols[2].caption(_("For {where}", where=_("the selected region") if filters.region_id
                              else _("the whole jurisdiction")))
            if st.form_submit_button(_("Save target"), type="primary"):
                session.run_action(set_target, actor, key, value, region_id=filters.region_id,
                                   success=_("The target was saved."), rerun=True)


# --- drill-down from charts and tables ----------------------------------------------------------------
def open_unit(unit_id: int, filters: Filters) -> None:
    st.switch_page(UNIT_PAGE, query_params={**filters.query_params(), "unit": str(unit_id)})


def chart(fig, key: str, filename: str, filters: Filters, *, clickable: bool = True) -> None:
    """A plotly chart; clicking a unit's bar opens the unit page, the camera button saves a PNG."""
    from ui.kpi.charts import config, selected_unit

    if not clickable:
        st.plotly_chart(fig, key=key, config=config(filename))
        return
    event = st.plotly_chart(fig, key=key, config=config(filename), on_select="rerun", selection_mode="points")
    unit_id = selected_unit(event)
    if unit_id is not None:
        open_unit(unit_id, filters)


def unit_table(frame: pd.DataFrame, results: list[KpiResult], key: str, filters: Filters) -> None:
    """The family's KPIs per unit (worst first on the first KPI with a target); selecting a row opens the unit."""
    by_key = {r.key: r for r in results}
    keys = [k for k in frame.columns if k in by_key]
    if frame.empty:
        st.info(_("No unit has figures for this period."))
        return
    first = next((k for k in keys if by_key[k].target is not None), keys[0])
    frame = frame.sort_values(first, ascending=by_key[first].direction is Direction.HIGHER, na_position="last")
    column_config = {"unit_id": None, "unit": st.column_config.TextColumn(_("Unit")),
                     "region": st.column_config.TextColumn(_("Region"))}
    shown = frame.reset_index(drop=True).copy()
    for k in keys:  # a unit without figures for a KPI reads "—", not "None" (the grid prints None for a gap)
        unit = by_key[k].unit
        shown[k] = shown[k].map(lambda v, u=unit: "—" if v is None or pd.isna(v) else (
            f"{v:.1f}%" if u is KpiUnit.PERCENT else (f"{v:.1f}" if u is KpiUnit.DAYS else f"{v:,.0f}")))
        column_config[k] = st.column_config.TextColumn(_(by_key[k].title), help=_(by_key[k].description))
    event = st.dataframe(shown, hide_index=True, width="stretch", key=key,
                         column_config=column_config, on_select="rerun", selection_mode="single-row",
                         height=min(420, 38 + 35 * len(frame)))
    st.caption(_("Select a row to open the unit."))
    rows = event.selection.rows if event else []
    if rows:
        open_unit(int(frame.reset_index(drop=True).iloc[rows[0]]["unit_id"]), filters)


def period_caption(filters: Filters) -> str:
    period, today = filters.period, local_date()
    return _("{start} to {end} · figures as of {as_of} · compared with {prev_start} to {prev_end}",
             start=period.start.isoformat(), end=period.end.isoformat(), as_of=period.as_of(today).isoformat(),
             prev_start=period.previous().start.isoformat(), prev_end=period.previous().end.isoformat())


def case_table(cases, key: str, filters: Filters, *, unit_page: bool = False) -> None:
    """Overdue or late steps, most overdue first; selecting a row opens the case on its own page (the share
    request, the submission under review …). A case whose page the user's role does not have opens the
    responsible unit instead (on the unit page itself: a note, not a reload of the same unit)."""
    from services.kpi.cases import CASE_KIND_TITLES, STEP_TITLES, title_of

    frame = cases.rows.copy()
    if frame.empty:
        st.success(_("Nothing to list."), icon=":material/task_alt:")
        return
    frame["case_kind"] = frame["case_kind"].map(lambda v: title_of(CASE_KIND_TITLES, v))
    frame["step"] = frame["step"].map(lambda v: title_of(STEP_TITLES, v))
    for column in ("started_on", "due_on", "closed_on"):  # missing dates shown blank, not "None"
        frame[column] = pd.to_datetime(frame[column])
    event = st.dataframe(
        frame, hide_index=True, width="stretch", key=key, on_select="rerun", selection_mode="single-row",
        # how late comes right after the reference, so it stays in view when the table scrolls at 1366 px
        column_order=["reference", "workdays_late", "subject", "case_kind", "step", "unit", "started_on", "due_on",
                      *([] if frame["closed_on"].isna().all() else ["closed_on"])],
        column_config={
            "reference": st.column_config.TextColumn(_("Reference")),
            "subject": st.column_config.TextColumn(_("Subject"), width="medium"),
            "case_kind": st.column_config.TextColumn(_("Kind of case")),
            "step": st.column_config.TextColumn(_("Step")),
            "unit": st.column_config.TextColumn(_("Responsible unit")),
            "started_on": st.column_config.DateColumn(_("Started on")),
            "due_on": st.column_config.DateColumn(_("Due on")),
            "closed_on": st.column_config.DateColumn(_("Closed on")),
            "workdays_late": st.column_config.NumberColumn(_("Working days late"), format="%d"),
        })
    if cases.total > len(frame):
        st.caption(_("Showing the first {shown} of {total}; export the list for all of them.",
                     shown=len(frame), total=cases.total))
    st.caption(_("Select a row to open the case."))
    rows = [r for r in (event.selection.rows if event else []) if r < len(frame)]
    if not rows:
        return
    picked = cases.rows.iloc[rows[0]]
    current = session.actor()
    if current is not None and not pd.isna(picked["case_id"]) and case_links.can_open(picked["case_kind"],
                                                                                        current.roles):
        case_links.open_case(str(picked["case_kind"]), int(picked["case_id"]))
    elif not unit_page and not pd.isna(picked["unit_id"]):
        open_unit(int(picked["unit_id"]), filters)
    else:
        st.info(md_text("{reference} is handled on a page your role does not have.", reference=picked["reference"]),
                icon=":material/info:")
