"""Assessment widgets: labels, the plotly charts (ranking per group, distribution of totals, dimension radar
against the group average, year over year) and a unit's scorecard with the way to each automatic value."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from models.user import Role
from services.assessment import queries, rules
from services.assessment.queries import Results
from services.core import permissions
from services.core.actor import Actor
from services.core.i18n import current_language
from services.core.i18n import gettext as _
from ui import session
from ui.markdown import md_escape

RESULTS_PAGE = "pages/supervision/assessment_results.py"
WORK_PAGE = "pages/supervision/assessment.py"
MY_PAGE = "pages/supervision/my_scorecard.py"
UNIT_PAGE = "pages/supervision/unit_profile.py"
BLUE, TEAL, GREY, RED = "#1f5fa8", "#2a9d8f", "#9aa5b1", "#c62828"
GRADE_COLOURS = {"excellent": "#2e7d32", "good": "#1f5fa8", "pass": "#f0a202", "fail": "#c62828"}
FONT = dict(family="Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif", size=12)
CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]}


def label(mapping: dict, code: str | None) -> str:
    msgid = mapping.get(code) if code else None
    return _(msgid) if msgid else (code or "—")


def _layout(fig: go.Figure, title: str, height: int = 340) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=14)), font=FONT, height=height,
                      margin=dict(l=10, r=10, t=48, b=10), plot_bgcolor="white", paper_bgcolor="white",
                      legend=dict(orientation="h", y=-0.15))
    return fig


def ranking_chart(frame: pd.DataFrame, group: str) -> go.Figure:
    part = frame[frame["group"] == group].sort_values("total")
    fig = go.Figure(go.Bar(x=part["total"], y=part["unit"], orientation="h", customdata=part["unit_id"],
                           marker_color=[GRADE_COLOURS.get(g, GREY) for g in part["grade"]],
                           text=[f"{t:.2f}" for t in part["total"]], textposition="outside",
                           hovertemplate="%{y}: %{x:.2f}<extra></extra>"))
    fig.update_xaxes(range=[0, 105])
    return _layout(fig, label(rules.GROUP_LABELS, group), height=max(240, 28 * len(part) + 90))


def distribution_chart(frame: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for group in rules.UnitGroup:
        part = frame[frame["group"] == group]
        if not part.empty:
            fig.add_trace(go.Histogram(x=part["total"], name=label(rules.GROUP_LABELS, group), xbins=dict(size=5)))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=_("Total"), range=[0, 100])
    return _layout(fig, _("Distribution of totals"))


def dimension_chart(frame: pd.DataFrame, res: Results) -> go.Figure:
    language = current_language()
    fig = go.Figure()
    dims = [d for d in res.assessment.scheme.dimensions if d.points > 0]
    for group in rules.UnitGroup:
        part = frame[frame["group"] == group]
        if part.empty:
            continue
        fig.add_trace(go.Bar(x=[d.title(language) for d in dims],
                             y=[100 * part[f"dim:{d.code}"].mean() / d.points for d in dims],
                             name=label(rules.GROUP_LABELS, group)))
    fig.update_yaxes(title=_("Share of the dimension's points (%)"), range=[0, 100])
    return _layout(fig, _("Average by dimension"))


def radar_chart(res: Results, unit_id: int) -> go.Figure:
    language = current_language()
    card = res.cards[unit_id]
    dims = [d for d in res.assessment.scheme.dimensions if d.points > 0]
    peers = [c for c in res.cards.values() if c.group == card.group]
    theta = [d.title(language) for d in dims]
    mine = [100 * card.dimensions.get(d.code, 0) / d.points for d in dims]
    average = [100 * sum(c.dimensions.get(d.code, 0) for c in peers) / len(peers) / d.points for d in dims]
    fig = go.Figure([go.Scatterpolar(r=average + average[:1], theta=theta + theta[:1], name=_("Group average"),
                                     line_color=GREY),
                     go.Scatterpolar(r=mine + mine[:1], theta=theta + theta[:1], name=_("This unit"), fill="toself",
                                     line_color=BLUE)])
    fig.update_layout(polar=dict(radialaxis=dict(range=[0, 100])))
    return _layout(fig, _("Dimensions against the group average (%)"), height=380)


def history_chart(frame: pd.DataFrame) -> go.Figure:
    fig = go.Figure(go.Scatter(x=frame["year"], y=frame["mean"], name=_("Jurisdiction mean"), mode="lines+markers",
                               line_color=GREY))
    if "unit" in frame:
        fig.add_trace(go.Scatter(x=frame["year"], y=frame["unit"], name=_("This unit"), mode="lines+markers",
                                 line_color=BLUE))
    fig.update_xaxes(dtick=1)
    return _layout(fig, _("Year over year"), height=300)


def show(fig: go.Figure, key: str, *, clickable: bool = False):
    if clickable:
        return st.plotly_chart(fig, width="stretch", config=CONFIG, key=key, on_select="rerun",
                               selection_mode="points")
    st.plotly_chart(fig, width="stretch", config=CONFIG, key=key)
    return None


def clicked_unit(event) -> int | None:
    points = getattr(getattr(event, "selection", None), "points", None) or []
    for point in points:
        data = point.get("customdata")
        if data is not None:
            return int(data[0] if isinstance(data, list) else data)
    return None


def scorecard(actor: Actor, res: Results, unit_id: int) -> None:
    """A unit's scorecard: figures, radar against its group, every indicator; automatic values link to the
    unit's KPI drill-down for the assessed year."""
    language = current_language()
    card = res.cards[unit_id]
    name, region = res.names.get(unit_id, (str(unit_id), ""))
    st.subheader(md_escape(name))
    provisional = res.assessment.status != "published"
    st.caption(" · ".join([md_escape(region), label(rules.GROUP_LABELS, card.group),
                           _("Provisional") if provisional else _("Published")]))
    cols = st.columns(4)
    cols[0].metric(_("Total"), f"{card.total:.2f}", delta=res.change(unit_id))
    cols[1].metric(_("Rank"), f"{card.rank} / {card.group_size}")
    cols[2].metric(_("Grade"), label(rules.GRADE_LABELS, str(card.grade) if card.grade else None))
    cols[3].metric(_("Deductions"), f"-{card.deducted:.2f}")
    if card.weight != 1.0:
        st.caption(_("Indicators this deployment cannot measure are re-weighted: the measured points are scaled "
                     "by {w:.3f}.", w=card.weight))
    left, right = st.columns([1, 1.3])
    with left:
        show(radar_chart(res, unit_id), f"radar_{res.assessment.id}_{unit_id}")
    sheet = queries.scorecard(res, unit_id, language)
    with right:
        shown = sheet.assign(method=sheet["method"].map(lambda m: label(rules.METHOD_LABELS, m)),
                             value=[("" if pd.isna(v) else f"{v:g}") if o is None or pd.isna(o) else f"{o:g}"
                                    for v, o in zip(sheet["value"], sheet["occurrences"], strict=True)],
                             status=sheet["status"].map(lambda s: label(rules.SCORE_STATUS_LABELS, s)))
        st.dataframe(shown[["dimension", "indicator", "method", "value", "points", "max", "status"]].rename(columns={
            "dimension": _("Dimension"), "indicator": _("Indicator"), "method": _("Method"), "value": _("Value"),
            "points": _("Points"), "max": _("Maximum"), "status": _("Status")}),
            hide_index=True, width="stretch", height=420)
    with st.expander(_("Content and scoring standard of each indicator")):
        for _i, row in sheet.iterrows():
            st.markdown(f"**{md_escape(row['indicator'])}** — {md_escape(row['content'])}  \n"
                        f"{md_escape(row['standard'])}")
    evidence_section(actor, res, unit_id, sheet)
    if actor.has(Role.LEADER, Role.BUREAU_REVIEWER, Role.ASSESSOR):
        year = res.assessment.year
        st.page_link(UNIT_PAGE, label=_("Where the automatic values come from: the unit's KPIs for {year}",
                                        year=year), icon=":material/query_stats:",
                     query_params={"from": f"{year}-01-01", "to": f"{year}-12-31", "unit": str(unit_id)})


def evidence_section(actor: Actor, res: Results, unit_id: int, sheet: pd.DataFrame) -> None:
    """The assessors' notes and attached files behind the unit's manual scores and deductions, each file one
    click from its download (the service decides who may read them: assessors, and the unit its own card)."""
    if not permissions.can(actor, "assessment.view", unit_id=unit_id):  # a unit reading another's published card
        return
    frame = session.run_action(queries.evidence, actor, res.assessment.id, unit_id)
    if frame is None or frame.empty:
        return
    titles = dict(zip(sheet["code"], sheet["indicator"], strict=True))
    with st.expander(_("Evidence of the entered scores ({n})", n=len(frame))):
        for row in frame.itertuples():
            st.markdown(f"**{md_escape(titles.get(row.code, row.code))}**  \n"
                        + md_escape(row.evidence or row.override_reason or "—"))
            for attachment_id, filename in row.files:
                key = f"as_ev_{res.assessment.id}_{unit_id}_{attachment_id}"
                if st.button(_("Evidence: {name}", name=filename), key=key, type="tertiary",
                             icon=":material/attach_file:"):
                    result = session.run_action(queries.evidence_file, actor, res.assessment.id, unit_id,
                                                attachment_id)
                    if result and result is not True:
                        name, ctype, content = result
                        st.download_button(_("Download"), content, file_name=name, mime=ctype, key=f"{key}_dl")


def dashboard_section(actor: Actor) -> None:
    """The leadership dashboard's assessment section: the latest published ranking, grades, the units that
    dropped most, each with a link to its scorecard."""
    from services.core import permissions

    if not permissions.can(actor, "assessment.view"):
        return
    latest = queries.latest_published_id(actor)
    if latest is None:
        return
    res = queries.results(actor, latest)
    frame = queries.ranking(res)
    if frame.empty:
        return
    st.subheader(_("Assessment {year}", year=res.assessment.year), anchor="assessment")
    grades = frame["grade"].value_counts()
    # A line of figures, not metric tiles: the tiles above are the KPIs, one per registered KPI.
    st.markdown(" · ".join([f"{_('Mean score')} **{frame['total'].mean():.2f}**"]
                           + [f"{label(rules.GRADE_LABELS, str(g))} **{int(grades.get(str(g), 0))}**"
                              for g in rules.Grade]))
    left, right = st.columns([1.4, 1])
    with left:
        tabs = st.tabs([label(rules.GROUP_LABELS, g) for g in rules.UnitGroup if (frame["group"] == g).any()])
        for tab, group in zip(tabs, [g for g in rules.UnitGroup if (frame["group"] == g).any()], strict=True):
            with tab:
                event = show(ranking_chart(frame, group), f"dash_rank_{group}", clickable=True)
                unit_id = clicked_unit(event)
                if unit_id is not None:
                    st.switch_page(RESULTS_PAGE, query_params={"assessment": str(latest), "unit": str(unit_id)})
    with right:
        dropped = frame.dropna(subset=["change"]).sort_values("change").head(8)
        heading = _("Units that dropped most")
        st.markdown(f"**{heading}**")
        if dropped.empty:
            st.caption(_("No earlier published assessment to compare with."))
        for row in dropped.itertuples():
            st.page_link(RESULTS_PAGE, label=f"{row.unit} {row.change:+.2f} → {row.total:.2f}",
                         query_params={"assessment": str(latest), "unit": str(row.unit_id)})
    st.page_link(RESULTS_PAGE, label=_("Assessment results"), icon=":material/leaderboard:",
                 query_params={"assessment": str(latest)})
