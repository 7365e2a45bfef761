"""The read-only face of the warehouse: the Streamlit report and its database access.

`reports.db` is the only way the report (and anything else that serves users)
reads `warehouse.duckdb`: one short-lived, read-only, locked-down connection per
query, under the time, memory and row limits of `limits`. `privacy` decides how
people appear (names or pseudonyms), `fmt` how figures read, `queries` runs the
named SQL of `queries/*.sql`, and `export` writes the offline HTML report.
`app.py` (pages in `views/`, helpers in `ui`) is the Streamlit report; it is run
as a script by `streamlit run`, not imported.
"""
