"""The report and the HTML export in a real browser: Debian's chromium driven by Playwright.

`classchat report` is started on localhost over a warehouse built from the
analytics fixture; every page is opened, must render without a Streamlit
exception and with its figures, and is saved as a screenshot under
test-output/browser/. The HTML export is opened from disk with the network
off and every request refused: it must need none and show its charts.
Without chromium or Playwright this skips, unless CLASSCHAT_REQUIRE_BROWSER=1
(as in CI), where it fails instead.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from helpers import analytics_copy, browser_missing, build_warehouse, CHROMIUM, CHROMIUM_ARGS

from classchat.config import Paths

OUT = Path(__file__).resolve().parents[1] / "test-output" / "browser"
PAGES = {  # url path -> text the page must show once rendered
    "": "Courses side by side",
    "overview": "Courses side by side",  # every page has its own URL, the landing page too
    "course": "Who carries the chat",
    "session": "Messages per minute",
    "people": "Sessions",
    "quality": "Files ingested",
    "queries": "Result (",
    "attendance": "participants report",  # the test course has none: the page says what one would add
}
# The generated term has participants reports (the demo writes them): its Attendance page shows the grid.
TERM_TEXT = {**PAGES, "attendance": "Term grid"}


reason = browser_missing()
if reason and os.environ.get("CLASSCHAT_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"the browser test is required here but {reason}")
pytestmark = pytest.mark.skipif(reason is not None, reason=reason or "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def data(analytics_built, tmp_path_factory) -> Paths:
    return analytics_copy(analytics_built, tmp_path_factory, "browser")


@contextlib.contextmanager
def _report(data: Paths):
    """`classchat report` on `data`, up and answering; stopped (and waited for) afterwards."""
    port = _free_port()
    env = dict(os.environ, CLASSCHAT_DATA_DIR=str(data.data_dir))
    proc = subprocess.Popen(
        [sys.executable, "-m", "classchat.cli", "report", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("classchat report did not come up: " + (proc.stdout.read() if proc.stdout else ""))
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def server(data):
    with _report(data) as url:
        yield url


@pytest.fixture(scope="module")
def term(tmp_path_factory) -> Paths:
    """A generated term that runs from September 2024 into January 2025 (dates span two years), with
    sessions long and busy enough for crowded peaks."""
    from classchat.demo import write_demo

    paths = Paths(tmp_path_factory.mktemp("browser-term") / "data")
    write_demo(paths.data_dir, courses=2, sessions=20, messages=260, seed=11)  # 2024-09-02 .. 2025-01-13
    build_warehouse(paths)
    return paths


@pytest.fixture(scope="module")
def term_server(term):
    with _report(term) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        yield b
        b.close()


def _open(browser, url: str, text: str):
    """A page of the report at 1280 px, rendered to the end (no skeleton left, charts drawn)."""
    # the width staff use (issue 12); tall, so the screenshot holds the whole page (Streamlit scrolls inside)
    page = browser.new_page(viewport={"width": 1280, "height": 3000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    elsewhere: list[str] = []  # no request leaves the machine: the report's own server only
    page.on(
        "request",
        lambda req: None if urlparse(req.url).hostname in ("127.0.0.1", "localhost", None) else elsewhere.append(req.url),
    )
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text(text, exact=False).first.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)
    page.wait_for_timeout(3000)  # tables and charts draw after their data arrives
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert not errors, errors
    assert page.get_by_text("Page not found").count() == 0
    assert not elsewhere, elsewhere
    return page


@pytest.mark.parametrize("path", ["", "course", "session", "attendance"])
def test_pages_over_a_term_that_spans_years(term_server, browser, path):
    """Dates on the axes carry their year when the term spans two; crowded peaks keep their labels apart
    (screenshots term-*.png, looked at by a person)."""
    OUT.mkdir(parents=True, exist_ok=True)
    page = _open(browser, f"{term_server}/{path}", TERM_TEXT[path])
    page.screenshot(path=str(OUT / f"term-{path or 'home'}.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_renders_in_chromium(server, browser, path):
    OUT.mkdir(parents=True, exist_ok=True)
    page = _open(browser, f"{server}/{path}", PAGES[path])
    page.screenshot(path=str(OUT / f"page-{path or 'home'}.png"), full_page=True)
    if path in ("", "overview"):
        assert page.get_by_text("ml", exact=True).count() > 0
    page.close()


def _offline(browser):
    """A browser context without the network: every http(s) request is refused and recorded."""
    context = browser.new_context(offline=True)
    requested: list[str] = []

    def refuse(route):
        requested.append(route.request.url)
        route.abort()

    context.route("http*://**", refuse)
    return context, requested


def test_html_export_opens_offline_with_its_charts(data, browser):
    from classchat.reports.export import write_export

    OUT.mkdir(parents=True, exist_ok=True)
    target = write_export(data.warehouse, course="ml", session="ml/2024-06-03_week1", out=OUT / "export-session.html")
    context, requested = _offline(browser)
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(target.as_uri())
    assert page.locator("svg").count() >= 1
    assert page.get_by_text("为什么 relu 不会梯度消失").count() >= 1
    assert requested == []
    page.screenshot(path=str(OUT / "export-session.png"), full_page=True)
    course = write_export(data.warehouse, course="ml", out=OUT / "export-course.html")
    page.goto(course.as_uri())
    assert page.locator("svg").count() >= 2
    assert requested == []
    page.screenshot(path=str(OUT / "export-course.png"), full_page=True)
    context.close()


def test_data_docs_of_the_checks_open_offline_with_their_tables(data, browser):
    """GX's Data Docs load their scripts from CDNs; classchat's rewrite (expectations/offline_docs.py)
    makes them fetch nothing, and its local script still draws the tables GX's scripts drew."""
    from classchat.expectations.suites import SUITES

    site = data.quality / "gx" / "uncommitted" / "data_docs" / "local_site"
    context, requested = _offline(browser)
    page = context.new_page()
    problems: list[str] = []  # a script that throws, or a local file that is missing
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto((site / "index.html").as_uri())
    runs = page.locator("table#section-1-content-block-2-1-body-table tbody tr")
    assert runs.count() == len(SUITES)  # one checked run: a row per suite, drawn from the page's data
    icons = page.locator("tbody i.fa-check-circle")  # every suite passed; the icon font is gone, CSS draws ✓
    assert icons.count() == len(SUITES)
    assert icons.first.evaluate("el => getComputedStyle(el, '::before').content") == '"✓"'
    page.screenshot(path=str(OUT / "data-docs-index.png"), full_page=True)
    runs.first.click()  # a run's row opens its validation page
    page.wait_for_load_state()
    assert "/validations/" in page.url
    assert page.get_by_text("Evaluated Expectations").count() == 1
    page.screenshot(path=str(OUT / "data-docs-validation.png"), full_page=True)
    assert requested == []
    assert problems == []
    context.close()


def test_dbt_docs_page_opens_offline(data, browser):
    """`classchat docs` writes dbt's static docs page: it shows the models and fetches nothing (dbt's
    tracker stays off because usage statistics are off: docs/privacy.md)."""
    done = subprocess.run(
        [sys.executable, "-m", "classchat.cli", "docs", "--data-dir", str(data.data_dir)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    page_file = data.data_dir / "docs" / "dbt" / "static_index.html"
    assert f"dbt docs at {page_file}" in done.stdout
    context, requested = _offline(browser)
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(page_file.as_uri())
    page.locator('span:text-is("classchat"):visible').first.wait_for(timeout=30_000)  # the project, drawn
    assert page.locator('span:text-is("lake"):visible').count() >= 1  # and the lake's sources
    page.wait_for_timeout(2000)  # a tracker would load after the page
    page.screenshot(path=str(OUT / "dbt-docs.png"))
    assert requested == []
    context.close()
