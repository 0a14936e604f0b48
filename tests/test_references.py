"""Comments and docstrings point at things that exist, inside the repository.

A reader of a clean clone has only the repository: a pointer to a document that lives
elsewhere, an issue number given as the reason for a line, or a name of a module that moved
away leaves them with a question nobody can answer. Checked here, in every comment and
docstring of the code, the tests and the benchmarks (and the comments of the project's own
configuration): no document outside the repository, no leftovers of how the code was built,
every Sphinx-style reference (``:func:``, ``:mod:`` …) and every ``sfogo.…`` dotted name
resolves, and every path into the repository names a file or folder that is there.
"""

from __future__ import annotations

import ast
import functools
import importlib
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("inbox", "backlog", "tui")
CODE = (*PACKAGES, "tests", "bench")
# Files whose every line is read (comments of configuration and scripts).
OTHER_FILES = ("pyproject.toml", ".ci/run", ".ci/clock-moved", "tui/app.tcss")

OUTSIDE = re.compile(
    r"\.\./shared|/work/"
    r"|\b(?:architecture|textual|channels|style|DEVELOPERS|CONTRACTS\d*|PREAMBLE\d*)\.md\b",
)
# How the code was built is not a reason for it: task tags, issue numbers, who did what.
LEFTOVER = re.compile(
    r"\bissues? #\d+|\bthe (?:\w+ )?issue\b|\bthe lead\b|\bhelper (?:session|branch)"
    r"|(?<![\w-])H\d+:|\bcodemod\b",
    re.IGNORECASE,
)
# The one place that names issues on purpose: the rooms other work is splitting, listed so
# the size check lets them pass until it lands (their entries go then).
LEFTOVER_ALLOWED: set[tuple[str, str]] = set()  # (path, the comment's text) let through

ROLE = re.compile(r":(?:func|mod|class|meth|data|attr|exc|obj):`~?([^`<>\s]+)`")
SFOGO_NAME = re.compile(r"(?<![\w./])(sfogo(?:\.[A-Za-z_]\w*)+)")  # not a file: /sfogo.fish
REPO_PATH = re.compile(r"(?<![\w/.-])((?:inbox|backlog|tui|tests|bench|\.ci)/[\w./-]*[\w/])")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[0] in PACKAGES:
        parts.insert(0, "sfogo")
    elif parts[0] == "tests":
        parts = parts[1:]  # the tests import each other by bare name (tests/ is on the path)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _texts(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every comment and docstring of a Python file."""
    source = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield node.body[0].lineno, doc
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            yield tok.start[0], tok.string


def _python_files() -> list[Path]:
    return [p for d in CODE for p in sorted((ROOT / d).rglob("*.py"))]


@functools.cache
def _python_texts() -> dict[Path, list[tuple[int, str]]]:
    return {path: list(_texts(path)) for path in _python_files()}


def _every_text() -> Iterator[tuple[str, int, str]]:
    for path, texts in _python_texts().items():
        for line, text in texts:
            yield path.relative_to(ROOT).as_posix(), line, text
    for name in OTHER_FILES:
        path = ROOT / name
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            yield name, n, line


def _find(dotted: str) -> bool:
    """Whether ``dotted`` names a module, or something inside one (attributes, and fields
    a class declares without a value)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        return _has_path(obj, parts[cut:])
    return False


def _has_path(obj: object, names: list[str]) -> bool:
    for name in names:
        if isinstance(obj, type) and any(
            name in getattr(c, "__annotations__", {}) or name in getattr(c, "__slots__", ())
            for c in obj.__mro__
        ):
            return True
        if not hasattr(obj, name):
            return False
        obj = getattr(obj, name)
    return True


def _resolves(target: str, module: str) -> bool:
    """A Sphinx-style target as Sphinx would look for it from ``module``: relative
    (``.sibling.name``), in the module or a class of it, or absolute (``sfogo.`` may be left
    out for the three packages)."""
    if target.startswith("."):
        dots = len(target) - len(target.lstrip("."))
        package = module.split(".")
        try:
            if not hasattr(importlib.import_module(module), "__path__"):
                package = package[:-1]
        except ImportError:
            return False
        base = package[: len(package) - dots + 1]
        return _find(".".join([*base, target.lstrip(".")]))
    candidates = [f"{module}.{target}", target]
    if target.split(".")[0] in PACKAGES:
        candidates.append(f"sfogo.{target}")
    parts = module.split(".")
    candidates += [".".join([*parts[:n], target]) for n in range(len(parts) - 1, 0, -1)]
    if any(_find(c) for c in candidates):
        return True
    try:
        namespace = vars(importlib.import_module(module))
    except ImportError:
        return False
    return any(isinstance(v, type) and _has_path(v, target.split(".")) for v in namespace.values())


def test_no_comment_points_outside_the_repository():
    found = [f"{p}:{n}: {m.group(0)}" for p, n, t in _every_text() for m in OUTSIDE.finditer(t)]
    assert not found, "keep the fact, drop the pointer to a document elsewhere:\n" + "\n".join(
        found
    )


def test_no_comment_is_a_leftover_of_how_the_code_was_built():
    found = [
        f"{p}:{n}: {m.group(0)}"
        for p, n, t in _every_text()
        if (p, t.strip()) not in LEFTOVER_ALLOWED
        for m in LEFTOVER.finditer(t)
    ]
    assert not found, "say why the code is so, not how it came about:\n" + "\n".join(found)


def test_every_reference_in_a_docstring_or_comment_resolves(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))  # the benchmarks import as bench.*
    missing = []
    for path, texts in _python_texts().items():
        module = _module_name(path)
        where = path.relative_to(ROOT).as_posix()
        for line, text in texts:
            flat = " ".join(text.split())
            for m in ROLE.finditer(flat):
                if not _resolves(m.group(1), module):
                    missing.append(f"{where}:{line}: {m.group(0)}")
            for m in SFOGO_NAME.finditer(flat):
                if m.group(1) != "sfogo.db" and not _find(m.group(1)):
                    missing.append(f"{where}:{line}: {m.group(1)}")
    assert not missing, "names that do not exist (moved or renamed?):\n" + "\n".join(missing)


def test_every_path_into_the_repository_exists():
    ignored = [
        line.strip("/")
        for line in (ROOT / ".gitignore").read_text().splitlines()
        if line and "*" not in line
    ]
    missing = []
    for where, line, text in _every_text():
        for m in REPO_PATH.finditer(" ".join(text.split())):
            path = m.group(1).rstrip("/.")
            there = (ROOT / path).exists() or any(
                p.name.startswith(Path(path).name) for p in (ROOT / path).parent.glob("*")
            )  # "bench/bench_*" names a family of files
            if not there and path not in ignored:
                missing.append(f"{where}:{line}: {path}")
    assert not missing, "paths that are not in the repository:\n" + "\n".join(missing)
