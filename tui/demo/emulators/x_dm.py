"""Direct messages on the X emulator, answering like api.x.com (mixed into the emulator).

- ``GET /2/dm_events`` (every conversation of the account) and
  ``GET /2/dm_conversations/:id/dm_events`` (one): newest first, the last 30 days,
  ``max_results`` 1..100 (else 400), ``pagination_token`` (opaque, pages older),
  ``event_types`` (comma-separated; all kinds by default). Without ``dm_event.fields`` an
  event is only ``id``, ``event_type``, ``text``; ``expansions=sender_id`` brings the senders
  in ``includes.users``. A token without the ``dm.read`` scope (``dm_read = False``) gets
  403 ``client-forbidden``, as X answers it.
- ``POST /2/dm_conversations/:id/messages {"text"}`` → 201 ``{"data": {"dm_conversation_id",
  "dm_event_id"}}``; a conversation the account is not in → 403; empty text → 400.

Tests add messages with :meth:`add_dm` (and a group's joins with :meth:`add_join`); what the
account sent is :meth:`dms_by_me`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import Request, Response

if TYPE_CHECKING:  # a mixin of the X emulator: typed as an Emulator with what it uses of it
    from .base import Emulator as _Host
else:
    _Host = object

DM_DAYS = 30
DEFAULT_DM_FIELDS = ("id", "event_type", "text")


class XDirectMessages(_Host):
    """The account's direct messages."""

    if TYPE_CHECKING:  # what it uses of XEmulator
        users: dict[str, dict]
        me: dict

        def now(self) -> int: ...
        def _snowflake(self, at: int) -> str: ...
        def _user(self, user_id: str, username: str, name: str) -> dict: ...
        def _guard(self, request: Request, endpoint: str) -> tuple[Response | None, dict]: ...
        @staticmethod
        def _answer(body: dict, headers: dict, status: int | None = None) -> Response: ...
        @staticmethod
        def _list(request: Request, name: str, default: tuple) -> list[str]: ...

    dm_events: dict[str, dict]
    dm_read: bool

    def _route_dms(self) -> None:
        self.dm_events, self.dm_read = {}, True
        self.route("GET", r"/2/dm_events", self._get_dm_events)
        self.route("GET", r"/2/dm_conversations/(?P<id>[\d-]+)/dm_events", self._get_dm_events)
        self.route("POST", r"/2/dm_conversations/(?P<id>[\d-]+)/messages", self._post_dm)

    # -- data ------------------------------------------------------------------------------

    def add_dm(
        self, text: str, *, author: str = "", at: int | None = None, conversation: str = ""
    ) -> str:
        """A message to the account from ``author`` (a username, made if new) in their
        one-to-one conversation (or in ``conversation``); its event id."""
        from .x import ME_ID

        with self.lock:
            name = author or "giulia_dm"
            user = next((u for u in self.users.values() if u["username"] == name), None)
            user = user or self._user(str(4000 + len(self.users)), name, name.title())
            pair = sorted((int(user["id"]), int(ME_ID)))
            conversation = conversation or f"{pair[0]}-{pair[1]}"
            return self._dm(user["id"], text, conversation, self.now() if at is None else at)

    def add_join(self, conversation: str, user_id: str) -> str:
        """Someone joins a group conversation: an event that is not a message."""
        with self.lock:
            event = self._dm(user_id, "", conversation, self.now())
            self.dm_events[event].update(event_type="ParticipantsJoin", text=None)
            return event

    def dms_by_me(self, conversation: str = "") -> list[dict]:
        from .x import ME_ID

        with self.lock:
            return [
                e
                for e in self.dm_events.values()
                if e["sender_id"] == ME_ID and conversation in ("", e["conversation"])
            ]

    def _dm(self, sender: str, text: str, conversation: str, at: int) -> str:
        event_id = self._snowflake(at)
        self.dm_events[event_id] = {
            "id": event_id,
            "event_type": "MessageCreate",
            "text": text,
            "sender_id": sender,
            "conversation": conversation,
            "created": at,
        }
        return event_id

    def _render_dm(self, event: dict, fields: list[str]) -> dict:
        from .x import _escape, iso

        full = {
            "id": event["id"],
            "event_type": event["event_type"],
            "text": _escape(event["text"]) if event["text"] is not None else None,
            "sender_id": event["sender_id"],
            "dm_conversation_id": event["conversation"],
            "created_at": iso(event["created"]),
        }
        return {k: v for k, v in full.items() if k in fields and v is not None}

    # -- handlers --------------------------------------------------------------------------

    def _get_dm_events(self, request: Request) -> Response:
        from .x import ME_ID, PROBLEMS, _token, _untoken, problem

        with self.lock:
            refused, headers = self._guard(request, "dm_events")
            if refused:
                return refused
            if not self.dm_read:
                return self._answer(_forbidden(PROBLEMS, problem), headers)
            try:
                max_results = int(request.arg("max_results", "100"))
            except ValueError:
                max_results = 0
            if not 1 <= max_results <= 100:
                return self._answer(_invalid(PROBLEMS, problem, "max_results"), headers)
            conversation = request.params.get("id") or ""
            kinds = set(filter(None, (request.arg("event_types") or "").split(",")))
            oldest = self.now() - DM_DAYS * 86400
            events = sorted(
                (
                    e
                    for e in self.dm_events.values()
                    if e["created"] >= oldest
                    and conversation in ("", e["conversation"])
                    and (not kinds or e["event_type"] in kinds)
                    and _member(e, ME_ID)
                ),
                key=lambda e: int(e["id"]),
                reverse=True,
            )
            token = request.arg("pagination_token")
            if token:
                below = _untoken(token)
                if below is None:
                    return self._answer(_invalid(PROBLEMS, problem, "pagination_token"), headers)
                events = [e for e in events if int(e["id"]) < int(below)]
            chunk = events[:max_results]
            fields = self._list(request, "dm_event.fields", DEFAULT_DM_FIELDS)
            body: dict[str, Any] = {"meta": {"result_count": len(chunk)}}
            if chunk:
                body["data"] = [self._render_dm(e, fields) for e in chunk]
            if len(events) > max_results:
                body["meta"]["next_token"] = _token(chunk[-1]["id"])
            if "sender_id" in (request.arg("expansions") or "").split(",") and chunk:
                user_fields = self._list(request, "user.fields", ("id", "name", "username"))
                senders = dict.fromkeys(e["sender_id"] for e in chunk)
                body["includes"] = {
                    "users": [
                        {k: v for k, v in self.users[s].items() if k in user_fields}
                        for s in senders
                        if s in self.users
                    ]
                }
            return self._answer(body, headers, 200)

    def _post_dm(self, request: Request) -> Response:
        from .x import ME_ID, PROBLEMS, problem

        with self.lock:
            refused, headers = self._guard(request, "dm_post")
            if refused:
                return refused
            conversation = request.params["id"]
            if not any(
                e["conversation"] == conversation and _member(e, ME_ID)
                for e in self.dm_events.values()
            ):
                return self._answer(
                    problem(403, "Forbidden", "You are not a participant of this conversation."),
                    headers,
                )
            try:
                text = str((request.json() or {}).get("text") or "")
            except ValueError:
                text = ""
            if not text or len(text) > 10000:
                return self._answer(_invalid(PROBLEMS, problem, "text"), headers)
            event_id = self._dm(ME_ID, text, conversation, self.now())
            return self._answer(
                {"data": {"dm_conversation_id": conversation, "dm_event_id": event_id}},
                headers,
                201,
            )


def _member(event: dict, me: str) -> bool:
    """Whether ``me`` is in the event's conversation: a one-to-one id names both people; the
    emulator's groups all hold the account."""
    conversation = event["conversation"]
    return me in conversation.split("-") if "-" in conversation else True


def _forbidden(problems: str, problem: Any) -> dict:
    return problem(
        403,
        "Client Forbidden",
        "This request must be made using an approved developer account that is enrolled in "
        "the requested endpoint.",
        problems + "client-forbidden",
        reason="client-not-enrolled",
    )


def _invalid(problems: str, problem: Any, parameter: str) -> dict:
    return problem(
        400,
        "Invalid Request",
        "One or more parameters to your request was invalid.",
        problems + "invalid-request",
        errors=[{"parameters": {parameter: []}, "message": f"invalid {parameter}"}],
    )
