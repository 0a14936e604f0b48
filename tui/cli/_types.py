"""Typed options and arguments: checked as they are parsed, with sfogo's one-line hints.

A value the user mistyped raises SfogoError, not click's BadParameter, so it reads like
every other expected error: one line ``sfogo: …`` on stderr and exit code 1. Click's own
usage errors (an unknown option, a missing argument) keep its exit code 2. The choice
types also complete in the shell (``sfogo list --channel ma<TAB>``).
"""

from __future__ import annotations

from collections.abc import Sequence

import click
from click.shell_completion import CompletionItem

from sfogo.inbox import when
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import _

from ._context import Context


def option_name(param: click.Parameter | None) -> str:
    """``--limit`` for the option ``-l/--limit``; the metavar for an argument."""
    if param is None:
        return "value"
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name


def listed(choices: Sequence[str]) -> str:
    """'a or b', 'a, b or c'; a longer list reads 'one of a, b, c, d'."""
    if len(choices) > 3:
        return _("one of ") + ", ".join(choices)
    return " or ".join(filter(None, (", ".join(choices[:-1]), choices[-1])))


def _complete(choices: Sequence[str], incomplete: str, prefix: str = "") -> list[CompletionItem]:
    return [CompletionItem(prefix + c) for c in choices if c.startswith(incomplete)]


class OneOf(click.ParamType):
    """One of a few words: ``--tier vip``, ``--format csv``."""

    name = "choice"

    def __init__(self, choices: Sequence[str], what: str, *, case_sensitive: bool = True):
        self.choices = tuple(choices)
        self.what = what
        self.case_sensitive = case_sensitive

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return f"[{'|'.join(self.choices)}]"

    def convert(self, value, param, ctx) -> str:
        word = value if self.case_sensitive else value.lower()
        if word not in self.choices:
            raise SfogoError(
                _("unknown {what} {value!r}: use {listed}").format(
                    what=self.what, value=value, listed=listed(self.choices)
                )
            )
        return word

    def shell_complete(self, ctx, param, incomplete):
        return _complete(self.choices, incomplete)


class Names(click.ParamType):
    """Comma-separated words from a list (``--kind dm,email``); gives a list. With
    ``multiple=True`` the option is repeatable (``--kind dm --kind mention``)."""

    name = "names"

    def __init__(self, choices: Sequence[str], what: str):
        self.choices = tuple(choices)
        self.what = what

    def convert(self, value, param, ctx) -> Sequence[str]:
        if isinstance(value, list):
            return value
        names = [v.strip() for v in value.split(",") if v.strip()]
        for name in names:
            if name not in self.choices:
                raise SfogoError(
                    _("unknown {what} {name!r}: use {listed}").format(
                        what=self.what, name=name, listed=listed(self.choices)
                    )
                )
        return names

    def shell_complete(self, ctx, param, incomplete):
        done, _, last = incomplete.rpartition(",")
        return _complete(self.choices, last, f"{done}," if done else "")


class Statuses(Names):
    """``new,open`` or ``all``; gives a tuple of statuses."""

    def __init__(self, statuses: Sequence[str]):
        super().__init__((*statuses, "all"), "status")
        self.statuses = tuple(statuses)

    def convert(self, value, param, ctx) -> tuple[str, ...]:
        if isinstance(value, tuple):
            return value
        names = [v.strip() for v in value.split(",") if v.strip()]
        hint = _("{names}, or all").format(names=", ".join(self.statuses))
        if "all" in names:
            return self.statuses
        for name in names:
            if name not in self.statuses:
                raise SfogoError(
                    _("unknown status {name!r}: use one of {hint}").format(name=name, hint=hint)
                )
        if not names:
            raise SfogoError(
                _("{option_name} needs a value: one of {hint}").format(
                    option_name=option_name(param), hint=hint
                )
            )
        return tuple(names)


def _item_ids(value: str) -> list[int]:
    ids = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        text = part.lstrip("#")
        if not text.isdigit():
            raise SfogoError(
                _("bad id {part!r}: ids are whole numbers ('sfogo list' shows them)").format(
                    part=part
                )
            )
        ids.append(int(text))
    return ids


class ItemIds(click.ParamType):
    """Item ids as typed: ``12``, ``#12`` or ``12,13``; gives a list of ints."""

    name = "id"

    def convert(self, value, param, ctx) -> list[int]:
        if isinstance(value, list):
            return value
        return _item_ids(value)


class ItemId(click.ParamType):
    """One item id: ``12`` or ``#12``."""

    name = "id"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        ids = _item_ids(value)
        if len(ids) != 1:
            raise SfogoError(
                _("bad id {value!r}: give one id ('sfogo list' shows them)").format(value=value)
            )
        return ids[0]


def unique_ids(groups: Sequence[Sequence[int]]) -> list[int]:
    """The ids of ``done 12,13 13``-style arguments, duplicates dropped, order kept."""
    ids = list(dict.fromkeys(i for group in groups for i in group))
    if not ids:
        raise SfogoError(_("no id given: 'sfogo list' shows the ids"))
    return ids


class Limit(click.ParamType):
    """A whole number of rows to show; 0 (given as the hint says) means no limit: None."""

    name = "n"

    def __init__(self, zero: str = "0 shows everything"):
        self.zero = zero

    def convert(self, value, param, ctx) -> int | None:
        if value is None or isinstance(value, int):
            return value
        if not value.strip().isdigit():
            raise SfogoError(
                _("bad {option_name} {value!r}: use a whole number ({zero})").format(
                    option_name=option_name(param), value=value, zero=self.zero
                )
            )
        return int(value) or None


class WholeNumber(click.ParamType):
    """A count as people write big ones: ``3600``, ``3,600``, ``1_000_000``."""

    name = "n"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        cleaned = value.replace("_", "").replace(",", "").strip()
        if not cleaned.isdigit():
            raise SfogoError(
                _("bad {option_name} {value!r}: use a whole number like 3600 or 1_000_000").format(
                    option_name=option_name(param), value=value
                )
            )
        return int(cleaned)


class Hours(click.ParamType):
    """Hours in a day: more than 0, at most 24 (``7.5``)."""

    name = "hours"

    def convert(self, value, param, ctx) -> float:
        if isinstance(value, float):
            return value
        try:
            hours = float(value)
        except ValueError:
            raise SfogoError(
                _("bad {option_name} {value!r}: use a number of hours like 6 or 7.5").format(
                    option_name=option_name(param), value=value
                )
            ) from None
        if not 0 < hours <= 24:
            raise SfogoError(
                _("{option_name} must be more than 0 and at most 24").format(
                    option_name=option_name(param)
                )
            )
        return hours


class Duration(click.ParamType):
    """A span of time as people type it: ``90m``, ``2h``, ``1d12h``; gives seconds."""

    name = "duration"

    def convert(self, value, param, ctx) -> int:
        return value if isinstance(value, int) else when.parse_duration(value)


class When(click.ParamType):
    """A moment as people type it (``2h``, ``tomorrow 9:00``, ``monday``, ISO 8601), read
    against the context's clock; a bare duration counts back with ``past``. Gives epoch
    seconds."""

    name = "when"

    def __init__(self, *, past: bool = False):
        self.past = past

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        clock = (ctx.ensure_object(Context) if ctx is not None else Context()).clock
        return when.parse_when(value, ref=clock.now(), past=self.past)
