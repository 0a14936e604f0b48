"""Run sfogo's benchmarks: ``python bench/run.py [--size N] [--seed N] [--only NAME ...]``.

Prints one JSON object per line, ``{"metric", "value", "unit", "size"}``; a metric that
raises prints ``"error"`` instead of ``"value"`` and the run goes on.

``--engine postgres`` compares the engines: it runs only the metrics that can measure a
PostgreSQL inbox, each on SQLite and then on a throwaway local PostgreSQL server holding a
copy of the same demo, and adds ``"engine"`` to every line. With ``SFOGO_BENCH_PG`` set to
the URL of a database that already holds a ``db copy`` of the sized demo, that server is
used instead (copying a million items takes minutes: repeated runs copy once). On a shared
machine the load changes from one second to the next, and a figure taken while the other
engine's was not can be off by half: ``--rounds N`` measures each metric N times on each
engine, alternating which goes first (SQLite, PostgreSQL, then PostgreSQL, SQLite, …), and
prints each engine's median of its N values, the values themselves under ``"rounds"``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/run.py` from a checkout puts bench/ first
    sys.path.insert(0, str(ROOT))

from bench.harness import METRICS, POSTGRES, SQLITE, BenchEnv, Metric  # noqa: E402


def _emit(obj: dict) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()


def load_modules() -> list[dict]:
    """Import every ``bench/bench_*.py``; return an error object for each that fails."""
    failures = []
    for path in sorted((ROOT / "bench").glob("bench_*.py")):
        name = f"bench.{path.stem}"
        try:
            importlib.import_module(name)
        except Exception as exc:  # one broken module must not stop the others
            failures.append({"metric": path.stem, "error": _error_text(exc)})
    return failures


def _round(value: float) -> float | int:
    if isinstance(value, int):
        return value
    return float(f"{float(value):.4g}")


def main(argv: list[str] | None = None) -> int:
    from sfogo.tui.demo.build import DEFAULT_SIZE

    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size",
        type=int,
        default=DEFAULT_SIZE,
        help=f"items in the sized demo (default {DEFAULT_SIZE})",
    )
    parser.add_argument("--seed", type=int, default=0, help="demo seed (default 0)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these metrics")
    parser.add_argument(
        "--engine",
        choices=(SQLITE, POSTGRES),
        default=SQLITE,
        help="postgres: run the metrics that take a location on both engines, side by side",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="with --engine postgres: measure each metric N times per engine, alternating"
        " which goes first, and print each engine's median (default 1)",
    )
    parser.add_argument("--list", action="store_true", help="list the metrics and exit")
    parser.add_argument(
        "--traceback", action="store_true", help="also print a failing metric's traceback to stderr"
    )
    args = parser.parse_args(argv)
    if args.size < 0:
        parser.error("--size must be zero or more")
    if args.rounds < 1 or (args.rounds > 1 and args.engine != POSTGRES):
        parser.error("--rounds takes 1 or more, and more than 1 only with --engine postgres")

    failures = load_modules()
    if args.list:
        for m in METRICS.values():
            print(f"{m.name}\t{m.unit}\t{m.module}")
        return 0
    selected = list(METRICS.values())
    if args.only:
        unknown = [n for n in args.only if n not in METRICS]
        if unknown:
            print(
                f"bench/run.py: unknown metric {unknown[0]!r}: --list shows them", file=sys.stderr
            )
            for failure in failures:  # perhaps it lives in a module that did not import
                print(f"bench/run.py: {failure['metric']}: {failure['error']}", file=sys.stderr)
            return 2
        selected = [m for m in selected if m.name in args.only]
    else:
        for failure in failures:  # a module that failed to import is reported on full runs
            _emit({**failure, "size": args.size})
    if args.engine == SQLITE:
        selected_runs = [(m, (SQLITE,)) for m in selected]
    else:  # each metric on both engines, one after the other: the same load for both
        selected_runs = [(m, (SQLITE, POSTGRES)) for m in selected if POSTGRES in m.engines]
        if not selected_runs:
            print("bench/run.py: none of these metrics runs on postgres", file=sys.stderr)
            return 2

    envs = {SQLITE: BenchEnv(args.size, args.seed)}
    if args.engine == POSTGRES:  # the same "now", so both see the same cached demo
        envs[POSTGRES] = BenchEnv(args.size, args.seed, engine=POSTGRES, now=envs[SQLITE].now)
    try:
        for m, engines in selected_runs:
            if args.rounds == 1:
                for engine in engines:
                    extra = {} if args.engine == SQLITE else {"engine": engine}
                    _emit({**_measure(m, envs[engine], args.traceback), **extra})
                continue
            lines: dict[str, list[dict]] = {engine: [] for engine in engines}
            for n in range(args.rounds):
                for engine in engines if n % 2 == 0 else engines[::-1]:
                    envs[engine].round = n
                    lines[engine].append(_measure(m, envs[engine], args.traceback))
            for engine in engines:
                _emit({**_median_line(lines[engine]), "engine": engine})
    finally:
        for env in envs.values():
            env.close()
    return 0


def _median_line(lines: list[dict]) -> dict:
    """One metric's line from its rounds: the median value and every round's (an error in
    any round is the line's error: a median over the rounds that worked would hide it)."""
    failed = [line for line in lines if "error" in line]
    if failed:
        return failed[0]
    values = [line["value"] for line in lines]
    return {**lines[0], "value": _round(statistics.median(values)), "rounds": values}


def _measure(m: Metric, env: BenchEnv, show_traceback: bool) -> dict:
    """One metric's output line (its value, or its error)."""
    try:
        value = m.func(env)
    except Exception as exc:
        if show_traceback:
            traceback.print_exc()
        return {"metric": m.name, "error": _error_text(exc), "unit": m.unit, "size": env.size}
    return {"metric": m.name, "value": _round(value), "unit": m.unit, "size": env.size}


if __name__ == "__main__":
    sys.exit(main())
