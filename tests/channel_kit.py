"""What the connector tests share: an emulator served for one test, an httpx client fixture,
running a connector's fetch to completion, and an item as the outbox hands it back."""

from __future__ import annotations

import threading
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
    """Every page of one fetch from ``cursor`` (none: a first sync)."""
    return [page async for page in channel.fetch(cursor or {})]


def ids(pages) -> list[str]:
    return [item.external_id for page in pages for item in page.items]


async def drain(channel, cursor):
    """One fetch run to completion: (all items, the last page's cursor, the pages)."""
    pages = [page async for page in channel.fetch(cursor)]
    return [i for p in pages for i in p.items], pages[-1].cursor, pages


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
