"""Posts that must go out: post, posts (import, restore, publish, edit, cancel).

Expected posts come from the platforms' queues (read at every sync), a plan file
(``sfogo posts import``) and sfogo's own queue (``sfogo post``). ``sfogo posts`` lists them
with their state; what sfogo must publish or put back on a queue goes out with the next
sync, or now with ``sfogo send``, exactly once.
"""

from __future__ import annotations

import sys
from datetime import datetime

import click

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _, ngettext
from sfogo.inbox.posts.states import NEEDS_DECISION, SHOWN_STATES
from sfogo.inbox.text import sanitize
from sfogo.inbox.timefmt import strftime

from . import _output
from ._context import Context
from ._group import Topic, json_flag, pass_context
from ._types import Duration, ItemIds, Names, When, unique_ids

topic = Topic("posts")
DEFAULT_FROM_S = 7 * 86400
# Shown states as a word of at most 9 cells (the list's STATE column).
SHORT = {"rescheduled": "moved", "at_risk": "at risk", "cancelled": "cancelled"}


def _local(ts: int) -> str:
    """'Thu 03 Dec 09:00' in the manager's time zone."""
    return strftime(datetime.fromtimestamp(ts).astimezone(), "%a %d %b %H:%M")


def _account(row) -> str:
    """'mast @nuvolalabs', 'fb trattoriadagino': short enough to leave room for the text."""
    from sfogo.inbox.model import CHANNEL_SHORT

    handle = row["account"]
    if handle.count("@") > 1:  # @user@instance: the instance is noise here
        handle = "@" + handle.split("@")[1]
    return f"{CHANNEL_SHORT.get(row['channel'], row['channel'])} {handle}"[:20]


def _zone(ctx: Context):
    """The zone plan times without an offset are read in, and where it comes from."""
    from sfogo.backlog.workhours import WorkHours
    from sfogo.tui.app_config import load_config

    work = load_config(ctx.config_path).get("work") or {}
    zone = WorkHours.from_config(work).tz
    where = _("[work] timezone") if work.get("timezone") else _("the system's time zone")
    return zone, where


@topic.command("post", short_help=N_("queue a post; sync or 'sfogo send' publishes it at its time"))
@click.argument("client")
@click.argument("account")
@click.argument("words", metavar="TEXT...", nargs=-1, required=True)
@click.option(
    "--at", "at", type=When(), metavar="WHEN", required=True, help=N_("when: 'tomorrow 9:00', ISO")
)
@click.option(
    "--expires",
    type=Duration(),
    metavar="DURATION",
    help=N_("stale this long after its time (2h): if the channel was down, hold it for you"),
)
@pass_context
def post(
    ctx: Context,
    client: str,
    account: str,
    words: tuple[str, ...],
    at: int,
    expires: int | None,
) -> int:
    """Queue TEXT for ACCOUNT of CLIENT at WHEN; 'sync --watch' (or 'sfogo send') publishes it
    then, exactly once, when the channel is reachable. With --expires, a post that could not
    go out in time waits for your decision instead of going out late."""
    from sfogo.inbox.posts.actions import queue_post

    now = ctx.clock.now()
    post_id = queue_post(
        ctx.store, account, " ".join(words), at=at, now=now, expires_s=expires, client_ref=client
    )
    row = ctx.store.posts.get(post_id)
    stale = (
        _(", stale after {duration}").format(duration=_output.duration(expires)) if expires else ""
    )
    print(
        _(
            "queued post {post_id} for {channel}:{account} at {local}{stale}; 'sync"
            " --watch' or 'sfogo send' publishes it then"
        ).format(
            post_id=post_id,
            channel=row["channel"],
            account=row["account"],
            local=_local(row["at"]),
            stale=stale,
        )
    )
    return 0


TIME_FIELDS = ("at", "published_at", "expires_at", "started_at", "ended_at", "old_at", "new_at")


def _iso_times(value):
    """Epoch-second fields of a post's record as ISO 8601 UTC, recursively."""
    from sfogo.inbox import when

    if isinstance(value, dict):
        return {
            k: when.iso(v) if k in TIME_FIELDS and isinstance(v, int) else _iso_times(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_iso_times(v) for v in value]
    return value


def _record(p) -> dict:
    return _iso_times(p.as_dict())


@topic.group(
    "posts",
    invoke_without_command=True,
    short_help=N_("expected posts: published, late, missed, vanished, at risk"),
)
@click.option("--client", metavar="C", help=N_("one client's posts (name or id)"))
@click.option(
    "--state",
    "states",
    type=Names(SHOWN_STATES, "state"),
    metavar="S",
    help=_("only these states, comma-separated: ") + ", ".join(SHOWN_STATES),
)
@click.option(
    "--from", "since", type=When(past=True), metavar="WHEN", help=N_("from this time (default 7d)")
)
@click.option("--until", "until", type=When(), metavar="WHEN", help=N_("up to this time"))
@json_flag()
@pass_context
def posts(
    ctx: Context,
    client: str | None,
    states: list[str] | None,
    since: int | None,
    until: int | None,
    as_json: bool,
) -> int | None:
    """Expected posts by time, each with its state: from the platforms' queues, plan files and
    sfogo's own queue. Or import a plan, restore, publish, edit or cancel posts."""
    if click.get_current_context().invoked_subcommand is not None:
        return None
    from sfogo.backlog.posts import list_posts

    from .report_cmds import find_client

    now = ctx.clock.now()
    client_id = find_client(ctx.store, client).id if client else None
    found = list_posts(
        ctx.store,
        now=now,
        client_id=client_id,
        states=states,
        since=now - DEFAULT_FROM_S if since is None else since,
        until=until,
        history=as_json,
    )
    if as_json:
        _output.print_json([_record(p) for p in found])
        return 0
    if not found:
        print(_("No posts here. Plan some with 'sfogo posts import FILE' or 'sfogo post'."))
        return 0
    rows = [
        (
            str(p.row["id"]),
            _local(p.row["at"]),
            SHORT.get(p.state, p.state),
            _account(p.row),
            p.row["text"],
        )
        for p in found
    ]
    notes = []
    for p in found:
        if p.needs_decision or p.state == "late":
            why = p.row["reason"]
            if p.gap is not None:
                why = _("due during a gap ({kind}) of its account: not confirmed yet").format(
                    kind=p.gap.kind
                )
            notes.append(
                sanitize(
                    _("post {id} {state}: {why}").format(id=p.row["id"], state=p.state, why=why),
                    single_line=True,
                )
            )
    _output.table(rows, ("ID", "WHEN", "STATE", "ACCOUNT", "TEXT"), flex=4, footer=notes)
    if any(p.state in NEEDS_DECISION for p in found):
        print(_("'sfogo posts restore ID' brings a missed or vanished post back"), file=sys.stderr)
    return 0


@posts.command("import", short_help=N_("read an editorial plan (CSV or JSON Lines)"))
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=str))
@click.option("--skip-bad", is_flag=True, help=N_("import the good rows and list the bad ones"))
@pass_context
def posts_import(ctx: Context, path: str, skip_bad: bool) -> int:
    """Read FILE: CSV with the header client,account,at,text (and optionally media,notes), or
    JSON Lines with those fields. All or nothing unless --skip-bad."""
    from sfogo.inbox.posts.plan import import_plan

    zone, where = _zone(ctx)
    result = import_plan(ctx.store, path, zone=zone, now=ctx.clock.now(), skip_bad=skip_bad)
    line = ngettext("imported {added} post", "imported {added} posts", result.added).format(
        added=result.added
    )
    if result.already:
        line += f" ({result.already} already planned)"
    print(line)
    if result.naive:
        print(
            _("times without an offset were read in {getattr} ({where})").format(
                getattr=getattr(zone, "key", zone), where=where
            )
        )
    for bad in result.bad:
        print(_("skipped {bad}").format(bad=bad), file=sys.stderr)
    return 0


def _each(ctx: Context, ids: list[int], act, say) -> int:
    """Run ``act`` on each post; one line each, errors included; exit 1 if any failed."""
    failed = 0
    for post_id in ids:
        try:
            row = act(ctx.store, post_id, now=ctx.clock.now())
        except SfogoError as exc:
            print(f"sfogo: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(sanitize(say(row), single_line=True))
    return 1 if failed else 0


@posts.command("restore", short_help=N_("bring back missed or vanished posts"))
@click.argument("ids", metavar="ID...", nargs=-1, type=ItemIds(), required=True)
@pass_context
def posts_restore(ctx: Context, ids: tuple[list[int], ...]) -> int:
    """Put each post back on its platform's queue where the API allows it, else in sfogo's
    own queue; it goes out with the next sync, or now with 'sfogo send'."""
    from sfogo.inbox.posts.actions import restore_post

    return _each(ctx, unique_ids(ids), restore_post, lambda r: f"post {r['id']}: {r['reason']}")


@posts.command("publish", short_help=N_("let sfogo publish posts now (held, missed, failed)"))
@click.argument("ids", metavar="ID...", nargs=-1, type=ItemIds(), required=True)
@pass_context
def posts_publish(ctx: Context, ids: tuple[list[int], ...]) -> int:
    """Let sfogo publish posts now: held, missed or failed posts go out with the next
    send."""
    from sfogo.inbox.posts.actions import publish_now

    return _each(ctx, unique_ids(ids), publish_now, lambda r: f"post {r['id']}: {r['reason']}")


@posts.command("edit", short_help=N_("new text for a post sfogo publishes"))
@click.argument("post_id", metavar="ID", type=int)
@click.argument("words", metavar="TEXT...", nargs=-1, required=True)
@pass_context
def posts_edit(ctx: Context, post_id: int, words: tuple[str, ...]) -> int:
    """Give a post that sfogo publishes a new text (before it goes out)."""
    from sfogo.inbox.posts.actions import edit_post

    edited = edit_post(ctx.store, post_id, " ".join(words), now=ctx.clock.now())
    print(_("edited post {post_id}, still {state}").format(post_id=post_id, state=edited["state"]))
    return 0


@posts.command("cancel", short_help=N_("stop expecting posts (and stop sfogo sending them)"))
@click.argument("ids", metavar="ID...", nargs=-1, type=ItemIds(), required=True)
@pass_context
def posts_cancel(ctx: Context, ids: tuple[list[int], ...]) -> int:
    """Stop expecting posts: they are no longer watched, and sfogo does not send them."""
    from sfogo.inbox.posts.actions import cancel_post

    def say(row) -> str:
        line = _("post {id}: cancelled").format(id=row["id"])
        if row["in_queue"]:
            line += f" (it is still in {row['channel']}'s queue: remove it there too)"
        return line

    return _each(ctx, unique_ids(ids), cancel_post, say)
