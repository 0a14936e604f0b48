"""Shared fixtures: real SQLite files in temporary folders, the real command line."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from inbox.store import Store

# A fixed "now" for tests that build data relative to the present: 2026-11-27 12:00 UTC.
NOW = 1795780800


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    """A fresh data file path; SFOGO_DB and SFOGO_CONFIG point into the temp folder too."""
    path = tmp_path / "sfogo.db"
    monkeypatch.setenv("SFOGO_DB", str(path))
    monkeypatch.setenv("SFOGO_CONFIG", str(tmp_path / "config.toml"))
    return path


@pytest.fixture
def store(db_path):
    s = Store(db_path)
    yield s
    s.close()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(db_path, capsys):
    """Run ``sfogo ARGS`` in-process through the real entry point; returns code/out/err."""
    from tui.cli import main

    def run(*args: str) -> Result:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
