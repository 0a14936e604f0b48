"""Run sfogo's benchmarks: ``python bench/run.py [--size N] [--seed N] [--only NAME ...]``.

Prints one JSON object per line, ``{"metric", "value", "unit", "size"}``; a metric that
raises prints ``"error"`` instead of ``"value"`` and the run goes on.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/run.py` from a checkout puts bench/ first
    sys.path.insert(0, str(ROOT))

from bench.harness import METRICS, BenchEnv  # noqa: E402


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
    parser.add_argument("--list", action="store_true", help="list the metrics and exit")
    parser.add_argument(
        "--traceback", action="store_true", help="also print a failing metric's traceback to stderr"
    )
    args = parser.parse_args(argv)
    if args.size < 0:
        parser.error("--size must be zero or more")

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

    env = BenchEnv(args.size, args.seed)
    try:
        for m in selected:
            try:
                value = m.func(env)
            except Exception as exc:
                if args.traceback:
                    traceback.print_exc()
                _emit(
                    {"metric": m.name, "error": _error_text(exc), "unit": m.unit, "size": args.size}
                )
                continue
            _emit({"metric": m.name, "value": _round(value), "unit": m.unit, "size": args.size})
    finally:
        env.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
