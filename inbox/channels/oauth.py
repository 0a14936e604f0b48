"""OAuth 2.0 refresh tokens (X and YouTube): access tokens that stay alive, and a rotated
refresh token that is never lost to a crash.

The login stores a refresh token (and the app's client secret); the access token is got from
it with ``grant_type=refresh_token`` at the token endpoint, before the one held expires (the
answer's ``expires_in``: two hours on X, one on Google) and whenever the platform refuses it
with a 401. Google usually keeps the refresh token; X *rotates* it: every refresh answers a
new refresh token and the one just spent stops working. A rotated token that is not stored
before the process ends is the only valid one lost, and the account needs a new login.

How a rotation is kept safe (the grant's fields: :mod:`inbox.grants`):

1. A refresh happens under the grant's lock, and first reads the grant as stored now: another
   process (the app and a cron sync) may have refreshed meanwhile; its access token is then
   used, and no refresh token is spent twice.
2. The answer is written *before* the new access token is used: in memory, then durably in
   one atomic write of the whole grant (the keyring entry, or ``sessions.json`` replaced by a
   rename). A crash before that write completes leaves the old grant stored; a crash after it
   leaves the new one. A write that fails keeps the grant in this process (it is written
   again at the next load) and fails the run with a line that says so.
3. The spent refresh token stays in the grant as ``previous_refresh_token`` until an access
   token of the new grant has been accepted once. If the new refresh token is refused (a
   rotation the platform did not keep, a token mangled on its way), the previous one is tried
   before the account is called ``auth``.

What no client can fix: an answer lost on the way (the connection drops after the platform
rotated). The spent token is dead and the new one never arrived; the next refresh is refused
and sync says to log in again.

A refresh token that is refused (``invalid_grant``; X answers ``invalid_request``) means
revoked or expired: ``auth``, with the command that logs in again. A refused client id or
secret (``invalid_client``, ``unauthorized_client``) is ``auth`` too. Google's
``refresh_token_expires_in`` (time-based access) is kept, so the health bar warns before it.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from .. import redact
from ..grants import MemoryGrant
from ..login import account_key, login_command
from ..rows import TokenCheck
from .base import Channel, ChannelError

ACCESS_MARGIN_S = 120  # refresh this long before the access token expires
DEFAULT_EXPIRES_S = 3600  # an answer without expires_in: assume Google's hour
DEAD_GRANT = {"invalid_grant", "invalid_request"}
BAD_CLIENT = {"invalid_client", "unauthorized_client"}


def fingerprint(token: str) -> str:
    """A short hash of the login's refresh token: the grant it seeded is recognised without
    storing the token twice."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def _bearer(headers: dict[str, str]) -> str:
    return headers.get("Authorization", "").removeprefix("Bearer ")


class RefreshGrant:
    """One account's grant: the access token to use now, refreshed when it must be."""

    def __init__(self, channel: Channel, *, token_url: str, basic_auth: bool) -> None:
        self.channel = channel
        self.secrets = channel.secrets
        self.token_url = token_url
        self.basic_auth = basic_auth  # X: a confidential client authenticates with Basic
        self.slot = self.secrets.grant or MemoryGrant(account_key(channel.account))
        self._state: dict | None = None
        self._refusal = ""  # the token endpoint's error for the last refresh token refused

    @property
    def usable(self) -> bool:
        return bool(self.secrets.refresh_token)

    @property
    def client_id(self) -> str:
        value = str(self.channel.account.settings.get("client_id") or "").strip()
        if not value:
            raise ChannelError(
                "auth",
                f"{account_key(self.channel.account)} has no 'client_id': log in again "
                f"(it asks for it): {login_command(self.channel.account)}",
            )
        return value

    def _load(self) -> dict:
        """The grant as stored now, or a new one from the login's refresh token."""
        stored = self.slot.load()
        seed = fingerprint(self.secrets.refresh_token)
        if stored and stored.get("seed") == seed and stored.get("refresh_token"):
            state = stored
        else:  # nothing stored yet, or a new login since
            state = {"seed": seed, "refresh_token": self.secrets.refresh_token}
        redact.remember(*(state.get(k) for k in ("access_token", "previous_refresh_token")))
        self._state = state
        return state

    def _live(self, state: dict) -> str:
        expires = state.get("expires_at")
        token = state.get("access_token")
        if token and isinstance(expires, int) and expires - ACCESS_MARGIN_S > self.channel.now():
            return str(token)
        return ""

    async def access_token(self) -> str:
        state = self._state if self._state is not None else self._load()
        return self._live(state) or await self.refresh(refused="")

    async def refresh(self, *, refused: str) -> str:
        """A new access token (``refused``: the one the platform just refused, '' when it is
        expiring); the steps are the module docstring's."""
        async with self.slot.hold():
            state = self._load()
            live = self._live(state)
            if live and live != refused:
                return live  # another process refreshed while we waited
            tried: list[str] = []
            for token in (state.get("refresh_token"), state.get("previous_refresh_token")):
                if not token or token in tried:
                    continue
                tried.append(token)
                answer = await self._exchange(str(token))
                if answer is not None:
                    return self._keep(state, str(token), answer)
        raise ChannelError(
            "auth",
            f"{self._host()} refused the refresh token (revoked or expired): log in again: "
            f"{login_command(self.channel.account)}",
            code=self._refusal,
        )

    def _keep(self, state: dict, spent: str, answer: dict) -> str:
        now = self.channel.now()
        access = str(answer["access_token"])
        refresh = str(answer.get("refresh_token") or spent)
        redact.remember(access, refresh)
        grant: dict[str, Any] = {
            "seed": state["seed"],
            "refresh_token": refresh,
            "access_token": access,
            "expires_at": now + _int(answer.get("expires_in"), DEFAULT_EXPIRES_S),
        }
        if refresh != spent:
            grant["previous_refresh_token"] = spent  # until the new grant has worked once
        if answer.get("refresh_token_expires_in") is not None:
            grant["refresh_expires_at"] = now + _int(answer["refresh_token_expires_in"], 0)
        elif refresh == spent and state.get("refresh_expires_at"):
            grant["refresh_expires_at"] = state["refresh_expires_at"]
        self._state = grant
        try:
            self.slot.save(grant)
        except OSError as exc:
            raise ChannelError(
                "auth",
                f"{self._host()} gave a new refresh token that sfogo could not store in "
                f"{self.slot.where} ({exc.strerror or exc}): this process keeps it and stores "
                f"it again at the next sync; if it ends first, log in again: "
                f"{login_command(self.channel.account)}",
            ) from None
        return access

    def confirm(self, used: str) -> None:
        """An access token of the grant was accepted: the new refresh token is good, and
        the one spent for it is forgotten."""
        state = self._state
        if not state or "previous_refresh_token" not in state or used != state.get("access_token"):
            return
        grant = {k: v for k, v in state.items() if k != "previous_refresh_token"}
        self._state = grant
        try:
            self.slot.save(grant)
        except OSError:
            pass  # stored with the previous token still in it: harmless, and written again

    async def _exchange(self, refresh_token: str) -> dict | None:
        """The token endpoint's answer for ``refresh_token``; None when it refuses that
        token (revoked, expired, spent), ChannelError for anything else."""
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self.client_id,
        }
        headers = {"Accept": "application/json"}
        secret = self.secrets.client_secret
        if secret and self.basic_auth:
            pair = f"{quote(self.client_id, safe='')}:{quote(secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        elif secret:
            form["client_secret"] = secret
        response = await self.channel.send("POST", self.token_url, data=form, headers=headers)
        body = self.channel._maybe_json(response)
        if response.is_success:
            if isinstance(body, dict) and body.get("access_token"):
                return body
            raise ChannelError("broken", f"{self._host()} answered a refresh without a token")
        error = str(body.get("error") or "") if isinstance(body, dict) else ""
        raise_for = self._error(response, error)
        if raise_for is not None:
            raise raise_for
        self._refusal = error
        return None

    def _error(self, response: httpx.Response, error: str) -> ChannelError | None:
        """The ChannelError for a refused refresh; None when the token itself was refused."""
        status, where = response.status_code, f"{self._host()} answered {response.status_code}"
        if error in BAD_CLIENT:
            return ChannelError(
                "auth",
                f"{where}: the app's client id or secret was refused ({error}): log in again: "
                f"{login_command(self.channel.account)}",
                status=status,
                code=error,
            )
        if error in DEAD_GRANT and status in (400, 401):
            return None
        if status == 429:
            return ChannelError(
                "rate_limited",
                f"{where}: rate limited",
                retry_at=self.channel.retry_after(response),
                status=status,
            )
        if status >= 500 or not error:
            return ChannelError(
                "down",
                f"{where}: the token endpoint is unavailable",
                status=status,
                retry_at=self.channel.retry_after(response),
            )
        return ChannelError("broken", f"{where}: the refresh failed ({error[:40]})", status=status)

    def token_check(self) -> TokenCheck | None:
        """When the refresh token expires, if the platform said so (Google's time-based
        access); None otherwise."""
        state = self._state if self._state is not None else self._load()
        expires = state.get("refresh_expires_at")
        if not self.usable or not isinstance(expires, int):
            return None
        return TokenCheck(self.channel.now(), expires)

    def _host(self) -> str:
        return httpx.URL(self.token_url).host or self.token_url


class OAuthClient:
    """The auth hooks of a connector whose login is a refresh token (mixed into
    :class:`~inbox.channels.base.Channel` subclasses): a bearer access token, refreshed
    before it expires and after a 401, confirmed by the first request it authorises. An
    account with only an access token (``token``) sends it as it is, and a 401 stands."""

    default_token_url: ClassVar[str] = ""
    token_path: ClassVar[str] = ""
    basic_auth: ClassVar[bool] = False
    _grant: RefreshGrant | None = None

    def grant(self) -> RefreshGrant:
        if self._grant is None:
            channel: Channel = self  # type: ignore[assignment]  # a mixin of Channel
            url = str(channel.account.settings.get("token_url") or "") or self.token_url()
            self._grant = RefreshGrant(channel, token_url=url, basic_auth=self.basic_auth)
        return self._grant

    def token_url(self) -> str:
        """The token endpoint: the platform's own, or ``token_path`` on the API's host."""
        if self.token_path:
            channel: Channel = self  # type: ignore[assignment]  # a mixin of Channel
            return f"{channel.base_url}{self.token_path}"
        return self.default_token_url

    async def authorization(self) -> dict[str, str]:
        grant = self.grant()
        token = await grant.access_token() if grant.usable else grant.secrets.token
        return {"Authorization": f"Bearer {token}"} if token else {}

    async def reauthorize(self, error: ChannelError, used: dict[str, str]) -> bool:
        grant = self.grant()
        if error.status != 401 or not grant.usable:
            return False
        await grant.refresh(refused=_bearer(used))
        return True

    def authorized(self, used: dict[str, str]) -> None:
        grant = self.grant()
        if grant.usable:
            grant.confirm(_bearer(used))

    async def token_check(self, last: TokenCheck | None) -> TokenCheck | None:
        return self.grant().token_check()


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
