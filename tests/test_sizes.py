"""Small rooms: no class over ``CLASS_LINES`` lines and no function over ``FUNCTION_LINES``
lines in inbox/, backlog/ or tui/, unless it says why at its top.

A size is counted from the ``class``/``def`` line to the last line of the body (decorators
left out, nested classes and functions counted in). The reason is a comment that starts
with ``# Long:`` at the top of the body: on a line of its own after the signature, before
the first statement (after the docstring, if there is one)::

    def run_live(store, *, clock):
        \"\"\"Start the emulators, sync, break four of them ...\"\"\"
        # Long: the story is told in order, one numbered step after the other.
        ...

Long is right where length is the clearest form (a table, a story told in order, a pass
whose steps must stay in one order); anything else is split into small modules named for
what they hold.
"""

from __future__ import annotations

import ast
import functools
import io
import tokenize
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("inbox", "backlog", "tui")
CLASS_LINES = 300
FUNCTION_LINES = 80
REASON = "# Long:"

# Rooms over the limit that another branch is splitting, while it lands.
PENDING: set[str] = set()  # "path:qualified name" of rooms being split


def _sized(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, ast.AST]]:
    """Every class and function with its qualified name (``Class.method``, ``outer.inner``)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{prefix}{node.name}"
            yield name, node
            yield from _sized(node, f"{name}.")
        else:
            yield from _sized(node, prefix)


def _has_reason(node: ast.AST, comments: dict[int, str]) -> bool:
    """A ``# Long:`` comment between the signature and the first statement after the
    docstring."""
    body = node.body
    first = body[0]
    is_docstring = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    if is_docstring:
        if len(body) == 1:
            return False
        lo, hi = first.end_lineno + 1, body[1].lineno
    else:
        lo, hi = node.lineno, first.lineno
    return any(comments.get(line, "").startswith(REASON) for line in range(lo, hi))


@functools.cache  # two tests read it: the packages are parsed once
def offenders() -> dict[str, int]:
    """``path:qualified name`` -> lines, for each room too big without a reason."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            comments = {
                tok.start[0]: tok.string
                for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type == tokenize.COMMENT
            }
            for name, node in _sized(ast.parse(source)):
                lines = node.end_lineno - node.lineno + 1
                limit = CLASS_LINES if isinstance(node, ast.ClassDef) else FUNCTION_LINES
                if lines > limit and not _has_reason(node, comments):
                    found[f"{path.relative_to(ROOT).as_posix()}:{name}"] = lines
    return found


def test_no_class_or_function_is_too_big_without_a_reason_at_its_top():
    too_big = {k: n for k, n in offenders().items() if k not in PENDING}
    assert not too_big, (
        f"over {CLASS_LINES} lines (a class) or {FUNCTION_LINES} (a function): split it, or "
        f"write why at the top of its body in a comment starting {REASON!r}: {too_big}"
    )


def test_every_pending_entry_is_still_too_big():
    done = PENDING - set(offenders())
    assert not done, f"split or explained now: remove from PENDING: {sorted(done)}"


def test_the_reason_is_read_where_the_docstring_says(tmp_path):
    """The checker itself: a reason counts at the top of the body, nowhere else."""
    body = "\n".join(f"    x{n} = {n}" for n in range(FUNCTION_LINES))

    def check(source: str) -> bool:
        comments = {
            tok.start[0]: tok.string
            for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.COMMENT
        }
        ((_, node),) = list(_sized(ast.parse(source)))
        return _has_reason(node, comments)

    assert check(f"def f():\n    # Long: a table.\n{body}\n")
    assert check(f'def f():\n    """Doc."""\n    # Long: a table.\n{body}\n')
    assert check(f"def f(\n    a,\n):\n    # Long: a story in order.\n{body}\n")
    assert not check(f"def f():\n{body}\n")
    assert not check(f"def f():\n    # A table.\n{body}\n")
    assert not check(f'def f():\n    """Doc."""\n{body}\n    # Long: too late.\n    y = 1\n')
