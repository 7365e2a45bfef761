"""Polars loaders: raw chat exports in, Parquet lake out.

`decode` turns a file's bytes into lines (encoding detection, line ends),
`layouts` knows each export layout (header pattern, continuation rule),
`parse` turns a batch of lines into messages and rejects in one vectorised
Polars pass, and `land` scans `raw/`, decides what is new or changed, and
writes `lake/messages`, `lake/rejects` and `lake/files.parquet` atomically.
"""

from ingest.land import IngestReport, ingest

__all__ = ["IngestReport", "ingest"]
