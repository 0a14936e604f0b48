"""Replies, likes and the outbox: reply, like, send, outbox (edit, retry, drop).

A reply or a like is queued in the data file and sent exactly once, by the next sync or by
``sfogo send``; what could not be sent stays in the outbox with its reason, and a sent reply
with its link.
"""

from __future__ import annotations

import sys

import click

from sfogo.inbox.i18n import N_, _, ngettext
from sfogo.inbox.redact import redact
from sfogo.inbox.rows import ReplyRow
from sfogo.inbox.text import sanitize

from . import _output
from ._context import Context
from ._group import Topic, json_flag, pass_context
from .sync_cmds import syncer, wrapped

topic = Topic("outbox")
LIKE_MARK = "♥"  # how a like shows where a reply shows its text (the list's mark too)


@topic.command("reply", short_help=N_("queue a reply to an item (sent by sync or 'sfogo send')"))
@click.argument("item_id", metavar="ID", type=int)
@click.argument("words", metavar="TEXT...", nargs=-1, required=True)
@pass_context
def reply(ctx: Context, item_id: int, words: tuple[str, ...]) -> int:
    """Queue a reply to item ID; it goes out with the next sync, or now with 'sfogo send'."""
    from sfogo.inbox.outbox import get_reply, queue_reply

    reply_id = queue_reply(ctx.store, item_id, " ".join(words), now=ctx.clock.now())
    queued = get_reply(ctx.store, reply_id)
    print(
        _(
            "queued reply {reply_id} to item {item_id} ({account}); it goes out "
            "with the next sync, or now with 'sfogo send'"
        ).format(reply_id=reply_id, item_id=item_id, account=queued["account"])
    )
    return 0


@topic.command("like", short_help=N_("like items on their platform (sent like a reply)"))
@click.argument("item_ids", metavar="ID...", nargs=-1, type=int, required=True)
@pass_context
def like(ctx: Context, item_ids: tuple[int, ...]) -> int:
    """Like items ID... on their platforms; the likes go out with the next sync, or now with
    'sfogo send', exactly once. An item its platform cannot like (an Instagram comment, an
    e-mail) is refused with the reason, and then nothing is queued."""
    from sfogo.inbox.outbox import queue_likes

    liked = queue_likes(ctx.store, list(item_ids), now=ctx.clock.now())
    if liked.queued:
        items = ", ".join(str(i) for i in liked.queued)
        print(
            _(
                "queued {likes} (item {items}); they go out with the next sync, or now "
                "with 'sfogo send'"
            ).format(likes=_likes(len(liked.queued)), items=items)
            if len(liked.queued) > 1
            else _(
                "queued a like of item {items}; it goes out with the next sync, or now "
                "with 'sfogo send'"
            ).format(items=items)
        )
    if liked.already:
        print(
            _("already liked: item {names}").format(names=", ".join(str(i) for i in liked.already))
        )
    return 0


def _likes(n: int) -> str:
    return ngettext("a like", "{n} likes", n).format(n=n)


@topic.command("send", short_help=N_("send queued replies and likes now"))
@click.option("--account", "account_ref", metavar="HANDLE", help=N_("only this account's replies"))
@json_flag()
@pass_context
def send(ctx: Context, account_ref: str | None, as_json: bool) -> int:
    """Send the queued replies and due posts now, instead of waiting for the next sync."""
    import asyncio

    loop = syncer(ctx)
    results = asyncio.run(loop.send_once(loop.accounts(account_ref)))
    if as_json:
        _output.print_json([r.as_dict() for r in results])
        return 0
    if not results:
        print(_("Nothing to send: the outbox is empty"))
        return 0
    for r in results:
        if not r.attempted:
            print(
                wrapped(
                    _("{account}: not sent, {detail}").format(account=r.account, detail=r.detail)
                )
            )
            continue
        counts = ", ".join(
            f"{n} {w}"
            for n, w in (
                (r.sent, "sent"),
                (r.held, "held"),
                (r.failed, "failed"),
                (r.unknown, "unknown"),
                (r.waiting, "waiting"),
            )
            if n
        ) or _("nothing to send")
        print(wrapped(f"{r.account}: {counts}" + (f" · {r.detail}" if r.detail else "")))
    if any(r.held or r.failed or r.unknown for r in results):
        print(_("see why with 'sfogo outbox'"), file=sys.stderr)
    return 0


def _reply_record(r: ReplyRow) -> dict:
    return {
        k: r[k]
        for k in (
            "id",
            "item_id",
            "account",
            "client",
            "state",
            "reason",
            "text",
            "attempts",
            "created_at",
            "updated_at",
            "sent_at",
            "external_id",
            "link",
            "parent_handle",
            "parent_text",
            "action",
        )
    }


@topic.group(
    "outbox",
    invoke_without_command=True,
    short_help=N_("replies and likes queued, sent, held or failed, with reasons"),
)
@json_flag()
@click.option(
    "--all", "everything", is_flag=True, help=N_("include dropped and older sent replies")
)
@pass_context
def outbox(ctx: Context, as_json: bool, everything: bool) -> int | None:
    """Replies and likes queued, sent, held or failed, with reasons; or edit, retry or drop
    one."""
    from sfogo.inbox.outbox import RECENT_S, list_replies

    if click.get_current_context().invoked_subcommand is not None:
        return None
    ref = ctx.clock.now()
    replies = list_replies(ctx.store, since=None if everything else ref - RECENT_S)
    if not everything:
        replies = [r for r in replies if r["state"] != "dropped"]
    if as_json:
        _output.print_json([_reply_record(r) for r in replies])
        return 0
    if not replies:
        print(_("The outbox is empty. Queue a reply with: sfogo reply ID TEXT"))
        return 0
    rows = []
    for r in replies:
        state = r["state"] if r["state"] != "sent" else f"sent {_output.ago(r['sent_at'], ref=ref)}"
        text = r["text"] if r["action"] == "reply" else f"{LIKE_MARK} like"
        rows.append((str(r["id"]), str(r["item_id"]), state, r["account"], text))
    # Reasons and links are what the manager acts on: never cut them to fit a column.
    notes = [redact(sanitize(line, single_line=True)) for r in replies for line in _notes(r)]
    _output.table(rows, ("ID", "ITEM", "STATE", "ACCOUNT", "REPLY"), flex=4, footer=notes)
    return 0


def _notes(r: ReplyRow) -> list[str]:
    """The lines under the table for one reply or like: why it waits, what to do, where it
    is."""
    what = r["action"]  # "reply" or "like"
    if r["state"] == "sent" and r["link"]:
        return [f"{what} {r['id']} sent: {r['link']}"]
    if r["state"] == "unknown":
        return [
            f"{what} {r['id']} unknown: {r['reason']}",
            _(
                "  check {account}; if it is not there: sfogo outbox retry {id}, if it "
                "is: sfogo outbox drop {id}"
            ).format(account=r["account"], id=r["id"]),
        ]
    if r["reason"] and r["state"] in ("queued", "sending", "held", "failed"):
        return [f"{what} {r['id']} {r['state']}: {r['reason']}"]
    return []


@outbox.command("edit", short_help=N_("change the text of a reply not sent yet"))
@click.argument("reply_id", metavar="ID", type=int)
@click.argument("words", metavar="TEXT...", nargs=-1, required=True)
@pass_context
def outbox_edit(ctx: Context, reply_id: int, words: tuple[str, ...]) -> int:
    """Change the text of a reply that has not been sent yet."""
    from sfogo.inbox.outbox import edit_reply

    edited = edit_reply(ctx.store, reply_id, " ".join(words), now=ctx.clock.now())
    held = edited["state"] in ("held", "failed")
    hint = _(" ('sfogo outbox retry' queues it again)") if held else ""
    print(
        _("edited reply {reply_id}, still {state}{hint}").format(
            reply_id=reply_id, state=edited["state"], hint=hint
        )
    )
    return 0


@outbox.command("retry", short_help=N_("queue a held, failed or unknown reply or like again"))
@click.argument("reply_id", metavar="ID", type=int)
@pass_context
def outbox_retry(ctx: Context, reply_id: int) -> int:
    """Queue a held, failed or unknown reply again. For an unknown one: you checked the
    platform and the reply is not there."""
    from sfogo.inbox.outbox import retry_reply

    retried = retry_reply(ctx.store, reply_id, now=ctx.clock.now())
    print(
        _(
            "{action} {reply_id} is queued again; it goes out with the next sync or 'sfogo send'"
        ).format(action=retried["action"], reply_id=reply_id)
    )
    return 0


@outbox.command("drop", short_help=N_("give up on a reply or like not sent yet"))
@click.argument("reply_id", metavar="ID", type=int)
@pass_context
def outbox_drop(ctx: Context, reply_id: int) -> int:
    """Give up on a reply that has not been sent yet; it stays listed as dropped."""
    from sfogo.inbox.outbox import drop_reply

    dropped = drop_reply(ctx.store, reply_id, now=ctx.clock.now())
    print(_("dropped {action} {reply_id}").format(action=dropped["action"], reply_id=reply_id))
    return 0
