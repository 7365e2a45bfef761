"""The read-only face of the warehouse: the Streamlit report and its database access.

`reports.db` is the only way the report (and anything else that serves users)
reads `warehouse.duckdb`: one short-lived, read-only, locked-down connection per
query. `reports/app.py` is the Streamlit page staff open after a lecture; it is
run as a script by `streamlit run`, not imported.
"""
