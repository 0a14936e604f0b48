"""``sfogo`` with no command: the full-screen app on the data file."""

from __future__ import annotations

from pathlib import Path

from ._context import Context


def open_app(ctx: Context, db_path: str | Path | None = None, *, user: str = "") -> int:
    """Run the app on ``db_path`` (default: the context's data file) until the user quits,
    on the context's clock, as the team member ``user`` if given (else the config's);
    return the exit code.

    The file is opened with the command line's rules first, so a file that cannot be used
    is a one-line error before the screen changes.
    """
    if db_path is None:
        ctx.store  # noqa: B018 (opening is the check)
        db_path = ctx.db_path
    from sfogo.tui.app import SfogoApp  # textual is imported only when the app runs

    app = SfogoApp(db_path, clock=ctx.clock, config_path=ctx.config_path, user=user)
    app.run(mouse=ctx.mouse)
    return app.return_code or 0
