"""Generated people and words for the emulators: seeded, varied, sometimes hostile."""

from __future__ import annotations

from datetime import UTC, datetime
from random import Random

FIRST = (
    "Giulia",
    "Marco",
    "Sofia",
    "Luca",
    "Amara",
    "Kenji",
    "Noor",
    "Pablo",
    "Ines",
    "Tomasz",
    "Aiko",
    "Femi",
    "Lena",
    "Omar",
    "Chiara",
    "Dev",
    "Rosa",
    "Yusuf",
)
LAST = (
    "Rossi",
    "Bianchi",
    "Okafor",
    "Tanaka",
    "Haddad",
    "García",
    "Novak",
    "Larsen",
    "Conti",
    "Mehta",
    "Silva",
    "Kowalski",
)
OPENERS = ("Hey {me}", "{me}", "Hi {me}!", "Ciao {me},", "Dear {me},", "Quick one {me}:")
BODIES = (
    "is the shop open on Sunday?",
    "my order #{n} has not arrived yet.",
    "loved the new campaign, where can I buy the blue one?",
    "your link in bio is broken.",
    "do you ship to Portugal?",
    "can I still use the discount code from last week?",
    "the app keeps logging me out since the update.",
    "who should I talk to about a collaboration?",
    "great event yesterday, thanks!",
    "the payment went through twice, please refund one.",
    "is there a vegan option on the new menu?",
    "when is the next live stream?",
)
# Hostile text a platform may carry: terminal escapes, bidi overrides, markup look-alikes.
HOSTILE = (
    "\x1b]0;owned\x07 title change attempt",
    "click [@click=app.quit]here[/] please",
    "refund \u202eredneS\u202c now",
    "\x1b[2J\x1b[H screen wipe",
)


def iso_ms(ts: float) -> str:
    """ISO 8601 with milliseconds and Z, as Mastodon and Bluesky write times."""
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def person(rng: Random) -> tuple[str, str]:
    """(display name, user name)."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    user = f"{first}{last[:3]}{rng.randrange(10, 99)}".lower()
    user = user.encode("ascii", "ignore").decode() or "user"
    return f"{first} {last}", user


def sentence(rng: Random, me: str, *, hostile_every: int = 25) -> str:
    if hostile_every and rng.randrange(hostile_every) == 0:
        return f"{me} {rng.choice(HOSTILE)}"
    return (
        rng.choice(OPENERS).format(me=me)
        + " "
        + rng.choice(BODIES).format(n=rng.randrange(1000, 9999))
    )
