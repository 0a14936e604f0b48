"""Who is using sfogo, when several people share one inbox (``sfogo team``).

Identity, in this order:

1. ``user = "NAME"`` in the config: the member of that name (a name no member has is a
   one-line error: the app shows it and goes on as nobody; a command that needs an identity
   refuses);
2. on PostgreSQL, the member whose login role is the role the connection logged in as
   (``current_user``): each person's own role names them, with no setting at all;
3. else nobody. Nobody is how a one-person inbox has always worked: every item is yours to
   handle, nothing is announced as being replied to, the app has no "Mine" view and
   nothing changes. A team member with no identity can still assign items by name.
"""

from __future__ import annotations

from .errors import SfogoError
from .i18n import _
from .rows import MemberRow
from .store import Store
from .text import sanitize


def configured_user(config: dict) -> str:
    """The config's ``user`` ('' when not set); a value that is not a name is an error."""
    value = config.get("user", "")
    if not isinstance(value, str):
        raise SfogoError(_('config: user must be a team member\'s name, like user = "Anna"'))
    return sanitize(value, single_line=True).strip()


def identity(store: Store, config: dict) -> MemberRow | None:
    """The member this person is (see the module's docstring), or None: nobody."""
    return who(store, configured_user(config))


def who(store: Store, user: str) -> MemberRow | None:
    """The member named ``user`` (the config's), else the one of this connection's login
    role, else None."""
    if user:
        member = store.team.find(user)
        if member is None:
            raise SfogoError(
                _(
                    "config: user {name!r} is not a team member: 'sfogo team add {name}' "
                    "adds them, 'sfogo team' shows who is"
                ).format(name=user)
            )
        return member
    return store.team.by_role(store.team.login_role())


def check_name(name: str) -> str:
    """A member's name as given on the command line, cleaned; refused when empty or odd."""
    clean = sanitize(name, single_line=True).strip()
    if not clean or len(clean) > 40:
        raise SfogoError(_("a team member's name is 1 to 40 characters, like Anna"))
    if clean.lower() in ("none", "nobody"):
        raise SfogoError(
            _("{name!r} means 'no one' to sfogo assign: pick another name").format(name=clean)
        )
    return clean
