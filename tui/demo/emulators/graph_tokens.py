"""The Page access token's life on the Graph emulator: when it expires, and ``debug_token``.

A long-lived Page token got from a long-lived user token does not expire (``expires_at``
0); one got otherwise dies with the user token, about 60 days after it was issued. Tests set
:attr:`GraphTokens.token_expires_at` (and ``data_access_expires_at``, which
``debug_token`` reports); past the token's expiry, every request with it is refused with
error 190, subcode 463 ("Session has expired"), as Graph does.

``GET /debug_token?input_token=T`` (any version prefix; the caller's own token in
``Authorization`` or ``access_token``) answers Graph's shape: ``{"data": {"app_id", "type",
"application", "data_access_expires_at", "expires_at", "is_valid", "issued_at", "scopes",
"profile_id", "user_id"}}``. An input token that is expired or unknown answers 200 with
``is_valid: false`` and its ``error``: Graph does not refuse the question, only the token.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .base import Request, Response, bearer, json_response
from .graph_schedule import GraphError
from .graph_world import PAGE_ID

APP_ID = "1234567890123456"
DATA_ACCESS_S = 90 * 86400  # data access expires 90 days after the person last used the app
SCOPES = [
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_engagement",
    "pages_messaging",
    "instagram_basic",
    "instagram_manage_comments",
    "instagram_manage_messages",
]


class GraphTokens:
    """The token's expiry and the ``debug_token`` route (a mixin of the Graph emulator)."""

    token: str
    token_expires_at: int = 0  # 0: never (a Page token from a long-lived user token)
    token_issued_at: int = 0
    data_access_expires_at: int = 0  # 0: 90 days from now (the person used the app lately)

    if TYPE_CHECKING:  # what it uses of the emulator

        def now(self) -> int: ...

        def _error(self, err: GraphError) -> Response: ...

    def token_expired(self, token: str) -> bool:
        return token == self.token and 0 < self.token_expires_at <= self.now()

    def expired_error(self) -> GraphError:
        def day(ts: int) -> str:
            return datetime.fromtimestamp(ts, UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")

        return GraphError(
            190,
            f"Error validating access token: Session has expired on "
            f"{day(self.token_expires_at)}. The current time is {day(self.now())}.",
            subcode=463,
            headers={
                "WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token" '
                '"Error validating access token"'
            },
        )

    def _debug_token(self, request: Request) -> Response:
        caller = bearer(request) or request.arg("access_token")
        if not caller:
            return self._error(
                GraphError(104, "An access token is required to request this resource.")
            )
        if caller != self.token:
            return self._error(
                GraphError(190, "Invalid OAuth access token - Cannot parse access token")
            )
        asked = request.arg("input_token")
        if not asked:
            return self._error(GraphError(100, "(#100) The parameter input_token is required"))
        data: dict[str, Any] = {"app_id": APP_ID, "application": "sfogo", "type": "PAGE"}
        if asked != self.token:
            data.update(
                is_valid=False,
                scopes=[],
                error={"code": 190, "message": "Invalid OAuth access token."},
            )
            return json_response({"data": data})
        data.update(
            data_access_expires_at=self.data_access_expires_at or self.now() + DATA_ACCESS_S,
            expires_at=self.token_expires_at,
            is_valid=not self.token_expired(asked),
            issued_at=self.token_issued_at or self.now() - 86400,
            profile_id=PAGE_ID,
            scopes=SCOPES,
            user_id="10000000000001",
        )
        if self.token_expired(asked):
            expired = self.expired_error()
            data["error"] = {"code": 190, "message": str(expired), "subcode": 463}
        return json_response({"data": data})
