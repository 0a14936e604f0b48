"""The demo inbox: four clients, thirteen accounts, two weeks of interactions and the stories
sfogo exists for, built deterministically relative to "now".

``build_demo(store, seed=0, size=None, now=...)`` fills an empty store and returns a
summary. Everything depends only on (seed, size, now). The stories (all times relative to
now, Rome local time where it says so):

- a 30-hour loss of connection from now-78h to now-48h: every account's sync runs fail with
  outcome ``offline``; what arrived meanwhile was fetched when it ended and is mostly new;
- the X account of the startup blocked for the last 5 days and still blocked (``blocked``);
- two sick days a week ago (an away period, 08:00 eight days ago to 08:00 six days ago):
  what arrived then was handled late and a handful of items is still new;
- the backlog those left, including the VIP hotel's Facebook and Instagram direct messages:
  one 20 hours old (its 24-hour reply window closes in 4 hours), one 23 hours old (1 hour
  left), and several from the outage that can no longer be answered;
- a handful of hostile strings (markup, escape sequences, bidi overrides) in texts and names.

Speed: a million rows must build in well under a minute, so rows are plain tuples generated
in time order from pre-rendered text pools with one ``random.Random``, inserted with
``store.items.bulk_load`` in one transaction.
"""

from __future__ import annotations

import itertools
import math
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.store import Store
from sfogo.inbox.text import sanitize

from .posts import build_posts
from .text import (
    FILLS,
    FIRST,
    FOLLOWUPS,
    LAST,
    MAIL_DOMAINS,
    MASTODON_INSTANCES,
    OUR_REPLIES,
    TEMPLATES,
)

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    ROME: tzinfo = ZoneInfo("Europe/Rome")
except (ImportError, ZoneInfoNotFoundError):  # no tz database: Rome in winter is UTC+1
    ROME = timezone(timedelta(hours=1), "CET")

DEFAULT_SIZE = 1400  # about 100 interactions a day (ours included): one freelancer, four clients
HOUR = 3600
DAY = 86400
DAYS = 14
RUN_EVERY = 900  # every account syncs every 15 minutes
OUTAGE_HOURS = 30
BLOCK_DAYS = 5
DM_WINDOW = 24 * HOUR  # Facebook/Instagram: a private message can be answered for 24 hours

# --- the clients and their accounts ----------------------------------------------------------

# name, tier, custom target (s) or None, text key, share of Italian texts
CLIENTS = (
    ("Hotel Aurelia Roma", "vip", None, "hotel", 0.5),
    ("Nuvola Labs", "high", None, "startup", 0.3),
    ("Trattoria Da Gino", "normal", 8 * HOUR, "restaurant", 0.75),
    ("Amici del Tevere", "low", None, "nonprofit", 0.85),
)

# Daily rhythm, by Rome local hour 0..23: quiet at night, peaks late morning and evening.
DAILY = {
    "hotel": (
        0.15,
        0.08,
        0.05,
        0.04,
        0.04,
        0.06,
        0.15,
        0.4,
        0.75,
        1.0,
        1.2,
        1.35,
        1.3,
        1.05,
        0.9,
        0.9,
        0.95,
        1.0,
        1.1,
        1.25,
        1.35,
        1.15,
        0.75,
        0.35,
    ),
    "startup": (
        0.1,
        0.05,
        0.03,
        0.03,
        0.03,
        0.05,
        0.1,
        0.3,
        0.8,
        1.3,
        1.45,
        1.4,
        1.1,
        1.0,
        1.3,
        1.35,
        1.3,
        1.1,
        0.85,
        0.7,
        0.75,
        0.6,
        0.35,
        0.2,
    ),
    "restaurant": (
        0.1,
        0.05,
        0.03,
        0.02,
        0.02,
        0.03,
        0.08,
        0.2,
        0.4,
        0.6,
        0.9,
        1.4,
        1.5,
        1.1,
        0.6,
        0.5,
        0.7,
        1.1,
        1.5,
        1.7,
        1.6,
        1.2,
        0.7,
        0.3,
    ),
    "nonprofit": (
        0.1,
        0.05,
        0.03,
        0.03,
        0.03,
        0.05,
        0.15,
        0.4,
        0.8,
        1.0,
        1.1,
        1.2,
        1.1,
        0.9,
        0.9,
        1.0,
        1.0,
        1.0,
        1.1,
        1.3,
        1.4,
        1.2,
        0.7,
        0.3,
    ),
}
# Weekly rhythm, Monday..Sunday: the B2B startup is quiet at weekends, the trattoria busy.
WEEKLY = {
    "hotel": (1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 1.1),
    "startup": (1.1, 1.1, 1.05, 1.0, 0.95, 0.4, 0.3),
    "restaurant": (0.6, 0.85, 0.9, 1.0, 1.25, 1.5, 1.4),
    "nonprofit": (0.9, 0.9, 0.9, 0.9, 0.9, 1.3, 1.2),
}


@dataclass(frozen=True, slots=True)
class AccountSpec:
    key: str
    client: int  # index into CLIENTS
    channel: str
    handle: str
    display_name: str
    me: str  # how people @-mention the account in a text
    share: int  # percent of all interactions
    kinds: tuple[tuple[str, int], ...]  # new conversations: kind and weight
    settings: tuple[tuple[str, str], ...] = ()


ACCOUNTS = (
    AccountSpec(
        "hotel_fb",
        0,
        "facebook",
        "hotelaureliaroma",
        "Hotel Aurelia Roma",
        "Hotel Aurelia Roma",
        12,
        (("comment", 50), ("dm", 35), ("review", 15)),
        (("page_id", "104882317659042"),),
    ),
    AccountSpec(
        "hotel_ig",
        0,
        "instagram",
        "@hotelaureliaroma",
        "Hotel Aurelia Roma",
        "@hotelaureliaroma",
        15,
        (("comment", 50), ("dm", 35), ("mention", 15)),
    ),
    AccountSpec(
        "hotel_mail",
        0,
        "email",
        "info@hotelaureliaroma.it",
        "Hotel Aurelia Roma",
        "",
        8,
        (("email", 100),),
        (("imap_host", "imap.hotelaureliaroma.it"),),
    ),
    AccountSpec(
        "nuvola_x", 1, "x", "@nuvolalabs", "Nuvola Labs", "@nuvolalabs", 12, (("mention", 100),)
    ),
    AccountSpec(
        "nuvola_masto",
        1,
        "mastodon",
        "@nuvolalabs@mastodon.social",
        "Nuvola Labs",
        "@nuvolalabs",
        6,
        (("mention", 100),),
        (("instance", "https://mastodon.social"),),
    ),
    AccountSpec(
        "nuvola_bsky",
        1,
        "bluesky",
        "nuvolalabs.bsky.social",
        "Nuvola Labs",
        "@nuvolalabs.bsky.social",
        6,
        (("mention", 100),),
    ),
    AccountSpec(
        "nuvola_yt",
        1,
        "youtube",
        "@NuvolaLabs",
        "Nuvola Labs",
        "@NuvolaLabs",
        4,
        (("comment", 100),),
    ),
    AccountSpec(
        "nuvola_mail",
        1,
        "email",
        "support@nuvolalabs.io",
        "Nuvola Labs support",
        "",
        5,
        (("email", 100),),
        (("imap_host", "imap.nuvolalabs.io"),),
    ),
    AccountSpec(
        "gino_ig",
        2,
        "instagram",
        "@trattoriadagino",
        "Trattoria Da Gino",
        "@trattoriadagino",
        10,
        (("comment", 55), ("dm", 25), ("mention", 20)),
    ),
    AccountSpec(
        "gino_fb",
        2,
        "facebook",
        "trattoriadagino",
        "Trattoria Da Gino",
        "Trattoria Da Gino",
        8,
        (("comment", 45), ("dm", 20), ("review", 35)),
        (("page_id", "377120965514208"),),
    ),
    AccountSpec(
        "tevere_wp",
        3,
        "wordpress",
        "amicideltevere.org",
        "Amici del Tevere",
        "",
        4,
        (("comment", 100),),
        (("site", "https://amicideltevere.org"),),
    ),
    AccountSpec(
        "tevere_masto",
        3,
        "mastodon",
        "@amicideltevere@mastodon.uno",
        "Amici del Tevere",
        "@amicideltevere",
        4,
        (("mention", 100),),
        (("instance", "https://mastodon.uno"),),
    ),
    AccountSpec(
        "tevere_mail",
        3,
        "email",
        "info@amicideltevere.org",
        "Amici del Tevere",
        "",
        6,
        (("email", 100),),
        (("imap_host", "imap.amicideltevere.org"),),
    ),
)
BLOCKED_ACCOUNT = "nuvola_x"
BLIP_ACCOUNT = "gino_ig"  # a 45-minute Instagram outage (HTTP 503) ten days ago

# Mean time from "the manager could look" to "handled", by tier (seconds).
REACTION = {"vip": 20 * 60, "high": 45 * 60, "normal": 90 * 60, "low": 6 * HOUR}
# The manager works through the inbox in sessions, one an hour: what is ready is handled
# one item after another, each taking about this long (seconds; 0.6x to 1.4x). So the
# time between two handled items inside a session is a real handling time, and the plan
# learns these efforts from the demo instead of the arrivals' own rhythm.
SESSION = HOUR
SESSION_FULL = 50 * 60  # a session busier than this (the million-item demo) is not kept
EFFORT_S = {"dm": 240, "email": 360, "comment": 120, "mention": 120, "reply": 120, "review": 300}
# Share of handled items that get a visible reply from the account.
REPLY_SHARE = {
    "dm": 0.7,
    "email": 0.7,
    "mention": 0.35,
    "comment": 0.4,
    "reply": 0.3,
    "review": 0.5,
}
FOLLOW_KIND = {
    "dm": "dm",
    "email": "email",
    "mention": "reply",
    "comment": "reply",
    "reply": "reply",
}
PRIVATE = frozenset(("dm", "email"))


@dataclass(frozen=True, slots=True)
class Windows:
    """The story windows, in UTC epoch seconds (``end`` None: still going on)."""

    now: int
    start: int  # the first interaction's earliest time: now - 14 days
    outage_start: int
    outage_end: int
    block_start: int
    sick_start: int
    sick_end: int


def story_windows(now: int) -> Windows:
    outage_end = now - 48 * HOUR
    # Sick from 08:00 Rome time eight days ago to 08:00 six days ago.
    day = datetime.fromtimestamp(now - 8 * DAY, ROME).date()
    sick_start = int(datetime(day.year, day.month, day.day, 8, tzinfo=ROME).timestamp())
    end_day = day + timedelta(days=2)
    sick_end = int(datetime(end_day.year, end_day.month, end_day.day, 8, tzinfo=ROME).timestamp())
    return Windows(
        now=now,
        start=now - DAYS * DAY,
        outage_start=outage_end - OUTAGE_HOURS * HOUR,
        outage_end=outage_end,
        block_start=now - BLOCK_DAYS * DAY,
        sick_start=sick_start,
        sick_end=sick_end,
    )


# --- names, handles and ids in each platform's own format ------------------------------------


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


_B32 = "234567abcdefghijklmnopqrstuvwxyz"  # atproto's sortable base32


def _tid(value: int) -> str:
    out = []
    for _ in range(13):
        out.append(_B32[value & 31])
        value >>= 5
    return "".join(reversed(out))


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _code(value: int, length: int = 11) -> str:
    """A stable random-looking base64url code (Instagram shortcodes, YouTube video ids)."""
    value = (value * 0x9E3779B97F4A7C15 + 0x7F4A7C15) % (1 << 66)
    out = []
    for _ in range(length):
        out.append(_B64[value & 63])
        value >>= 6
    return "".join(out)


def _authors(rng: random.Random, channel: str, lang: str, count: int = 240) -> list[tuple]:
    """(name, handle, extra) people who write to a ``channel`` account, in ``lang``.

    ``extra`` is what the channel's ids and URLs need: a profile URL, a DID, a user id.
    """
    firsts, lasts = FIRST[lang], LAST[lang]
    people = []
    for i in range(count):
        first, last = rng.choice(firsts), rng.choice(lasts)
        f, la = _ascii(first), _ascii(last)
        name = f"{first} {last}"
        style = i % 4
        user = (f"{f}{la}", f"{f}_{la[0]}", f"{f}.{la}", f"{f}{la}{rng.randint(1, 99)}")[style]
        if channel == "mastodon":
            user = user.replace(".", "_")
            instance = MASTODON_INSTANCES[rng.randrange(len(MASTODON_INSTANCES))]
            people.append((name, f"@{user}@{instance}", f"https://{instance}/@{user}"))
        elif channel == "bluesky":
            handle = f"{f}{la}.bsky.social" if style != 2 else f"{f}{la}.com"
            did = "did:plc:" + "".join(rng.choice(_B32) for _ in range(24))
            people.append((name, handle, did))
        elif channel == "x":
            user = user.replace(".", "_")[:15]
            people.append((name, f"@{user}", user))
        elif channel == "facebook":
            people.append(
                (name, f"{f}.{la}.{rng.randint(1, 999)}", str(rng.randint(10**15, 10**16 - 1)))
            )
        elif channel == "instagram":
            people.append((name, f"@{user}", str(rng.randint(10**16, 10**17 - 1))))
        elif channel == "youtube":
            folded = unicodedata.normalize("NFKD", first + last).encode("ascii", "ignore")
            camel = "".join(ch for ch in folded.decode() if ch.isalnum())
            people.append((name, f"@{camel}{rng.randint(1, 999) if style == 3 else ''}", ""))
        elif channel == "wordpress":
            domain = MAIL_DOMAINS[rng.randrange(len(MAIL_DOMAINS))]
            people.append(
                (f"{first} {last[0]}." if style == 1 else name, f"{f}.{la}@{domain}", domain)
            )
        else:  # email
            domain = MAIL_DOMAINS[rng.randrange(len(MAIL_DOMAINS))]
            people.append((name, f"{f}.{la}@{domain}", domain))
    # Everything from outside goes through the same sanitiser as real ingest.
    return [(sanitize(n, single_line=True), sanitize(h, single_line=True), e) for n, h, e in people]


# (t, n, author, kind, root, parent, parent_url) -> (external id, URL)
IdMaker = Callable[[int, int, tuple, str, str, str, str], tuple[str, str]]


def _id_maker(spec: AccountSpec, settings: dict) -> IdMaker:
    """A function (t, n, author, kind, root, parent, parent_url) -> (external id, URL).

    Ids grow with time (as snowflakes and TIDs do) so the unique key arrives in order.
    """
    ch = spec.channel
    if ch == "mastodon":

        def make(t, n, author, kind, root, parent, parent_url):
            ext = str(((t * 1000 + (n * 7919) % 1000) << 16) | (n & 0xFFFF))
            return ext, f"{author[2]}/{ext}"
    elif ch == "x":

        def make(t, n, author, kind, root, parent, parent_url):
            ext = str(((t * 1000 - 1288834974657 + (n * 7919) % 1000) << 22) | (n & 0x3FFFFF))
            return ext, f"https://x.com/{author[2]}/status/{ext}"
    elif ch == "bluesky":

        def make(t, n, author, kind, root, parent, parent_url):
            tid = _tid(((t * 1_000_000 + (n * 7919) % 1_000_000) << 10) | (n & 1023))
            return (
                f"at://{author[2]}/app.bsky.feed.post/{tid}",
                f"https://bsky.app/profile/{author[1]}/post/{tid}",
            )
    elif ch == "facebook":
        page, page_id = spec.handle, settings["page_id"]

        def make(t, n, author, kind, root, parent, parent_url):
            if kind == "dm":
                return (
                    f"m_{t:x}{n:07x}",
                    f"https://business.facebook.com/latest/inbox/all?selected_item_id={author[2]}",
                )
            if kind == "review" or root.startswith(page_id):  # a review, or a reply to one
                return f"{page_id}_{10**15 + n}", f"https://www.facebook.com/{page}/reviews"
            post = root.partition("_")[0] if root else str(10**15 + (t // 21600) * 7)
            comment = 10**15 + n
            return (
                f"{post}_{comment}",
                f"https://www.facebook.com/{page}/posts/{post}?comment_id={comment}",
            )
    elif ch == "instagram":

        def make(t, n, author, kind, root, parent, parent_url):
            ext = f"17{t - 1_600_000_000:09d}{n % 10_000_000:07d}"
            if kind == "dm":
                return ext, f"https://www.instagram.com/direct/t/{author[2]}/"
            code = _code(t // 43200)
            if kind == "mention":
                return ext, f"https://www.instagram.com/p/{code}/"
            return ext, f"https://www.instagram.com/p/{code}/c/{ext}/"
    elif ch == "youtube":

        def make(t, n, author, kind, root, parent, parent_url):
            video = _code(t // (3 * DAY) + 7)
            # Replies carry their parent's id: "parent.reply".
            ext = f"{root}.{t:x}{n:05x}" if root else f"Ugw{t:08x}{n:06x}4AaABAg"
            return ext, f"https://www.youtube.com/watch?v={video}&lc={ext}"
    elif ch == "wordpress":
        site = settings.get("site", f"https://{spec.handle}")
        slugs = (
            "pulizia-ponte-sisto",
            "raccolta-fondi-2026",
            "volontari-cercasi",
            "tevere-pulito-bilancio",
            "giornata-del-fiume",
        )

        def make(t, n, author, kind, root, parent, parent_url):
            ext = str(100000 + n)
            return ext, f"{site}/{slugs[t // (3 * DAY) % len(slugs)]}/#comment-{ext}"
    else:  # email: a Message-ID, no web page

        def make(t, n, author, kind, root, parent, parent_url):
            return f"<CA{t:x}.{n:06x}@mail.{author[2]}>", ""

    return make


# --- text pools ------------------------------------------------------------------------------


def _render(template: str, lang: str, me: str, rng: random.Random) -> str:
    values = {"me": me}
    for key, options in FILLS.items():
        if "{" + key + "}" in template:
            pool = options[lang] if isinstance(options, dict) else options
            values[key] = pool[rng.randrange(len(pool))]
    return template.format(**values)


def _pool(
    templates: list[tuple[str, str]], lang: str, me: str, rng: random.Random, variants: int = 6
) -> list[tuple[str, str]]:
    out = []
    for template, tag in templates:
        seen = set()
        for _ in range(variants):
            text = sanitize(_render(template, lang, me, rng))
            if text not in seen:
                seen.add(text)
                out.append((text, tag))
    return out


LANGS = ("en", "it")


@dataclass(slots=True)
class _Account:
    """One account's generator state."""

    spec: AccountSpec
    id: int
    tier: str
    make: IdMaker
    base: int  # its sync grid: runs at base + j * RUN_EVERY
    final_run: int  # its last run, seconds before now
    p_it: float
    kind_table: tuple[str, ...]
    pools: dict  # kind -> (en pool, it pool)
    follow: tuple  # (en pool, it pool) for follow-ups
    ours: tuple  # (en texts, it texts) for our replies
    authors: tuple  # (en authors, it authors)
    me_author: tuple
    blip: tuple[int, int]  # failed run indices [lo, hi)
    n: int = 0
    ring: list = field(default_factory=list)
    ring_pos: int = 0
    owed: int = 0  # slots our replies borrowed from the account's later hours


# --- the build -------------------------------------------------------------------------------


def _require_empty(store: Store) -> None:
    if store.clients.count() or store.accounts.count() or store.items.total():
        raise SfogoError(f"{store.name} already holds data: build the demo into a new inbox")


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` over ``weights`` exactly (cumulative rounding keeps the shape)."""
    whole = sum(weights)
    out, cum, given = [], 0.0, 0
    for w in weights:
        cum += w
        upto = round(total * cum / whole) if whole else 0
        out.append(upto - given)
        given = upto
    out[-1] += total - given
    return out


def build_demo(
    store: Store,
    *,
    seed: int = 0,
    size: int | None = None,
    now: int,
    progress: Callable[[float], None] | None = None,
    team: bool = False,
) -> dict:
    """Fill the empty ``store`` with the demo inbox; return a summary (counts, stories).
    ``progress`` hears the share of the items written so far (0 to 1), now and then;
    ``team`` adds the small agency of ``tui/demo/team.py`` (``sfogo demo`` does)."""
    now = int(now)
    size = DEFAULT_SIZE if size is None else int(size)
    if size < 0:
        raise SfogoError("the demo size must be zero or more")
    _require_empty(store)
    win = story_windows(now)
    rng = random.Random(seed)
    with store.items.bulk_load():
        summary = _build(store, rng, win, size, progress)
    summary["seed"] = seed
    summary["counts"]["by_status"] = store.items.status_counts()
    if team:
        from .team import add_team

        summary["stories"]["team"] = add_team(store, now)
        summary["counts"]["away_periods"] += 1
    return summary


def _build(
    store: Store,
    rng: random.Random,
    win: Windows,
    size: int,
    progress: Callable[[float], None] | None = None,
) -> dict:
    """One deterministic pass: its random draws stay in this order (same seed, same demo)."""
    created = win.now - 120 * DAY
    clients = [
        store.clients.add(name, tier, target, now=created) for name, tier, target, _k, _p in CLIENTS
    ]
    accounts = [
        _account(store, rng, win, idx, spec, clients[spec.client].id, created)
        for idx, spec in enumerate(ACCOUNTS)
    ]
    by_key = {a.spec.key: a for a in accounts}
    gen = _generate(store, rng, win, accounts, by_key, size, progress)
    first_id = store.items.first_id() or 1
    by_tag: dict[str, list[int]] = {}
    for index, tag in gen.tags:
        by_tag.setdefault(tag, []).append(first_id + index)
    for tag, ids in sorted(by_tag.items()):
        store.marks.add_tags(ids, [tag])
    runs = _sync_runs(store, win, accounts, gen.fetched)
    sick_id = store.away.add(
        win.sick_start, win.sick_end, "sick", "flu: in bed, no work for two days"
    )
    posts = build_posts(store, win, {k: (a.id, a.spec.channel) for k, a in by_key.items()}, ROME)
    return _summary(win, size, clients, accounts, by_key, gen, runs, sick_id, posts)


def _account(
    store: Store,
    rng: random.Random,
    win: Windows,
    idx: int,
    spec: AccountSpec,
    client_id: int,
    created: int,
) -> _Account:
    """One account in the store and its generator state (text pools, authors, sync grid)."""
    # "generated": no server stands behind these accounts, so sync leaves them alone
    # (the live demo's accounts are demo accounts too, but served by emulators).
    settings = {"demo": True, "generated": True, **dict(spec.settings)}
    acc = store.accounts.add(
        client_id, spec.channel, spec.handle, spec.display_name, settings, now=created
    )
    key = CLIENTS[spec.client][3]
    texts = TEMPLATES[key]
    # In declaration order: iterating a set of strings would follow PYTHONHASHSEED and
    # make the demo differ from one process to the next.
    kinds = dict.fromkeys(k for k, _ in spec.kinds)
    pools = {}
    for kind in kinds:
        pools[kind] = tuple(
            _pool(texts[kind].get(lang, []) or texts[kind]["en"], lang, spec.me, rng)
            for lang in LANGS
        )
    follow = tuple(
        _pool(texts.get("reply", {}).get(lang, []) + FOLLOWUPS[lang], lang, spec.me, rng)
        for lang in LANGS
    )
    ours = tuple([sanitize(t) for t in OUR_REPLIES[key][lang]] for lang in LANGS)
    table: list[str] = []
    for kind, weight in spec.kinds:
        table += [kind] * weight
    authors = tuple(_authors(rng, spec.channel, lang) for lang in LANGS)
    # Sync runs go through the accounts one after another, two seconds apart; the grid
    # passes through the end of the outage so that its runs frame exactly 30 hours.
    base = win.outage_end + 2 * idx
    return _Account(
        spec=spec,
        id=acc.id,
        tier=CLIENTS[spec.client][1],
        make=_id_maker(spec, settings),
        base=base,
        final_run=win.now - 40 + 2 * idx,
        p_it=CLIENTS[spec.client][4],
        kind_table=tuple(table),
        pools=pools,
        follow=follow,
        ours=ours,
        authors=authors,
        me_author=(spec.display_name, spec.handle, _me_extra(spec, settings, idx)),
        blip=_blip(spec, win, base),
        ring=[],
    )


def _me_extra(spec: AccountSpec, settings: dict, idx: int) -> str:
    """Our own author entry's extra field, in the same shape as other people's."""
    if spec.channel == "mastodon":
        return f"{settings['instance']}/@{spec.handle.split('@')[1]}"
    if spec.channel == "x":
        return spec.handle.lstrip("@")
    if spec.channel == "bluesky":
        return "did:plc:" + _tid(idx * 7919 + 17) * 2
    if spec.channel == "email":
        return spec.handle.partition("@")[2]
    return ""


def _blip(spec: AccountSpec, win: Windows, base: int) -> tuple[int, int]:
    """The failed run indices of the Instagram blip ten days ago (others: none)."""
    if spec.key != BLIP_ACCOUNT:
        return (0, 0)
    day = datetime.fromtimestamp(win.now - 10 * DAY, ROME).date()
    at = int(datetime(day.year, day.month, day.day, 20, 10, tzinfo=ROME).timestamp())
    lo = -((base - at) // RUN_EVERY)
    return (lo, lo + 3)


def _generate(
    store: Store,
    rng: random.Random,
    win: Windows,
    accounts: list[_Account],
    by_key: dict[str, _Account],
    size: int,
    progress: Callable[[float], None] | None = None,
) -> _Generator:
    """Every interaction, hour cell by hour cell, inserted as it is generated."""
    scripted = _scripted(win, by_key)[:size]
    n_random = size - len(scripted)
    cells = DAYS * 24
    # Hourly weights per account from the client's daily and weekly rhythm, with noise.
    local = [datetime.fromtimestamp(win.start + h * HOUR + HOUR // 2, ROME) for h in range(cells)]
    weights = []
    for a in accounts:
        key = CLIENTS[a.spec.client][3]
        daily, weekly = DAILY[key], WEEKLY[key]
        weights.append(
            [daily[lt.hour] * weekly[lt.weekday()] * (0.75 + 0.5 * rng.random()) for lt in local]
        )
    totals = _allocate(n_random, [a.spec.share for a in accounts])
    alloc = [_allocate(totals[i], weights[i]) for i in range(len(accounts))]
    # What each account has left from each hour on: our replies may borrow from it.
    left = [[*reversed([*itertools.accumulate(reversed(counts))]), 0] for counts in alloc]
    by_cell: dict[tuple[int, int], list] = {}
    for row in scripted:
        cell = (row["t"] - win.start) // HOUR
        by_cell.setdefault((cell, row["account"]), []).append(row)
    gen = _Generator(rng, win, accounts)
    for h in range(cells):
        cell_start = win.start + h * HOUR
        for i, a in enumerate(accounts):
            for row in by_cell.get((h, i), ()):
                gen.scripted(a, row)
            # A reply borrowed in an earlier hour takes this hour's slot (so the total stays
            # exact: an account never owes more than its later hours hold).
            c = alloc[i][h]
            paid = min(a.owed, c)
            a.owed -= paid
            if c - paid:
                gen.fill(a, cell_start, c - paid, left[i][h + 1] - a.owed)
        store.items.insert_rows(gen.rows)
        gen.rows.clear()
        if progress is not None and h % 24 == 23:  # once a generated day
            progress((h + 1) / cells)
    return gen


def _summary(win, size, clients, accounts, by_key, gen, runs, sick_id, posts) -> dict:
    """What ``build_demo`` returns: counts and where each story lies."""
    blip_acc = by_key[BLIP_ACCOUNT]
    blocked = by_key[BLOCKED_ACCOUNT]
    return {
        "size": size,
        "now": win.now,
        "clients": [
            {"id": c.id, "name": c.name, "tier": c.tier, "target_s": c.effective_target_s}
            for c in clients
        ],
        "accounts": [
            {
                "id": a.id,
                "client": clients[a.spec.client].name,
                "channel": a.spec.channel,
                "handle": a.spec.handle,
            }
            for a in accounts
        ],
        "counts": {
            "interactions": gen.count,
            "outgoing": gen.outgoing,
            "sync_runs": runs,
            "away_periods": 1,
            "tagged": len(gen.tags),
            "posts": posts["count"],
        },
        "stories": {
            "outage": {
                "start": win.outage_start,
                "end": win.outage_end,
                "hours": OUTAGE_HOURS,
                "still_new": gen.backlog["outage"],
            },
            "x_blocked": {
                "account_id": blocked.id,
                "handle": blocked.spec.handle,
                "client": clients[blocked.spec.client].name,
                "start": win.block_start,
                "end": None,
                "still_new": gen.backlog["blocked"],
            },
            "sick": {
                "start": win.sick_start,
                "end": win.sick_end,
                "away_id": sick_id,
                "still_new": gen.backlog["sick"],
            },
            "instagram_down": {
                "account_id": blip_acc.id,
                "start": blip_acc.base + blip_acc.blip[0] * RUN_EVERY,
                "end": blip_acc.base + blip_acc.blip[1] * RUN_EVERY,
            },
            "vip_dms": gen.vip_dms,
            "posts": {k: v for k, v in posts.items() if k != "count"},
        },
    }


# --- when the manager works ------------------------------------------------------------------


def _work_tables(win: Windows, base: int, slots: int) -> tuple[list[int], list[int]]:
    """For each 15-minute slot from ``base``: the first slot at or after it when the manager
    works, for normal clients and for the VIP (whose contract covers 08:00–22:00 daily).

    Normal hours, Rome time: Monday–Friday 08:30–13:00 and 14:00–19:30, Saturday
    10:00–12:30.
    Nobody works while sick or without a connection.
    """
    normal = bytearray(slots)
    vip = bytearray(slots)
    for k in range(slots):
        ts = base + k * RUN_EVERY
        if win.outage_start <= ts < win.outage_end or win.sick_start <= ts < win.sick_end:
            continue
        lt = datetime.fromtimestamp(ts, ROME)
        minute = lt.hour * 60 + lt.minute
        day = lt.weekday()
        works = (day < 5 and (510 <= minute < 780 or 840 <= minute < 1170)) or (
            day == 5 and 600 <= minute < 750
        )
        normal[k] = works
        vip[k] = works or 480 <= minute < 1320

    def nexts(flags: bytearray) -> list[int]:
        out = [slots] * (slots + 1)
        for k in range(slots - 1, -1, -1):
            out[k] = k if flags[k] else out[k + 1]
        return out

    return nexts(normal), nexts(vip)


OUTAGE_RUNS = OUTAGE_HOURS * HOUR // RUN_EVERY  # 120 runs of 15 minutes
CATCH_UP = {"outage": 40 * HOUR, "sick": 36 * HOUR}


class _Generator:
    """Turns hour cells into interaction tuples (``INSERT_COLUMNS`` order), in time order."""

    def __init__(self, rng: random.Random, win: Windows, accounts: list[_Account]) -> None:
        self.rng = rng
        self.win = win
        self.rows: list[tuple] = []
        self.tags: list[tuple[int, str]] = []  # (row index, tag)
        self.count = 0
        self.outgoing = 0
        self.fetched: list[dict[int, int]] = [{} for _ in accounts]  # run time -> items
        self.backlog = {"outage": 0, "blocked": 0, "sick": 0}
        self.vip_dms: list[dict] = []
        self.index = {id(a): i for i, a in enumerate(accounts)}
        # Work slots on the sync grid (which passes through the end of the outage).
        first = win.start - 2 * DAY
        self.slot_base = win.outage_end - ((win.outage_end - first) // RUN_EVERY) * RUN_EVERY
        self.slots = (win.now + 12 * DAY - self.slot_base) // RUN_EVERY
        self.next_normal, self.next_vip = _work_tables(win, self.slot_base, self.slots)
        self.busy: dict[int, float] = {}  # session start -> when its last item was handled

    def _fetch_time(self, a: _Account, t: int) -> int:
        j = (t - a.base) // RUN_EVERY + 1
        if -OUTAGE_RUNS <= j < 0:
            j = 0
        elif a.blip[0] <= j < a.blip[1]:
            j = a.blip[1]
        fetched = a.base + j * RUN_EVERY
        return a.final_run if fetched > a.final_run else fetched

    def scripted(self, a: _Account, row: dict) -> None:
        """One hand-written item of a story (or a hostile string), exactly as written."""
        t = row["t"]
        a.n += 1
        ext, url = a.make(t, a.n, row["author"], row["kind"], "", "", "")
        fetched = self._fetch_time(a, t)
        counts = self.fetched[self.index[id(a)]]
        counts[fetched] = counts.get(fetched, 0) + 1
        win = self.win
        if row["status"] == "new":
            if a.spec.key == BLOCKED_ACCOUNT and t >= win.block_start:
                self.backlog["blocked"] += 1
            elif win.outage_start <= t < win.outage_end:
                self.backlog["outage"] += 1
            elif win.sick_start <= fetched < win.sick_end:
                self.backlog["sick"] += 1
        for tag in row.get("tags", ()):
            self.tags.append((self.count, tag))
        name, handle, _extra = row["author"]
        self.rows.append(
            (
                a.id,
                ext,
                row["kind"],
                name,
                handle,
                row["text"],
                url,
                "",
                "",
                0,
                t,
                fetched,
                row["status"],
                None,
                None,
                int(row.get("pinned", False)),
            )
        )
        self.count += 1
        if row.get("vip_dm"):
            self.vip_dms.append(
                {
                    "channel": a.spec.channel,
                    "external_id": ext,
                    "created_at": t,
                    "window_closes_at": t + DM_WINDOW,
                }
            )

    def fill(self, a: _Account, cell_start: int, c: int, spare: int) -> None:
        """``c`` items for account ``a`` in the hour from ``cell_start`` (replies included;
        past ``c``, up to ``spare`` replies borrow slots from the account's later hours)."""
        # Long: the loop runs once per generated row (a million for the big demo), where
        # locals beat attribute lookups and a call per row; it reads top to bottom.
        rnd = self.rng.random
        log = math.log
        win = self.win
        now = win.now
        span = min(HOUR, a.final_run - cell_start)
        times = sorted([int(rnd() * span) for _ in range(c)])
        rows, tags = self.rows, self.tags
        counts = self.fetched[self.index[id(a)]]
        backlog = self.backlog
        aid, make, base, final = a.id, a.make, a.base, a.final_run
        blip_lo, blip_hi = a.blip
        ring, ring_pos = a.ring, a.ring_pos
        kind_table, n_kinds = a.kind_table, len(a.kind_table)
        pools, follow, ours, authors = a.pools, a.follow, a.ours, a.authors
        n_auth = len(authors[0])
        me_name, me_handle = a.me_author[0], a.me_author[1]
        me = a.me_author
        p_it = a.p_it
        mean = REACTION[a.tier]
        busy, effort_s = self.busy, EFFORT_S
        nxt = self.next_vip if a.tier == "vip" else self.next_normal
        sb, slots = self.slot_base, self.slots
        blocked = a.spec.key == BLOCKED_ACCOUNT
        block_start = win.block_start
        out_s, out_e = win.outage_start, win.outage_end
        sick_s, sick_e = win.sick_start, win.sick_end
        n = a.n
        index = self.count
        i = 0
        borrowed = 0
        while i < c:
            t = cell_start + times[i]
            i += 1
            entry = None
            if ring and rnd() < 0.22:  # a new message in an existing conversation
                entry = ring[int(rnd() * len(ring))]
                root, parent, kind, lang = entry[0], entry[1], FOLLOW_KIND[entry[2]], entry[3]
                author = entry[4] if kind in PRIVATE else authors[lang][int(rnd() * n_auth)]
                pool = follow[lang]
            else:
                kind = kind_table[int(rnd() * n_kinds)]
                lang = 1 if rnd() < p_it else 0
                author = authors[lang][int(rnd() * n_auth)]
                pool = pools[kind][lang]
                root = parent = ""
            text, tag = pool[int(rnd() * len(pool))]
            n += 1
            ext, url = make(t, n, author, kind, root, parent, "")
            if entry is not None:
                entry[1] = ext
            elif kind != "review" and rnd() < 0.5:
                new = [ext, ext, kind, lang, author]
                if len(ring) < 64:
                    ring.append(new)
                else:
                    ring[ring_pos] = new
                    ring_pos = (ring_pos + 1) % 64
            # Fetched by the account's next sync run that worked.
            j = (t - base) // RUN_EVERY + 1
            if -OUTAGE_RUNS <= j < 0:
                j = 0
            elif blip_lo <= j < blip_hi:
                j = blip_hi
            fetched = base + j * RUN_EVERY
            if fetched > final:
                fetched = final
            counts[fetched] = counts.get(fetched, 0) + 1
            # What the manager did with it, and when.
            handled = None
            which = ""
            if blocked and t >= block_start:
                which = "blocked"
            elif out_s <= t < out_e and rnd() < 0.82:
                which = "outage"
            elif sick_s <= fetched < sick_e and rnd() < 0.03:
                which = "sick"
            else:
                k = (fetched - sb) // RUN_EVERY
                w = nxt[k]
                begin = fetched if w == k else sb + w * RUN_EVERY + int(rnd() * 600)
                if out_s <= t < out_e:
                    begin += int(rnd() * rnd() * CATCH_UP["outage"])
                elif sick_s <= fetched < sick_e:
                    begin += int(rnd() * rnd() * CATCH_UP["sick"])
                handled = begin + 60 + int(-mean * log(1.0 - rnd()))
                k = (handled - sb) // RUN_EVERY
                if k >= slots:
                    handled = None
                else:
                    w = nxt[k]
                    if w != k:
                        handled = sb + w * RUN_EVERY + int(rnd() * 900)
                    # Handled in that hour's session, after what the session already did.
                    session = sb + (handled - sb) // SESSION * SESSION
                    done = busy.get(session, session)
                    if done < fetched:
                        done = fetched
                    done += effort_s[kind] * (0.6 + 0.8 * rnd())
                    if done - session <= SESSION_FULL:
                        busy[session] = done
                        handled = int(done)
                    if handled >= now:
                        handled = None
            snooze = None
            if which:
                status = "new" if rnd() < 0.9 else "open"
                if status == "new":
                    backlog[which] += 1
            elif handled is None:
                # Shares of a few dozen waiting items, so a freelancer's volume still shows
                # some of each.
                r = rnd()
                if r < 0.65:
                    status = "new"
                elif r < 0.87:
                    status = "open"
                else:
                    status = "snoozed"
                    snooze = now + HOUR * (1 + int(rnd() * 47))
            else:
                status = "ignored" if rnd() < 0.04 else "done"
            rows.append(
                (
                    aid,
                    ext,
                    kind,
                    author[0],
                    author[1],
                    text,
                    url,
                    root,
                    parent,
                    0,
                    t,
                    fetched,
                    status,
                    snooze,
                    handled,
                    1 if rnd() < 0.005 else 0,
                )
            )
            if tag and rnd() < 0.35:
                tags.append((index, tag))
            index += 1
            # Our visible answer takes one of the hour's slots, or borrows one from a later
            # hour when this one is full (a quiet account has one item an hour), so the
            # total stays exact. (Not from the blocked X account once it was blocked: it
            # cannot post.)
            if (
                status == "done"
                and handled is not None  # (always, when done)
                and (i < c or borrowed < spare)
                and rnd() < REPLY_SHARE[kind]
                and not (blocked and handled >= block_start)
            ):
                if i < c:
                    i += 1
                else:
                    borrowed += 1
                n += 1
                at = handled - int(rnd() * 60)
                if at <= fetched:
                    at = fetched + 1
                rkind = kind if kind in PRIVATE else "reply"
                thread = root or ext
                rext, rurl = make(at, n, me, rkind, thread, ext, url)
                if rkind == "dm":
                    rurl = url  # the same conversation
                langs = ours[lang]
                rows.append(
                    (
                        aid,
                        rext,
                        rkind,
                        me_name,
                        me_handle,
                        langs[int(rnd() * len(langs))],
                        rurl,
                        thread,
                        ext,
                        1,
                        at,
                        at,
                        "done",
                        None,
                        at,
                        0,
                    )
                )
                index += 1
                self.outgoing += 1
        a.n = n
        a.ring_pos = ring_pos
        a.owed += borrowed
        self.count = index


# --- the stories' own items ------------------------------------------------------------------


def _scripted(win: Windows, by_key: dict[str, _Account]) -> list[dict]:
    """Hand-written items, most important first (a tiny ``size`` keeps the first ones)."""
    # Long: it is the stories' data, one hand-written item after another.
    now, out_s = win.now, win.outage_start
    keys = list(by_key)

    def item(
        account: str,
        t: int,
        kind: str,
        author: tuple[str, str, str],
        text: str,
        status: str = "new",
        **extra,
    ) -> dict:
        name, handle, more = author
        return {
            "account": keys.index(account),
            "t": t,
            "kind": kind,
            "author": (sanitize(name, single_line=True), sanitize(handle, single_line=True), more),
            "text": sanitize(text),
            "status": status,
            **extra,
        }

    rows = [
        # The VIP hotel's private messages: 1 hour and 4 hours left to answer them…
        item(
            "hotel_ig",
            now - 23 * HOUR,
            "dm",
            ("Emma Walsh", "@emmawalsh", "17841400000000002"),
            "Hi! Our flight to Fiumicino was moved, we land at 7am tomorrow. Is early check-in "
            "possible? Urgent please, we're travelling with a baby",
            vip_dm=True,
            tags=("booking",),
        ),
        item(
            "hotel_fb",
            now - 20 * HOUR,
            "dm",
            ("Chiara Bianchi", "chiara.bianchi.21", "2754019385520117"),
            "Buongiorno! Vorrei prenotare una camera matrimoniale per il weekend del 12 "
            "dicembre, è ancora disponibile? Ci servirebbe anche il parcheggio. Grazie",
            vip_dm=True,
            tags=("booking",),
        ),
        # … and three from the outage that can no longer be answered.
        item(
            "hotel_fb",
            out_s + 4 * HOUR + 600,
            "dm",
            ("Marco Conti", "marco.conti.7", "3318820041957712"),
            "Salve, ho prenotato per stasera ma non trovo la conferma via e-mail. Potete "
            "controllare? Urgente",
            vip_dm=True,
            tags=("booking",),
        ),
        item(
            "hotel_ig",
            out_s + 17 * HOUR + 1500,
            "dm",
            ("Jonas Nielsen", "@jonas.nielsen", "17841400000000003"),
            "Hello, is there a shuttle from Termini? We arrive tomorrow around noon.",
            vip_dm=True,
        ),
        item(
            "hotel_fb",
            out_s + 26 * HOUR + 2400,
            "dm",
            ("Sara Greco", "sara.greco.90", "4021957730018844"),
            "Buonasera, chiedo il rimborso della caparra: abbiamo dovuto annullare per "
            "malattia. Rispondete per favore",
            vip_dm=True,
            tags=("refund",),
        ),
        # Hostile strings: markup, escape sequences, bidi overrides, a script tag.
        item(
            "nuvola_masto",
            now - 7 * 60,
            "mention",
            (
                "[@click=app.quit]click me[/]",
                "@clicker@mastodon.social",
                "https://mastodon.social/@clicker",
            ),
            "@nuvolalabs love the new release! [@click=app.quit]click me[/] or "
            "[bold red]x[/] — and a lone [/ for good measure",
        ),
        item(
            "nuvola_mail",
            now - 2 * HOUR,
            "email",
            ("\x1b]0;pwned\x07Mallory", "mallory@evil.example", "evil.example"),
            "URGENT: refund now \x1b[31mRED\x1b[0m\n\n<script>alert(1)</script>\nThanks",
            tags=("refund",),
        ),
        item(
            "gino_ig",
            now - 5 * HOUR,
            "comment",
            ("Eve \u202egnp.exe", "@eve.r", ""),
            "Buonissimo! \x1b]52;c;ZWNobyBwd25lZA==\x07 copia e incolla",
        ),
        item(
            "nuvola_yt",
            now - 9 * HOUR,
            "comment",
            ("Trudy [bold]", "@trudy", ""),
            "\x1b[2JYour screen is clean now \x1b[31m:)\x1b[0m",
        ),
        item(
            "nuvola_bsky",
            now - 30 * HOUR,
            "mention",
            ("[/]", "slash.bsky.social", "did:plc:hostile7slash7bsky7social"),
            "[bold red]x[/] @nuvolalabs.bsky.social 🙃 [/",
        ),
        item(
            "tevere_wp",
            now - 26 * HOUR,
            "comment",
            ("Mario [/] Rossi", "mario.rossi@example.org", "example.org"),
            "Bella iniziativa \u202edaolnwod\u202c [link] \x1b[2J",
        ),
        # The other stories, one human item each.
        item(
            "hotel_mail",
            out_s + 12 * HOUR,
            "email",
            ("Hannah Schmidt", "hannah.schmidt@gmx.de", "gmx.de"),
            "Room 304: air conditioning broken\n\nThe air conditioning in room 304 does not "
            "work and reception says nobody can come until tomorrow. This is urgent.",
            tags=("complaint",),
            pinned=True,
        ),
        item(
            "nuvola_x",
            now - 3 * DAY + 2 * HOUR,
            "mention",
            ("Luca Moretti", "@lucamoretti", "lucamoretti"),
            "@nuvolalabs urgent: your app has been broken since the update and nobody "
            "answers. Refund?",
            tags=("refund",),
        ),
        item(
            "gino_fb",
            win.sick_start + 20 * HOUR,
            "dm",
            ("Federica Ricci", "federica.ricci.3", "5590127734412098"),
            "Buonasera, avevo prenotato per 8 persone stasera ma nessuno ha confermato. "
            "Siete aperti?",
            tags=("booking",),
        ),
    ]
    return rows


# --- sync runs -------------------------------------------------------------------------------

_HOSTS = {
    "mastodon": "mastodon.social",
    "bluesky": "bsky.social",
    "facebook": "graph.facebook.com",
    "instagram": "graph.instagram.com",
    "x": "api.x.com",
    "youtube": "youtube.googleapis.com",
    "wordpress": "amicideltevere.org",
}


def _sync_runs(
    store: Store, win: Windows, accounts: list[_Account], fetched: list[dict[int, int]]
) -> int:
    """Every account's runs every 15 minutes for two weeks, with the stories' failures."""
    total = 0
    for idx, a in enumerate(accounts):
        counts = fetched[idx]
        host = _HOSTS.get(a.spec.channel) or dict(a.spec.settings).get("imap_host", "")
        mastodon = dict(a.spec.settings).get("instance", "")
        if mastodon:
            host = mastodon.removeprefix("https://")
        blocked = a.spec.key == BLOCKED_ACCOUNT
        first = -((a.base - (win.start - RUN_EVERY)) // RUN_EVERY)
        last = (a.final_run - 1 - a.base) // RUN_EVERY
        for j in range(first, last + 1):
            at = a.base + j * RUN_EVERY
            items = counts.get(at, 0)
            if -OUTAGE_RUNS <= j < 0:
                detail = (
                    f"no route to host ({host})"
                    if j % 3
                    else f"DNS lookup for {host} failed: temporary failure in name resolution"
                )
                store.runs.add(a.id, at, at + j % 2, "offline", detail)
            elif blocked and at >= win.block_start:
                store.runs.add(a.id, at, at + 2, "blocked", _BLOCKED_DETAIL, items)
            elif a.blip[0] <= j < a.blip[1]:
                store.runs.add(
                    a.id,
                    at,
                    at + 30,
                    "down",
                    "HTTP 503 Service Unavailable from graph.instagram.com",
                )
            else:
                store.runs.add(a.id, at, at + 1 + items // 25 + j % 3, "ok", "", items)
            total += 1
        at = a.final_run
        store.runs.add(
            a.id,
            at,
            at + 2,
            "blocked" if blocked else "ok",
            _BLOCKED_DETAIL if blocked else "",
            counts.get(at, 0),
        )
        total += 1
    return total


# The X account is blocked from *acting*, not from reading: X locks an account for posting and
# replying ("action blocked", error 326) while its mentions can still be read. So every run
# records outcome "blocked" (replies are impossible) but still fetches the mentions, which
# keep arriving and stay new: they are the startup's backlog.
# (A fully suspended account could not read them at all, and they would not be in the inbox.)
_BLOCKED_DETAIL = (
    "X error 326: this account is temporarily locked; posting and replies are "
    "blocked (mentions can still be read)"
)
