"""Plotly chart builders of the dashboard, with one colour palette and translated labels everywhere.

Every builder returns a figure; bar charts of units carry the unit id in `customdata` so a click on a bar
can open the unit page (see `selected_unit`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from services.core.i18n import N_
from services.core.i18n import gettext as _
from services.deadlines import policy

# One palette for the whole product: blues for volumes, the traffic-light colours only for status.
BLUE, LIGHT_BLUE, TEAL, GREY = "#1f5fa8", "#8fb3dc", "#2a9d8f", "#9aa5b1"
GREEN, AMBER, RED, TARGET = "#2e7d32", "#f0a202", "#c62828", "#6d4c41"
SERIES = [BLUE, TEAL, "#e76f51", "#8e6bbf", "#f4a261", "#5c7080"]
KIND_COLOURS = {"catalog_entry": BLUE, "catalog_trigger": LIGHT_BLUE, "share_request": "#e76f51",
                "dispute": "#8e6bbf", "correction": TEAL, "open_request": "#f4a261"}
SHARE_TYPE_COLOURS = {"unconditional": GREEN, "conditional": AMBER, "not_shared": RED, "": GREY}
# Set share types are named by the active policy profile (Shanghai: 普遍共享 …); only "not set" is ours.
SHARE_TYPE_NOT_SET = N_("Share type not set")
CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
          "toImageButtonOptions": {"format": "png", "scale": 2}}
FONT = dict(family="Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif", size=12)


def config(filename: str) -> dict:
    """Modebar settings: the camera button saves the chart as a PNG named after it."""
    return {**CONFIG, "toImageButtonOptions": {**CONFIG["toImageButtonOptions"], "filename": filename}}


def _layout(fig: go.Figure, title: str, height: int = 340, **kwargs) -> go.Figure:
    legend = kwargs.pop("legend", dict(orientation="h", y=-0.15))
    margin = kwargs.pop("margin", dict(l=10, r=10, t=48, b=10))
    fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=14)), font=FONT, height=height,
                      margin=margin, legend=legend, plot_bgcolor="white", paper_bgcolor="white", **kwargs)
    fig.update_xaxes(gridcolor="#eef1f5")
    fig.update_yaxes(gridcolor="#eef1f5")
    return fig


def _status_colour(value: float | None, target: float | None, higher_is_better: bool) -> str:
    if value is None or pd.isna(value):
        return GREY
    if target is None:
        return BLUE
    good = value >= target if higher_is_better else value <= target
    return GREEN if good else RED


def monthly_requests(frame: pd.DataFrame, target: float | None) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(x=frame["month"], y=frame["submitted"], name=_("Requests submitted"), marker_color=LIGHT_BLUE,
                hovertemplate="%{x}<br>%{y}<extra></extra>")
    fig.add_scatter(x=frame["month"], y=frame["on_time_rate"], name=_("On-time answer rate"), yaxis="y2",
                    mode="lines+markers", line=dict(color=BLUE, width=2), connectgaps=False,
                    hovertemplate="%{x}<br>%{y:.1f}%<extra></extra>")
    if target is not None:
        fig.add_scatter(x=frame["month"], y=[target] * len(frame), name=_("Target"), yaxis="y2", mode="lines",
                        line=dict(color=TARGET, dash="dash", width=1), hoverinfo="skip")
    # Month labels as "2025-12" stand at -45° with the room they need (automargin); the legend sits below
    # them with a bottom margin of its own, so neither covers the other (they overlapped at 1366 px).
    return _layout(fig, _("Requests per month and on-time answer rate"), height=420,
                   legend=dict(orientation="h", yanchor="top", y=-0.3, xanchor="left", x=0),
                   margin=dict(l=10, r=10, t=48, b=90),
                   xaxis=dict(type="category", tickangle=-45, automargin=True),
                   yaxis=dict(title=_("Requests"), rangemode="tozero"),
                   yaxis2=dict(title=_("On-time answer rate (%)"), overlaying="y", side="right", range=[0, 105],
                               tickmode="linear", dtick=20, showgrid=False))


def unit_bars(frame: pd.DataFrame, column: str, title: str, *, target: float | None, higher_is_better: bool,
              percent: bool, limit: int = 15) -> go.Figure:
    """One KPI per unit, worst first (at the top), green/red against the target."""
    data = frame.dropna(subset=[column])
    data = data.sort_values(column, ascending=higher_is_better).head(limit).iloc[::-1]
    colours = [_status_colour(v, target, higher_is_better) for v in data[column]]
    suffix = "%" if percent else ""
    fig = go.Figure(go.Bar(x=data[column], y=data["unit"], orientation="h", marker_color=colours,
                           customdata=data["unit_id"], text=[f"{v:.1f}{suffix}" for v in data[column]],
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: %{x:.1f}" + suffix + "<extra></extra>"))
    if target is not None:
        fig.add_vline(x=target, line=dict(color=TARGET, dash="dash", width=1),
                      annotation_text=_("Target"), annotation_position="top")
    fig.update_yaxes(automargin=True)
    return _layout(fig, title, height=max(260, 28 * len(data) + 90),
                   xaxis=dict(range=[0, 118]) if percent else {})


def overdue_by_unit(frame: pd.DataFrame, kind_titles: dict[str, str], limit: int = 15) -> go.Figure:
    totals = frame.groupby(["unit_id", "unit"], as_index=False)["overdue"].sum().sort_values("overdue").tail(limit)
    fig = go.Figure()
    for kind in frame["case_kind"].unique():
        part = frame[frame["case_kind"] == kind].set_index("unit_id")["overdue"]
        fig.add_bar(y=totals["unit"], x=[part.get(u, 0) for u in totals["unit_id"]], orientation="h",
                    name=_(kind_titles.get(kind, kind)), marker_color=KIND_COLOURS.get(kind, GREY),
                    customdata=totals["unit_id"], hovertemplate="%{y}: %{x}<extra></extra>")
    fig.update_yaxes(automargin=True)
    return _layout(fig, _("Overdue now by responsible unit"), height=max(260, 28 * len(totals) + 110),
                   barmode="stack", xaxis=dict(title=_("Overdue cases"), dtick=_count_tick(totals["overdue"])))


def catalog_by_unit(frame: pd.DataFrame, coverage_target: float | None, completeness_target: float | None,
                    limit: int = 15) -> go.Figure:
    """Completeness and coverage per providing unit, the weakest units on top. Horizontal bars: unit names
    are long (示范市人力资源和社会保障局), and under vertical bars they overlapped at 1366 px."""
    data = frame.assign(_rank=frame[["catalog.completeness", "catalog.coverage"]].min(axis=1, skipna=True))
    data = data.sort_values("_rank").head(limit).iloc[::-1]
    fig = go.Figure()
    fig.add_bar(y=data["unit"], x=data["catalog.completeness"], name=_("Metadata completeness"), marker_color=BLUE,
                orientation="h", customdata=data["unit_id"], hovertemplate="%{y}: %{x:.1f}%<extra></extra>")
    fig.add_bar(y=data["unit"], x=data["catalog.coverage"], name=_("Catalog coverage"), marker_color=TEAL,
                orientation="h", customdata=data["unit_id"], hovertemplate="%{y}: %{x:.1f}%<extra></extra>")
    for target, colour in ((completeness_target, BLUE), (coverage_target, TEAL)):
        if target is not None:
            fig.add_vline(x=target, line=dict(color=colour, dash="dash", width=1))
    fig.update_yaxes(automargin=True)
    return _layout(fig, _("Catalog completeness and coverage by unit (weakest first)"), barmode="group",
                   height=max(300, 40 * len(data) + 110), xaxis=dict(range=[0, 105], title="%"))


def funnel(frame: pd.DataFrame) -> go.Figure:
    fig = go.Figure(go.Funnel(y=[_(t) for t in frame["title"]], x=frame["entries"], textinfo="value+percent initial",
                              marker=dict(color=[LIGHT_BLUE, BLUE, "#174a84", TEAL, GREEN][:len(frame)])))
    return _layout(fig, _("Catalog status funnel"))


def share_types(frame: pd.DataFrame, limit: int = 20) -> go.Figure:
    """Published entries per unit split by share type, the units with most entries on top."""
    totals = frame.groupby(["unit_id", "unit"], as_index=False)["entries"].sum().sort_values(
        "entries").tail(limit)
    fig = go.Figure()
    for share_type in ("unconditional", "conditional", "not_shared", ""):
        part = frame[frame["share_type"] == share_type].set_index("unit_id")["entries"]
        if part.empty:
            continue
        fig.add_bar(y=totals["unit"], x=[part.get(u, 0) for u in totals["unit_id"]], orientation="h",
                    name=policy.share_type_label(share_type) or _(SHARE_TYPE_NOT_SET), marker_color=SHARE_TYPE_COLOURS[share_type],
                    customdata=totals["unit_id"], hovertemplate="%{y}: %{x}<extra></extra>")
    fig.update_yaxes(automargin=True)
    return _layout(fig, _("Share types of published entries by unit"), height=max(300, 24 * len(totals) + 110),
                   barmode="stack", xaxis=dict(title=_("Entries"), dtick=_count_tick(totals["entries"])))


def _count_tick(values) -> int:
    """Whole-number axis steps for counts (about five gridlines)."""
    top = int(values.max()) if len(values) else 0
    return max(1, -(-top // 5))


def selected_unit(event) -> int | None:
    """The unit id of the bar clicked in a chart drawn with on_select="rerun"."""
    try:
        points = event.selection.points
    except AttributeError:
        return None
    for point in points or []:
        value = point.get("customdata")
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None:
            return int(value)
    return None
