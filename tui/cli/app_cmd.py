"""``sfogo`` with no subcommand: the full-screen app on the data file."""
from __future__ import annotations

from pathlib import Path


def open_app(db_path: str | Path, *, clock, mouse: bool = True,
             config_path: str | Path | None = None) -> int:
    """Run the app on ``db_path`` until the user quits; return the exit code.

    A file that cannot be used raises StoreError here, before the screen changes.
    """
    from sfogo.tui.app import SfogoApp  # textual is imported only when the app runs

    app = SfogoApp(db_path, config_path=config_path, now=clock.now)
    app.run(mouse=mouse)
    return app.return_code or 0


def run_app(args, ctx) -> int:
    ctx.store  # opens (and checks) the file with the command line's rules before the screen changes
    return open_app(ctx.db_path, clock=ctx.clock, mouse=not getattr(args, "no_mouse", False),
                    config_path=ctx.config_path)
