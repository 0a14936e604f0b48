"""What the posts tests add to the sync world: accounts on the Graph, WordPress, YouTube and
X emulators (started on the world's clock), and the posts as the manager lists them."""

from __future__ import annotations

from sfogo.backlog.posts import list_posts
from sfogo.tui.demo.emulators.graph import IG_USER_ID, PAGE_ID, GraphEmulator
from sfogo.tui.demo.emulators.wordpress import PASSWORD, USER, WordPressEmulator
from sfogo.tui.demo.emulators.x import ME_ID, XEmulator
from sfogo.tui.demo.emulators.youtube import CHANNEL_ID, TOKEN, YouTubeEmulator


def _started(world, emu):
    emu.start()
    world.emulators.append(emu)
    return emu


def _account(world, client: str, channel: str, handle: str, secret: str, settings: dict):
    world.client(client, "normal")
    var = f"SECRET_{channel.upper()}_{len(world.env)}"
    world.env[var] = secret
    return world.store.accounts.add(
        client, channel, handle, settings={**settings, "token_env": var}, now=world.clock.now()
    )


def facebook(world, client: str = "Trattoria"):
    """A Page on a fresh Graph emulator with no generated posts: (account, emulator)."""
    emu = _started(
        world,
        GraphEmulator(
            clock=world.clock.time, posts=0, conversations=0, media=0, ig_conversations=0
        ),
    )
    account = _account(
        world,
        client,
        "facebook",
        "trattoria",
        emu.token,
        {"url": emu.base_url, "page_id": PAGE_ID},
    )
    return account, emu


def instagram(world, emu: GraphEmulator, client: str = "Trattoria"):
    return _account(
        world,
        client,
        "instagram",
        "@trattoria.sfogo",
        emu.token,
        {"url": emu.base_url, "page_id": PAGE_ID, "ig_user_id": IG_USER_ID},
    )


def wordpress(world, client: str = "Amici"):
    emu = _started(world, WordPressEmulator(comments=0, clock=world.clock.time))
    account = _account(
        world,
        client,
        "wordpress",
        "blog.example.com",
        PASSWORD,
        {"url": emu.base_url, "user": USER},
    )
    return account, emu


def youtube(world, client: str = "Nuvola"):
    emu = _started(world, YouTubeEmulator(threads=0, clock=world.clock.time))
    account = _account(
        world,
        client,
        "youtube",
        "@SfogoStudio",
        TOKEN,
        {"url": emu.base_url, "channel_id": CHANNEL_ID},
    )
    return account, emu


def x(world, client: str = "Nuvola"):
    emu = _started(world, XEmulator(clock=world.clock.time, mentions=0))
    account = _account(
        world, client, "x", "@trattoria_sfogo", emu.token, {"url": emu.base_url, "user_id": ME_ID}
    )
    return account, emu


def states(world, **kwargs) -> dict[int, str]:
    """Post id -> the state the manager sees (at_risk derived), every post."""
    return {
        p.row["id"]: p.state
        for p in list_posts(world.store, now=world.clock.now(), since=0, **kwargs)
    }
