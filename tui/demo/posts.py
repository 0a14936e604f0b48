"""The demo's fifth story: posts that must go out.

- Facebook lost six of Trattoria Da Gino's scheduled posts for next Thursday: the queue
  held them until yesterday evening, then it did not, and nothing was published. They are
  ``vanished``, and ``restore`` puts them back.
- Of the posts due during the 30-hour loss of connection, Nuvola Labs' Bluesky post (from
  sfogo's own queue) went out only when the connection came back, hours ``late``, and
  Trattoria's Instagram post for the live music night never appeared: ``missed``.
- Nuvola's X account has been blocked for days: its post due yesterday cannot be confirmed
  (``at_risk``), the one for tomorrow is still expected.
- Around them, the ordinary week: posts published on time in the days before, and the
  posts of the days ahead, scheduled on the platforms' queues or planned in a plan file.

Built with the store's own functions, each post with the history a real week would have
left (every transition at the time it would have happened), relative to ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sfogo.inbox.store import Store
from sfogo.inbox.store.posts import Change, NewPost

HOUR = 3600
DAY = 86400

# (account key, Rome wall-clock "HH:MM", source, text): the ordinary week, every day from
# three days ago to six days ahead (the story posts come on top).
ROUTINE = (
    ("gino_fb", "12:00", "queue", "Il pranzo di oggi: {dish}. Vi aspettiamo in via dei Coronari!"),
    ("gino_ig", "19:00", "plan", "Stasera da Gino: {dish} 🍝 #trattoria #roma"),
    ("hotel_ig", "10:00", "plan", "Good morning from Rome: breakfast on our terrace ☀️"),
    ("hotel_fb", "17:30", "queue", "Aperitivo al tramonto sulla nostra terrazza, dalle 18:30."),
    ("nuvola_masto", "09:30", "queue", "Changelog: {feature} is live for everyone."),
    ("nuvola_bsky", "15:00", "sfogo", "Tip of the day: {feature} in two clicks."),
    ("tevere_masto", "11:00", "queue", "Volontari cercasi: pulizia degli argini sabato mattina."),
)
DISHES = (
    "cacio e pepe",
    "carbonara",
    "amatriciana",
    "gricia",
    "saltimbocca",
    "carciofi alla giudia",
    "coda alla vaccinara",
    "supplì",
    "abbacchio",
    "puntarelle",
)
FEATURES = (
    "dark mode",
    "shared folders",
    "offline sync",
    "two-factor login",
    "CSV export",
    "calendar view",
    "team invites",
    "smart search",
    "audit log",
    "API tokens",
)
THURSDAY = (
    ("09:00", "Giovedì da Gino: oggi si fa la pasta fresca a mano, venite a vedere!"),
    ("11:30", "Menu di giovedì: gnocchi al sugo, come vuole la tradizione romana."),
    ("13:00", "Pranzo veloce? Il nostro piatto del giorno è pronto in 10 minuti."),
    ("17:00", "Stasera degustazione di vini dei Castelli Romani: posti limitati."),
    ("19:30", "Thursday night at Gino's: live guitar and carbonara from 20:00."),
    ("21:00", "Ultimi tavoli per stasera: chiamate lo 06 555 0199 per prenotare."),
)
PLATFORM = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "x": "X",
    "wordpress": "WordPress",
}


@dataclass(slots=True)
class _Post:
    account_id: int
    channel: str
    at: int
    text: str
    source: str


def _wall(day, hhmm: str, tz) -> int:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).timestamp())


def _created(store: Store, post: _Post, at: int) -> int:
    """Add the post as it was first seen (queue, plan or sfogo's own queue) at ``at``."""
    where = PLATFORM.get(post.channel, post.channel)
    reason = {
        "queue": f"read from {where}'s queue",
        "plan": "planned in a plan file",
        "sfogo": "queued in sfogo",
    }[post.source]
    new = NewPost(
        account_id=post.account_id,
        at=post.at,
        text=post.text,
        source=post.source,
        in_queue=post.source == "queue",
        send_action="publish" if post.source == "sfogo" else "",
        send_state="queued" if post.source == "sfogo" else "",
        idempotency_key=f"demo{post.account_id:04d}{post.at}" if post.source == "sfogo" else "",
        reason=reason,
    )
    (post_id,) = store.posts.add([new], now=at)
    return post_id


def _published(store: Store, post_id: int, post: _Post, at: int, seen: int) -> None:
    """Seen on the timeline at ``seen``, published at ``at``."""
    late = at - post.at > 10 * 60
    if post.source == "sfogo":
        reason = (
            f"sfogo published it {(at - post.at) // HOUR} hours late"
            if late
            else ("sfogo published it")
        )
    else:
        reason = f"published {(at - post.at) // HOUR} hours late" if late else "published on time"
    fields = {
        "published_id": f"demo-{post_id}",
        "published_at": at,
        "url": "",
        "in_queue": False,
    }
    if post.source == "sfogo":
        fields.update(send_state="sent", attempts=1)
    store.posts.change(
        Change(post_id, "late" if late else "published", reason, fields=fields), now=seen
    )


def _routine(win, by_key, tz) -> list[_Post]:
    today = datetime.fromtimestamp(win.now, tz).date()
    posts = []
    for offset in range(-3, 7):
        day = today + timedelta(days=offset)
        n = offset + 3
        for key, hhmm, source, text in ROUTINE:
            account_id, channel = by_key[key]
            words = text.format(dish=DISHES[n % len(DISHES)], feature=FEATURES[n % len(FEATURES)])
            at = _wall(day, hhmm, tz)
            if source == "sfogo" and win.outage_start <= at < win.outage_end:
                continue  # sfogo could not send during the outage: the story's own post
            posts.append(_Post(account_id, channel, at, words, source))
    return posts


def build_posts(store: Store, win, by_key: dict[str, tuple[int, str]], tz) -> dict:
    """Add the story's posts; ``by_key``: demo account key -> (account id, channel)."""
    now = win.now
    for post in _routine(win, by_key, tz):
        post_id = _created(store, post, min(post.at, now) - 3 * DAY)
        if post.at <= now - 10 * 60:
            seen = post.at + 15 * 60
            if win.outage_start <= post.at < win.outage_end:
                seen = win.outage_end + 15 * 60  # confirmed by the first sync after it
            _published(store, post_id, post, post.at + 40, seen)
    story: dict[str, Any] = {"vanished": _thursday(store, win, by_key, tz)}
    story.update(_outage(store, win, by_key))
    story["at_risk"] = _blocked_x(store, win, by_key, tz)
    story["count"] = store.posts.count()
    return story


def _thursday(store: Store, win, by_key, tz) -> list[int]:
    """Six Thursday posts the Page's queue lost last night."""
    now = win.now
    today = datetime.fromtimestamp(now, tz).date()
    thursday = today + timedelta(days=(3 - today.weekday()) % 7 or 7)
    lost_at = _wall(today - timedelta(days=1), "21:15", tz)
    fb_id, fb = by_key["gino_fb"]
    ids = []
    for hhmm, text in THURSDAY:
        post = _Post(fb_id, fb, _wall(thursday, hhmm, tz), text, "queue")
        post_id = _created(store, post, now - 4 * DAY)
        ahead = (post.at - lost_at) // DAY
        store.posts.change(
            Change(
                post_id,
                "vanished",
                f"gone from Facebook's queue {ahead} days before its time, not published;"
                " sfogo did not remove it",
                fields={"in_queue": False},
            ),
            now=lost_at,
        )
        ids.append(post_id)
    return ids


def _outage(store: Store, win, by_key) -> dict:
    """Nuvola's Bluesky post went out when the connection came back; Trattoria's Instagram
    post for the live music night never appeared."""
    bsky_id, bsky = by_key["nuvola_bsky"]
    late = _Post(
        bsky_id,
        bsky,
        win.outage_start + 9 * HOUR,
        "Nuvola 2.0 webinar starts in one hour: join us live!",
        "sfogo",
    )
    late_id = _created(store, late, win.outage_start - DAY)
    _published(store, late_id, late, win.outage_end + 70, win.outage_end + 70)
    ig_id, ig = by_key["gino_ig"]
    missed = _Post(
        ig_id,
        ig,
        win.outage_start + 14 * HOUR,
        "Stasera musica dal vivo da Gino: dalle 21, chitarra e mandolino 🎶",
        "plan",
    )
    missed_id = _created(store, missed, win.outage_start - 2 * DAY)
    seen = win.outage_end + 900
    store.posts.change(
        Change(
            missed_id,
            "missed",
            f"not on the timeline {(seen - missed.at) // HOUR} hours after its time",
        ),
        now=seen,
    )
    return {"late": late_id, "missed": missed_id}


def _blocked_x(store: Store, win, by_key, tz) -> int:
    """Nuvola's blocked X account: yesterday's post cannot be confirmed, tomorrow's waits."""
    today = datetime.fromtimestamp(win.now, tz).date()
    x_id, xch = by_key["nuvola_x"]
    risky = _Post(
        x_id,
        xch,
        _wall(today - timedelta(days=1), "16:00", tz),
        "We're hiring: backend engineer, Rome or remote.",
        "plan",
    )
    risky_id = _created(store, risky, win.now - 6 * DAY)
    tomorrow = _wall(today + timedelta(days=1), "10:00", tz)
    _created(
        store, _Post(x_id, xch, tomorrow, "Office hours today at 17:00", "plan"), win.now - 6 * DAY
    )
    return risky_id
