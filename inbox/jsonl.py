"""JSON Lines import and export: the generic channel, and a faithful copy of an inbox.

One interaction per line. Import checks each line on its own: a bad line is reported with
its number and reason and nothing of it is written; the good lines are written. A line is
all or nothing, never its batch: a line the file refuses for its content is found and
skipped alone. Items are keyed by (account, external id), so importing the same file twice
changes nothing. Every export line carries its client and account, so an export imports
back into an empty file. Exports stream row by row and never contain account settings (no
secrets, no cursors).

Lines are read and checked with no lock held, then written a batch per short transaction,
so other writers (``sfogo done``, the app, a sync) get in between batches. A failure of the
file itself (full, busy, damaged, read-only) stops the import: what was committed before it
stays, and the result says up to which line.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sfogo.inbox.i18n import _

from . import when
from .errors import NotFound, SfogoError, StoreError
from .model import CHANNELS, KINDS, STATUSES, TIERS, Interaction
from .store import InboxFilter, Store
from .store.failures import CONTENT_ERRORS
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
# Lines per write transaction. Checking a line (JSON, sanitising) happens before the lock is
# taken; the transaction only writes, so the lock is held about half the time in short
# stretches, and a writer waiting in SQLite's busy handler (which sleeps up to 100 ms between
# tries) finds it free. Measured with `done`/`reopen`/`snooze` in a loop during a 250,000-line
# import (numbers in the README's import section).
BATCH = 200
MAX_REPORTED_ERRORS = 1000
# What one line may hold. A text (after HTML is turned into text) is refused over
# MAX_TEXT_BYTES of UTF-8, every other field over MAX_FIELD_BYTES; a line over MAX_LINE_BYTES
# is not even decoded (its worst legal encoding, every character a \uXXXX pair, stays below).
MAX_TEXT_BYTES = 64 * 1024
MAX_FIELD_BYTES = 4 * 1024
MAX_LINE_BYTES = 1024 * 1024
# Times an export can write back: from 1970 to the last second of 9999 (UTC).
MIN_TIME, MAX_TIME = 0, 253_402_300_799
MAX_TARGET_S = 3650 * 86400  # ten years
_URL_SCHEMES = ("http://", "https://", "mailto:")
_SURROGATE = re.compile("[\ud800-\udfff]")
_OFFSET = re.compile(r"[+-](\d{2}):?\d{2}$")  # a time zone offset at the end of a time


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
    # The file failed (full, busy, damaged, read-only): the import stopped. Everything up
    # to ``written_to`` (a line number; 0: nothing) is in the file, nothing after it.
    stopped: SfogoError | None = None
    written_to: int = 0

    def refuse(self, number: int, reason: str) -> None:
        self.bad += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append((number, reason))


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


def _storable(name: str, text: str, limit: int) -> str:
    """``text`` if the file can hold it: no lone surrogate, at most ``limit`` UTF-8 bytes."""
    found = _SURROGATE.search(text)
    if found:
        raise LineError(
            _(
                "{name}: holds a lone surrogate ({group!r}), which is not text; write "
                "the character itself or its \\uXXXX pair"
            ).format(name=name, group=found.group())
        )
    if len(text) * 4 > limit:  # cheap first: 4 bytes is the most a character takes
        size = len(text.encode("utf-8"))
        if size > limit:
            raise LineError(
                _("{name}: {size:,} bytes; at most {kib} fit in one item").format(
                    name=name, size=size, kib=_kib(limit)
                )
            )
    return text


def _kib(n: int) -> str:
    return f"{n // 1024**2} MiB" if n % 1024**2 == 0 else f"{n // 1024} KiB"


def _string(obj: dict, name: str, *, single_line: bool = True) -> str:
    value = obj.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise LineError(_("{name}: must be a string").format(name=name))
    limit = MAX_FIELD_BYTES if single_line else MAX_TEXT_BYTES
    text = _storable(name, value, limit) if isinstance(value, str) else str(value)
    return sanitize(text, single_line=single_line).strip()


def _time(obj: dict, name: str) -> int | None:
    value = obj.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise LineError(
            _("{name}: not an ISO 8601 time (write it as text, like 2026-11-27T09:30:00Z)").format(
                name=name
            )
        )
    try:
        ts = when.parse_iso(value)
    except (ValueError, OverflowError, OSError):
        offset = _OFFSET.search(value.strip())
        if offset and int(offset.group(1)) >= 24:
            raise LineError(
                _(
                    "{name}: {group} is not a time zone offset (they run from -23:59 to +23:59)"
                ).format(name=name, group=offset.group())
            ) from None
        raise LineError(_("{name}: not an ISO 8601 time").format(name=name)) from None
    if not MIN_TIME <= ts <= MAX_TIME:
        raise LineError(
            _("{name}: {value!r} is not between 1970 and the end of 9999").format(
                name=name, value=value[:40]
            )
        )
    return ts


def _tags(obj: dict) -> list[str]:
    tags = obj.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise LineError(_("tags: must be a list of strings"))
    cleaned = (sanitize(_storable("tags", t, MAX_FIELD_BYTES), single_line=True) for t in tags)
    return [t for t in (c.strip() for c in cleaned) if t]


def _flag(obj: dict, name: str) -> bool:
    value = obj.get(name, False)
    if value is None:
        return False
    if isinstance(value, bool) or value in (0, 1):
        return bool(value)
    raise LineError(_("{name}: must be true or false").format(name=name))


def _choice(obj: dict, name: str, options: tuple[str, ...], default: str) -> str:
    value = obj.get(name)
    if value is None or value == "":
        return default
    if value not in options:
        raise LineError(
            _("{name}: {value!r} is not one of {names}").format(
                name=name, value=str(value)[:40], names=", ".join(options)
            )
        )
    return value


def parse_line(obj: object) -> _Line:
    """Check one decoded JSON line; raise LineError naming the first field that is wrong."""
    if not isinstance(obj, dict):
        raise LineError(_("not a JSON object"))
    unknown = [k for k in obj if k not in IMPORT_FIELDS and not str(k).startswith("_")]
    if unknown:
        raise LineError(
            _("unknown field {value!r} (fields starting with _ are ignored)").format(
                value=str(unknown[0])[:40]
            )
        )
    external_id = _string(obj, "id")
    if not external_id:
        raise LineError(_("id: missing (the item's id on its platform, unique per account)"))
    account = _string(obj, "account")
    if not account:
        raise LineError(_("account: missing (the handle of the account the item arrived on)"))
    if obj.get("kind") in (None, ""):
        raise LineError(_("kind: missing (one of {names})").format(names=", ".join(KINDS)))
    kind = _choice(obj, "kind", KINDS, "")
    created_at = _time(obj, "created_at")
    if created_at is None:
        raise LineError(_("created_at: missing (an ISO 8601 time, like 2026-11-27T09:30:00Z)"))
    if obj.get("html") not in (None, "") and obj.get("text") not in (None, ""):
        raise LineError(_("html: give text or html, not both"))
    if obj.get("html") not in (None, ""):
        if not isinstance(obj["html"], str):
            raise LineError(_("html: must be a string"))
        # The limit is on what is kept: the text, not the markup around it.
        html = _storable("html", obj["html"], MAX_LINE_BYTES)
        text = _storable("html", html_to_text(html), MAX_TEXT_BYTES)
    else:
        text = _string(obj, "text", single_line=False)
    url = _string(obj, "url")
    if url and not url.lower().startswith(_URL_SCHEMES):
        raise LineError(_("url: must start with http://, https:// or mailto:"))
    status = _choice(obj, "status", STATUSES, "new")
    snoozed_until = _time(obj, "snoozed_until")
    if status == "snoozed" and snoozed_until is None:
        raise LineError(_("snoozed_until: missing (a snoozed item needs the time it wakes)"))
    if status != "snoozed" and snoozed_until is not None:
        raise LineError(_("snoozed_until: only a snoozed item has one"))
    target_s = obj.get("target_s")
    if target_s is not None and (
        isinstance(target_s, bool)
        or not isinstance(target_s, int)
        or not 0 < target_s <= MAX_TARGET_S
    ):
        raise LineError(
            _("target_s: must be a whole number of seconds above zero (at most ten years)")
        )
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
        tags=_tags(obj),
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

    def save(self) -> tuple:
        """What :meth:`restore` needs to forget what a rolled-back transaction created."""
        return dict(self.known), len(self.result.created_clients), len(self.result.created_accounts)

    def restore(self, saved: tuple) -> None:
        self.known, clients, accounts = saved
        del self.result.created_clients[clients:]
        del self.result.created_accounts[accounts:]

    def resolve(self, line: _Line) -> int:
        key = (line.channel, line.account)
        if key not in self.known:
            try:
                # A removed account takes its lines back without coming back itself.
                account = self.store.accounts.get(f"{line.channel}:{line.account}", removed=True)
            except NotFound:
                account = None
            if account is None:
                if not line.client:
                    raise LineError(
                        _(
                            "client: missing (needed to create the account {channel}:{account})"
                        ).format(channel=line.channel, account=line.account)
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
                _(
                    "client: the account {channel}:{account} belongs to {client!r}, not {client2!r}"
                ).format(
                    channel=line.channel, account=line.account, client=client, client2=line.client
                )
            )
        return account_id


def _numbered_lines(source: IO[bytes]) -> Iterator[tuple[int, str | LineError]]:
    """(line number, text) for each non-blank line, or (line number, why it cannot be read):
    not UTF-8, or longer than :data:`MAX_LINE_BYTES` (skipped without holding it in memory)."""
    number = 0
    while raw := source.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            size = len(raw)
            while raw and not raw.endswith(b"\n"):
                raw = source.readline(MAX_LINE_BYTES)
                size += len(raw)
            size -= raw.endswith(b"\n") + raw.endswith(b"\r\n")  # the line, not its end
            yield (
                number,
                LineError(
                    _(
                        "{size:,} bytes; a line may hold at most {kib} (a text at most {kib2})"
                    ).format(size=size, kib=_kib(MAX_LINE_BYTES), kib2=_kib(MAX_TEXT_BYTES))
                ),
            )
            continue
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a byte-order mark some editors add
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, LineError(_("not UTF-8 text"))
            continue
        if text.strip():
            yield number, text


def read_line(text: str) -> _Line:
    """One line of text, decoded and checked (no store needed); raise LineError."""
    try:
        decoded = json.loads(text.rstrip("\r\n"))
    except json.JSONDecodeError as exc:
        raise LineError(
            _("not valid JSON ({msg} at column {colno})").format(msg=exc.msg, colno=exc.colno)
        ) from None
    except RecursionError:
        raise LineError(_("not valid JSON (nested too deeply)")) from None
    except ValueError as exc:  # a number with thousands of digits
        raise LineError(_("not valid JSON ({value})").format(value=str(exc)[:80])) from None
    return parse_line(decoded)


# Items are written by store.items.upsert, the one write path sync uses too, not by
# sqlite-utils: upsert_all would overwrite the manager's status, pin and snooze on a
# re-import, and insert_all(ignore=True) would miss a platform's edited text. Measured on
# 100,000 exported demo lines: the whole import ~7,000 lines/s (14 s), half of it parsing
# and sanitising; of the ~7 s of writing, insert_all(ignore=True) would have saved ~2 s.
def import_stream(
    store: Store,
    source: IO[bytes],
    *,
    now: int,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import JSON Lines from a binary stream; see the module docstring for the rules.

    ``now`` stamps ``fetched_at`` of the lines that carry none; ``progress`` hears how many
    bytes of a file have been read, after each batch.
    """
    result = ImportResult()
    accounts = _Accounts(store, result, now=now)
    lines = _numbered_lines(source)
    while chunk := list(itertools.islice(lines, BATCH)):
        checked: list[tuple[int, _Line]] = []
        for number, text in chunk:  # no lock is held while lines are read and checked
            result.lines += 1
            try:
                if isinstance(text, LineError):
                    raise text
                checked.append((number, read_line(text)))
            except LineError as exc:
                result.refuse(number, str(exc))
        try:
            _write(store, accounts, checked, result, now=now)
        except StoreError as exc:  # the file, not a line: stop, keep what was committed
            result.stopped = exc
            return result
        result.written_to = chunk[-1][0]
        if progress is not None and source.seekable():
            progress(source.tell())
    return result


def _write(
    store: Store,
    accounts: _Accounts,
    checked: list[tuple[int, _Line]],
    result: ImportResult,
    *,
    now: int,
) -> None:
    """Write a batch in one transaction. If the file refuses a line's content, the batch
    is written again a line per transaction, so only that line is skipped."""
    saved = accounts.save()
    try:
        outcomes = [_write_lines(store, accounts, checked, now=now)]
    except CONTENT_ERRORS:
        accounts.restore(saved)
        outcomes = []
        for one in checked:
            saved = accounts.save()
            try:
                outcomes.append(_write_lines(store, accounts, [one], now=now))
            except CONTENT_ERRORS as exc:
                accounts.restore(saved)
                reason = _("cannot be stored ({name}: {value})").format(
                    name=type(exc).__name__, value=str(exc)[:120]
                )
                outcomes.append((0, 0, [(one[0], reason)]))
    for added, existing, refused in outcomes:
        result.added += added
        result.existing += existing
        for number, reason in refused:
            result.refuse(number, reason)


def _write_lines(
    store: Store, accounts: _Accounts, checked: list[tuple[int, _Line]], *, now: int
) -> tuple[int, int, list[tuple[int, str]]]:
    """(added, already there, refused lines) of one transaction: new clients, accounts and
    items land together or not at all."""
    refused: list[tuple[int, str]] = []
    items: list[Interaction] = []
    with store.transaction():
        for number, line in checked:
            try:
                line.item.account_id = accounts.resolve(line)
            except StoreError:
                raise
            except (LineError, SfogoError) as exc:
                refused.append((number, str(exc)))
                continue
            items.append(line.item)
        added = store.items.upsert(items, now=now)
    return added, len(items) - added, refused


def import_file(
    store: Store,
    path: str | Path,
    *,
    now: int,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import a JSON Lines file (``-`` reads standard input); ``progress`` as for
    :func:`import_stream`."""
    if str(path) == "-":
        import sys

        return import_stream(store, sys.stdin.buffer, now=now)
    try:
        source = open(path, "rb")  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError:
        raise SfogoError(_("no file {value!r} to import").format(value=str(path))) from None
    except IsADirectoryError:
        raise SfogoError(
            _("{value!r} is a folder: import a .jsonl file").format(value=str(path))
        ) from None
    except OSError as exc:
        raise SfogoError(
            _("cannot read {value!r}: {strerror}").format(value=str(path), strerror=exc.strerror)
        ) from None
    with source:
        return import_stream(store, source, now=now, progress=progress)


# -- exporting ---------------------------------------------------------------------------------


def export_records(store: Store) -> Iterator[dict]:
    """Every interaction as an import line (times as epoch seconds), oldest first."""
    clients = {c.id: c for c in store.clients.all()}
    accounts = {a.id: a for a in store.accounts.all(removed=True)}  # their items too
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


# Exports tell ``progress`` how many items they wrote every this many.
PROGRESS_EVERY = 1000


def export_jsonl(
    store: Store, out: IO[str], *, progress: Callable[[int], None] | None = None
) -> int:
    """Write every interaction as JSON Lines; return how many (``progress`` hears the
    count now and then)."""
    count = 0
    for record in export_records(store):
        out.write(json.dumps(_with_iso_times(record), ensure_ascii=False, allow_nan=False))
        out.write("\n")
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
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


def export_csv(store: Store, out: IO[str], *, progress: Callable[[int], None] | None = None) -> int:
    """Write every interaction as one CSV row (columns as :data:`EXPORT_FIELDS`);
    ``progress`` as for :func:`export_jsonl`."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_FIELDS)
    count = 0
    for record in export_records(store):
        record = _with_iso_times(record)
        writer.writerow([_csv_cell(record[name]) for name in EXPORT_FIELDS])
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    return count
