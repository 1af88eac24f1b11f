"""The README shows `cloudaudit --help` as it is; this keeps the two in step."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
from click.testing import CliRunner

from cloudaudit.cli import cli
from tests.conftest import REPO


def test_readme_shows_the_current_help() -> None:
    help_text = (
        CliRunner()
        .invoke(cli, ["--help"], terminal_width=100, prog_name="cloudaudit")
        .output.rstrip("\n")
    )
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"```text\n{help_text}\n```" in readme, "update the help block in README.md"


def _every_help(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[str]:
    context = click.Context(group, info_name="cloudaudit")
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        if isinstance(command, click.Group):
            yield from _every_help(command, (*path, name))
        else:
            yield CliRunner().invoke(cli, [*path, name, "--help"]).output


def test_files_the_help_and_readme_name_under_examples_exist() -> None:
    texts = [*_every_help(cli), (REPO / "README.md").read_text(encoding="utf-8")]
    named = {m for text in texts for m in re.findall(r"examples/[\w./-]*\w", text)}
    assert len(named) >= 5  # the scan examples, the inventory, zone and DNS-as-code files
    assert sorted(p for p in named if not (REPO / p).exists()) == []
