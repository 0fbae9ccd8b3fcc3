"""Start the web app: `python serve.py [streamlit run options]`, e.g. `python serve.py --server.port 8501`.

The same as `streamlit run app.py`, with one difference. The app builds its navigation with `st.navigation` in
app.py, but Streamlit sees the `pages/` folder and, until the first `st.navigation` call of the process, treats the
app as an old folder-based multipage app: the first visitor who opens a page by its address (a public link such as
/open-catalog, shared by mail or printed on a receipt) gets Streamlit's "Page not found" dialog, because the
folder lists no such page (its files are in section subfolders). Telling Streamlit before it starts that the
folder is not a page list lets every address resolve through app.py's navigation from the first session on."""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"


def main(argv: list[str]) -> int:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False  # pages/ holds the scripts app.py's st.navigation names, nothing else
    sys.argv = ["streamlit", "run", str(APP), *argv]
    return cli.main()  # type: ignore[func-returns-value]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
