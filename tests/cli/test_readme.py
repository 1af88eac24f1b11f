"""The README shows `cloudaudit --help` as it is; this keeps the two in step."""

from __future__ import annotations

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
