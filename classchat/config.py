"""Where classchat's files live, and the environment every stage runs in.

One place for paths: the data directory comes from `--data-dir`, else the
environment variable `CLASSCHAT_DATA_DIR`, else `./data`. The same variable is
read by dbt's profiles.yml, so a hand-run `dbt build` lands in the same
warehouse. `cache_dir()` holds what is true for every data directory of the
machine (a speed-up only). `offline_environment()` turns off every usage-statistics channel
(dbt, Great Expectations, Streamlit) before any of them is imported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _stage_dir(name: str) -> Path:
    """Where a stage's folder is: inside the installed package, else beside it in a checkout."""
    installed = PACKAGE_DIR / name
    return installed if installed.is_dir() else PACKAGE_DIR.parent / name


DBT_PROJECT_DIR = _stage_dir("dbt_project")
REPORTS_DIR = _stage_dir("reports")
DATA_DIR_ENV = "CLASSCHAT_DATA_DIR"
WAREHOUSE_ENV = "CLASSCHAT_WAREHOUSE"
CACHE_DIR_ENV = "CLASSCHAT_CACHE_DIR"


@dataclass(frozen=True)
class Paths:
    """The folders and files of one data directory (see DESIGN.md, "Data flow")."""

    data_dir: Path

    @property
    def raw(self) -> Path:
        return self.data_dir / "raw"

    @property
    def lake(self) -> Path:
        return self.data_dir / "lake"

    @property
    def lake_messages(self) -> Path:
        return self.lake / "messages"

    @property
    def lake_rejects(self) -> Path:
        return self.lake / "rejects"

    @property
    def files_manifest(self) -> Path:
        return self.lake / "files.parquet"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def pseudonymous_warehouse(self) -> Path:
        """The pseudonymous twin of the warehouse, the only file read in pseudonymous mode (docs/privacy.md)."""
        return self.data_dir / "warehouse.pseudonymous.duckdb"

    @property
    def quality(self) -> Path:
        return self.data_dir / "quality"

    @property
    def lock(self) -> Path:
        return self.data_dir / ".classchat.lock"


def resolve_data_dir(arg: str | os.PathLike | None = None) -> Path:
    """The data directory: the argument, else $CLASSCHAT_DATA_DIR, else ./data (absolute)."""
    value = arg or os.environ.get(DATA_DIR_ENV) or "data"
    return Path(value).expanduser().resolve()


def cache_dir() -> Path:
    """What holds for every data directory of this machine (today: the model versions whose rules'
    unit tests passed, classchat.provenance.rules_passed): $CLASSCHAT_CACHE_DIR, else
    $XDG_CACHE_HOME/classchat, else ~/.cache/classchat. Only ever a speed-up: deleting it is safe."""
    value = os.environ.get(CACHE_DIR_ENV)
    if value:
        return Path(value).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser().resolve() / "classchat"


def get_paths(arg: str | os.PathLike | None = None) -> Paths:
    return Paths(resolve_data_dir(arg))


def offline_environment(data_dir: Path) -> None:
    """Point every stage at `data_dir` and switch off all usage statistics.

    Called before dbt, Great Expectations or Streamlit is imported or started,
    so that nothing phones home (DESIGN.md invariant "No network at run time").
    """
    os.environ[DATA_DIR_ENV] = str(data_dir)
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    os.environ["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    os.environ.setdefault("STREAMLIT_SERVER_HEADLESS", "true")
