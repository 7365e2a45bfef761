"""Fixtures shared by all tests (helpers live in tests/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from classchat.config import Paths


def _run_root(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The folder of this test run that every xdist worker shares (a worker's own is below it)."""
    root = tmp_path_factory.getbasetemp()
    return root if worker_id == "master" else root.parent


@pytest.fixture(scope="session", autouse=True)
def shared_cache(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """One classchat cache for the whole test run (never the user's ~/.cache), shared by the xdist
    workers: the rules' dbt unit tests run with the first full builds, and later builds of the same
    model version skip them, as on a user's machine. A test that needs them run sets its own."""
    import os

    from classchat.config import CACHE_DIR_ENV

    cache = _run_root(tmp_path_factory, worker_id) / "classchat-cache"
    os.environ[CACHE_DIR_ENV] = str(cache)
    return cache


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    """A fresh data directory with an empty raw/ folder."""
    p = Paths(tmp_path / "data")
    p.raw.mkdir(parents=True)
    return p


@pytest.fixture(scope="session")
def analytics_built(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Paths:
    """tests/fixtures/analytics ingested, built and checked for real, once per test run.

    The xdist workers of one run share it: the first to take the lock builds it, the others wait and
    reuse it. It is a template: tests take a private copy with `helpers.analytics_copy`.
    """
    import fcntl
    import shutil

    from helpers import FIXTURES, build_warehouse

    from classchat.pipeline import run_stages

    root = _run_root(tmp_path_factory, worker_id)
    template = Paths(root / "analytics-template" / "data")
    done = template.data_dir.parent / "built"
    with open(root / "analytics-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(template.data_dir.parent, ignore_errors=True)
            shutil.copytree(FIXTURES / "analytics", template.raw)
            build_warehouse(template)
            run_stages(template, "check", check=True, say=lambda _msg: None)
            done.touch()
    return template



def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The Spark file first. It is the longest (about 6 minutes: two builds of the corpus and the GX
    suites on Spark), and pytest-xdist (`--dist loadfile`, the Makefile's) hands files to workers in
    collection order: collected in its alphabetical place it started near the end and ran alone,
    with the other worker idle (the suite took 19 minutes in a fresh-clone CI run, 29 Nov)."""
    items.sort(key=lambda item: item.path.name != "test_spark.py")  # stable: the rest keep their order
