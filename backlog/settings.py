"""Triage settings: coefficients, tiers, kinds, reply windows and keywords, from the config.

Everything has a default, so an empty config file (or none) works. The tables read here::

    [triage]                 # coefficients (score = sum of coefficient x factor) and shapes
    tier = 6.0
    age_cap = "7d"           # the age term is capped at this age
    window_warning = "12h"   # the reply-window term rises over the window's last 12 hours
    [tiers.vip]              # one table per tier: its response target and its tier factor
    target = "2h"
    factor = 1.0
    [kinds]                  # the kind factor (private messages and e-mails above mentions)
    dm = 1.0
    [windows.facebook]       # platform reply windows per channel and kind ("none" disables)
    dm = "24h"
    [keywords]               # matched case-insensitively at the start of a word
    urgent = ["urgent", "urgente", "rimborso", "non funziona"]
    question = ["?"]

A client's own response target (``clients.target_s``) wins over its tier's target.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sfogo.inbox import config as config_file
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import _
from sfogo.inbox.model import CHANNELS, KINDS, TIER_TARGETS, TIERS
from sfogo.inbox.triage_keys import (
    DEFAULT_QUESTION_WORDS,
    DEFAULT_URGENT_WORDS,
    Keywords,
    keyword_pattern,
)
from sfogo.inbox.when import parse_duration

if TYPE_CHECKING:
    from sfogo.inbox.store import Store

# Term names in the order ``sfogo why`` shows them; each has a coefficient in [triage].
TERMS = (
    "pinned",
    "window",
    "unanswerable",
    "tier",
    "deadline",
    "kind",
    "words",
    "question",
    "gap",
    "age",
)

DEFAULT_COEFFICIENTS = {
    "pinned": 8.0,  # a manual pin (Taskwarrior's "next" tag)
    # A reply window in its last hour outranks any item without one: 32 x 11/12 plus a
    # dm's kind (3) beats the most every other term can add up to (32).
    "window": 32.0,
    "unanswerable": -30.0,  # the window has closed: shown, marked, sunk below the rest
    "tier": 6.0,  # the client's tier
    "deadline": 8.0,  # ramp towards the client's response target, capped once passed
    "kind": 3.0,  # private messages and e-mails above public mentions
    "words": 2.5,  # urgent or complaint words (English and Italian)
    "question": 1.0,  # a question mark or question words
    "gap": 1.5,  # arrived while sfogo could not see or the manager was away
    "age": 2.0,  # capped age, so nothing waits for ever
}
DEFAULT_TIER_FACTORS = {"vip": 1.0, "high": 0.65, "normal": 0.3, "low": 0.0}
DEFAULT_KIND_FACTORS = {
    "dm": 1.0,
    "email": 1.0,
    "review": 0.6,
    "comment": 0.5,
    "reply": 0.5,
    "mention": 0.3,
}
# Facebook and Instagram accept a reply to a private message only within 24 hours of the
# person's last message; every other channel has no hard window.
DEFAULT_WINDOWS = {("facebook", "dm"): 24 * 3600, ("instagram", "dm"): 24 * 3600}
DEFAULT_AGE_CAP_S = 7 * 86400
DEFAULT_WINDOW_WARNING_S = 12 * 3600

_TRIAGE_SHAPES = ("age_cap", "window_warning")
# Bounds that keep every score and time finite and storable (a time is bound into SQL).
MAX_NUMBER = 1_000_000
MAX_DURATION_S = 3650 * 86400  # ten years
# Terms that grow with an item's age; their coefficients may not be negative.
TIME_TERMS = ("window", "deadline", "age")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything triage and the backlog need from the config (and the clients' targets)."""

    coefficients: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_COEFFICIENTS))
    tier_factors: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TIER_FACTORS))
    tier_targets: dict[str, int] = field(default_factory=lambda: dict(TIER_TARGETS))
    kind_factors: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_KIND_FACTORS))
    windows: dict[tuple[str, str], int] = field(default_factory=lambda: dict(DEFAULT_WINDOWS))
    urgent_words: tuple[str, ...] = DEFAULT_URGENT_WORDS
    question_words: tuple[str, ...] = DEFAULT_QUESTION_WORDS
    age_cap_s: int = DEFAULT_AGE_CAP_S
    window_warning_s: int = DEFAULT_WINDOW_WARNING_S
    # Client id -> the client's own response target (clients.target_s), when it has one.
    client_targets: dict[int, int] = field(default_factory=dict)
    _patterns: dict = field(default_factory=dict, compare=False, repr=False)

    # -- lookups -----------------------------------------------------------------------

    def target_s(
        self, tier: str, client_id: int | None = None, own_target: int | None = None
    ) -> int:
        """The response target: the client's own, else its tier's."""
        if own_target:
            return int(own_target)
        if client_id is not None and client_id in self.client_targets:
            return self.client_targets[client_id]
        return self.tier_targets.get(tier, TIER_TARGETS["normal"])

    def window_s(self, channel: str, kind: str) -> int | None:
        """The platform's reply window for this channel and kind, or None."""
        return self.windows.get((channel, kind))

    def matches(self, group: str, text: str) -> list[str]:
        """The words of keyword ``group`` ("urgent" or "question") found in ``text``."""
        pattern = self._pattern(group)
        if pattern is None or not text:
            return []
        found: list[str] = []
        for m in pattern.finditer(text.casefold()):
            word = " ".join(m.group(0).split()).replace("\u2019", "'")
            if word not in found:
                found.append(word)
        return found

    def has(self, group: str, text: str) -> bool:
        pattern = self._pattern(group)
        return bool(pattern is not None and text and pattern.search(text.casefold()))

    @property
    def keywords(self) -> Keywords:
        """The keyword lists as the store computes each item's stored flags with them."""
        found = self._patterns.get("keywords")
        if found is None:
            found = self._patterns["keywords"] = Keywords(self.urgent_words, self.question_words)
        return found

    def flags(self, text: str) -> tuple[bool, bool]:
        """(has urgent words, has a question) — what an item's stored triage key records."""
        return self.keywords.flags(text)

    def _pattern(self, group: str) -> re.Pattern | None:
        if group not in self._patterns:
            words = self.urgent_words if group == "urgent" else self.question_words
            self._patterns[group] = keyword_pattern(words)
        return self._patterns[group]

    def keyword_fingerprint(self) -> str:
        """Changes when the keyword lists change (stored per-item flags must be recomputed)."""
        return self.keywords.fingerprint

    def with_client_targets(self, targets: dict[int, int]) -> Settings:
        return Settings(
            coefficients=self.coefficients,
            tier_factors=self.tier_factors,
            tier_targets=self.tier_targets,
            kind_factors=self.kind_factors,
            windows=self.windows,
            urgent_words=self.urgent_words,
            question_words=self.question_words,
            age_cap_s=self.age_cap_s,
            window_warning_s=self.window_warning_s,
            client_targets=dict(targets),
        )


# -- reading the config ---------------------------------------------------------------------


def _number(section: str, key: str, value: object) -> float:
    """A finite number of sensible size: TOML's ``nan`` and ``inf`` (or 1e300, which sums
    to inf) would turn every score they touch into NaN and the ranking into noise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SfogoError(
            _("config: [{section}] {key} must be a number").format(section=section, key=key)
        )
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise SfogoError(
            _(
                "config: [{section}] {key} must be a number from {value:,} to "
                "{max_number:,}, not {value2}"
            ).format(
                section=section, key=key, value=-MAX_NUMBER, max_number=MAX_NUMBER, value2=value
            )
        )
    return float(value)


def _optional_duration(section: str, key: str, value: object) -> int | None:
    """A duration, or None where the config turns it off (``false``, "none", "0", "")."""
    if value is False or (isinstance(value, str) and value.strip().lower() in ("none", "0", "")):
        return None
    return _duration(section, key, value)


def _duration(section: str, key: str, value: object) -> int:
    seconds = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise SfogoError(
                _('config: [{section}] {key} must be a duration like "2h", not {value}').format(
                    section=section, key=key, value=value
                )
            )
        if value <= 0:
            raise SfogoError(
                _("config: [{section}] {key} must be longer than zero").format(
                    section=section, key=key
                )
            )
        seconds = value
    elif isinstance(value, str):
        try:
            seconds = parse_duration(value)
        except SfogoError:
            pass
    if seconds is None:
        raise SfogoError(
            _('config: [{section}] {key} must be a duration like "2h"').format(
                section=section, key=key
            )
        )
    if seconds > MAX_DURATION_S:
        raise SfogoError(
            _("config: [{section}] {key} must be at most {value}d").format(
                section=section, key=key, value=MAX_DURATION_S // 86400
            )
        )
    return int(seconds)


def _table(data: dict, name: str) -> dict:
    return config_file.section(data, name)


def _unknown(section: str, keys: Iterable[str], known: Sequence[str]) -> None:
    extra = sorted(set(keys) - set(known))
    if extra:
        raise SfogoError(
            _("config: [{section}] has no setting {v0!r}: use {names}").format(
                section=section, v0=extra[0], names=", ".join(known)
            )
        )


def from_dict(data: dict) -> Settings:
    """Settings from a parsed config dict; raises SfogoError on the first bad value."""
    triage = _table(data, "triage")
    _unknown("triage", triage, TERMS + _TRIAGE_SHAPES)
    coefficients = dict(DEFAULT_COEFFICIENTS)
    for name in TERMS:
        if name in triage:
            coefficients[name] = _number("triage", name, triage[name])
    for name in TIME_TERMS:
        # The indexed triage order needs these to grow with age (backlog/triage.py).
        if coefficients[name] < 0:
            raise SfogoError(_("config: [triage] {name} must be zero or more").format(name=name))
    age_cap = DEFAULT_AGE_CAP_S
    if "age_cap" in triage:
        age_cap = _duration("triage", "age_cap", triage["age_cap"])
    warning = DEFAULT_WINDOW_WARNING_S
    if "window_warning" in triage:
        warning = _duration("triage", "window_warning", triage["window_warning"])

    tiers = _table(data, "tiers")
    _unknown("tiers", tiers, TIERS)
    tier_targets = dict(TIER_TARGETS)
    tier_factors = dict(DEFAULT_TIER_FACTORS)
    for tier, table in tiers.items():
        name = f"tiers.{tier}"
        if not isinstance(table, dict):
            raise SfogoError(
                _("config: [{name}] must be a table with target and factor").format(name=name)
            )
        _unknown(name, table, ("target", "factor"))
        if "target" in table:
            tier_targets[tier] = _duration(name, "target", table["target"])
        if "factor" in table:
            tier_factors[tier] = _number(name, "factor", table["factor"])

    kinds = _table(data, "kinds")
    _unknown("kinds", kinds, KINDS)
    kind_factors = dict(DEFAULT_KIND_FACTORS)
    for kind, value in kinds.items():
        kind_factors[kind] = _number("kinds", kind, value)

    windows_table = _table(data, "windows")
    _unknown("windows", windows_table, CHANNELS)
    windows = dict(DEFAULT_WINDOWS)
    for channel, table in windows_table.items():
        name = f"windows.{channel}"
        if not isinstance(table, dict):
            raise SfogoError(
                _('config: [{name}] must be a table of kind = "24h"').format(name=name)
            )
        _unknown(name, table, KINDS)
        for kind, value in table.items():
            seconds = _optional_duration(name, kind, value)
            if seconds is None:
                windows.pop((channel, kind), None)
            else:
                windows[(channel, kind)] = seconds

    keywords = _table(data, "keywords")
    _unknown("keywords", keywords, ("urgent", "question"))
    lists = {"urgent": DEFAULT_URGENT_WORDS, "question": DEFAULT_QUESTION_WORDS}
    for group, value in keywords.items():
        if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
            raise SfogoError(
                _("config: [keywords] {group} must be a list of words").format(group=group)
            )
        lists[group] = tuple(w for w in value if w.strip())

    return Settings(
        coefficients=coefficients,
        tier_factors=tier_factors,
        tier_targets=tier_targets,
        kind_factors=kind_factors,
        windows=windows,
        urgent_words=lists["urgent"],
        question_words=lists["question"],
        age_cap_s=age_cap,
        window_warning_s=warning,
    )


def load(config_path: str | os.PathLike | None = None, *, store: Store | None = None) -> Settings:
    """Settings from the config file (defaults when it is missing).

    With ``store``, the clients' own response targets are read too, so ``explain`` and
    the backlog see the target each client actually has.
    """
    path = config_path
    if (
        path
        and not os.path.exists(os.path.expanduser(path))
        and (os.fspath(path) == os.environ.get("SFOGO_CONFIG"))
    ):
        path = None  # SFOGO_CONFIG may name a file not written yet: defaults, as with none
        data: dict = {}
    else:
        data = config_file.load(path)
    settings = from_dict(data)
    if store is not None:
        settings = settings.with_client_targets(client_targets(store))
    return settings


def client_targets(store: Store) -> dict[int, int]:
    """Client id -> its own response target, for clients that set one."""
    return store.clients.own_targets()
