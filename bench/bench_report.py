"""The catch-up plan and the client report, end to end, as the manager runs them.

Each metric is the median wall time of ``sfogo …`` in a fresh process on a private copy of
the sized demo whose triage keys were computed beforehand (the one-time cost after a bulk
load is ``triage_keys_s``, measured in bench_triage). Targets at --size 1000000: under 3 s.
"""

from __future__ import annotations

from pathlib import Path

from bench.harness import BenchEnv, cli_seconds, metric

_PREPARED: dict[int, Path] = {}
HOTEL = "Hotel Aurelia Roma"  # the demo's VIP client, the biggest


def _prepared(env: BenchEnv) -> Path:
    key = id(env)
    if key not in _PREPARED:
        from sfogo.backlog.settings import Settings
        from sfogo.backlog.triage import apply_keywords
        from sfogo.inbox.store import Store

        path = env.scratch_copy()
        store = Store(path)
        try:
            apply_keywords(store, Settings())
        finally:
            store.close()
        (env.workdir / "report-config.toml").write_text('[work]\ntimezone = "Europe/Rome"\n')
        _PREPARED[key] = path
    return _PREPARED[key]


def _cli_seconds(env: BenchEnv, *args: str, repeat: int = 3) -> float:
    """Median wall time of ``sfogo --db FILE ARGS`` (after one warm-up run)."""
    path = _prepared(env)
    return cli_seconds(path, env.workdir / "report-config.toml", *args, repeat=repeat, now=env.now)


@metric("plan_cli_s", unit="s")
def plan_cli_s(env: BenchEnv) -> float:
    """``sfogo plan``: the whole backlog ranked, batched and walked through working hours."""
    return _cli_seconds(env, "plan")


@metric("report_html_s", unit="s")
def report_html_s(env: BenchEnv) -> float:
    """``sfogo report`` for the VIP hotel over the demo's two weeks, as HTML to a file
    (with the plan's ETA for its backlog)."""
    out = env.workdir / "report.html"
    seconds = _cli_seconds(
        env, "report", HOTEL, "--since", "14d", "--format", "html", "-o", str(out)
    )
    if "<svg" not in out.read_text(encoding="utf-8"):
        raise RuntimeError("the report has no chart")
    return seconds
