"""JSON Lines import and export: the generic channel, and a faithful copy of an inbox.

One interaction per line. Import checks each line on its own: a bad line is reported with
its number and reason and nothing of it is written; the good lines are written. Items are
keyed by (account, external id), so importing the same file twice changes nothing. Every
export line carries its client and account, so an export imports back into an empty file.
Exports stream row by row and never contain account settings (no secrets, no cursors).
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from . import when
from .errors import NotFound, SfogoError
from .model import CHANNELS, KINDS, STATUSES, TIERS, Interaction
from .store import InboxFilter, Store
from .text import html_to_text, sanitize

# Field order of an exported line (and the CSV header); import accepts these plus "html".
EXPORT_FIELDS = (
    "client",
    "tier",
    "target_s",
    "channel",
    "account",
    "account_name",
    "id",
    "kind",
    "created_at",
    "fetched_at",
    "author_name",
    "author_handle",
    "text",
    "url",
    "thread",
    "parent",
    "outgoing",
    "status",
    "handled_at",
    "snoozed_until",
    "pinned",
    "tags",
)
IMPORT_FIELDS = frozenset(EXPORT_FIELDS) | {"html"}
DEFAULT_CHANNEL = "import"
BATCH = 1000  # lines per write transaction: atomic enough, short enough for other writers
MAX_REPORTED_ERRORS = 1000
_URL_SCHEMES = ("http://", "https://", "mailto:")


class LineError(Exception):
    """Why one line cannot be imported: ``field: reason`` (or just the reason)."""


@dataclass(slots=True)
class ImportResult:
    lines: int = 0  # non-blank lines read
    added: int = 0  # interactions that were not in the file before
    existing: int = 0  # interactions already there (their manager state kept)
    bad: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    created_clients: list[str] = field(default_factory=list)
    created_accounts: list[str] = field(default_factory=list)  # "channel:handle"


@dataclass(slots=True)
class _Line:
    """One checked line: where it goes and the interaction (without its account id yet)."""

    client: str
    tier: str
    target_s: int | None
    channel: str
    account: str
    account_name: str
    item: Interaction


# -- reading one line -------------------------------------------------------------------------


def _string(obj: dict, name: str, *, single_line: bool = True) -> str:
    value = obj.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise LineError(f"{name}: must be a string")
    return sanitize(value, single_line=single_line).strip()


def _time(obj: dict, name: str) -> int | None:
    value = obj.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise LineError(
            f"{name}: not an ISO 8601 time (write it as text, like 2026-11-27T09:30:00Z)"
        )
    try:
        return when.parse_iso(value)
    except (ValueError, OverflowError, OSError):
        raise LineError(f"{name}: not an ISO 8601 time") from None


def _flag(obj: dict, name: str) -> bool:
    value = obj.get(name, False)
    if value is None:
        return False
    if isinstance(value, bool) or value in (0, 1):
        return bool(value)
    raise LineError(f"{name}: must be true or false")


def _choice(obj: dict, name: str, options: tuple[str, ...], default: str) -> str:
    value = obj.get(name)
    if value is None or value == "":
        return default
    if value not in options:
        raise LineError(f"{name}: {str(value)[:40]!r} is not one of {', '.join(options)}")
    return value


def parse_line(obj: object) -> _Line:
    """Check one decoded JSON line; raise LineError naming the first field that is wrong."""
    if not isinstance(obj, dict):
        raise LineError("not a JSON object")
    unknown = [k for k in obj if k not in IMPORT_FIELDS and not str(k).startswith("_")]
    if unknown:
        raise LineError(
            f"unknown field {str(unknown[0])[:40]!r} (fields starting with _ are ignored)"
        )
    external_id = _string(obj, "id")
    if not external_id:
        raise LineError("id: missing (the item's id on its platform, unique per account)")
    account = _string(obj, "account")
    if not account:
        raise LineError("account: missing (the handle of the account the item arrived on)")
    if obj.get("kind") in (None, ""):
        raise LineError(f"kind: missing (one of {', '.join(KINDS)})")
    kind = _choice(obj, "kind", KINDS, "")
    created_at = _time(obj, "created_at")
    if created_at is None:
        raise LineError("created_at: missing (an ISO 8601 time, like 2026-11-27T09:30:00Z)")
    if obj.get("html") not in (None, "") and obj.get("text") not in (None, ""):
        raise LineError("html: give text or html, not both")
    if obj.get("html") not in (None, ""):
        if not isinstance(obj["html"], str):
            raise LineError("html: must be a string")
        text = html_to_text(obj["html"])
    else:
        text = _string(obj, "text", single_line=False)
    url = _string(obj, "url")
    if url and not url.lower().startswith(_URL_SCHEMES):
        raise LineError("url: must start with http://, https:// or mailto:")
    status = _choice(obj, "status", STATUSES, "new")
    snoozed_until = _time(obj, "snoozed_until")
    if status == "snoozed" and snoozed_until is None:
        raise LineError("snoozed_until: missing (a snoozed item needs the time it wakes)")
    if status != "snoozed" and snoozed_until is not None:
        raise LineError("snoozed_until: only a snoozed item has one")
    tags = obj.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise LineError("tags: must be a list of strings")
    target_s = obj.get("target_s")
    if target_s is not None and (
        isinstance(target_s, bool) or not isinstance(target_s, int) or target_s <= 0
    ):
        raise LineError("target_s: must be a whole number of seconds above zero")
    item = Interaction(
        account_id=0,
        external_id=external_id,
        kind=kind,
        created_at=created_at,
        text=text,
        author_name=_string(obj, "author_name"),
        author_handle=_string(obj, "author_handle"),
        url=url,
        thread_ref=_string(obj, "thread"),
        parent_ref=_string(obj, "parent"),
        outgoing=_flag(obj, "outgoing"),
        fetched_at=_time(obj, "fetched_at"),
        status=status,
        snoozed_until=snoozed_until,
        handled_at=_time(obj, "handled_at"),
        pinned=_flag(obj, "pinned"),
        tags=[c for c in (sanitize(t, single_line=True).strip() for t in tags) if c],
    )
    return _Line(
        client=_string(obj, "client"),
        tier=_choice(obj, "tier", TIERS, "normal"),
        target_s=target_s,
        channel=_choice(obj, "channel", CHANNELS, DEFAULT_CHANNEL),
        account=account,
        account_name=_string(obj, "account_name"),
        item=item,
    )


# -- importing ---------------------------------------------------------------------------------


class _Accounts:
    """Finds (or creates) the account each line names, remembering what it found."""

    def __init__(self, store: Store, result: ImportResult, *, now: int) -> None:
        self.store = store
        self.result = result
        self.now = now
        self.known: dict[tuple[str, str], tuple[int, str]] = {}  # -> (account id, client)

    def resolve(self, line: _Line) -> int:
        key = (line.channel, line.account)
        if key not in self.known:
            try:
                account = self.store.accounts.get(f"{line.channel}:{line.account}")
            except NotFound:
                account = None
            if account is None:
                if not line.client:
                    raise LineError(
                        f"client: missing (needed to create the account "
                        f"{line.channel}:{line.account})"
                    )
                try:
                    owner = self.store.clients.get(line.client)
                except NotFound:
                    owner = self.store.clients.add(
                        line.client, line.tier, line.target_s, now=self.now
                    )
                    self.result.created_clients.append(owner.name)
                account = self.store.accounts.add(
                    owner.id, line.channel, line.account, line.account_name, now=self.now
                )
                self.result.created_accounts.append(f"{line.channel}:{line.account}")
                self.known[key] = (account.id, owner.name)
            else:
                self.known[key] = (account.id, self.store.clients.get(account.client_id).name)
        account_id, client = self.known[key]
        if line.client and line.client.casefold() != client.casefold():
            raise LineError(
                f"client: the account {line.channel}:{line.account} belongs to "
                f"{client!r}, not {line.client!r}"
            )
        return account_id


def _numbered_lines(source: IO[bytes]) -> Iterator[tuple[int, str | None]]:
    """(line number, text) for each non-blank line; text is None when it is not UTF-8."""
    for number, raw in enumerate(source, 1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a byte-order mark some editors add
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None
            continue
        if text.strip():
            yield number, text


# Items are written by store.items.upsert, the one write path sync uses too, not by
# sqlite-utils: upsert_all would overwrite the manager's status, pin and snooze on a
# re-import, and insert_all(ignore=True) would miss a platform's edited text. Measured on
# 100,000 exported demo lines: the whole import ~7,000 lines/s (14 s), half of it parsing
# and sanitising; of the ~7 s of writing, insert_all(ignore=True) would have saved ~2 s.
def import_stream(store: Store, source: IO[bytes], *, now: int) -> ImportResult:
    """Import JSON Lines from a binary stream; see the module docstring for the rules.

    ``now`` stamps ``fetched_at`` of the lines that carry none.
    """
    result = ImportResult()
    accounts = _Accounts(store, result, now=now)
    lines = _numbered_lines(source)
    while True:
        chunk = list(itertools.islice(lines, BATCH))
        if not chunk:
            return result
        # One transaction per batch: a batch's new clients, accounts and items land together.
        with store.transaction():
            items: list[Interaction] = []
            for number, text in chunk:
                result.lines += 1
                try:
                    if text is None:
                        raise LineError("not UTF-8 text")
                    try:
                        decoded = json.loads(text.rstrip("\r\n"))
                    except json.JSONDecodeError as exc:
                        raise LineError(
                            f"not valid JSON ({exc.msg} at column {exc.colno})"
                        ) from None
                    line = parse_line(decoded)
                    line.item.account_id = accounts.resolve(line)
                except (LineError, SfogoError) as exc:
                    result.bad += 1
                    if len(result.errors) < MAX_REPORTED_ERRORS:
                        result.errors.append((number, str(exc)))
                    continue
                items.append(line.item)
            added = store.items.upsert(items, now=now)
            result.added += added
            result.existing += len(items) - added


def import_file(store: Store, path: str | Path, *, now: int) -> ImportResult:
    """Import a JSON Lines file (``-`` reads standard input)."""
    if str(path) == "-":
        import sys

        return import_stream(store, sys.stdin.buffer, now=now)
    try:
        source = open(path, "rb")  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError:
        raise SfogoError(f"no file {str(path)!r} to import") from None
    except IsADirectoryError:
        raise SfogoError(f"{str(path)!r} is a folder: import a .jsonl file") from None
    except OSError as exc:
        raise SfogoError(f"cannot read {str(path)!r}: {exc.strerror}") from None
    with source:
        return import_stream(store, source, now=now)


# -- exporting ---------------------------------------------------------------------------------


def export_records(store: Store) -> Iterator[dict]:
    """Every interaction as an import line (times as epoch seconds), oldest first."""
    clients = {c.id: c for c in store.clients.all()}
    accounts = {a.id: a for a in store.accounts.all()}
    for row in store.items.iter_rows(InboxFilter(statuses=()), oldest_first=True):
        client = clients[row["client_id"]]
        account = accounts[row["account_id"]]
        yield {
            "client": client.name,
            "tier": client.tier,
            "target_s": client.target_s,
            "channel": account.channel,
            "account": account.handle,
            "account_name": account.display_name,
            "id": row["external_id"],
            "kind": row["kind"],
            "created_at": row["created_at"],
            "fetched_at": row["fetched_at"],
            "author_name": row["author_name"],
            "author_handle": row["author_handle"],
            "text": row["text"],
            "url": row["url"],
            "thread": row["thread_ref"],
            "parent": row["parent_ref"],
            "outgoing": row["outgoing"],
            "status": row["status"],
            "handled_at": row["handled_at"],
            "snoozed_until": row["snoozed_until"],
            "pinned": row["pinned"],
            "tags": row["tags"],
        }


_TIME_FIELDS = ("created_at", "fetched_at", "handled_at", "snoozed_until")


def _with_iso_times(record: dict) -> dict:
    for name in _TIME_FIELDS:
        record[name] = when.iso(record[name])
    return record


def export_jsonl(store: Store, out: IO[str]) -> int:
    """Write every interaction as JSON Lines; return how many."""
    count = 0
    for record in export_records(store):
        out.write(json.dumps(_with_iso_times(record), ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


# A cell a spreadsheet would run as a formula (CSV injection). A plain @handle is left alone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_HANDLE = re.compile(r"^@[\w.\-@]+$")


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = ", ".join(value)
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not _PLAIN_HANDLE.match(value)
    ):
        return "'" + value
    return value


def export_csv(store: Store, out: IO[str]) -> int:
    """Write every interaction as one CSV row (columns as :data:`EXPORT_FIELDS`)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_FIELDS)
    count = 0
    for record in export_records(store):
        record = _with_iso_times(record)
        writer.writerow([_csv_cell(record[name]) for name in EXPORT_FIELDS])
        count += 1
    return count
