"""The system interface (系统对接): an HTTP API over the same services the pages and the CLI call.

An entrypoint layer beside `ui`: it imports services, never streamlit or ui, and services never import it."""
