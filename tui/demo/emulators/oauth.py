"""OAuth 2.0 refresh grants on an emulator's clock: the token endpoints of X and Google.

An issuer holds the refresh tokens it gave (a login) and the access tokens it answered, each
with its expiry on the emulator's clock. ``POST`` to the token endpoint with
``grant_type=refresh_token`` answers a new access token; a rotating issuer (X) also answers
a new refresh token and forgets the one spent, as X does, while Google keeps it. Refusals
are each platform's own shapes:

- X (``POST /2/oauth2/token``): a refresh token that is unknown, spent or revoked: 400
  ``{"error": "invalid_request", "error_description": "Value passed for the token was
  invalid."}``; a confidential client without its Basic header: 401 ``unauthorized_client``.
- Google (``POST /token``): 400 ``{"error": "invalid_grant", "error_description": "Token has
  been expired or revoked."}``; a wrong client: 401 ``invalid_client``.

Success: ``{"token_type", "access_token", "expires_in", "scope"[, "refresh_token"]
[, "refresh_token_expires_in"]}`` (the last for Google's time-based access).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from .base import Request, Response, json_response


@dataclass(frozen=True, slots=True)
class Refusals:
    """A platform's token endpoint's words for the two refusals."""

    dead: tuple[
        int, str, str
    ]  # status, error, description: a refresh token not (or no longer) valid
    client: tuple[int, str, str]  # a client id or secret refused


X_REFUSALS = Refusals(
    (400, "invalid_request", "Value passed for the token was invalid."),
    (401, "unauthorized_client", "Missing valid authorization header"),
)
GOOGLE_REFUSALS = Refusals(
    (400, "invalid_grant", "Token has been expired or revoked."),
    (401, "invalid_client", "The OAuth client was not found."),
)


@dataclass
class TokenIssuer:
    """One app's grants: refresh tokens given at login, access tokens given by refresh."""

    clock: Callable[[], float]
    lifetime: int  # seconds an access token lives (X 7200, Google 3599)
    rotate: bool  # X: every refresh answers a new refresh token and spends the old one
    refusals: Refusals
    client_id: str = "sfogo-client"
    client_secret: str = ""  # '' for a public client (X PKCE without a secret)
    basic_auth: bool = False  # X: a confidential client sends its secret in a Basic header
    prefix: str = ""  # what the platform's tokens start with ("ya29." for Google)
    scope: str = ""
    # Google's time-based access: the refresh token itself dies this long after the consent
    # (answered as ``refresh_token_expires_in``); None: it does not.
    refresh_lifetime: int | None = None
    granted_at: dict[str, float] = field(default_factory=dict)  # refresh token -> consent
    refresh_tokens: set[str] = field(default_factory=set)
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expires at
    refreshes: int = 0  # answered refreshes, for assertions

    def login(self) -> str:
        """A new refresh token, as the platform's consent screen would give."""
        token = self.prefix + "rt-" + secrets.token_urlsafe(24)
        self.refresh_tokens.add(token)
        self.granted_at[token] = self.clock()
        return token

    def revoke(self, refresh_token: str | None = None) -> None:
        """Revoke one refresh token (default: all) and the access tokens it gave."""
        if refresh_token is None:
            self.refresh_tokens.clear()
        else:
            self.refresh_tokens.discard(refresh_token)
        self.access_tokens.clear()

    def valid(self, access_token: str | None) -> bool:
        expires = self.access_tokens.get(access_token or "")
        return expires is not None and self.clock() < expires

    def expire_all(self) -> None:
        """Every access token given so far stops working (a server-side invalidation)."""
        self.access_tokens.clear()

    def answer(self, request: Request) -> Response:
        """The token endpoint."""
        form = {k: v[0] for k, v in request.form().items() if v}
        client_id, secret = self._client(request, form)
        if client_id != self.client_id or secret != self.client_secret:
            return self._refuse(self.refusals.client)
        if form.get("grant_type") != "refresh_token":
            status, _e, _d = self.refusals.dead
            return json_response(
                {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"},
                status,
            )
        spent = form.get("refresh_token", "")
        if spent not in self.refresh_tokens or self._ended(spent):
            return self._refuse(self.refusals.dead)
        access = self.prefix + "at-" + secrets.token_urlsafe(24)
        self.access_tokens[access] = self.clock() + self.lifetime
        self.refreshes += 1
        body: dict[str, object] = {
            "token_type": "bearer" if self.basic_auth or not self.prefix else "Bearer",
            "access_token": access,
            "expires_in": self.lifetime,
            "scope": self.scope,
        }
        if self.refresh_lifetime is not None:
            ends = self.granted_at.get(spent, self.clock()) + self.refresh_lifetime
            body["refresh_token_expires_in"] = int(ends - self.clock())
        if self.rotate:
            self.refresh_tokens.discard(spent)
            body["refresh_token"] = self.login()
        return json_response(body, 200, {"Cache-Control": "no-store"})

    def _ended(self, refresh_token: str) -> bool:
        """Past its time-based access (Google's ``refresh_token_expires_in``)."""
        if self.refresh_lifetime is None:
            return False
        return self.clock() >= self.granted_at.get(refresh_token, 0.0) + self.refresh_lifetime

    def _client(self, request: Request, form: dict[str, str]) -> tuple[str, str]:
        """The client id and secret the request authenticates with (Basic, else the form)."""
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                pair = base64.b64decode(value).decode()
            except (ValueError, UnicodeDecodeError):
                return "", ""
            user, _, password = pair.partition(":")
            return unquote(user), unquote(password)
        if self.basic_auth and self.client_secret:
            return form.get("client_id", ""), ""  # a confidential client must use Basic
        return form.get("client_id", ""), form.get("client_secret", "")

    @staticmethod
    def _refuse(refusal: tuple[int, str, str]) -> Response:
        status, error, description = refusal
        return json_response({"error": error, "error_description": description}, status)
