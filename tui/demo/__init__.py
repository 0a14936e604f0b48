"""The demo: a generated inbox (``build``), loopback emulators of the platforms' APIs
(``emulators``) and the live story that syncs through them (``live``).

None of it is part of the inbox core: ``sfogo.inbox`` never imports this package. The demo
is something the command line runs (``sfogo demo``), and the emulators serve the tests, the
benchmarks and ``sfogo demo --live``.
"""
