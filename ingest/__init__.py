"""Polars loaders: raw chat exports in, Parquet lake out (installed as `classchat.ingest`).

Each module owns one thing:

- `decode`: a file's bytes to UTF-8 text (encoding detection);
- `layouts`: each built-in export layout as data (header pattern, continuation
  rule, body rules, role tags); `user_layouts`: those `raw/layouts.toml` declares;
- `parse`: a batch of files to messages, rejects and per-file statistics in one
  vectorised Polars pass, accounting for every line; its steps are `rows` (the
  schemas and `FileText`), `lines` (text split into lines, each file's layout
  chosen), `headers` (the header grammar, header-shaped rejects) and `messages`
  (bodies, timestamps, the final rows);
- `render`: messages written back out in any layout (demo, tests, benchmarks);
- `explain`: `classchat ingest --explain` and `classchat layouts`;
- `session_meta`: dates and titles from `raw/sessions.csv` and file names;
- `roster`: `raw/roster.csv` checked and landed;
- `land`: `ingest()`, deciding per raw file what is new or changed and
  committing `lake/messages`, `lake/rejects` and `lake/files.parquet`
  atomically; its parts are `scan` (finding and reading the exports),
  `lake_files` (a batch parsed and written as data files), `manifest`
  (files.parquet, `verify_lake`) and `outcome` (`IngestReport`);
- `attendance`: Zoom participants reports landed as `lake/attendance*.parquet`;
  `attendance_csv` reads one report's CSV.
"""

from classchat.ingest.land import IngestReport, ingest

__all__ = ["IngestReport", "ingest"]
