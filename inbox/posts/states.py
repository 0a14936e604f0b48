"""The closed vocabularies of expected posts, and the watchdog's tolerances.

A post's ``state`` is what the watchdog says about it; ``at_risk`` is never stored (it is
derived where the gaps are known, in ``backlog/posts.py``). A post that sfogo itself must
publish or put back on a platform's queue also carries a ``send_state``: the outbox's own
states (:class:`~sfogo.inbox.model.ReplyState`), so the same exactly-once machinery moves it.
"""

from __future__ import annotations

from enum import StrEnum


class PostState(StrEnum):
    SCHEDULED = "scheduled"  # expected, not yet seen published
    RESCHEDULED = "rescheduled"  # expected, the platform's time changed (both kept)
    PUBLISHED = "published"  # seen on the account's own timeline within the tolerance
    LATE = "late"  # seen, but more than LATE_S after its time
    MISSED = "missed"  # its time plus GRACE_S passed and it is not on the timeline
    VANISHED = "vanished"  # left the platform's queue before its time, unpublished
    FAILED = "failed"  # sfogo's own post (or restore) was refused: the platform's reason
    HELD = "held"  # sfogo's own post waits for a decision (expired, account blocked)
    CANCELLED = "cancelled"  # by the manager, in sfogo


class PostSource(StrEnum):
    QUEUE = "queue"  # read from the platform's own queue
    PLAN = "plan"  # an editorial plan file (``sfogo posts import``)
    SFOGO = "sfogo"  # sfogo's own queue (``sfogo post``)


class SendAction(StrEnum):
    """What sfogo must do on the platform for a post (through the outbox machinery)."""

    PUBLISH = "publish"  # post it at its time (sfogo's own queue)
    SCHEDULE = "schedule"  # put it (back) on the platform's queue now, for its time


# Send states (the outbox's) that still have to happen; a "sending" one may have reached the
# platform and is looked up before any resend. "unknown" is where the look-up could not tell
# (the timeline cannot be read back to the post's time): the post is held for the manager
# (publish it now, or cancel it), as the outbox holds such a reply, and a timeline match
# still settles it.
SEND_PENDING = ("queued", "sending")
SEND_UNSURE = ("sending",)

AT_RISK = "at_risk"  # derived: a pending post whose time fell inside a gap of its account

POST_STATES = tuple(s.value for s in PostState)
SHOWN_STATES = (*POST_STATES, AT_RISK)  # what listings accept and print
POST_SOURCES = tuple(s.value for s in PostSource)
# Still waiting to be seen published.
PENDING = (PostState.SCHEDULED, PostState.RESCHEDULED)
# A person must decide (restore, publish now, cancel): the health bar counts these, and
# the Posts screen lists them first (with at_risk, derived).
NEEDS_DECISION = (PostState.MISSED, PostState.VANISHED, PostState.FAILED, PostState.HELD)
# Nothing more will happen to these.
SETTLED = (PostState.PUBLISHED, PostState.LATE, PostState.CANCELLED)
# What ``sfogo posts restore`` brings back.
RESTORABLE = (PostState.MISSED, PostState.VANISHED, PostState.FAILED, PostState.HELD)

# Published up to this long after its time is on time (Mastodon's scheduler publishes
# within a few minutes of the time; Facebook's within a minute).
LATE_S = 10 * 60
# Not on the timeline this long after its time: missed (found later, it becomes late).
GRACE_S = 30 * 60
# A published post matches an expected one by text when it appeared this long before its
# time (posted early by hand) up to this long after (posted late by hand).
MATCH_BEFORE_S = 2 * 3600
MATCH_AFTER_S = 48 * 3600
# Texts longer than this are cut in the store; a plan file's cell longer than this is an
# error (no platform takes more: WordPress posts aside, and those are titles here).
MAX_CHARS = 5000
