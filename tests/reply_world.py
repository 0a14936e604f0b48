"""Every channel sfogo can reply on, set up for the outbox tests: an emulator (or the real
mail servers) on loopback, an account in the sync world pointing at it, an item to answer,
and what the platform holds of our replies to it.

``sfogo send`` in a child process, killed right after the platform accepted a reply, is
:func:`send_killed_after_accept`; :func:`arm` makes the platform hold its answer to the next
post of a reply until released (an emulator's ``stall`` fault, or the SMTP server's DATA).
The platforms that can like (:data:`LIKE_CHANNELS`) say where a like is posted and what they
hold of our likes of the item, for the same story told with likes.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sfogo.inbox.clock import NOW_ENV
from sfogo.tui.demo.emulators import graph as graph_emu
from sfogo.tui.demo.emulators import wordpress as wp_emu
from sfogo.tui.demo.emulators import x as x_emu
from sfogo.tui.demo.emulators import youtube as yt_emu

CHANNELS = ("mastodon", "bluesky", "facebook", "instagram", "x", "youtube", "wordpress", "email")
# The private conversations answered in their own way (targets named for them).
CONVERSATIONS = ("x_dm", "bluesky_chat")
LIKE_CHANNELS = ("mastodon", "bluesky", "facebook", "x")
# Where a second like of the same item is the first (X): a like whose answer was lost is sent
# again rather than looked up.
IDEMPOTENT_LIKES = ("x",)
CLI = "import sys; from sfogo.tui.cli import main; sys.exit(main())"


@dataclass
class Target:
    """One account to reply from, an item to answer and how to see the platform's side."""

    channel: str
    account: object  # the sfogo Account
    emulator: object  # the emulator (for e-mail, the MailServer)
    post_path: str  # the path a reply is posted to (a regex), for the stall
    link: re.Pattern  # what a sent reply's link looks like ('' for e-mail)
    replies: Callable[[], list]  # our replies to the item, as the platform holds them
    new_parent: Callable[[], str]  # another item to answer, arrived now (external id)
    parent: str = ""  # the item's external id
    like_path: str = ""  # the path a like is posted to (a regex; '' where there is no like)
    likes: Callable[[], list] = list  # our likes of the item, as the platform holds them

    @property
    def label(self) -> str:
        return f"{self.channel}:{self.account.handle}"


def item_id(world, external_id: str) -> int:
    return world.store.conn.execute(
        "SELECT id FROM interactions WHERE external_id = ?", (str(external_id),)
    ).fetchone()[0]


def child_env(world) -> dict:
    """What a child ``sfogo`` process needs: the file, the config, the secrets, the clock."""
    return {
        **os.environ,
        **world.env,
        "SFOGO_DB": str(world.store.path),
        "SFOGO_CONFIG": world.config_path,
        NOW_ENV: str(world.clock.now()),
    }


def sfogo_child(world, *args: str, **popen) -> subprocess.Popen:
    """``sfogo ARGS`` in a child process on the world's clock. Its errors go to a file (a
    pipe nobody reads can fill up and stall the child): :func:`child_errors` reads it."""
    errors = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the child)
    child = subprocess.Popen(
        [sys.executable, "-c", CLI, *args],
        env=child_env(world),
        stdout=popen.pop("stdout", subprocess.DEVNULL),
        stderr=errors,
        **popen,
    )
    child.errors = errors  # type: ignore[attr-defined]  # read by child_errors
    return child


def child_errors(child: subprocess.Popen) -> str:
    """What the child wrote to its error file so far."""
    errors = getattr(child, "errors", None)
    if errors is None:
        return ""
    errors.seek(0)
    return errors.read().decode(errors="replace")


def arm(
    target: Target, received: threading.Event, release: threading.Event, path: str = ""
) -> None:
    """The next reply posted (or what is posted to ``path``) is accepted, then its answer
    waits for ``release``."""
    if target.channel == "email":
        target.emulator.smtp.stall = {"received": received, "release": release}
    else:
        target.emulator.faults.set(
            "stall", paths=path or target.post_path, count=1, received=received, release=release
        )


def send_killed_after_accept(world, target: Target, path: str = "") -> None:
    """``sfogo send`` in a child process; the platform accepts the reply (or what is posted
    to ``path``: a like), holds its answer, and the child is SIGKILLed before it can store
    anything."""
    received, release = threading.Event(), threading.Event()
    arm(target, received, release, path)
    child = sfogo_child(world, "send")
    try:
        if not received.wait(60):
            raise AssertionError(f"no post arrived in 60 s; the child said: {child_errors(child)}")
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        release.set()
        child.kill()
    assert child.returncode == -signal.SIGKILL


# -- the channels ----------------------------------------------------------------------------


def _secret(world, name: str, value: str) -> str:
    world.env[name] = value
    return name


def _account(world, channel: str, handle: str, settings: dict):
    world.client()
    return world.store.accounts.add(
        "Acme", channel, handle, settings=settings, now=world.clock.now()
    )


def mastodon(world, seed: int = 12) -> Target:
    emu = world.mastodon(seed=seed, rate_limit=100_000)
    account, owner = world.mastodon_account(emu, "acme")

    def replies(parent):
        return emu.posts_by(owner, in_reply_to=int(parent))

    target = Target(
        "mastodon",
        account,
        emu,
        r"/api/v1/statuses$",
        re.compile(rf"^https://{re.escape(emu.domain)}/@acme/\d+$"),
        lambda: replies(target.parent),
        lambda: str(emu.mention(owner)),
        like_path=r"/favourite$",
        likes=lambda: [s for s in emu.favourited_by(owner) if str(s) == target.parent],
    )
    target.owner = owner  # type: ignore[attr-defined]
    return target


def bluesky(world, seed: int = 12) -> Target:
    emu = world.bluesky(seed=seed)
    account, did = world.bluesky_account(emu, "acme.bsky.social")

    def replies():
        return [
            p
            for p in emu.posts_by(did)
            if p["record"].get("reply", {}).get("parent", {}).get("uri") == target.parent
        ]

    target = Target(
        "bluesky",
        account,
        emu,
        r"createRecord$",
        re.compile(r"^https://bsky\.app/profile/acme\.bsky\.social/post/[2-7a-z]{13}$"),
        replies,
        lambda: emu.mention(did),
        like_path=r"createRecord$",
        likes=lambda: [
            r for r in emu.likes_by(did) if r["record"]["subject"]["uri"] == target.parent
        ],
    )
    target.owner = did  # type: ignore[attr-defined]
    return target


def bluesky_chat(world) -> Target:
    """Bluesky, answering chat messages in their conversation."""
    target = bluesky(world)
    emu, did = target.emulator, target.owner  # type: ignore[attr-defined]
    target.post_path = r"sendMessage$"
    target.link = re.compile(r"^https://bsky\.app/messages/\w+$")

    def replies() -> list:
        return emu.chats_by(did, emu.convo_of(target.parent)) if target.parent else []

    target.replies = replies
    guests = itertools.count(1)  # each item in a conversation of its own
    target.new_parent = lambda: emu.add_chat(
        did, "Avete posto stasera?", sender=f"guest{next(guests)}.bsky.social"
    )
    return target


def _graph(world) -> graph_emu.GraphEmulator:
    emu = graph_emu.GraphEmulator(
        clock=world.clock,
        posts=1,
        comments=(2, 3),
        conversations=1,
        media=1,
        ig_comments=(2, 3),
        ig_conversations=1,
    )
    emu.start()
    world.emulators.append(emu)
    return emu


def facebook(world) -> Target:
    emu = _graph(world)
    var = _secret(world, "FB_TOKEN", emu.token)
    account = _account(
        world,
        "facebook",
        "trattoria",
        {"url": emu.base_url, "page_id": graph_emu.PAGE_ID, "token_env": var},
    )

    def replies():
        return [
            n
            for n in emu.of_type("comment")
            if n["author"]["id"] == graph_emu.PAGE_ID and n["parent"] == target.parent
        ]

    target = Target(
        "facebook",
        account,
        emu,
        r"/comments$",
        # A reply's permalink names its top-level comment and itself.
        re.compile(
            r"^https://www\.facebook\.com/\d+/posts/\d+\?comment_id=\d+(&reply_comment_id=\d+)?$"
        ),
        replies,
        lambda: emu.add_comment(None, "Avete un tavolo per due stasera?"),
        like_path=r"/likes$",
        # Each like the platform accepted (a second one would be a second POST that got in).
        likes=lambda: [r for r in emu.requests_to(r"/likes$", "POST") if target.parent in r.path],
    )
    return target


def instagram(world) -> Target:
    emu = _graph(world)
    var = _secret(world, "IG_TOKEN", emu.token)
    account = _account(
        world,
        "instagram",
        "@trattoria.sfogo",
        {
            "url": emu.base_url,
            "page_id": graph_emu.PAGE_ID,
            "ig_user_id": graph_emu.IG_USER_ID,
            "token_env": var,
        },
    )

    def replies():
        return [
            n
            for n in emu.of_type("igcomment")
            if n["author"].get("id") == graph_emu.IG_USER_ID and n["parent"] == target.parent
        ]

    target = Target(
        "instagram",
        account,
        emu,
        r"/replies$",
        re.compile(r"^https://www\.instagram\.com/p/[\w-]+/c/\d+/$"),
        replies,
        lambda: emu.add_ig_comment(None, "Che bello! Siete aperti domenica?"),
    )
    return target


def x(world) -> Target:
    emu = x_emu.XEmulator(clock=world.clock, mentions=5)
    emu.start()
    world.emulators.append(emu)
    var = _secret(world, "X_TOKEN", emu.token)
    account = _account(
        world,
        "x",
        "@trattoria_sfogo",
        {"url": emu.base_url, "user_id": x_emu.ME_ID, "token_env": var},
    )
    target = Target(
        "x",
        account,
        emu,
        r"^/2/tweets$",
        re.compile(r"^https://x\.com/i/status/\d+$"),
        lambda: [t for t in emu.replies_by_me() if t["replied_to"] == target.parent],
        lambda: emu.add_mention("are you open tonight?"),
        like_path=r"/2/users/\d+/likes$",
        likes=lambda: [t for t in emu.liked_by(x_emu.ME_ID) if t == target.parent],
    )
    return target


def x_dm(world) -> Target:
    """X, answering direct messages in their conversation."""
    target = x(world)
    emu = target.emulator
    target.post_path = r"^/2/dm_conversations/[\d-]+/messages$"
    target.link = re.compile(r"^https://x\.com/messages/\d+-\d+$")

    def replies() -> list:
        parent = emu.dm_events.get(target.parent)
        return emu.dms_by_me(parent["conversation"]) if parent else []

    target.replies = replies
    guests = itertools.count(1)  # each item in a conversation of its own
    target.new_parent = lambda: emu.add_dm("Avete posto stasera?", author=f"guest{next(guests)}")
    return target


def youtube(world) -> Target:
    emu = yt_emu.YouTubeEmulator(clock=world.clock, now=world.clock.now(), threads=3)
    emu.start()
    world.emulators.append(emu)
    var = _secret(world, "YT_TOKEN", emu.token)
    account = _account(
        world,
        "youtube",
        "Trattoria Sfogo",
        {"url": emu.base_url, "channel_id": emu.channel_id, "token_env": var},
    )
    target = Target(
        "youtube",
        account,
        emu,
        r"/youtube/v3/comments$",
        re.compile(r"^https://www\.youtube\.com/watch\?v=vid\w+&lc=[\w.-]+$"),
        lambda: [r for r in emu.our_replies() if r["snippet"].get("parentId") == target.parent],
        lambda: emu.add_thread("What is the recipe?", at=world.clock.now())["top"]["id"],
    )
    return target


def wordpress(world) -> Target:
    emu = wp_emu.WordPressEmulator(clock=world.clock, now=world.clock.now(), comments=5, posts=1)
    emu.start()
    world.emulators.append(emu)
    var = _secret(world, "WP_PASSWORD", emu.password)
    account = _account(
        world,
        "wordpress",
        "blog",
        {"url": emu.base_url, "user": emu.user, "password_env": var},
    )
    target = Target(
        "wordpress",
        account,
        emu,
        r"/wp-json/wp/v2/comments$",
        re.compile(r"^https://blog\.example\.com/\?p=\d+#comment-\d+$"),
        lambda: [c for c in emu.replies_by_me() if str(c["parent"]) == target.parent],
        lambda: str(emu.add_comment("<p>Can I bring my dog?</p>", at=world.clock.now())["id"]),
    )
    return target


def email(world, mail_server, user: str) -> Target:
    """The account of ``user`` on the real Dovecot and aiosmtpd (copies to itself)."""
    from email.message import EmailMessage

    from mailserver import PASSWORD

    var = _secret(world, "MAIL_PASSWORD", PASSWORD)
    address = mail_server.address(user)
    account = _account(
        world,
        "email",
        address,
        {
            "url": f"imap://127.0.0.1:{mail_server.imap_port}",
            "smtp_url": f"smtp://127.0.0.1:{mail_server.smtp_port}",
            "user": user,
            "from": f"Studio <{address}>",
            "backfill_days": 0,
            "password_env": var,
        },
    )
    counter = iter(range(1, 10_000))

    def new_parent() -> str:
        n = next(counter)
        msg = EmailMessage()
        msg["From"] = "Giulia <giulia@example.org>"
        msg["To"] = address
        msg["Subject"] = f"Order {n}"
        msg["Message-ID"] = f"<order{n}.{user}@example.org>"
        msg.set_content(f"Where is my order {n}?")
        mail_server.deliver(user, msg.as_bytes())
        return f"order{n}.{user}@example.org"

    def replies():
        return [
            raw
            for _from, rcpts, raw in mail_server.smtp.messages
            if f"<{target.parent}>".encode() in raw and "giulia@example.org" in rcpts
        ]

    target = Target("email", account, mail_server, "", re.compile(r"^$"), replies, new_parent)
    return target


def target_for(channel: str, world, request) -> Target:
    """The target of ``channel`` (the e-mail one asks pytest for the mail server fixtures)."""
    if channel == "email":
        server = request.getfixturevalue("mail_server")
        return email(world, server, server.new_user())
    return globals()[channel](world)


def answer(world, target: Target, text: str) -> int:
    """A new item arrives on the target, sfogo syncs it and queues ``text`` as the reply;
    returns the reply's id."""
    from sfogo.inbox.outbox import queue_reply

    target.parent = str(target.new_parent())
    world.sync(target.label)
    return queue_reply(world.store, item_id(world, target.parent), text, now=world.clock.now())


def like(world, target: Target) -> int:
    """A new item arrives on the target, sfogo syncs it and queues a like of it; returns the
    like's id."""
    from sfogo.inbox.outbox import queue_likes

    target.parent = str(target.new_parent())
    world.sync(target.label)
    item = item_id(world, target.parent)
    return queue_likes(world.store, [item], now=world.clock.now()).queued[item]


def run(coro):
    return asyncio.run(coro)
