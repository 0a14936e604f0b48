"""What every benchmark module uses: the ``@metric`` registry and the ``BenchEnv`` it gets.

A benchmark module is ``bench/bench_<topic>.py``; each metric is a function of one
``BenchEnv`` returning a number::

    from bench.harness import metric, BenchEnv

    @metric("list_first_page_ms", unit="ms")
    def list_first_page(env: BenchEnv) -> float: ...

``python bench/run.py`` imports every module, runs the selected metrics in module order and
prints one JSON object per line.

A metric that measures an inbox at a location (a file or a PostgreSQL URL) declares
``engines=ENGINES`` and reaches the inbox through ``env.sized_location``,
``env.scratch_location()`` and ``env.discard()``; ``--engine postgres`` runs those metrics on
both engines, on the same generated data.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent / "out"  # gitignored: cached demo files


PG_ENV = "SFOGO_BENCH_PG"  # see AttachedServer
SQLITE = "sqlite"
POSTGRES = "postgres"
ENGINES = (SQLITE, POSTGRES)


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    unit: str
    func: Callable[[BenchEnv], float]
    module: str
    engines: tuple[str, ...] = (SQLITE,)


# Every registered metric, in registration (= module, then source) order.
METRICS: dict[str, Metric] = {}


def metric(name: str, *, unit: str = "ms", engines: tuple[str, ...] = (SQLITE,)) -> Callable:
    """Register ``func(env) -> float`` as the metric ``name`` measured in ``unit``, on the
    ``engines`` it can measure (those that reach the inbox through a location: both)."""

    def register(func: Callable[[BenchEnv], float]) -> Callable[[BenchEnv], float]:
        if name in METRICS and METRICS[name].func is not func:
            raise ValueError(f"metric {name!r} is defined twice")
        METRICS[name] = Metric(name, unit, func, func.__module__, engines)
        return func

    return register


def median_ms(
    func: Callable[[], object],
    *,
    repeat: int = 21,
    warmup: int = 2,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """The median wall time of ``func()`` in milliseconds (after a few warm-up calls);
    with ``clock=time.thread_time``, the CPU time this thread spent (SQLite's included),
    which does not grow when other processes share the machine."""
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(repeat):
        start = clock()
        func()
        samples.append((clock() - start) * 1000)
    return statistics.median(samples)


_CLI = "import sys; from sfogo.tui.cli import main; sys.exit(main())"


def cli_seconds(db: Path, config: Path, *args: str, repeat: int, now: int) -> float:
    """Median wall time of ``sfogo --db DB ARGS`` in a fresh process (after one warm-up run,
    which warms the page cache), with SFOGO_CONFIG=config, the clock at ``now``
    (SFOGO_NOW) and an 80-column terminal."""
    from sfogo.inbox.clock import NOW_ENV

    environ = {**os.environ, "SFOGO_CONFIG": str(config), "COLUMNS": "80", NOW_ENV: str(now)}
    command = [sys.executable, "-c", _CLI, "--db", str(db), *args]
    samples = []
    for n in range(repeat + 1):
        start = time.perf_counter()
        done = subprocess.run(command, env=environ, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"sfogo {' '.join(args)} failed: {done.stderr.strip()}")
        if n:
            samples.append(elapsed)
    return statistics.median(samples)


def file_mb(path: Path) -> float:
    """Size in MB (10^6 bytes) of an SQLite file with its WAL and shared-memory files."""
    total = 0
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            total += part.stat().st_size
    return total / 1e6


def _demo_fingerprint() -> str:
    """Changes whenever the demo generator, the schema or the way items are stored (their
    triage keys) changes: stale caches rebuild."""
    from sfogo.inbox import schema, triage_keys
    from sfogo.inbox.store import items
    from sfogo.tui.demo import build, posts, text

    digest = hashlib.sha256()
    for module in (build, text, posts, schema, items, triage_keys):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


class BenchEnv:
    """What a metric works with.

    - ``size``, ``seed``: the run's ``--size`` and ``--seed``;
    - ``now``: the epoch second the sized demo is relative to (fixed for the whole run);
    - ``sized_db``: a demo of ``size`` items, built once and cached under ``bench/out/``
      (keyed by size and seed). Treat it as read-only: copy it with :meth:`scratch_copy`
      before writing;
    - ``empty_db``: a new empty, migrated data file each time it is read;
    - ``workdir``: a scratch folder for this run, deleted at the end;
    - ``engine``: where the location metrics find the inbox (``sized_location``,
      ``scratch_location()``, ``empty_location()``, ``discard()``): the SQLite files above,
      or, for ``postgres``, databases on a throwaway local server holding a copy of the
      same sized demo;
    - ``round``: which of ``--rounds`` is being measured (0 without it). A cache of
      *measurements* (one session timing several metrics) is kept per round, so each round
      measures again; a cache of *prepared data* (a copy with its keys) is kept per env.
    """

    def __init__(
        self,
        size: int,
        seed: int = 0,
        *,
        engine: str = SQLITE,
        now: int | None = None,
        out_dir: Path = OUT_DIR,
    ) -> None:
        self.size = size
        self.seed = seed
        self.engine = engine
        self.round = 0
        self._server: Any = None  # the local PostgreSQL server, started on first use
        self._pg_base: str | None = None  # the database holding the sized demo
        self.out_dir = out_dir
        self.workdir = Path(tempfile.mkdtemp(prefix="sfogo-bench-"))
        self._cache = out_dir / f"demo-{size}-{seed}.db"
        self._meta = out_dir / f"demo-{size}-{seed}.json"
        self._fingerprint: str | None = None
        self._counter = 0
        cached = self._cached_meta()
        # A cached file is relative to the "now" it was built at; reuse that "now" so
        # time-dependent metrics (triage, reply windows) see the stories where they are.
        from sfogo.inbox.clock import from_env

        self.now: int = now if now is not None else cached["now"] if cached else from_env().now()

    # -- the cached sized demo ---------------------------------------------------------

    def _cached_meta(self) -> dict | None:
        if not (self._cache.exists() and self._meta.exists()):
            return None
        try:
            meta = json.loads(self._meta.read_text())
        except (OSError, ValueError):
            return None
        if self._fingerprint is None:
            self._fingerprint = _demo_fingerprint()
        if meta.get("fingerprint") != self._fingerprint:
            return None
        return meta

    @property
    def sized_db(self) -> Path:
        """The cached demo of ``size`` items (built now if missing or stale)."""
        meta = self._cached_meta()
        if meta is None or meta.get("now") != self.now:
            fresh = self.workdir / f"build-{self.size}.db"
            build_demo_file(fresh, size=self.size, seed=self.seed, now=self.now)
            self.adopt_sized_db(fresh)
        return self._cache

    def adopt_sized_db(self, path: Path) -> None:
        """Use a demo that a metric just built (with ``now=env.now``) as the cached one.

        Saves building the same million rows twice in one run. The file is copied.
        """
        if self._fingerprint is None:
            self._fingerprint = _demo_fingerprint()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{self._cache}{suffix}").unlink(missing_ok=True)
        tmp = self._cache.with_suffix(".tmp")
        shutil.copyfile(path, tmp)
        tmp.replace(self._cache)
        self._meta.write_text(
            json.dumps(
                {
                    "size": self.size,
                    "seed": self.seed,
                    "now": self.now,
                    "fingerprint": self._fingerprint,
                }
            )
        )

    def scratch_copy(self, source: Path | None = None) -> Path:
        """A private copy of ``source`` (default: ``sized_db``) that a metric may write to."""
        source = self.sized_db if source is None else source
        self._counter += 1
        target = self.workdir / f"copy-{self._counter}.db"
        shutil.copyfile(source, target)
        return target

    # -- fresh files ---------------------------------------------------------------------

    @property
    def empty_db(self) -> Path:
        """A new empty data file, migrated to the current schema."""
        from sfogo.inbox.store import Store

        self._counter += 1
        path = self.workdir / f"empty-{self._counter}.db"
        Store(path).close()
        return path

    # -- the inbox on this env's engine -----------------------------------------------

    @property
    def sized_location(self) -> Path | str:
        """The sized demo on this env's engine (read-only, like ``sized_db``)."""
        if self.engine == SQLITE:
            return self.sized_db
        server = self._pg_server()
        if self._pg_base is None:
            self._pg_base = _copy_to_postgres(server, self.sized_db)
        return server.url(self._pg_base)

    def scratch_location(self) -> Path | str:
        """A private copy of the sized demo on this env's engine, to write to."""
        if self.engine == SQLITE:
            return self.scratch_copy()
        self.sized_location  # noqa: B018 (copies the demo to the server once)
        server = self._pg_server()
        return server.url(server.new_database("scratch", template=self._pg_base))

    def empty_location(self) -> Path | str:
        """A new empty, migrated inbox on this env's engine."""
        if self.engine == SQLITE:
            return self.empty_db
        from sfogo.inbox.store import Store

        server = self._pg_server()
        url = server.url(server.new_database("empty"))
        Store(url).close()
        return url

    def discard(self, location: Path | str) -> None:
        """Remove a scratch copy made by :meth:`scratch_location`."""
        if isinstance(location, str):
            self._pg_server().drop_database(location.rsplit("/", 1)[1])
            return
        for suffix in ("", "-wal", "-shm"):
            Path(f"{location}{suffix}").unlink(missing_ok=True)

    def _pg_server(self) -> Any:
        if self._server is None and os.environ.get(PG_ENV):
            attached = AttachedServer(os.environ[PG_ENV])
            self._server, self._pg_base = attached, attached.base
        if self._server is None:
            from tests.pg_server import LocalServer, postgres_bindir

            bindir = postgres_bindir()
            if bindir is None:
                raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
            server = LocalServer(bindir)
            try:
                server.start()
            except Exception:
                server.stop()
                raise
            self._server = server
        return self._server

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        shutil.rmtree(self.workdir, ignore_errors=True)


class AttachedServer:
    """A running server named by ``SFOGO_BENCH_PG`` (a URL of a database holding a ``db
    copy`` of this run's sized demo, vacuumed), used instead of a throwaway one: copying a
    million items takes minutes, so repeated runs copy once. The scratch databases it makes
    (copies of that one) are dropped at the end."""

    def __init__(self, url: str) -> None:
        self._root, self.base = url.rsplit("/", 1)
        self._made: list[str] = []

    def url(self, database: str) -> str:
        return f"{self._root}/{database}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self, prefix: str = "t", *, template: str | None = None) -> str:
        name = f"bench_{prefix}_{os.getpid()}_{len(self._made) + 1}"
        self.admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        self._made.append(name)
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        for name in self._made:
            self.drop_database(name)
        self._made = []


def _copy_to_postgres(server: Any, source: Path) -> str:
    """A new database on ``server`` holding a copy of the inbox file ``source`` (what
    ``sfogo db copy --to`` does), vacuumed and analyzed as ``sfogo db vacuum`` leaves it;
    its name."""
    from sfogo.inbox.store import Store
    from sfogo.inbox.store.copy import copy_inbox
    from sfogo.inbox.store.pg import maintenance

    name = server.new_database("demo")
    with Store(source) as src, Store(server.url(name)) as target:
        results = copy_inbox(src, target)
        differ = [r.table for r in results if not r.same]
        if differ:
            raise RuntimeError(f"the copy to PostgreSQL differs in {', '.join(differ)}")
        maintenance.vacuum(target)
    return name


def build_demo_file(path: Path, *, size: int, now: int, seed: int = 0) -> dict:
    """Build a demo of ``size`` items into the new file ``path``; return the demo summary."""
    from sfogo.inbox.store import Store
    from sfogo.tui.demo.build import build_demo

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = Store(path)
    try:
        return build_demo(store, seed=seed, size=size, now=now)
    finally:
        store.close()
