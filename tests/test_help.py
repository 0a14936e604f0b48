"""Every command's ``--help`` says what it does and shows how to use it, truthfully."""

from __future__ import annotations

import shlex

import click
import pytest

from sfogo.tui.cli import Context, cli
from sfogo.tui.cli._examples import EXAMPLES


def command_tree() -> list[tuple[str, click.Command]]:
    """(path, command) for ``sfogo`` and every command and action below it."""
    found = []

    def walk(command: click.Command, ctx: click.Context, path: str) -> None:
        found.append((path, command))
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, name
                walk(sub, click.Context(sub, parent=ctx, info_name=name), f"{path} {name}".strip())

    walk(cli, click.Context(cli, info_name="sfogo"), "")
    return found


TREE = command_tree()


@pytest.mark.parametrize("path", [p for p, _ in TREE], ids=lambda p: p or "sfogo")
def test_every_help_has_a_description_and_an_example(cli, path):
    r = cli(*path.split(), "--help")
    assert r.code == 0, r.err
    usage, _, rest = r.out.partition("\n\n")
    assert usage.startswith(f"Usage: sfogo {path}".rstrip())
    description = rest.split("\n\n")[0].strip()
    assert description and not description.startswith("Options:"), r.out
    assert len(description.split()) >= 5, description  # a sentence, not a word
    examples = r.out.split("\nExamples:\n", 1)[1].splitlines()
    assert examples and all(line.startswith("  sfogo ") for line in examples), r.out


def resolve(line: str, clock) -> str:
    """The command path a command line runs, parsed by the real commands (options,
    arguments and their types); a mistyped line raises."""
    words = shlex.split(line.split(" > ")[0])  # a redirection is the shell's
    assert words[0] == "sfogo", line
    command: click.Command = cli
    ctx = cli.make_context("sfogo", words[1:], obj=Context(clock=clock))
    path = []
    while isinstance(command, click.Group):
        rest = [*ctx._protected_args, *ctx.args]  # what the group leaves to its command
        if not rest:
            break
        name, sub, args = command.resolve_command(ctx, rest)
        assert sub is not None and name is not None, line
        command, path = sub, [*path, name]
        ctx = command.make_context(name, args, parent=ctx)
    return " ".join(path)


def test_every_example_is_a_command_line_the_commands_accept(clock):
    paths = {p for p, _ in TREE}
    assert set(EXAMPLES) <= paths, set(EXAMPLES) - paths  # no example of a gone command
    for path, lines in EXAMPLES.items():
        for line in lines:
            # Each sfogo in a pipeline is parsed; one of them runs the command itself, or
            # one of its actions (the root's examples may run anything).
            runs = [resolve(part, clock) for part in line.split(" | ") if part.startswith("sfogo")]
            assert any(f"{r} ".startswith(f"{path} ".lstrip()) for r in runs), (path, line, runs)
