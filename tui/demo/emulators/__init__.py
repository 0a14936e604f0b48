"""Loopback emulators of the platforms' APIs, for the tests and ``sfogo demo --live``.

Each speaks its platform's documented request and response shapes, serves generated data
with real paging, accepts replies and can be told to fail (see :class:`base.Faults`).
"""
