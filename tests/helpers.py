"""Test helpers: the project's own fixture exports and fresh data directories.

Tests never read ../shared: every export they use is written by the project
(tests/fixtures/<layout>/...) or generated in the test itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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


LAYOUT_COURSES = ("plain", "zoom_legacy", "zoom_2021", "zoom_2025", "zoom_cloud", "bigbluebutton")


def write_layout_courses(paths: Paths) -> None:
    """raw/ with one course per layout (every fixture of that layout), plus the plain
    lecture re-encoded as GB18030 (course enc_gbk) and UTF-16 (course enc_utf16)."""
    for layout in LAYOUT_COURSES:
        for f in sorted((FIXTURES / layout).glob("*.txt")):
            copy_fixture(paths, layout, f"{layout}/{f.name}")
    lecture = (FIXTURES / "plain/2024-05-06_intro_lecture.txt").read_text(encoding="utf-8")
    for enc, name in (("gb18030", "gbk"), ("utf-16", "utf16")):
        add_export(paths, f"enc_{name}", "2024-05-06_intro_lecture.txt", lecture.encode(enc))


def build_warehouse(paths: Paths) -> Paths:
    """Ingest and dbt-build `paths` for real (no checks); the warehouse is at paths.warehouse."""
    from classchat.pipeline import run_stages

    run_stages(paths, "test-build", ingest=True, build=True, say=lambda _msg: None)
    return paths


# A real browser for the report's tests: Debian's chromium driven by Playwright, offline (STACK.md).
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def browser_missing() -> str | None:
    """Why a browser test cannot run here (no playwright, no chromium), or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not Path(CHROMIUM).exists():
        return "chromium is not installed (Debian package chromium)"
    return None


def analytics_copy(template: Paths, tmp_path_factory: pytest.TempPathFactory, name: str) -> Paths:
    """A private copy of the built analytics data directory (`analytics_built`), free to change."""
    paths = Paths(tmp_path_factory.mktemp(name) / "data")
    shutil.copytree(template.data_dir, paths.data_dir)
    return paths
