"""Working-day calendar (security administrator): a year as month grids, day edits and official imports."""

from datetime import date

import pandas as pd
import streamlit as st

from services.core.i18n import gettext as _
from services.core.timeutil import local_date
from services.deadlines import calendar, configuration
from ui import session
from ui.deadlines.calendar_grid import kind_label, month_html, source_label
from ui.forms import UPLOAD_DEFAULT_MB, limit_help, upload_note

actor = session.require_actor()
session.show_flash()
st.title(_("Working-day calendar"))
st.caption(_("Every statutory deadline is counted in these working days: the start day is not counted, and a "
             "deadline of N working days is the N-th working day after it."))

statuses = {s.year: s for s in calendar.year_status(actor)}
this_year = local_date().year
years = sorted(statuses)
year = st.selectbox(_("Year"), years, index=years.index(this_year) if this_year in years else 0,
                    format_func=lambda y: f"{y} · {source_label(statuses[y].source)}")
status = statuses[year]
if status.source == "provisional":
    st.warning(_("{year} is provisional: weekends and the statutory holidays only, without the substitute working "
                 "days. Import the State Council's schedule as soon as it is published.", year=year),
               icon=":material/warning:")
cols = st.columns(4)
cols[0].metric(_("Working days"), status.workdays)
cols[1].metric(_("Days off"), status.days_off)
cols[2].metric(_("Source"), source_label(status.source))
cols[3].metric(_("Edited days"), status.overrides)

days = calendar.year_days(actor, year)
st.caption(_("Colours: red = holiday on a weekday, orange = worked weekend, grey = weekend; a blue frame marks a "
             "day edited by an administrator."))
for row_start in range(1, 13, 4):
    columns = st.columns(4)
    for offset, column in enumerate(columns):
        month = row_start + offset
        with column:
            st.markdown("**" + _("Month {month}", month=month) + "**")
            st.html(month_html(days, year, month))

special = days[(days["kind"].isin(["holiday", "worked_weekend"])) | (days["source"] == "override")]
with st.expander(_("Holidays, worked weekends and edited days ({n})", n=len(special))):
    st.dataframe(pd.DataFrame({
        _("Date"): [d.isoformat() for d in special["day"]],
        _("Kind"): [kind_label(k) for k in special["kind"]],
        _("Source"): [source_label(s) for s in special["source"]],
        _("Note"): special["note"].fillna(""),
    }), hide_index=True, width="stretch")

edit, upload = st.columns(2, gap="large")
with edit:
    st.subheader(_("Edit one day"))
    with st.form("calendar_edit_day"):
        day = st.date_input(_("Date"), value=date(year, 1, 1) if year != this_year else local_date(),
                            min_value=date(calendar.FIRST_YEAR, 1, 1), max_value=date(calendar.LAST_YEAR, 12, 31))
        is_work = st.radio(_("The day is"), [True, False], horizontal=True,
                           format_func=lambda v: _("a working day") if v else _("a day off"))
        note = st.text_input(_("Note"), help=limit_help(calendar.NOTE_MAX), placeholder=_("e.g. 国庆节调休上班"))
        if st.form_submit_button(_("Save day"), type="primary"):
            moved = session.run_action(configuration.set_day, actor, day, is_work, note)
            if moved is not None:
                session.flash(_("{day} saved; {n} open deadlines moved.", day=day.isoformat(), n=moved))
                st.rerun()

with upload:
    st.subheader(_("Import the official schedule"))
    st.caption(_("CSV or XLSX with the columns date, is_workday, note (日期, 是否工作日, 备注). List the holidays and "
                 "the worked weekends of each year; the other days of those years follow the ordinary week. Every "
                 "year in the file becomes official."))
    uploaded = st.file_uploader(_("Schedule file"), type=["csv", "xlsx"], key="calendar_upload")
    upload_note(UPLOAD_DEFAULT_MB, ["csv", "xlsx"])
    if uploaded is not None:
        rows = session.run_action(lambda: calendar.parse_schedule(calendar.read_schedule(uploaded.getvalue(),
                                                                                          uploaded.name)))
        if rows:
            years_in_file = sorted({r.day.year for r in rows})
            st.write(_("{n} days listed for {years}.", n=len(rows), years=", ".join(map(str, years_in_file))))
            st.dataframe(pd.DataFrame({_("Date"): [r.day.isoformat() for r in rows],
                                       _("Working day"): [_("Yes") if r.is_workday else _("No") for r in rows],
                                       _("Note"): [r.note or "" for r in rows]}),
                         hide_index=True, width="stretch", height=200)
            if st.button(_("Import as official"), type="primary"):
                result = session.run_action(configuration.import_schedule, actor, rows)
                if result:
                    session.flash(_("Imported {years}: {days} working-day flags changed, {n} open deadlines moved.",
                                    years=", ".join(map(str, result.years)), days=result.days_changed,
                                    n=result.clocks_moved))
                    st.rerun()
