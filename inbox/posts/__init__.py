"""Posts that must go out: every expected post, watched until it is seen published.

Where things live
-----------------
The inbox layer owns what we send and what the platforms hold, so the expected posts, the
watchdog and sending our own posts live here; the client report's "scheduled posts"
section, and the ``at risk`` state that needs the gaps, live in ``backlog/posts.py``
(inbox cannot import backlog).

- :mod:`.states`    the states, sources and tolerances
- :mod:`.match`     telling a published post is an expected one, by text and time
- :mod:`.watchdog`  the comparison of queue and timeline with what we expect (pure)
- :mod:`.check`     one account's step at each sync: read, compare, record
- :mod:`.actions`   queue a post, edit, publish now, cancel, restore
- :mod:`.send`      our own posts and restores, through the outbox's machinery
- :mod:`.plan`      an editorial plan file (CSV or JSON Lines)
- ``store.posts``   the rows and their history (inbox/store/posts.py); the platforms'
  calls are in inbox/channels/posting/.

Where the plan comes from
-------------------------
Three sources merge into one table: the platforms' own queues (Mastodon, Facebook Pages,
WordPress, YouTube), read at every sync; a plan file; sfogo's own queue (``sfogo post``).
A plan row is linked to a queue entry when the queue holds the same text at the same time,
so a post planned and then scheduled on the platform is one post, not two.

States and history
------------------
``scheduled`` → ``published`` | ``late`` | ``missed`` | ``vanished`` | ``rescheduled`` |
``failed`` | ``held`` | ``cancelled`` (:class:`.states.PostState`). Every transition is a
line of history with its time and reason, written with the change and never rewritten; a
change of time keeps both times, a change of text keeps the old text. ``held`` is ours:
sfogo's own post waiting for a decision (it expired while the channel was down, or the
account is blocked): it must neither go out late nor be forgotten.

``at risk`` is derived, never stored: a post still expected whose time fell inside a gap of
its account (``backlog/posts.py`` asks ``backlog.gaps``), until a sync after the gap
confirms it. The watchdog never calls a post missed from a failed read, so a gap cannot
turn into false alarms: after it, the first sync that reads the timeline settles the post.

Time zones
----------
Times are UTC epoch seconds everywhere here. A plan file's time without an offset is read in
the configured zone (``[work] timezone``, else the system's) by the wall clock: 09:00 on the
day the clocks change is 09:00 local, whatever the offset that day (tests use Europe/Rome).
"""
