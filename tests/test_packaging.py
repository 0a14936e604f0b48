"""sfogo installs under one namespace, and every package folder is in the install list."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_installed_under_the_sfogo_namespace():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(project["tool"]["setuptools"]["packages"])
    folders = {
        "sfogo." + ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("inbox", "backlog", "tui")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert folders == listed
    assert project["project"]["scripts"]["sfogo"].startswith("sfogo.tui.")


def test_nothing_imports_the_folders_by_their_bare_names():
    """Importing every module of sfogo loads no top-level ``inbox``, ``backlog`` or ``tui``."""
    import subprocess
    import sys

    script = (
        "import pkgutil, importlib, sys, sfogo.inbox, sfogo.backlog, sfogo.tui\n"
        "for pkg in (sfogo.inbox, sfogo.backlog, sfogo.tui):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('inbox', 'backlog', 'tui')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd="/",
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert out.strip() == "[]"
