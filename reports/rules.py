"""The warehouse's rules as page text reads them: the dbt vars of dbt_project/dbt_project.yml.

Owns reading the thresholds a page or the export names in words (a peak is
at least `peak_min_messages` messages and mean + `peak_sd` standard
deviations; an answer scores at least `answer_threshold`; ...), so the text
always says what the build used: the vars are read from the dbt project
that ships with the package, once per process.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from classchat.config import DBT_PROJECT_DIR


@cache
def dbt_vars() -> dict[str, Any]:
    """The `vars:` of the packaged dbt project."""
    with (DBT_PROJECT_DIR / "dbt_project.yml").open(encoding="utf-8") as f:
        return dict((yaml.safe_load(f) or {}).get("vars") or {})


def var(name: str) -> Any:
    """One dbt var; a name the project does not define is a KeyError naming it."""
    values = dbt_vars()
    if name not in values:
        raise KeyError(f"dbt var {name!r} is not defined in {DBT_PROJECT_DIR / 'dbt_project.yml'}")
    return values[name]


def number(value: Any) -> str:
    """2 -> '2', 2.5 -> '2.5' (a var as words write it)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def peak_rule() -> str:
    """The peak rule in words, e.g. 'at least 3 messages and at least the session's mean + 2 standard
    deviations per minute'."""
    return (
        f"at least {number(var('peak_min_messages'))} messages and at least the session's mean + "
        f"{number(var('peak_sd'))} standard deviations per minute"
    )
