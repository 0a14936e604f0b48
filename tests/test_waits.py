"""The tests wait for events, never for the wall clock, and never for ever.

A sleep makes a test slow where the machine is fast and flaky where it is busy: wait for the
event itself (a worker, a message, a ``threading.Event``) or move the test clock. A read
that can block (a child's output, a process's exit) has a timeout, so a hung child fails
its test with a message instead of hanging the suite. Checked on the tests' own code.

A sleep that is the point (a campaign's random moment to kill a process) says so on its
line with a comment starting ``# on purpose:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SLEEPS = {("time", "sleep"), ("asyncio", "sleep")}
# Calls that block until something happens unless given a timeout.
NEED_TIMEOUT = {"run", "communicate", "wait", "join", "wait_for_complete"}
ON_PURPOSE = "# on purpose:"


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")


def findings(source: str) -> list[tuple[int, str]]:
    """(line, what) for every wall-clock sleep and every blocking call without a timeout."""
    tree = ast.parse(source)
    lines = source.splitlines()
    bounded: set[int] = set()  # calls whose result an asyncio.wait_for(..., timeout) bounds
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and _name(node.func) == "wait_for"
            and (len(node.args) > 1 or any(k.arg == "timeout" for k in node.keywords))
        ):
            bounded.update(id(a) for a in node.args[:1])
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner, attr = _name(node.func.value), node.func.attr
        if (owner, attr) in SLEEPS:
            if ON_PURPOSE in lines[node.lineno - 1]:
                continue
            found.append((node.lineno, f"{owner}.{attr}: wait for the event or move the clock"))
        elif attr == "readline" and owner in ("stdout", "stderr"):
            found.append((node.lineno, "readline on a pipe: use child.Lines (it has a timeout)"))
        elif (
            attr in NEED_TIMEOUT
            and id(node) not in bounded
            and not (attr == "run" and owner != "subprocess")
            and not (attr == "join" and (node.args or isinstance(node.func.value, ast.Constant)))
            and not (attr in ("wait", "communicate") and node.args)
            and not any(k.arg == "timeout" for k in node.keywords)
        ):
            found.append((node.lineno, f"{owner}.{attr}() without a timeout"))
    return found


def test_no_test_sleeps_on_the_wall_clock_or_waits_without_a_timeout():
    found = [
        f"{path.name}:{line}: {what}"
        for path in sorted(TESTS.glob("*.py"))
        for line, what in findings(path.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(found)


def test_the_check_sees_what_it_is_for():
    assert [w for _, w in findings("import time\ntime.sleep(1)\n")] == [
        "time.sleep: wait for the event or move the clock"
    ]
    assert not findings("import time\ntime.sleep(1)  # on purpose: a random moment\n")
    assert findings("proc.stdout.readline()\n")
    assert findings("proc.wait()\n") and not findings("proc.wait(10)\n")
    assert findings("subprocess.run(['x'])\n")
    assert not findings("subprocess.run(['x'], timeout=60)\n")
    assert findings("out, err = proc.communicate()\n")
    assert not findings("await asyncio.wait_for(heard.wait(), timeout=5)\n")
    assert findings("await app.workers.wait_for_complete()\n")
    assert not findings("', '.join(names)\n")
