"""An example for every command's ``--help``: the lines a newcomer would type first.

Kept in one table, keyed by the command's path (``"client add"``; ``""`` is ``sfogo``
itself), so they read as one set and a test can parse every line against the real
commands: an example whose option was renamed fails the suite instead of misleading
someone. A line may end in a pipe (``| jq …``); only the part before it is checked.
"""

from __future__ import annotations

EXAMPLES: dict[str, tuple[str, ...]] = {
    "": ("sfogo demo", "sfogo --db ~/work/sfogo.db", "sfogo list --client Aurora"),
    "list": (
        "sfogo list --client 'Hotel Aurora' --kind dm,mention",
        "sfogo list --backlog --limit 0",
        "sfogo list --json | jq '.[].id'",
    ),
    "show": ("sfogo show 42", "sfogo show 42 --json"),
    "done": ("sfogo done 42 43,44",),
    "snooze": ("sfogo snooze 42 --until 'tomorrow 9:00'", "sfogo snooze 42 43 --until 3h"),
    "reopen": ("sfogo reopen 42",),
    "stats": ("sfogo stats", "sfogo stats --json"),
    "next": ("sfogo next", "sfogo next --client Aurora --json"),
    "why": ("sfogo why 42",),
    "clients": ("sfogo clients", "sfogo clients --json"),
    "client": ("sfogo client add 'Hotel Aurora' --tier vip",),
    "client add": (
        "sfogo client add 'Hotel Aurora' --tier vip",
        "sfogo client add 'Pizzeria Da Gino' --tier low --target 2d",
    ),
    "client rename": ("sfogo client rename 'Hotel Aurora' 'Aurora Hotels Group'",),
    "client edit": (
        "sfogo client edit Aurora --tier high --target 4h",
        "sfogo client edit Aurora --tier-target",
    ),
    "client remove": ("sfogo client remove 'Test Client'",),
    "accounts": ("sfogo accounts", "sfogo accounts --all --json"),
    "account": ("sfogo account add Aurora mastodon @aurora@mastodon.social",),
    "account add": (
        "sfogo account add Aurora mastodon @aurora --url https://mastodon.social"
        " --token-env AURORA_MASTODON_TOKEN",
        "sfogo account add Aurora email info@aurora.example --url imaps://mail.aurora.example"
        " --user info --password-env AURORA_MAIL_PASSWORD",
    ),
    "account test": ("sfogo account test @aurora", "sfogo account test mastodon:@aurora"),
    "account login": ("sfogo account login @aurora", "sfogo account login x:@aurora --file"),
    "account logout": ("sfogo account logout @aurora",),
    "account rename": ("sfogo account rename @aurora @aurora_hotels",),
    "account edit": (
        "sfogo account edit @aurora --token-env AURORA_NEW_TOKEN",
        "sfogo account edit @aurora --client 'Aurora Hotels Group' --name 'Aurora Rome'",
    ),
    "account remove": ("sfogo account remove @aurora", "sfogo account remove 7 --yes"),
    "import": ("sfogo import old-inbox.jsonl", "sfogo export | sfogo --db copy.db import -"),
    "export": ("sfogo export -o inbox.jsonl", "sfogo export --format csv -o inbox.csv"),
    "demo": ("sfogo demo", "sfogo demo --size 1000000 --no-tui", "sfogo demo --live --no-mouse"),
    "away": (
        "sfogo away --reason sick --from 'monday 9:00' --until 'wednesday 18:00'",
        "sfogo away --reason offline --note 'on the train'",
        "sfogo away --member Bruno --reason sick --until friday",
    ),
    "back": ("sfogo back", "sfogo back --member Anna"),
    "team": ("sfogo team", "sfogo team --json"),
    "team list": ("sfogo team list", "sfogo team list --json"),
    "team add": (
        "sfogo team add Anna --role anna",
        "sfogo team add Bruno --hours 14:00-20:00 --days mon,tue,wed --timezone Europe/Rome",
    ),
    "team edit": ("sfogo team edit Anna --hours 09:00-13:00", "sfogo team edit Bruno --role bruno"),
    "team remove": ("sfogo team remove Bruno", "sfogo team remove Bruno --yes"),
    "assign": ("sfogo assign 1305 1322 Anna", "sfogo assign 1128 me", "sfogo assign 1128 nobody"),
    "unassign": ("sfogo unassign 1305,1322",),
    "gaps": ("sfogo gaps --since 7d", "sfogo gaps --client Aurora --json"),
    "backlog": ("sfogo backlog", "sfogo backlog --client Aurora --json"),
    "plan": (
        "sfogo plan",
        "sfogo plan --hours-per-day 3 --start 'tomorrow 9:00'",
        "sfogo plan --by friday",
    ),
    "report": (
        "sfogo report Aurora --since 7d -o aurora.html",
        "sfogo report Aurora --since 2026-11-01 --until 2026-12-01 --lang it -o aurora.md",
    ),
    "sync": ("sfogo sync", "sfogo sync --watch --interval 2m", "sfogo sync --account @aurora"),
    "serve": ("sfogo serve", "sfogo serve --port 8080"),
    "health": ("sfogo health", "sfogo health --json"),
    "reply": ("sfogo reply 42 Grazie mille, a presto!",),
    "like": ("sfogo like 42 43",),
    "replies": ("sfogo replies", "sfogo replies --json"),
    "replies add": (
        'sfogo replies add thanks "Grazie {author}! A presto da {client}." --language it',
        'sfogo replies add orari "Siamo aperti dalle 12, {author}." --client "Trattoria Da Gino"',
    ),
    "replies remove": ("sfogo replies remove orari",),
    "send": ("sfogo send", "sfogo send --account @aurora --json"),
    "outbox": ("sfogo outbox", "sfogo outbox --all --json"),
    "outbox edit": ("sfogo outbox edit 3 Grazie, a presto!",),
    "outbox retry": ("sfogo outbox retry 3",),
    "outbox drop": ("sfogo outbox drop 3",),
    "post": ("sfogo post Aurora @aurora Il rooftop riapre sabato! --at 'friday 18:00'",),
    "posts": ("sfogo posts --from monday --until sunday", "sfogo posts --state missed --json"),
    "posts import": ("sfogo posts import december-plan.csv",),
    "posts restore": ("sfogo posts restore 12 13",),
    "posts publish": ("sfogo posts publish 12",),
    "posts edit": ("sfogo posts edit 12 Il rooftop riapre domenica!",),
    "posts cancel": ("sfogo posts cancel 12",),
    "db": ("sfogo db check",),
    "db check": ("sfogo db check", "sfogo db check --quick --json"),
    "db vacuum": ("sfogo db vacuum",),
    "db analyze": ("sfogo db analyze",),
    "db copy": (
        "sfogo db copy --to postgresql://agency@db.example/sfogo",
        "sfogo --db postgresql://agency@db.example/sfogo db copy --to ~/inbox-copy.db",
    ),
    "completion": (
        "sfogo completion bash > ~/.local/share/bash-completion/completions/sfogo",
        "sfogo completion fish > ~/.config/fish/completions/sfogo.fish",
    ),
    "access": ("sfogo access list", "sfogo access grant giulia 'Hotel Aurora'"),
    "access role": ("sfogo access role add giulia",),
    "access role add": (
        "sfogo access role add giulia",
        "sfogo access role add giulia --password-env GIULIA_PASSWORD",
    ),
    "access grant": (
        "sfogo access grant giulia 'Hotel Aurora' 'Pizzeria Da Gino'",
        "sfogo access grant marco --all",
    ),
    "access revoke": (
        "sfogo access revoke giulia 'Pizzeria Da Gino'",
        "sfogo access revoke marco --all",
    ),
    "access list": ("sfogo access list", "sfogo access list --json"),
}


def examples_for(command_path: str) -> tuple[str, ...]:
    """The examples of ``sfogo client add`` (a command path as click writes it)."""
    _, _, path = command_path.partition(" ")
    return EXAMPLES.get(path, ())
