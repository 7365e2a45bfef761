"""Fixtures shared by all tests (helpers live in tests/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from classchat.config import Paths


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    """A fresh data directory with an empty raw/ folder."""
    p = Paths(tmp_path / "data")
    p.raw.mkdir(parents=True)
    return p
