"""Canned replies: replies, replies add, replies remove.

The composer offers them on ctrl+t with their placeholders filled ({author}, {handle},
{client}). They come from two places: the config file's ``[[replies]]`` (edited there) and
the data file (``sfogo replies add``); a name is one reply, the config's wins.
"""

from __future__ import annotations

from typing import Any

import click

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _

from . import _output
from ._context import Context
from ._group import Topic, json_flag, pass_context

topic = Topic("replies")


def _config_replies(ctx: Context):
    """The config's [[replies]], and one line per mistake in them."""
    from sfogo.inbox.canned import from_config
    from sfogo.tui.app_config import load_config

    return from_config(load_config(ctx.config_path))


@topic.group("replies", invoke_without_command=True, short_help=N_("canned replies (ctrl+t)"))
@json_flag()
@pass_context
def replies(ctx: Context, as_json: bool) -> int | None:
    """Canned replies, from the config's [[replies]] and the data file, by name. In the
    composer, ctrl+t picks one with fuzzy search.
    """
    if click.get_current_context().invoked_subcommand is not None:
        return None
    from sfogo.inbox.canned import Canned, combine

    configured, errors = _config_replies(ctx)
    stored = [
        Canned(r["name"], r["text"], r["language"], r["client"], source="file")
        for r in ctx.store.canned.all()
    ]
    offered, hidden = combine(configured, stored)
    records: list[dict[str, Any]] = [  # what --json prints
        {
            "name": r.name,
            "text": r.text,
            "language": r.language,
            "client": r.client,
            "source": r.source,
            "hidden": r in hidden,
        }
        for r in sorted([*offered, *hidden], key=lambda r: (r.name.casefold(), r in hidden))
    ]
    if as_json:
        _output.print_json(records)
    elif not records:
        print(
            _('No canned replies yet: sfogo replies add NAME "TEXT" (or [[replies]] in the config)')
        )
    else:
        from sfogo.inbox.text import excerpt

        _output.table(
            [
                (
                    r["name"],
                    r["language"] or "-",
                    r["client"] or "-",
                    "config" if r["source"] == "config" else "hidden" if r["hidden"] else "file",
                    excerpt(r["text"], 200),
                )
                for r in records
            ],
            ("NAME", "LANG", "CLIENT", "FROM", "TEXT"),
            flex=4,
        )
    for line in errors:
        click.echo(f"sfogo: {line}", err=True)
    return 0


@replies.command("add", short_help=N_("store a canned reply in the data file"))
@click.argument("name", metavar="NAME")
@click.argument("words", metavar="TEXT...", nargs=-1, required=True)
@click.option("--language", default="", metavar="CODE", help=N_("its language (it, en, pt-br)"))
@click.option(
    "--client", "client_ref", metavar="C", help=N_("offered first for this client's items")
)
@pass_context
def replies_add(
    ctx: Context, name: str, words: tuple[str, ...], language: str, client_ref: str | None
) -> int:
    """Store a canned reply NAME with TEXT. Placeholders: {author} (the author's name),
    {handle} (their handle), {client} (the client's name); {{ and }} are braces.
    """
    from sfogo.inbox.canned import check_language, check_name, check_text

    clean_name = check_name(name)
    text = check_text(" ".join(words))
    code = check_language(language)
    client = ctx.store.clients.get(client_ref).name if client_ref else ""
    configured, _errors = _config_replies(ctx)
    if any(r.name.casefold() == clean_name.casefold() for r in configured):
        raise SfogoError(
            _(
                "the config file already has a reply named {clean_name!r}: edit it "
                "there, or pick another name"
            ).format(clean_name=clean_name)
        )
    reply_id = ctx.store.canned.add(
        clean_name, text, language=code, client=client, now=ctx.clock.now()
    )
    print(
        _(
            "added canned reply {clean_name!r} (id {reply_id}): ctrl+t in the composer offers it"
        ).format(clean_name=clean_name, reply_id=reply_id)
    )
    return 0


@replies.command("remove", short_help=N_("forget a canned reply of the data file"))
@click.argument("name", metavar="NAME")
@pass_context
def replies_remove(ctx: Context, name: str) -> int:
    """Forget the canned reply NAME (the config's are removed from the config file)."""
    configured, _errors = _config_replies(ctx)
    try:
        row = ctx.store.canned.remove(name)
    except SfogoError:
        if any(r.name.casefold() == name.strip().casefold() for r in configured):
            raise SfogoError(
                _("{name!r} is in the config file's [[replies]]: remove it there").format(name=name)
            ) from None
        raise
    print(_("removed canned reply {name!r}").format(name=row["name"]))
    return 0
