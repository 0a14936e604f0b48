"""sfogo's benchmark suite: ``python bench/run.py`` (see bench/harness.py)."""
