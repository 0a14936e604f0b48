"""What every platform's posting side shares: what a read of a queue or a timeline gives,
and the interface a platform implements to let sfogo watch and publish its posts.

A :class:`Poster` wraps the platform's connector (:class:`~..base.Channel`) and reuses its
HTTP, authentication and error classification; it only adds the calls about the account's
own posts. Platforms without a public queue API (X, Bluesky, Instagram) return None from
:meth:`Poster.queue`; platforms where sfogo cannot publish text (YouTube videos, Instagram
media) raise :class:`CannotPost` with a sentence the manager reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...posts.match import normal, same_text
from ..base import Channel, LookupUnsure


class CannotPost(Exception):
    """What this platform does not let sfogo do with a post, as one sentence."""


@dataclass(slots=True, frozen=True)
class QueueEntry:
    """A post waiting in the platform's own queue."""

    platform_id: str
    at: int  # when the platform will publish it
    text: str
    media: str = ""


@dataclass(slots=True, frozen=True)
class Published:
    """A post on the account's own timeline. ``queue_id`` is its id in the queue where the
    platform keeps one id for both (Facebook, WordPress, YouTube); "" where it does not."""

    platform_id: str
    at: int  # when it appeared
    text: str
    url: str = ""
    queue_id: str = ""


@dataclass(slots=True)
class Timeline:
    """Published posts newest first, read completely back to ``since``."""

    entries: list[Published] = field(default_factory=list)
    since: int = 0


def complete_back_to(entries: list[Published], since: int, complete: bool) -> Timeline:
    """A timeline read newest first: back to ``since`` if ``complete`` (the list reached it
    or ended), else only back to its oldest entry (a page limit stopped the read)."""
    if complete or not entries:
        return Timeline(entries, since if complete else 2**62)
    return Timeline(entries, min(e.at for e in entries))


class Poster:
    """The posting side of one account: its queue, its timeline, publishing."""

    name = ""  # the platform as the manager reads it ("Mastodon")
    has_queue = False  # a public API lists the account's scheduled posts
    can_schedule = False  # sfogo can put a post on that queue (restore)
    min_ahead_s = 0  # the queue takes posts at least this far ahead
    max_ahead_s = 365 * 86400  # ... and at most this far
    # Why sfogo cannot publish a text post here ("" : it can), said before anything is queued.
    cannot_publish = ""
    max_chars = 5000  # the platform refuses longer posts

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    @property
    def account(self):
        return self.channel.account

    def now(self) -> int:
        return self.channel.now()

    @staticmethod
    def shown(text: str) -> str:
        """What the platform shows of a post's text, for comparing (WordPress: the title)."""
        return text

    async def queue(self) -> list[QueueEntry] | None:
        """The posts waiting in the platform's queue, or None: this platform has none."""
        return None

    async def timeline(self, since: int) -> Timeline:
        """The account's own posts back to ``since`` (a bounded number of pages)."""
        raise NotImplementedError

    async def publish(self, text: str, *, key: str, queued_at: int) -> Published:
        """Publish ``text`` now; ``key`` is stable across retries of this post (the
        platform's idempotency key where it has one), ``queued_at`` when sfogo queued it."""
        raise CannotPost(f"sfogo cannot publish on {self.name or self.account.channel}")

    async def find(self, text: str, *, key: str, queued_at: int) -> Published | None:
        """The post an earlier attempt may have published (looked up before any resend);
        None when it is certainly not there, :class:`LookupUnsure` when the timeline could
        not be read back to ``queued_at`` (the account posted too much since)."""
        timeline = await self.timeline(queued_at)
        wanted = normal(self.shown(text))
        for entry in timeline.entries:
            if entry.at >= queued_at - 60 and same_text(wanted, normal(entry.text)):
                return entry
        if timeline.since > queued_at:
            raise LookupUnsure(f"{self.name}'s timeline could not be read back to the post's time")
        return None

    async def schedule(self, text: str, at: int, *, key: str, platform_id: str = "") -> QueueEntry:
        """Put ``text`` on the platform's queue for ``at`` (restore); ``platform_id``: the
        post's old id there (YouTube re-arms the video it names)."""
        raise CannotPost(f"{self.name} has no queue sfogo can write to")

    async def find_scheduled(self, text: str, at: int) -> QueueEntry | None:
        """The queue entry an earlier restore may have created (looked up before a resend)."""
        entries = await self.queue() or []
        wanted = normal(self.shown(text))
        for entry in entries:
            if abs(entry.at - at) <= 60 and same_text(wanted, normal(entry.text)):
                return entry
        return None
