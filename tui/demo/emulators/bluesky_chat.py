"""Bluesky chat on the Bluesky emulator, answering as the PDS does when it proxies to
api.bsky.chat (mixed into the emulator).

- Every ``chat.bsky.convo.*`` call needs ``atproto-proxy: did:web:api.bsky.chat#bsky_chat``;
  without it the PDS answers 501 ``MethodNotImplemented``. An app password not allowed to
  use direct messages (its account in ``chat_denied``) gets 400 ``InvalidToken`` "Bad token
  scope", as the chat service answers it.
- ``listConvos`` (``limit`` 1..100, default 50; ``cursor`` towards less recently active):
  ``{cursor?, convos: [{id, rev, members, lastMessage?, muted, unreadCount}]}``, the most
  recently active first.
- ``getMessages`` (``convoId``, ``limit``, ``cursor`` towards older): ``{cursor?, messages}``
  newest first, each a ``#messageView`` ``{id, rev, text, sender: {did}, sentAt}`` or a
  ``#deletedMessageView`` (no text). A conversation the caller is not in: 400
  ``InvalidConvo``.
- ``sendMessage {convoId, message: {text}}`` → the new ``#messageView``; empty or longer than
  1,000 characters: 400 ``InvalidRequest``.

Revs are TIDs issued in order across every conversation, as the chat service issues them.
Tests add conversations with :meth:`add_chat`, delete with :meth:`delete_chat_message`;
what the account sent is :meth:`chats_by`.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from . import _gen
from .base import Request, Response, json_response

if TYPE_CHECKING:  # a mixin of the Bluesky emulator: typed as an Emulator with what it uses
    from .base import Emulator as _Host
else:
    _Host = object

PROXY = "did:web:api.bsky.chat#bsky_chat"
MESSAGE = "chat.bsky.convo.defs#messageView"
DELETED = "chat.bsky.convo.defs#deletedMessageView"


class BlueskyChat(_Host):
    """Conversations and their messages."""

    if TYPE_CHECKING:  # what it uses of BlueskyEmulator
        users: dict[str, dict]

        def _caller(self, request: Request) -> tuple[str | None, Response | None]: ...
        def _profile(self, did: str) -> dict: ...
        def add_user(
            self, handle: str, *, password: str | None = None, display_name: str = ""
        ) -> str: ...

    convos: dict[str, dict]  # id -> {id, members: [did], messages: [message] oldest first}
    chat_denied: set[str]  # accounts whose app password may not use chat

    def _route_chat(self) -> None:
        self.convos, self.chat_denied = {}, set()
        self._last_rev = 0
        for method, nsid, handler in (
            ("GET", "chat.bsky.convo.listConvos", self._list_convos),
            ("GET", "chat.bsky.convo.getMessages", self._get_messages),
            ("POST", "chat.bsky.convo.sendMessage", self._send_message),
        ):
            self.route(method, rf"/xrpc/{nsid.replace('.', '[.]')}", handler)

    # -- the world ---------------------------------------------------------------------------

    def add_chat(self, owner: str, text: str, *, sender: str = "", at: float | None = None) -> str:
        """A message to ``owner`` from ``sender`` (a handle, made if new) in their
        conversation (made if new); the message's id."""
        with self.lock:
            handle = sender or "marta.bsky.social"
            did = next((d for d, u in self.users.items() if u["handle"] == handle), None)
            did = did or self.add_user(handle, display_name=handle.split(".")[0].title())
            convo_id = _convo_id(owner, did)
            convo = self.convos.setdefault(
                convo_id, {"id": convo_id, "members": [owner, did], "messages": []}
            )
            return self._message(convo, did, text, self.clock() if at is None else at)["id"]

    def delete_chat_message(self, message_id: str) -> None:
        with self.lock:
            for convo in self.convos.values():
                for message in convo["messages"]:
                    if message["id"] == message_id:
                        message.update(deleted=True, rev=self._rev())

    def chats_by(self, did: str, convo_id: str = "") -> list[dict]:
        with self.lock:
            return [
                m
                for c in self.convos.values()
                if convo_id in ("", c["id"])
                for m in c["messages"]
                if m["sender"] == did
            ]

    def convo_of(self, message_id: str) -> str:
        with self.lock:
            return next(
                c["id"]
                for c in self.convos.values()
                if any(m["id"] == message_id for m in c["messages"])
            )

    def _rev(self, at: float | None = None) -> str:
        """The next rev: a TID of the message's time, after every rev issued before."""
        from .bluesky import tid

        micros = int((self.clock() if at is None else at) * 1_000_000)
        self._last_rev = max(micros, self._last_rev + 1)
        return tid(self._last_rev, 7)

    def _message(self, convo: dict, sender: str, text: str, at: float) -> dict:
        rev = self._rev(at)
        message = {"id": f"msg{rev}", "rev": rev, "text": text, "sender": sender, "at": at}
        convo["messages"].append(message)
        return message

    # -- views -------------------------------------------------------------------------------

    def _message_view(self, message: dict) -> dict:
        view: dict[str, Any] = {
            "$type": DELETED if message.get("deleted") else MESSAGE,
            "id": message["id"],
            "rev": message["rev"],
            "sender": {"did": message["sender"]},
            "sentAt": _gen.iso_ms(message["at"]),
        }
        if not message.get("deleted"):
            view.update(text=message["text"], facets=[])
        return view

    def _convo_view(self, convo: dict) -> dict:
        last = convo["messages"][-1] if convo["messages"] else None
        view = {
            "id": convo["id"],
            "rev": _convo_rev(convo),
            "members": [self._profile(d) for d in convo["members"]],
            "muted": False,
            "unreadCount": len(convo["messages"]),
        }
        if last is not None:
            view["lastMessage"] = self._message_view(last)
        return view

    # -- routes ------------------------------------------------------------------------------

    def _chat(self, request: Request, handler: Any) -> Response:
        from .bluesky import error

        with self.lock:
            if request.headers.get("atproto-proxy") != PROXY:
                return error("MethodNotImplemented", "Method Not Implemented", 501)
            did, failure = self._caller(request)
            if failure is not None:
                return failure
            if did in self.chat_denied:
                return error("InvalidToken", "Bad token scope")
            return handler(request, did)

    def _list_convos(self, request: Request) -> Response:
        def handle(r: Request, did: str) -> Response:
            limit, before = _limit(r), r.arg("cursor")
            if limit is None:
                return _invalid("limit")
            mine = sorted(
                (c for c in self.convos.values() if did in c["members"]),
                key=_convo_rev,
                reverse=True,
            )
            mine = [c for c in mine if before is None or _convo_rev(c) < before]
            page = mine[:limit]
            body: dict[str, Any] = {"convos": [self._convo_view(c) for c in page]}
            if len(mine) > limit:
                body["cursor"] = _convo_rev(page[-1])
            return json_response(body)

        return self._chat(request, handle)

    def _get_messages(self, request: Request) -> Response:
        def handle(r: Request, did: str) -> Response:
            convo = self.convos.get(r.arg("convoId") or "")
            if convo is None or did not in convo["members"]:
                return _invalid("convo", "InvalidConvo")
            limit, before = _limit(r), r.arg("cursor")
            if limit is None:
                return _invalid("limit")
            messages = [
                m
                for m in reversed(convo["messages"])
                if before is None or m["rev"] < before  # a message's rev moves on deletion
            ]
            page = messages[:limit]
            body: dict[str, Any] = {"messages": [self._message_view(m) for m in page]}
            if len(messages) > limit:
                body["cursor"] = page[-1]["rev"]
            return json_response(body)

        return self._chat(request, handle)

    def _send_message(self, request: Request) -> Response:
        def handle(r: Request, did: str) -> Response:
            try:
                body = r.json() or {}
            except ValueError:
                body = {}
            convo = self.convos.get(str(body.get("convoId") or ""))
            if convo is None or did not in convo["members"]:
                return _invalid("convo", "InvalidConvo")
            text = (body.get("message") or {}).get("text")
            if not isinstance(text, str) or not text or len(text) > 1000:
                return _invalid("message text")
            return json_response(self._message_view(self._message(convo, did, text, self.clock())))

        return self._chat(request, handle)


def _convo_id(a: str, b: str) -> str:
    return hashlib.sha1("|".join(sorted((a, b))).encode()).hexdigest()[:13]


def _convo_rev(convo: dict) -> str:
    return max((m["rev"] for m in convo["messages"]), default="")


def _limit(request: Request) -> int | None:
    try:
        limit = int(request.arg("limit", "50"))
    except ValueError:
        return None
    return limit if 1 <= limit <= 100 else None


def _invalid(what: str, name: str = "InvalidRequest") -> Response:
    from .bluesky import error

    return error(name, f"Invalid {what}")
