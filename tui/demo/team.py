"""The demo's small agency: the freelancer took on three colleagues this week.

``add_team(store, now)`` runs after ``build_demo`` (``sfogo demo`` does both; the stories'
tests build the freelancer's inbox alone, as before). It adds four members with their own
hours and time zones, gives some of the backlog to its owners and sends one member on
holiday, so the app shows owners on rows, the Mine view (key 6) and the plan's shares:

- **Giulia** (you: the app ``sfogo demo`` opens is hers): Rome, Monday to Friday with a
  lunch break; she keeps the VIP hotel's e-mail and Instagram;
- **Marco**: Rome, Tuesday to Saturday, afternoons and evenings (the restaurant's busy
  hours); he has the trattoria and the hotel's Facebook;
- **Sofia**: Lisbon, weekday mornings; nothing assigned: the plan gives her work;
- **Tom**: New York, on holiday since three days ago until 09:00 his time on the second
  weekday after today; the startup's e-mails wait for him.

The sick days and the outage of the stories stay the whole inbox's (they came before the
team). Everything depends only on ``now``: the same demo every time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sfogo.inbox.store import InboxFilter, Store

DEMO_USER = "Giulia"
DAY = 86400
# name, days, hours, time zone
MEMBERS = (
    ("Giulia", "mon,tue,wed,thu,fri", "09:00-13:00,14:00-18:00", "Europe/Rome"),
    ("Marco", "tue,wed,thu,fri,sat", "13:00-21:00", "Europe/Rome"),
    ("Sofia", "mon,tue,wed,thu,fri", "08:00-14:00", "Europe/Lisbon"),
    ("Tom", "mon,tue,wed,thu,fri", "09:00-17:00", "America/New_York"),
)
# Who keeps which client's open items, on which channels (none named: all of them).
OWNERS = (
    ("Hotel Aurelia Roma", ("email", "instagram"), "Giulia"),
    ("Hotel Aurelia Roma", ("facebook",), "Marco"),
    ("Trattoria Da Gino", (), "Marco"),
    ("Nuvola Labs", ("email",), "Tom"),
)
AWAY = "Tom"


def holiday(now: int) -> tuple[int, int]:
    """Tom's holiday: from three days ago to 09:00 New York time on the second weekday
    after today (on a Friday: Tuesday)."""
    zone = ZoneInfo("America/New_York")
    back, weekdays = datetime.fromtimestamp(now, zone).date(), 0
    while weekdays < 2:
        back += timedelta(days=1)
        weekdays += back.weekday() < 5
    end = datetime(back.year, back.month, back.day, 9, tzinfo=zone)
    return now - 3 * DAY, int(end.timestamp())


def add_team(store: Store, now: int) -> dict:
    """Add the team, its assignments and the holiday; return what the summary says of it."""
    joined = now - 3 * DAY
    ids = {
        name: store.team.add(name, days=days, hours=hours, timezone=zone, now=joined)
        for name, days, hours, zone in MEMBERS
    }
    clients = {c.name: c.id for c in store.clients.all()}
    assigned: dict[str, int] = {}
    for client, channels, member in OWNERS:
        flt = InboxFilter(client_ids=(clients[client],), channels=channels)
        items = store.items.ids(flt)
        store.team.assign(items, ids[member], now=now)
        assigned[member] = assigned.get(member, 0) + len(items)
    start, end = holiday(now)
    store.away.add(start, end, "away", "holiday", member_id=ids[AWAY])
    return {
        "you": DEMO_USER,
        "members": [
            {"name": name, "days": days, "hours": hours, "timezone": zone}
            for name, days, hours, zone in MEMBERS
        ],
        "assigned": assigned,
        "away": {"member": AWAY, "start": start, "end": end},
    }
