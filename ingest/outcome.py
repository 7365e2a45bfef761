"""What one ingest did: `IngestReport`, and the lines the command prints from it.

Owns the record `land.ingest` fills in (manifest rows written, files kept,
missing, pruned, quarantined, repaired, warnings, the roster and the
attendance reports) and its summary for the command line. `land` re-exports
it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from classchat.ingest.attendance import AttendanceReport
from classchat.ingest.layouts import LAYOUT_FIT_THRESHOLD


@dataclass
class IngestReport:
    """What one ingest did, for the command line and the tests."""

    landed: list[dict] = field(default_factory=list)  # manifest rows written this run
    n_unchanged: int = 0
    n_missing: int = 0  # landed exports whose raw file is gone; their sessions stay (unless pruned)
    n_pruned: int = 0  # landed exports dropped because their raw file is gone (prune)
    kept: list[str] = field(default_factory=list)  # re-exports not landed: the earlier version stays
    quarantined: list[str] = field(default_factory=list)  # unchanged exports still quarantined
    repaired: list[str] = field(default_factory=list)  # exports re-landed because their lake file was damaged
    warnings: list[str] = field(default_factory=list)  # landed, but a person should look (dates, time basis)
    n_roster_rows: int = 0
    attendance: AttendanceReport | None = None  # attendance reports (raw/<course>/*.csv), ingest/attendance.py
    seconds: float = 0.0

    @property
    def problems(self) -> list[dict]:
        return [row for row in self.landed if row["status"] in ("failed", "needs_date")]

    def summary_lines(self) -> list[str]:
        new = [r for r in self.landed if r["status"] == "landed"]
        lines = [
            f"ingest: {len(new)} file(s) landed ({sum(r['n_messages'] or 0 for r in new)} messages, "
            f"{sum(r['n_rejected_lines'] or 0 for r in new)} rejected lines), "
            f"{self.n_unchanged} unchanged, {len(self.problems)} not landed, in {self.seconds:.1f} s"
        ]
        if self.n_missing:
            lines.append(
                f"  {self.n_missing} landed file(s) are no longer in raw/; their sessions are kept "
                "(`classchat run --prune` drops them)"
            )
        if self.n_pruned:
            lines.append(f"  pruned {self.n_pruned} landed file(s) no longer in raw/ and their sessions")
        lines += [f"  KEPT EARLIER VERSION {line}" for line in self.kept]
        lines += [f"  QUARANTINED {line}" for line in self.quarantined]
        lines += [f"  REPAIRED {line}" for line in self.repaired]
        lines += [f"  WARNING {line}" for line in self.warnings]
        for row in self.landed:
            if row["status"] == "duplicate":
                lines.append(f"  skipped {row['source_file']}: {row['reason']}")
            elif row["status"] in ("failed", "needs_date"):
                lines.append(f"  NOT LANDED {row['source_file']}: {row['reason']}")
            else:
                if row.get("poor_fit"):
                    lines.append(
                        f"  POOR FIT {row['source_file']}: only {row['layout_fit']:.0%} of its lines read as "
                        f"{row['layout']} (flagged below {LAYOUT_FIT_THRESHOLD:.0%}); check it with "
                        f"`classchat ingest --explain {row['source_file']}`"
                    )
                if row["n_rejected_lines"]:
                    lines.append(
                        f"  {row['source_file']}: {row['n_rejected_lines']} line(s) rejected, see lake/rejects"
                    )
        return lines + (self.attendance.summary_lines() if self.attendance else [])
