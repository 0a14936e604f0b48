"""An editorial plan file: the posts a client expects, read into the expected posts.

CSV with a header ``client,account,at,text`` and optionally ``media,notes`` (any order), or
JSON Lines with the same fields, one object a line. ``account`` is the account's handle (or
``channel:handle``) and must belong to ``client``; ``at`` is ISO 8601 (``2026-12-03 09:00``,
``2026-12-03T09:00+01:00``); a time without an offset is read on the wall clock of the zone
the caller gives (the configured one), so 09:00 is 09:00 there on a daylight-saving day too.
A wall time that does not exist that day (02:30 when the clocks jump from 02:00 to 03:00) is
an error; one that happens twice (the night the clocks go back) is its first occurrence.

All or nothing: every bad row gets one line (its line in the file, the field, why), and
nothing is imported unless ``skip_bad``, which imports the good rows and reports the rest.
A row already planned (same account, time and text) is not added twice, so importing the
same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from sfogo.inbox.i18n import _, ngettext

from ..errors import NotFound, SfogoError
from ..model import Account, Client
from ..store import Store
from ..store.posts import NewPost
from ..text import sanitize
from .states import MAX_CHARS, PostSource

REQUIRED = ("client", "account", "at", "text")
OPTIONAL = ("media", "notes")
MAX_BAD_SHOWN = 50


class PlanError(SfogoError):
    """A plan file with bad rows: one line each (``lines``); nothing was imported."""

    def __init__(self, lines: list[str]) -> None:
        shown = lines[:MAX_BAD_SHOWN]
        more = len(lines) - len(shown)
        if more:
            shown.append(_("... and {more} more").format(more=more))
        hint = _("fix them, or import the good rows with --skip-bad")
        super().__init__(
            ngettext(
                "{count} bad row, nothing imported ({hint}):\n",
                "{count} bad rows, nothing imported ({hint}):\n",
                len(lines),
            ).format(count=len(lines), hint=hint)
            + "\n".join(shown)
        )
        self.lines = lines


@dataclass(slots=True)
class PlanResult:
    added: int = 0
    already: int = 0  # rows planned before (same account, time and text)
    bad: list[str] = field(default_factory=list)  # with skip_bad: the rows left out
    naive: int = 0  # rows whose time had no offset (read in the given zone)


def _rows(path: Path) -> list[tuple[int, dict]]:
    """(line number, fields) of every row, or a SfogoError for a file that cannot be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SfogoError(_("no plan file at {path}").format(path=path)) from None
    except OSError as exc:
        raise SfogoError(
            _("cannot read {path}: {strerror}").format(path=path, strerror=exc.strerror)
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SfogoError(
            _("{path} is not UTF-8 text: save it as UTF-8 and import it again").format(path=path)
        ) from None
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json") or text.lstrip().startswith("{"):
        return _json_lines(text)
    return _csv_rows(text, path)


def _json_lines(text: str) -> list[tuple[int, dict]]:
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            rows.append((number, {"_error": "not a JSON object (a line must be one object)"}))
            continue
        if not isinstance(value, dict):
            rows.append((number, {"_error": "not a JSON object (a line must be one object)"}))
            continue
        rows.append((number, {str(k): v for k, v in value.items()}))
    return rows


def _csv_rows(text: str, path: Path) -> list[tuple[int, dict]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise SfogoError(
            _("{path} is empty: a plan starts with the header client,account,at,text").format(
                path=path
            )
        ) from None
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        why = (
            _("no column {names}").format(names=", ".join(missing))
            if missing
            else _("unknown column {v0!r}").format(v0=unknown[0])
        )
        raise SfogoError(
            _(
                "{path}: the header has {why}: it must name client,account,at,text (and"
                " optionally media,notes)"
            ).format(path=path, why=why)
        )
    rows = []
    for record in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            rows.append((number, {"_error": f"{len(record)} cells, the header has {len(header)}"}))
            continue
        rows.append((number, dict(zip(header, record, strict=True))))
    return rows


def _time(value: object, zone: tzinfo) -> tuple[int, bool]:
    """(UTC epoch, whether it had no offset) of a plan time; ValueError says why not."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(_("a time must be text like 2026-12-03 09:00"))
    if isinstance(value, int | float):
        return int(value), False
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise ValueError(
            _("{text!r} is not a time: write 2026-12-03 09:00 (ISO 8601)").format(text=text)
        ) from None
    if parsed.tzinfo is not None:
        return int(parsed.timestamp()), False
    local = parsed.replace(tzinfo=zone)
    back = datetime.fromtimestamp(local.timestamp(), UTC).astimezone(zone).replace(tzinfo=None)
    if back != parsed:
        raise ValueError(
            _(
                "{text} does not exist in {getattr} (the clocks jump that night): pick another time"
            ).format(text=text, getattr=getattr(zone, "key", zone))
        )
    return int(local.timestamp()), True


def _account_problem(account: Account, client: Client) -> str:
    """Why a plan row cannot name this account ("" : it can)."""
    from ..channels.posting import POSTERS  # the posting side: only when a plan is read

    if account.client_id != client.id:
        return _("account: {handle} belongs to another client than {name}").format(
            handle=account.handle, name=client.name
        )
    if account.channel not in POSTERS:
        return _("account: {channel} accounts have no posts sfogo can watch").format(
            channel=account.channel
        )
    return ""


def _check(store: Store, fields: dict, zone: tzinfo, cache: dict) -> tuple[NewPost, bool]:
    """A plan row as a new post; SfogoError names the field and why."""
    if "_error" in fields:
        raise SfogoError(fields["_error"])
    for name in REQUIRED:
        value = fields.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise SfogoError(_("{name}: missing").format(name=name))
    for name in ("client", "account", "text", *OPTIONAL):
        if fields.get(name) is not None and not isinstance(fields[name], str):
            raise SfogoError(_("{name}: must be text").format(name=name))
    client_ref = str(fields["client"]).strip()
    account_ref = str(fields["account"]).strip()
    key = (client_ref.casefold(), account_ref)
    if key not in cache:
        try:
            client = store.clients.get(client_ref)
        except NotFound:
            cache[key] = _("client: no client {client_ref!r} ('sfogo clients' lists them)").format(
                client_ref=client_ref
            )
        else:
            try:
                account = store.accounts.get(account_ref)
            except NotFound:
                cache[key] = _(
                    "account: no account {account_ref!r} ('sfogo accounts' lists them)"
                ).format(account_ref=account_ref)
            else:
                cache[key] = _account_problem(account, client) or account.id
    found = cache[key]
    if isinstance(found, str):
        raise SfogoError(found)
    try:
        at, naive = _time(fields["at"], zone)
    except ValueError as exc:
        raise SfogoError(_("at: {exc}").format(exc=exc)) from None
    text = sanitize(str(fields["text"])).strip()
    if len(text) > MAX_CHARS:
        raise SfogoError(
            _("text: {count} characters, at most {max_chars}").format(
                count=len(text), max_chars=MAX_CHARS
            )
        )
    extra = {
        name: sanitize(str(fields.get(name) or ""), single_line=True).strip()[:500]
        for name in OPTIONAL
    }
    post = NewPost(
        account_id=found,
        at=at,
        text=text,
        source=PostSource.PLAN,
        media=extra["media"],
        notes=extra["notes"],
        reason=_("planned in a plan file"),
    )
    return post, naive


def import_plan(
    store: Store, path: str | Path, *, zone: tzinfo, now: int, skip_bad: bool = False
) -> PlanResult:
    """Read a plan file into the expected posts (see the module docstring)."""
    path = Path(path)
    result = PlanResult()
    good: list[NewPost] = []
    cache: dict = {}
    for number, fields in _rows(path):
        try:
            post, naive = _check(store, fields, zone, cache)
        except SfogoError as exc:
            result.bad.append(_("line {number}: {exc}").format(number=number, exc=exc))
            continue
        good.append(post)
        result.naive += naive
    if result.bad and not skip_bad:
        raise PlanError(result.bad)
    planned = {
        (p["account_id"], p["at"], p["text"])
        for p in store.posts.listing(
            since=min((p.at for p in good), default=0),
            until=max((p.at for p in good), default=0) + 1,
        )
    }
    fresh = []
    for post in good:
        key = (post.account_id, post.at, post.text)
        if key in planned:
            result.already += 1
            continue
        planned.add(key)
        fresh.append(post)
    store.posts.add(fresh, now=now)
    result.added = len(fresh)
    return result
