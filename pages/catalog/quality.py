"""Catalog quality (目录质量): completeness and coverage per unit, the responsibility list (责任清单), the demand
list (需求清单) and one source per data item (一数一源)."""

import streamlit as st

from services import catalog
from services.catalog import exports as catalog_exports
from services.catalog import quality as catalog_quality
from services.core.i18n import gettext as _
from services.core.permissions import can
from ui import session
from ui.catalog import widgets as cw
from ui.exports import export_control
from ui.forms import limit_help
from ui.markdown import md_text

actor = session.require_actor()
session.show_flash()
st.title(_("Catalog quality"))
bureau = can(actor, "catalog.responsibility")
units = catalog.unit_options(actor)
own_unit = catalog_quality.quality_unit(actor)

t_units, t_resp, t_demand, t_source = st.tabs([_("Completeness and coverage"), _("Responsibility list"),
                                               _("Demand list"), _("One source per item")])
ROLLUP_HEADERS = {"unit": "Unit", "entries": "Entries", "published": "Published", "submitted": "Under review",
                  "returned": "Returned", "completeness": "Completeness", "incomplete": "Incomplete entries",
                  "expected": "Expected entries", "covered": "Covered", "coverage": "Coverage"}


def _rollup_shown(rollup):
    rollup = rollup.assign(completeness=rollup["completeness"].map(cw.percent),
                           coverage=rollup["coverage"].map(cw.percent))
    return cw.display_frame(rollup, ROLLUP_HEADERS)


with t_units:
    rollup = catalog_quality.unit_rollup(actor, unit_id=own_unit)
    st.dataframe(_rollup_shown(rollup), hide_index=True, width="stretch")
    export_control("catalog_quality", lambda fmt: catalog_exports.export_quality(actor, fmt, unit_id=own_unit,
                                                                                 present=_rollup_shown),
                   signature=own_unit)

with t_resp:
    st.caption(_("The entries each unit is expected to catalog; coverage counts those published."))
    if bureau:
        with st.form("resp_add", clear_on_submit=True):
            r1, r2, r3 = st.columns([1.5, 1.5, 1])
            with r1:
                unit_id = cw.unit_picker(_("Unit"), units, key="resp_unit", allow_all=False)
            name = r2.text_input(_("Resource name"), help=limit_help(120))
            base = r3.selectbox(_("Base library"), [None, *cw.options("base_library")],
                                format_func=lambda c: "—" if c is None else cw.name_of("base_library", c))
            note = st.text_input(_("Note"), help=limit_help(catalog_quality.NOTE_MAX))
            if st.form_submit_button(_("Add to the list"), type="primary"):
                session.run_action(catalog_quality.add_responsibility, actor, unit_id, name, base_library=base,
                                   note=note, success=_("Added."), rerun=True)
    resp = catalog_quality.list_responsibility(actor, unit_id=own_unit)
    picked = st.dataframe(cw.display_frame(resp.assign(covered=resp["covered"].map({True: "✓", False: ""})),
                                           {"unit": "Unit", "resource_name": "Resource name",
                                            "base_library": "Base library", "entry_code": "Resource code",
                                            "covered": "Covered", "note": "Note"},
                                           enums={"base_library": "base_library"}),
                          hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                          key="resp_table")
    if bureau and picked.selection.rows:
        row = resp.iloc[picked.selection.rows[0]]
        if st.button(md_text("Remove {name} from the list", name=row["resource_name"]), icon=":material/delete:"):
            session.run_action(catalog_quality.remove_responsibility, actor, int(row["id"]), success=_("Removed."),
                               rerun=True)

with t_demand:
    if can(actor, "catalog.demand"):
        with st.form("demand_add", clear_on_submit=True):
            title = st.text_input(_("Data the unit needs"), help=limit_help(120))
            wanted = st.text_input(_("Data items wanted"), help=limit_help(1000))
            purpose = st.text_area(_("Purpose and legal duty"), help=limit_help(1000), height=70)
            if st.form_submit_button(_("Add to the demand list"), type="primary"):
                session.run_action(catalog_quality.add_demand, actor, title, description=purpose,
                                   wanted_items=wanted, success=_("Added."), rerun=True)
    demands = catalog_quality.list_demands(actor, unit_id=own_unit)
    picked = st.dataframe(cw.display_frame(demands.assign(status=demands["status"].map(
        lambda s: _(catalog_quality.DEMAND_STATUS_NAMES.get(s, s)))),
        {"unit": "Requesting unit", "title": "Data the unit needs", "wanted_items": "Data items wanted",
         "status": "Status", "linked_entry": "Linked entry", "responsible_unit": "Responsible unit"}),
        hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="demand_table")
    if picked.selection.rows:
        row = demands.iloc[picked.selection.rows[0]]
        if bureau and row["status"] != "closed":
            with st.form("demand_link"):
                found, _total = catalog.search_published(actor, text=row["title"][:10], page_size=50)
                options = {None: "—", **{int(r.id): f"{r.resource_code} {r.name}（{r.provider}）"
                                         for r in found.itertuples()}}
                entry_id = st.selectbox(_("Published entry that meets the need"), list(options), format_func=options.get)
                unit_id = cw.unit_picker(_("Or the unit responsible for cataloguing it"), units, key="demand_unit")
                if st.form_submit_button(_("Link"), type="primary"):
                    session.run_action(catalog_quality.link_demand, actor, int(row["id"]), entry_id=entry_id,
                                       responsible_unit_id=unit_id, expected_version=int(row["version"]),
                                       success=_("Linked."), rerun=True)
        if row["unit_id"] == actor.unit_id and row["status"] != "closed" and st.button(_("Close this demand")):
            session.run_action(catalog_quality.close_demand, actor, int(row["id"]),
                               expected_version=int(row["version"]), success=_("Closed."), rerun=True)

with t_source:
    st.caption(_("Each data item has one legal source unit (Shanghai §11, Yunyang §26). Items two units both claim "
                 "as source are listed for the bureau to settle."))
    conflicts = catalog_quality.one_source_conflicts(actor)
    shown = conflicts.assign(units=conflicts["units"].map("、".join), entries=conflicts["entries"].map("、".join))
    picked = st.dataframe(cw.display_frame(shown, {"item_name": "Data item", "units": "Units claiming the source",
                                                   "entries": "Resource code", "source_unit": "Ruled source unit"}),
                          hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                          key="conflict_table")
    if can(actor, "catalog.one_source") and picked.selection.rows:
        row = conflicts.iloc[picked.selection.rows[0]]
        with st.form("settle"):
            names = dict(zip(row["unit_ids"], row["units"], strict=True))
            source = st.radio(_("Legal source unit of {item}", item=row["item_name"]), list(names), format_func=names.get)
            note = st.text_input(_("Basis of the ruling"), help=limit_help(catalog_quality.NOTE_MAX))
            if st.form_submit_button(_("Settle"), type="primary"):
                session.run_action(catalog_quality.settle_conflict, actor, row["norm_name"], source, note,
                                   success=_("The ruling was recorded."), rerun=True)
