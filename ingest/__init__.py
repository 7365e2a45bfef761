"""Polars loaders: raw chat exports in, Parquet lake out.

`decode` turns a file's bytes into UTF-8 text (encoding detection), `layouts`
knows each export layout (header pattern, continuation rule, body rules),
`parse` turns a batch of files into messages and rejects in one vectorised
Polars pass and accounts for every line (its steps: `rows`, the schemas and
`FileText`; `lines`, text split into lines and each file's layout chosen;
`headers`, the header grammar and header-shaped rejects; `messages`, bodies,
timestamps and the final rows), `render` writes messages back out in any layout (demo, tests,
benchmarks), `session_meta` reads dates and titles from `raw/sessions.csv`
and file names, `roster` lands `raw/roster.csv`, and `land` scans `raw/`,
decides what is new or changed, and writes `lake/messages`, `lake/rejects`
and `lake/files.parquet` atomically (its parts: `scan`, finding and reading
the exports; `lake_files`, a batch parsed and written as data files;
`manifest`, files.parquet and `verify_lake`; `outcome`, the `IngestReport`).
"""

from classchat.ingest.land import IngestReport, ingest

__all__ = ["IngestReport", "ingest"]
