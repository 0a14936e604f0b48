"""What we import is what pyproject.toml declares, and what it declares is imported.

A package the code imports only because another dependency happens to install it breaks
the day that dependency stops doing so; a declared package nobody imports is weight every
user installs. The imports are read from the source with ``ast``, so code that is never run
in a test counts too.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("inbox", "backlog", "tui")  # the folders that install as sfogo.*
TESTS = ROOT / "tests"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
# An import inside ``try:`` that catches one of these is optional: the code runs without it.
_OPTIONAL_GUARDS = {"ImportError", "ModuleNotFoundError", "Exception"}


def _normalise(name: str) -> str:
    """A distribution's canonical name (PEP 503): ``tomli_w`` and ``Tomli.W`` are ``tomli-w``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(requirements: list[str]) -> set[str]:
    return {_normalise(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", r).group()) for r in requirements}


def _guards_imports(node: ast.Try) -> bool:
    for handler in node.handlers:
        caught = handler.type
        names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
        if any(isinstance(n, ast.Name) and n.id in _OPTIONAL_GUARDS for n in names):
            return True
    return False


def _imports(node: ast.AST, optional: bool = False):
    """(top-level module, optional?) for every absolute import in ``node``, nested ones too."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name.partition(".")[0], optional
    elif isinstance(node, ast.ImportFrom):
        if node.level == 0 and node.module:
            yield node.module.partition(".")[0], optional
    elif isinstance(node, ast.Try) and _guards_imports(node):
        for child in node.body:
            yield from _imports(child, True)
        for part in (*node.handlers, *node.orelse, *node.finalbody):
            yield from _imports(part, optional)
    else:
        for child in ast.iter_child_nodes(node):
            yield from _imports(child, optional)


def _third_party(files: list[Path], local: set[str] = frozenset()) -> dict[str, dict[str, str]]:
    """{distribution: {module: first file}} of third-party imports, split required/optional."""
    found: dict[str, dict[str, str]] = {"required": {}, "optional": {}}
    distributions = packages_distributions()
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for module, optional in _imports(tree):
            if module in sys.stdlib_module_names or module == "sfogo" or module in local:
                continue
            # An optional package need not be installed; its module is named like it.
            names = distributions.get(module) or ([module] if optional else [f"?{module}"])
            for name in names:
                kind = "optional" if optional else "required"
                found[kind].setdefault(_normalise(name), str(path.relative_to(ROOT)))
    # Imported for real somewhere: not optional just because another file guards it.
    for name in found["required"]:
        found["optional"].pop(name, None)
    return found


def _files(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*.py"))


def test_the_package_imports_exactly_its_declared_dependencies():
    found = _third_party(_files(*(ROOT / f for f in PACKAGES)))
    imported = found["required"]
    declared = _declared(PROJECT["dependencies"])
    assert not [n for n in imported if n.startswith("?")], (
        f"imported but not installed: {sorted(n for n in imported if n.startswith('?'))}"
    )
    assert set(imported) - declared == set(), (
        "imported but not declared in [project].dependencies: "
        + ", ".join(f"{n} ({imported[n]})" for n in sorted(set(imported) - declared))
    )
    unused = declared - set(imported)
    assert unused == set(), f"in [project].dependencies but never imported: {sorted(unused)}"


def test_optional_imports_are_the_declared_extras():
    optional = _third_party(_files(*(ROOT / f for f in PACKAGES)))["optional"]
    extras = {
        name: _declared(reqs)
        for name, reqs in PROJECT["optional-dependencies"].items()
        if name != "test"
    }
    declared = set().union(*extras.values())
    assert set(optional) == declared, f"optional imports {sorted(optional)} != the extras {extras}"


def test_the_tests_use_what_they_declare(pytestconfig):
    local = {p.stem for p in TESTS.glob("*.py")}  # conftest, tui_kit, sync_world, …
    found = _third_party(_files(TESTS), local)
    imported = set(found["required"]) | set(found["optional"])
    runtime = _declared(PROJECT["dependencies"])
    test_extra = _declared(PROJECT["optional-dependencies"]["test"])
    assert imported - runtime - test_extra == set(), (
        f"the tests import packages declared nowhere: {sorted(imported - runtime - test_extra)}"
    )
    # A pytest plugin is used through its fixtures and settings (snap_compare, asyncio_mode),
    # not by import: it counts as used when pytest has loaded it.
    plugins = {
        _normalise(dist.project_name)
        for _, dist in pytestconfig.pluginmanager.list_plugin_distinfo()
    }
    unused = test_extra - imported - plugins
    assert unused == set(), f"the test extra declares packages no test uses: {sorted(unused)}"
