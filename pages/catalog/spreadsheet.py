"""Catalog spreadsheet (离线编目): download the template or the catalog, upload a compiled workbook, preview every
problem before anything is written, then import all rows or none (Shanghai §9)."""

import io

import pandas as pd
import streamlit as st

from services.catalog import spreadsheet as catalog_io
from services.core.i18n import gettext as _
from services.core.permissions import can
from ui import session
from ui.forms import UPLOAD_DEFAULT_MB, upload_note
from ui.markdown import md_escape

actor = session.require_actor()
session.show_flash()
st.title(_("Catalog spreadsheet"))

download, upload = st.columns([1, 2], gap="large")
with download:
    st.subheader(_("Download"))
    st.download_button(_("Template (drop-down lists and an example row)"), catalog_io.template_for(actor),
                       file_name="catalog_template.xlsx", icon=":material/description:", width="stretch",
                       help=_("Every coded column offers its names in a drop-down list; overwrite the example."))
    working = can(actor, "catalog.view_unpublished") and st.toggle(
        _("Include drafts and changes not yet approved"), value=True, key="export_working")
    if st.button(_("Prepare the catalog workbook"), icon=":material/download:", width="stretch"):
        data = session.run_action(catalog_io.export_bytes, actor, working=bool(working))
        if data:
            st.session_state["catalog_export"] = data
    if st.session_state.get("catalog_export"):
        st.download_button(_("Save catalog.xlsx"), st.session_state["catalog_export"], file_name="catalog.xlsx",
                           type="primary", icon=":material/save:", width="stretch")

with upload:
    st.subheader(_("Import"))
    if not can(actor, "catalog.import"):
        st.info(_("Your role may export the catalog but not import it."))
        st.stop()
    st.caption(_("New resource codes become drafts of the providing unit; an existing code updates that unit's "
                 "draft, or prepares a change of a published entry for review. One bad row and nothing is written."))
    file = st.file_uploader(_("Compiled workbook (.xlsx)"), type=["xlsx"], key="catalog_upload")
    upload_note(UPLOAD_DEFAULT_MB, ["xlsx"])
    submit = st.checkbox(_("Submit the imported entries for the bureau's review"), key="import_submit")
    if file is not None:
        content = file.getvalue()
        key = (file.name, len(content), submit)
        if st.session_state.get("catalog_preview_key") != key:
            bar = st.progress(0.0, text=_("Reading the workbook…"))
            preview = session.run_action(catalog_io.import_catalog, actor, io.BytesIO(content), dry_run=True,
                                         submit=submit, progress=lambda f, msg: bar.progress(f, text=msg))
            bar.empty()
            st.session_state["catalog_preview_key"] = key
            st.session_state["catalog_preview"] = preview
        preview = st.session_state.get("catalog_preview")
        if preview:
            m = st.columns(4)
            m[0].metric(_("Entries read"), preview.entries_read)
            m[1].metric(_("Data items read"), preview.items_read)
            m[2].metric(_("New entries"), preview.created)
            m[3].metric(_("Updated entries"), preview.updated)
            if preview.rows_read:
                st.caption(_("Rows read per sheet, header row included: {counts}", counts=" · ".join(
                    f"{sheet} {n:,}" for sheet, n in preview.rows_read.items())))
            if preview.problems:
                st.error(_("{n} problems: fix them in the workbook and upload it again. Nothing was written.",
                           n=len(preview.problems)), icon=":material/error:")
                st.dataframe(pd.DataFrame([p.__dict__ for p in preview.problems]).rename(columns={
                    "sheet": _("Sheet"), "row": _("Row"), "column": _("Column"), "message": _("Problem")}),
                    hide_index=True, width="stretch")
            else:
                st.success(_("No problems found. The workbook can be imported."), icon=":material/task_alt:")
                for hint in preview.warnings[:20]:
                    st.warning(f"{hint.column}：{md_escape(hint.message)}", icon=":material/share:")
                if st.button(_("Import now"), type="primary", icon=":material/upload:"):
                    bar = st.progress(0.0, text=_("Reading the workbook…"))
                    report = session.run_action(catalog_io.import_catalog, actor, io.BytesIO(content), submit=submit,
                                                progress=lambda f, msg: bar.progress(f, text=msg))
                    bar.empty()
                    if report and report.written:
                        st.session_state.pop("catalog_preview_key", None)
                        session.flash(_("Imported: {created} new, {updated} updated, {submitted} submitted.",
                                        created=report.created, updated=report.updated, submitted=report.submitted))
                        st.rerun()
                    elif report:
                        st.session_state["catalog_preview"] = report
                        st.rerun()
