"""What the connector tests share: an emulator served for one test, an httpx client fixture,
running a connector's fetch to completion, an item as the outbox hands it back, and the
story every connector tells: each field sfogo needs, missing in turn."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager

import httpx
import pytest

from sfogo.inbox.channels.base import ChannelError


@contextmanager
def serving(emulator):
    """``emulator`` started on loopback for the block, stopped after it."""
    emulator.start()
    try:
        yield emulator
    finally:
        # stop() waits up to 0.5 s for serve_forever's poll: let it finish off the test's time.
        threading.Thread(target=emulator.stop, daemon=True).start()


def http_fixture(timeout):
    """An ``http`` fixture (one httpx.AsyncClient a test) with ``timeout``: assign it to ``http``
    in the test module."""

    @pytest.fixture
    async def http():
        async with httpx.AsyncClient(timeout=timeout) as client:
            yield client

    return http


async def pages_of(channel, cursor=None) -> list:
    """Every page of one fetch from ``cursor`` (none: a first sync), as sync reads them."""
    return [page async for page in channel.pages(cursor or {})]


def ids(pages) -> list[str]:
    return [item.external_id for page in pages for item in page.items]


async def drain(channel, cursor):
    """One fetch run to completion: (all items, the last page's cursor, the pages)."""
    pages = [page async for page in channel.pages(cursor)]
    return [i for p in pages for i in p.items], pages[-1].cursor, pages


def skipped(pages) -> Counter:
    """The entries a fetch skipped, by reason, over all its pages."""
    return sum((page.skipped for page in pages), Counter())


async def each_field_missing_in_turn(
    emu, make: Callable[[], object], cases, *, every: int = 4, paths: str | None = None
) -> dict:
    """The story of every connector: for each ``(name, fields, reason)`` in ``cases`` the
    emulator serves every ``every``-th entry without ``fields`` (dotted paths, see
    ``tui/demo/emulators/recorded.py``) and a first fetch by a new connector from ``make()``
    runs to the end. With a ``reason`` those entries are skipped and counted under it and
    every other entry lands; without one (the value is derived, or shown as unknown) every
    entry lands and nothing is counted.

    Returns {name: (items by external id, the ids of the entries served without the fields)}
    for the checks each platform adds (what was derived, what shows as unknown)."""
    clean, _, _ = await drain(make(), {})
    everything = {i.external_id for i in clean}
    assert len(everything) > every * 2, "too few entries for the story"
    found = {}
    for name, fields, reason in cases:
        touched: list[str] = []
        emu.faults.set("partial", drop=tuple(fields), every=every, touched=touched, paths=paths)
        try:
            items, _, pages = await drain(make(), {})
        finally:
            emu.faults.clear("partial")
        landed = {i.external_id for i in items}
        assert touched, f"{name}: no entry was served without {fields}"
        if reason:
            assert skipped(pages) == {reason: len(touched)}, name
            assert landed == everything - set(touched), name
        else:
            assert skipped(pages) == {}, name
            assert landed == everything, name
        found[name] = ({i.external_id: i for i in items}, touched)
    return found


def row(item, **extra) -> dict:
    """The item as the outbox hands it to send_reply (a Store row's fields)."""
    return {
        "external_id": item.external_id,
        "thread_ref": item.thread_ref,
        "parent_ref": item.parent_ref,
        "kind": item.kind,
        "author_handle": item.author_handle,
        "created_at": item.created_at,
        "outgoing": item.outgoing,
        **extra,
    }


async def slow_is_down_then_stopped_is_offline(emu, connector) -> None:
    """A fetch from a server slower than the client's timeout fails "down"; once the server is
    stopped, "offline". ``connector(emu, http)`` makes the channel under test."""
    emu.faults.set("slow", seconds=1.0)
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.3)) as http:
        with pytest.raises(ChannelError) as err:
            await drain(connector(emu, http), {})
        assert err.value.outcome == "down"
        emu.faults.clear()
        emu.stop()
        with pytest.raises(ChannelError) as err:
            await drain(connector(emu, http), {})
        assert err.value.outcome == "offline"
