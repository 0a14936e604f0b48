"""Import and open: JSON Lines in, and the cost of opening an up-to-date file."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from bench.harness import BenchEnv, metric

# A fresh process opens the file and closes it: imports, the version check, WAL and pragmas.
_OPEN = (
    "import sys, time; t = time.perf_counter(); from sfogo.inbox.store import Store; "
    "Store(sys.argv[1]).close(); print(time.perf_counter() - t)"
)


def _exported(env: BenchEnv):
    """The sized demo exported as JSON Lines (once per run)."""
    path = env.workdir / "export.jsonl"
    if not path.exists():
        from sfogo.inbox.jsonl import export_jsonl
        from sfogo.inbox.store import Store

        with Store(env.sized_db) as store, open(path, "w", encoding="utf-8") as out:
            export_jsonl(store, out)
    return path


@metric("import_lines_per_s", unit="lines/s")
def import_lines_per_s(env: BenchEnv) -> float:
    """``sfogo import`` of the whole sized demo into an empty file."""
    from sfogo.inbox.jsonl import import_file
    from sfogo.inbox.store import Store

    source = _exported(env)
    with Store(env.empty_db) as store:
        start = time.perf_counter()
        result = import_file(store, source, now=env.now)
        seconds = time.perf_counter() - start
    if result.bad or not result.added:
        raise RuntimeError(f"the import wrote {result.added} items, {result.bad} bad lines")
    return result.lines / seconds


@metric("open_up_to_date_ms", unit="ms")
def open_up_to_date_ms(env: BenchEnv) -> float:
    """Median over 21 fresh processes of importing the store and opening the sized demo."""
    path = env.sized_db
    samples = []
    for _ in range(22):
        done = subprocess.run(
            [sys.executable, "-c", _OPEN, str(path)], capture_output=True, text=True, check=True
        )
        samples.append(float(done.stdout) * 1000)
    return statistics.median(samples[1:])  # the first warms the page cache
