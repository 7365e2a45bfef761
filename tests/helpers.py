"""Test helpers: the project's own fixture exports and fresh data directories.

Tests never read ../shared: every export they use is written by the project
(tests/fixtures/<layout>/...) or generated in the test itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from classchat.config import Paths

FIXTURES = Path(__file__).parent / "fixtures"


def add_export(paths: Paths, course: str, name: str, content: str | bytes) -> Path:
    """Write an export to raw/<course>/<name> and return its path."""
    target = paths.raw / course / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    target.write_bytes(content)
    return target


def copy_fixture(paths: Paths, course: str, fixture: str, name: str | None = None) -> Path:
    """Copy tests/fixtures/<fixture> into raw/<course>/ (under `name` if given)."""
    src = FIXTURES / fixture
    target = paths.raw / course / (name or src.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, target)
    return target
