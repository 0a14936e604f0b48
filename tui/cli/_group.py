"""The click classes behind every sfogo command, and the options they all share.

``--db``, ``--config`` and ``--no-pager`` are declared once here. Every command and group
gets its own copy (:class:`SfogoCommand`, :class:`SfogoGroup`), so they work before and after
a command's name; each copy writes into the one :class:`~._context.Context`. A topic module
collects its commands in a :class:`Topic`; the :class:`Root` command finds each command in
its topic.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager

import click
from click.core import ParameterSource

from sfogo.inbox.i18n import N_, _

from ._context import Context

pass_context = click.make_pass_decorator(Context, ensure=True)


def _remember(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None and param.name is not None:
        typed = ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE
        ctx.ensure_object(Context).set_option(param.name, value, typed=typed)


def _no_mouse(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(Context).mouse = False


def _no_pager(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(Context).pager = False


def shared_params() -> list[click.Parameter]:
    """``--db``, ``--config`` and ``--no-pager``: fresh objects for each command."""
    path = click.Path(dir_okay=True, path_type=str)  # checked when the file is opened
    return [
        click.Option(
            ["--db"],
            metavar="PATH|URL",
            type=path,
            envvar="SFOGO_DB",
            show_envvar=True,
            expose_value=False,
            callback=_remember,
            help=N_(
                "the data file, or a shared inbox's postgresql://USER@HOST/DB (default: sfogo.db"
                " in the user data folder)"
            ),
        ),
        click.Option(
            ["--config"],
            metavar="PATH",
            type=path,
            envvar="SFOGO_CONFIG",
            show_envvar=True,
            expose_value=False,
            callback=_remember,
            help=N_("the config file (default: config.toml in the user config folder)"),
        ),
        click.Option(
            ["--no-pager"],
            is_flag=True,
            expose_value=False,
            callback=_no_pager,
            help=N_("print long listings straight to the terminal (or SFOGO_PAGER=cat)"),
        ),
    ]


def no_mouse_param() -> click.Option:
    """``--no-mouse``, for the commands that open the full-screen app."""
    return click.Option(
        ["--no-mouse"],
        is_flag=True,
        expose_value=False,
        callback=_no_mouse,
        help=N_("full-screen app: ignore the mouse (chatty over slow links)"),
    )


def format_examples(ctx: click.Context, formatter: click.HelpFormatter) -> None:
    """The command's examples (:mod:`._examples`), last in its ``--help``, unwrapped."""
    from ._examples import examples_for

    lines = examples_for(ctx.command_path)
    if lines:
        formatter.write_paragraph()
        formatter.write_text(_("Examples:"))
        for line in lines:
            formatter.write(f"{'':>{formatter.current_indent + 2}}{line}\n")


@contextmanager
def _translated(*holders: object) -> Iterator[None]:
    """While help is written: each holder's ``help`` and ``short_help`` in the interface's
    language. Commands and options are built when their module is imported, which may be
    before the language is chosen (and tests change it), so help is translated where it is
    shown; the catalogue's msgids are the texts as click cleans them."""
    saved = []
    for holder in holders:
        for attr in ("help", "short_help"):
            text = getattr(holder, attr, None)
            if text:
                saved.append((holder, attr, text))
                setattr(holder, attr, _(inspect.cleandoc(text)))
    try:
        yield
    finally:
        for holder, attr, text in saved:
            setattr(holder, attr, text)


class Translated(click.Command):
    """Help in the interface's language: the command's text, its options' and its
    commands' one-line summaries."""

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self, *self.get_params(ctx)):
            super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with _translated(self):
            return super().get_short_help_str(limit)


class SfogoCommand(Translated):
    """A command that also takes the shared options after its name."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(shared_params())

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        format_examples(ctx, formatter)


class SfogoGroup(Translated, click.Group):
    """A command with actions (``client add``, ``db check``): shared options at every level,
    actions listed in the order they were written."""

    command_class = SfogoCommand
    group_class = type  # a group inside is an SfogoGroup too

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(shared_params())

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        format_examples(ctx, formatter)


class Topic(click.Group):
    """The commands of one topic module. Never run itself: the root looks its commands up."""

    command_class = SfogoCommand
    group_class = SfogoGroup

    def __init__(self, name: str) -> None:
        super().__init__(name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


class Root(Translated, click.Group):
    """``sfogo``: finds each command in its topic module, imported when the command is first
    needed, so ``sfogo list`` does not pay for the other topics (``--help`` imports all)."""

    def __init__(self, *args, lazy: dict[str, str], package: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy  # command name -> the topic module that holds it
        self.package = package
        self.params.extend([*shared_params(), no_mouse_param()])

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.lazy)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = self.lazy.get(cmd_name)
        if module is None:
            return None
        from importlib import import_module

        topic: Topic = import_module(f"{self.package}.{module}").topic
        return topic.get_command(ctx, cmd_name)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        format_examples(ctx, formatter)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # `sfogo list | head`: not an error
            import os
            import sys

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0


def with_no_mouse(command: click.Command) -> click.Command:
    """Let a command that opens the app take ``--no-mouse`` after its name too."""
    command.params.append(no_mouse_param())
    return command


def json_flag(help: str = N_("print JSON")):
    """``--json``: every command that prints data has it, with stable field names."""
    return click.option("--json", "as_json", is_flag=True, help=help)
