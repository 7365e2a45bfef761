"""`classchat report` stops with everything it started when it gets SIGTERM or SIGINT (within two
seconds), so no Streamlit server is left answering after the command is gone."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import duckdb
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
            return r.read() == b"ok"
    except OSError:
        return False


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_report_stops_with_its_server(paths, sig):
    duckdb.connect(str(paths.warehouse)).close()  # the server comes up on any warehouse file
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "classchat.cli", "report", "--port", str(port), "--data-dir", str(paths.data_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while not _answers(url):
            assert time.monotonic() < deadline, "the report did not come up"
            assert proc.poll() is None, "classchat report ended early"
            time.sleep(0.3)
        server_pgids = {
            os.getpgid(int(pid)) for pid in os.listdir("/proc") if pid.isdigit() and _child_of(int(pid), proc.pid)
        }
        assert server_pgids, "no server process under classchat report"
        stopped_at = time.monotonic()
        proc.send_signal(sig)
        proc.wait(timeout=10)
        assert time.monotonic() - stopped_at < 2.5
        assert not _answers(url)
        assert not any(_group_alive(g) for g in server_pgids)
    finally:
        if proc.poll() is None:
            proc.kill()


def _child_of(pid: int, parent: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1]) == parent
    except (OSError, ValueError, IndexError):
        return False
