"""The pipeline keeps the pseudonymous warehouse in step with the warehouse (classchat.pseudonymise):
a run in pseudonymous mode publishes it, and a reader in pseudonymous mode publishes a missing or
stale one before it opens it, so `--privacy pseudonymous` never shows a real name nor fails for
want of the file."""

from __future__ import annotations

import pytest
from helpers import copy_fixture

from classchat.cli import main

pytestmark = pytest.mark.slow

NAMES = ("Mei Lin", "Tom Baker", "kk60")


def test_pseudonymous_twin_follows_every_publish(paths, capsys, monkeypatch):
    monkeypatch.setenv("CLASSCHAT_PRIVACY", "named")  # main() sets it from --privacy; undone at teardown
    copy_fixture(paths, "c1", "plain/2024-05-06_intro_lecture.txt")
    data = ["--data-dir", str(paths.data_dir)]
    assert main(["run", *data]) == 0  # named mode: no twin is made
    assert not paths.pseudonymous_warehouse.exists()
    capsys.readouterr()

    # a reader in pseudonymous mode publishes the missing twin, then reads only it
    assert main(["query", *data, "--privacy", "pseudonymous", "--sql",
                 "select string_agg(sender_name, ',') as who from messages", "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert paths.pseudonymous_warehouse.exists() and "pseudonymous warehouse written" in err
    assert "P-" in out and not any(name in out for name in NAMES)

    # a new lecture: the run republishes the twin (it exists, so the mode is in use)
    monkeypatch.setenv("CLASSCHAT_PRIVACY", "named")
    copy_fixture(paths, "c1", "plain/2024-05-07_night.txt")
    assert main(["run", *data]) == 0
    assert "pseudonymous warehouse written" in capsys.readouterr().out
    assert main(["query", *data, "--privacy", "pseudonymous", "--sql",
                 "select count(distinct session_id) as n from messages", "--format", "csv"]) == 0
    assert capsys.readouterr().out.split()[-1] == "2"
