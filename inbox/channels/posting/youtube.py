"""YouTube: scheduled videos (private, with ``status.publishAt``) and the public ones.

A YouTube post is a video, watched by its title. One read serves the queue and the
timeline: the channel's uploads playlist (``channels?part=contentDetails``, then
``playlistItems``, 50 a page, newest first), and ``videos?part=snippet,status`` for 50 ids
a call (1 quota unit each). A private video with a ``publishAt`` is in the queue; a public
one is on the timeline from its ``snippet.publishedAt``.

sfogo cannot upload videos; a vanished schedule (the ``publishAt`` gone from a video that
still exists) is restored with ``PUT videos?part=status`` (50 units), which fails with the
platform's reason if the video was deleted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import when
from ..base import ChannelError
from .base import CannotPost, Poster, Published, QueueEntry, Timeline

if TYPE_CHECKING:  # the connector this side wraps (imported with it, at run time)
    from ..youtube import YouTube

PAGE = 50
PAGES = 4  # the 200 newest uploads: a week of a busy channel


class YouTubePoster(Poster):
    channel: YouTube
    name = "YouTube"
    has_queue = True
    can_schedule = True
    min_ahead_s = 60
    cannot_publish = (
        "YouTube posts are videos: upload them in YouTube Studio; sfogo watches their "
        "publishing times"
    )

    def __init__(self, channel) -> None:
        super().__init__(channel)
        self._videos: list[dict] | None = None
        self._complete = True

    async def _uploads(self) -> tuple[list[dict], bool]:
        """The channel's newest videos with snippet and status (read once per check)."""
        if self._videos is not None:
            return self._videos, self._complete
        body = await self.channel._call(
            "GET", "/channels", {"part": "contentDetails", "id": self.channel.channel_id}
        )
        items = body.get("items") or []
        self.channel.expect(items, "channel")
        uploads = ((items[0].get("contentDetails") or {}).get("relatedPlaylists") or {}).get(
            "uploads"
        )
        self.channel.expect(uploads, "uploads playlist")
        ids: list[str] = []
        token, complete = None, True
        for page in range(PAGES):
            params = {"part": "contentDetails", "playlistId": uploads, "maxResults": PAGE}
            if token:
                params["pageToken"] = token
            listing = await self.channel._call("GET", "/playlistItems", params)
            for item in listing.get("items") or []:
                video = (item.get("contentDetails") or {}).get("videoId")
                if video:
                    ids.append(str(video))
            token = listing.get("nextPageToken")
            if not token:
                break
            complete = page < PAGES - 1
        videos = []
        for start in range(0, len(ids), PAGE):
            chunk = ids[start : start + PAGE]
            found = await self.channel._call(
                "GET", "/videos", {"part": "snippet,status", "id": ",".join(chunk)}
            )
            videos += [v for v in found.get("items") or [] if isinstance(v, dict) and v.get("id")]
        self._videos, self._complete = videos, complete
        return videos, complete

    def _time(self, value) -> int:
        try:
            return when.parse_iso(str(value))
        except ValueError:
            raise ChannelError("broken", f"{self.channel.host()} sent an unreadable time") from None

    async def queue(self) -> list[QueueEntry]:
        videos, _ = await self._uploads()
        entries = []
        for v in videos:
            status = v.get("status") or {}
            if status.get("privacyStatus") == "private" and status.get("publishAt"):
                title = str((v.get("snippet") or {}).get("title") or "")
                entries.append(QueueEntry(str(v["id"]), self._time(status["publishAt"]), title))
        return entries

    async def timeline(self, since: int) -> Timeline:
        videos, complete = await self._uploads()
        entries = []
        for v in videos:
            snippet = v.get("snippet") or {}
            if (v.get("status") or {}).get("privacyStatus") != "public":
                continue
            at = self._time(snippet.get("publishedAt"))
            if at >= since:
                url = f"https://www.youtube.com/watch?v={v['id']}"
                entries.append(
                    Published(str(v["id"]), at, str(snippet.get("title") or ""), url, str(v["id"]))
                )
        entries.sort(key=lambda e: e.at, reverse=True)
        # Uploads come newest first by upload time; a short listing covers everything.
        return Timeline(entries, since if complete else 2**62)

    async def schedule(self, text: str, at: int, *, key: str, platform_id: str = "") -> QueueEntry:
        if not platform_id:
            raise CannotPost(self.cannot_publish)
        try:
            body = await self.channel._call(
                "PUT",
                "/videos",
                {"part": "status"},
                json={
                    "id": platform_id,
                    "status": {"privacyStatus": "private", "publishAt": when.iso(at)},
                },
            )
        except ChannelError as exc:
            if exc.status == 404:
                raise CannotPost(
                    "the video no longer exists on YouTube: upload it again in YouTube Studio"
                ) from None
            raise
        status = body.get("status") or {}
        return QueueEntry(platform_id, self._time(status.get("publishAt") or when.iso(at)), text)
