"""The README tells the truth: its commands are CI's, and its config example is valid."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_the_readme_opens_with_the_two_commands():
    first, second = code_blocks(README, "bash")[:2]
    assert first.strip() == "pip install . && sfogo demo"
    assert second.strip() == "pip install '.[test]' && pytest"
    # CI runs the line after the marker: it must be the second command.
    marker = README.index("<!-- test-command -->")
    assert README.index(second) > marker > README.index(first)
    assert "<!-- test-command -->" in (ROOT / ".ci" / "run").read_text()


def test_the_config_example_is_valid_for_every_layer():
    from sfogo.backlog import settings
    from sfogo.backlog.plan import plan_settings
    from sfogo.backlog.workhours import WorkHours

    section = README[README.index("## Configuration") :]
    data = tomllib.loads(code_blocks(section, "toml")[0])
    loaded = settings.from_dict(data)
    assert loaded.coefficients["window"] == 32.0
    plan = plan_settings(data)
    assert plan["batch_s"] == 45 * 60 and plan["minutes"]["dm"] == 4.0
    work = WorkHours.from_config(data["work"])
    assert work is not None
    from sfogo.tui import app, keymap, views

    user_views, errors = views.parse_views(data)
    assert errors == [] and any(v.name == "Rome, private" for v in user_views)
    keys, errors = keymap.parse_keys(data, app.binding_ids())
    assert errors == [] and keys["inbox.done"] == "e"
    from sfogo.inbox.canned import from_config

    replies, errors = from_config(data)
    assert errors == [] and [r.name for r in replies] == ["grazie"]


def test_every_command_in_the_help_is_in_the_readme():
    import click

    from sfogo.tui.cli import cli

    ctx = click.Context(cli, info_name="sfogo")
    names = cli.list_commands(ctx)
    assert "list" in names and "db" in names
    table = README[README.index("## Commands") : README.index("### JSON output")]
    for name in names:
        assert f"sfogo {name}" in README, name
        command = cli.get_command(ctx, name)
        if isinstance(command, click.Group):  # each action is named on the command's row
            row = next(line for line in table.splitlines() if f"`sfogo {name} " in line)
            for action in command.list_commands(ctx):
                assert action in row, f"sfogo {name} {action}"
