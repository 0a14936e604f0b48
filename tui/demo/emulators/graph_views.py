"""How the Graph emulator answers reads: only the requested ``fields`` of a node (each type
has Graph's small default set), edges in their order, and ``paging`` with cursors and
absolute ``next`` links (see :mod:`.graph`)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import urlencode

from .base import Request
from .graph_world import IG_USER_ID, PAGE_ID, GraphWorld

DEFAULT_FIELDS = {
    "page": "id,name",
    "iguser": "id,username",
    "post": "id,message,created_time",
    "comment": "id,message,created_time,from",
    "conversation": "id,link,updated_time",
    "message": "id,created_time",
    "media": "id",
    "taggedmedia": "id",
    "igcomment": "id,text,timestamp",
    "scheduled": "id,message,created_time",
}


def iso(ts: int) -> str:
    """Graph's time format: no colon in the offset."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def parse_fields(spec: str) -> dict[str, dict]:
    """``a,b.limit(5){c,d{e}}`` → {name: {"mods": {...}, "sub": raw sub-spec or None}}."""
    fields: dict[str, dict] = {}
    i, n = 0, len(spec)
    while i < n:
        start = i
        while i < n and spec[i] not in ",.{":
            i += 1
        name = spec[start:i].strip()
        mods: dict[str, str] = {}
        sub = None
        while i < n and spec[i] == ".":
            j = spec.index("(", i)
            k = spec.index(")", j)
            mods[spec[i + 1 : j]] = spec[j + 1 : k]
            i = k + 1
        if i < n and spec[i] == "{":
            depth, j = 0, i
            while j < n:
                depth += {"{": 1, "}": -1}.get(spec[j], 0)
                if depth == 0:
                    break
                j += 1
            sub = spec[i + 1 : j]
            i = j + 1
        if name:
            fields[name] = {"mods": mods, "sub": sub}
        while i < n and spec[i] in ", ":
            i += 1
    return fields


def _cursor(item_id: str) -> str:
    return base64.urlsafe_b64encode(item_id.encode()).decode().rstrip("=")


def _uncursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return ""


class GraphViews(GraphWorld):
    """Rendering the world's nodes and edges as Graph does."""

    def _render(self, node: dict, spec: str | None, request: Request) -> dict:
        fields = parse_fields(spec or DEFAULT_FIELDS[node["_type"]])
        full = getattr(self, f"_full_{node['_type']}")(node)
        out: dict = {}
        for name, opts in fields.items():
            if name in full:
                out[name] = full[name]
            edge = self._edge_items(node, name, {})
            if edge is not None:
                limit = int(opts["mods"].get("limit", 25))
                out[name] = self._page_of(
                    edge,
                    opts["sub"],
                    limit,
                    None,
                    f"/{self._version(request)}/{node['id']}/{name}",
                    request,
                )
            elif name == "parent" and node.get("parent"):
                out[name] = self._render(self.nodes[node["parent"]], opts["sub"] or "id", request)
            elif name == "participants" and node["_type"] == "conversation":
                ours = (
                    {"id": IG_USER_ID, "username": self.ig_user["username"]}
                    if node["platform"] == "instagram"
                    else {"id": PAGE_ID, "name": self.page["name"]}
                )
                out[name] = {"data": [dict(node["person"]), ours]}
        out["id"] = node["id"]
        return out

    def _full_page(self, n):
        return {"name": n["name"], "fan_count": 1234}

    def _full_iguser(self, n):
        return {"username": n["username"], "name": n["name"], "followers_count": 5678}

    def _full_post(self, n):
        return {
            "message": n["message"],
            "created_time": iso(n["created"]),
            "updated_time": iso(n["updated"]),
            "permalink_url": f"https://www.facebook.com/{n['id'].replace('_', '/posts/')}",
        }

    def _full_comment(self, n):
        # A reply's link names its top-level comment and itself, as facebook.com's do.
        query = f"comment_id={n['id'].split('_')[1]}"
        if n["parent"]:
            query = (
                f"comment_id={n['parent'].split('_')[1]}&reply_comment_id={n['id'].split('_')[1]}"
            )
        return {
            "message": n["message"],
            "created_time": iso(n["created"]),
            "from": dict(n["author"]),
            "comment_count": len(self._replies_of(n)),
            "user_likes": n["id"] in self.page_likes,
            "like_count": int(n["id"] in self.page_likes),
            "permalink_url": f"https://www.facebook.com/{n['post'].replace('_', '/posts/')}"
            f"?{query}",
        }

    def _full_conversation(self, n):
        updated = max(self.nodes[m]["created"] for m in n["messages"])
        return {
            "updated_time": iso(updated),
            "message_count": len(n["messages"]),
            "link": f"/{PAGE_ID}/inbox/{n['id'][2:]}",
            "unread_count": 0,
        }

    def _full_message(self, n):
        return {"message": n["text"], "created_time": iso(n["created"]), "from": dict(n["author"])}

    def _full_media(self, n):
        count = len(n["comments"]) + sum(len(self.nodes[c]["replies"]) for c in n["comments"])
        return {
            "caption": n["caption"],
            "timestamp": iso(n["created"]),
            "permalink": n["permalink"],
            "comments_count": count,
            "media_type": "IMAGE",
            "username": self.ig_user["username"],
        }

    def _full_taggedmedia(self, n):
        """Media another account tagged ours in (the ``tags`` edge): its owner's."""
        return {
            "caption": n["caption"],
            "timestamp": iso(n["created"]),
            "permalink": n["permalink"],
            "media_type": "IMAGE",
            "username": n["username"],
            "comments_count": 0,
        }

    def _full_igcomment(self, n):
        full = {
            "text": n["text"],
            "timestamp": iso(n["created"]),
            "username": n["author"]["username"],
            "from": dict(n["author"]),
            "like_count": 0,
            "hidden": False,
        }
        if n["parent"]:
            full["parent_id"] = n["parent"]
        return full

    def _replies_of(self, comment: dict) -> list[str]:
        return [
            i
            for i in self.nodes[comment["post"]]["comments"]
            if self.nodes[i]["parent"] == comment["id"]
        ]

    def _edge_items(self, node: dict, edge: str, query: dict) -> list[dict] | None:
        """The ordered items of ``node``'s ``edge``, or None when there is no such edge."""
        kind, get = node["_type"], self.nodes.__getitem__
        q = {k: v[0] for k, v in query.items()}
        if kind == "page" and edge == "conversations":
            platform = q.get("platform", "messenger")
            convs = [c for c in self.of_type("conversation") if c["platform"] == platform]
            return sorted(
                convs, key=lambda c: max(get(m)["created"] for m in c["messages"]), reverse=True
            )
        if kind == "page" and edge in ("feed", "posts", "published_posts"):
            return self._timeline(self.of_type("post"), q)
        if kind == "page" and edge == "scheduled_posts":
            return [{"_type": "scheduled", **e} for e in self.queue.ordered()]
        if kind == "iguser" and edge == "media":
            return self._timeline(self.of_type("media"), q)
        if kind == "iguser" and edge == "tags":  # newest first; no since on this edge
            return self._timeline(self.of_type("taggedmedia"), {})
        if kind == "post" and edge == "comments":
            items = [get(i) for i in node["comments"]]
            if q.get("filter", "toplevel") != "stream":
                items = [c for c in items if not c["parent"]]
            return sorted(
                items,
                key=lambda c: (c["created"], c["id"]),
                reverse=q.get("order") == "reverse_chronological",
            )
        if kind == "comment" and edge == "comments":
            items = [get(i) for i in self._replies_of(node)]
            return sorted(
                items,
                key=lambda c: (c["created"], c["id"]),
                reverse=q.get("order") == "reverse_chronological",
            )
        if kind == "conversation" and edge == "messages":
            return sorted(
                (get(m) for m in node["messages"]),
                key=lambda m: (m["created"], m["id"]),
                reverse=True,
            )
        if kind == "media" and edge == "comments":
            return sorted((get(i) for i in node["comments"]), key=lambda c: (c["created"], c["id"]))
        if kind == "igcomment" and edge == "replies":
            return sorted((get(i) for i in node["replies"]), key=lambda c: (c["created"], c["id"]))
        return None

    @staticmethod
    def _timeline(items: list[dict], q: dict) -> list[dict]:
        since, until = int(q.get("since") or 0), int(q.get("until") or 2**62)
        kept = [i for i in items if since <= i["created"] <= until]
        return sorted(kept, key=lambda i: (i["created"], i["id"]), reverse=True)

    def _page_of(
        self,
        items: list[dict],
        spec: str | None,
        limit: int,
        after: str | None,
        path: str,
        request: Request,
        query: dict | None = None,
    ) -> dict:
        limit = max(1, min(limit, 100))
        start = 0
        if after:
            ids = [i["id"] for i in items]
            target = _uncursor(after)
            start = ids.index(target) + 1 if target in ids else len(items)
        chunk = items[start : start + limit]
        page: dict = {"data": [self._render(i, spec, request) for i in chunk]}
        if chunk:
            page["paging"] = {
                "cursors": {"before": _cursor(chunk[0]["id"]), "after": _cursor(chunk[-1]["id"])}
            }
            if start + limit < len(items):
                params = {k: v[0] for k, v in (query or {}).items() if k not in ("after", "before")}
                if spec is not None:
                    params["fields"] = spec
                params["limit"] = str(limit)
                params["after"] = _cursor(chunk[-1]["id"])
                page["paging"]["next"] = f"{self.base_url}{path}?{urlencode(params)}"
        return page

    @staticmethod
    def _version(request: Request) -> str:
        return request.path.split("/")[1]
