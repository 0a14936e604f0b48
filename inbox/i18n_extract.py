"""Babel's extraction method for sfogo (``pybabel extract -F babel.cfg``): the marked texts,
and each command's docstring, which the command line shows as its ``--help``.

Babel's own Python extractor finds ``_()``, ``N_()`` and ``ngettext()`` but not docstrings.
A click command's help is its docstring, cleaned as click cleans it (``inspect.cleandoc``),
and that cleaned text is the msgid the command line looks up when it shows the help. Reading
the source with :mod:`ast` does both without importing Babel, so the module ships with the
package and the tests use it to check the catalogue against the source.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import IO, Any

MARKERS = ("_", "N_")  # one text
PLURAL = "ngettext"  # a singular and a plural
DECORATORS = ("command", "group")  # @topic.command(...), @click.group(...), @db.command(...)

# (line, function, message or (singular, plural), comments): Babel's shape.
Found = tuple[int, str, str | tuple[str, str], list[str]]


def _name(node: ast.expr) -> str | None:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else None


def _text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def marked(tree: ast.AST) -> Iterator[Found]:
    """Every ``_("…")``, ``N_("…")`` and ``ngettext("…", "…", n)`` with literal texts."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        texts = [_text(a) for a in node.args]
        if node.func.id in MARKERS and texts[:1] and texts[0] is not None:
            yield node.lineno, node.func.id, texts[0], []
        elif node.func.id == PLURAL and len(texts) >= 2 and None not in texts[:2]:
            singular, plural = texts[0], texts[1]
            assert singular is not None and plural is not None
            yield node.lineno, PLURAL, (singular, plural), []


def command_docstrings(tree: ast.AST) -> Iterator[Found]:
    """The cleaned docstring of every function made a click command without ``help=``."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        made = [d for d in node.decorator_list if _name(d) in DECORATORS]
        has_help = any(
            isinstance(d, ast.Call) and any(k.arg == "help" for k in d.keywords) for d in made
        )
        doc = ast.get_docstring(node, clean=True)
        if made and not has_help and doc:
            yield node.body[0].lineno, "_", doc, ["help of a command"]


def extract_source(source: str) -> list[Found]:
    """What :func:`extract` finds in ``source``, in line order."""
    tree = ast.parse(source)
    return sorted([*marked(tree), *command_docstrings(tree)], key=lambda f: f[0])


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any) -> Iterator[Any]:
    """Babel's extraction method (its signature; the keywords are sfogo's own markers)."""
    encoding = options.get("encoding", "utf-8") if isinstance(options, dict) else "utf-8"
    yield from extract_source(fileobj.read().decode(encoding))
