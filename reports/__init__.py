"""The read-only face of the warehouse: the Streamlit report and its database access.

`reports.db` is the only way the report (and anything else that serves users)
reads `warehouse.duckdb`: one short-lived, read-only, locked-down connection per
query, under the time, memory and row limits of `limits`. `privacy` decides how
people appear (names or pseudonyms), `fmt` how figures and column names read,
`rules` the dbt vars that text names, `sql` the SQL the pages and the export
share. `queries` runs the named SQL of `queries/*.sql` (`query_library` reads
the files and parameters, `query_output` writes results), and `export` writes
the offline HTML report (`export_data`, `export_course`, `export_session`,
`export_parts`, charts by `svg`). `app.py` (pages in `views/`, helpers in `ui`,
charts defined in `charts`, data shown as text by `markup`, provenance in
`footer`) is the Streamlit report; it is run as a script by `streamlit run`,
not imported.
"""
