"""Hostile DNS data in every output format: shown as text, never as a formula, link or escape.

A saved evidence or report file is anyone's JSON, so the hostile values here go straight into
the report: a TXT record and a CNAME target with spreadsheet formulas, Markdown links and
images, table pipes, terminal escape sequences (colours, clear screen, OSC 8 links and
window titles) and a right-to-left override, and a service named the same way.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from wcwidth import wcswidth

from cloudaudit.report.dora import dora_register
from cloudaudit.report.formats import render
from cloudaudit.report.formats.dora import render_files
from cloudaudit.report.formats.table import render_summary
from cloudaudit.report.schema import AuditReport
from cloudaudit.report.views import view_of
from tests.report.sample import sample_report

ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07\x9b31m"
MARKUP = "| pipe | [link](https://evil.example/) ![image](https://evil.example/i.png)"
FORMULA = '=HYPERLINK("https://evil.example/","x")'
HOSTILE_SERVICE = f"@SUM(1+1)*cmd|' /C calc'!A0 {ESCAPES} {MARKUP} 東京\u202etxt.exe"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def hostile_report() -> AuditReport:
    data = sample_report().model_dump(mode="json")
    txt = data["evidence"]["domains"][0]["txt"]["records"]
    txt.append({**txt[0], "value": f"{FORMULA} {ESCAPES} {MARKUP}"})
    data["evidence"]["domains"][0]["subdomains"].append(f"-2+3{ESCAPES}.example")
    host = next(iter(data["evidence"]["hosts"].values()))
    host["a"]["cname_chain"][0]["target"] = f"+{ESCAPES}{MARKUP}.example"
    text = json.dumps(data).replace('"Website"', json.dumps(HOSTILE_SERVICE))
    return AuditReport.model_validate(json.loads(text))


REPORT = hostile_report()


def test_the_hostile_values_are_in_the_report() -> None:
    assert HOSTILE_SERVICE in {s.service for s in REPORT.attribution.services}
    assert any(HOSTILE_SERVICE in f.services for f in REPORT.findings)


@pytest.mark.parametrize("section", ["findings", "register", "register-summary", "records",
                                     "services", "dependencies"])  # fmt: skip
def test_csv_cells_never_start_a_formula(section: str) -> None:
    rows = list(csv.reader(io.StringIO(render(REPORT, "csv", csv_section=section))))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    if section in ("findings", "register", "services"):
        assert any(cell.startswith("'@SUM(1+1)") for cell in cells)  # shown, defused


def test_dora_package_cells_never_start_a_formula() -> None:
    files = render_files(dora_register(REPORT))
    for name, text in files.items():
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)], name
    assert "'@SUM(1+1)" in files["evidence.csv"]


def test_markdown_escapes_pipes_links_and_images() -> None:
    markdown = render(REPORT, "markdown")
    # No link or image survives: their brackets are escaped
    assert "](https://evil.example" not in markdown.replace("\\](", "")
    assert "![image]" not in markdown and "\\[link\\]" in markdown
    # Every row of every table has exactly the pipes of its header
    header_pipes = 0
    for line in markdown.splitlines():
        if not line.startswith("| "):
            header_pipes = 0  # between tables
            continue
        pipes = len(re.findall(r"(?<!\\)\|", line))
        if header_pipes and pipes != header_pipes:
            pytest.fail(f"a cell broke out of its table: {line[:120]}")
        header_pipes = header_pipes or pipes
    assert "\x1b" not in markdown and "\x9b" not in markdown


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_text_formats_never_carry_escape_sequences(fmt: str) -> None:
    output = render(REPORT, fmt)
    assert "\x1b" not in output and "\x07" not in output
    if fmt != "json":  # JSON may carry C1 characters unescaped; a terminal never sees them
        assert "\x9b" not in output


def test_terminal_summary_has_no_escapes_and_fits() -> None:
    summary = render_summary(view_of(REPORT))
    assert "\x1b" not in summary and "\x9b" not in summary and "\u202e" not in summary
    assert all(0 <= wcswidth(line) <= 100 for line in summary.splitlines())


def test_html_shows_markup_as_text() -> None:
    html = render(REPORT, "html")
    assert "evil.example" in html
    assert not re.search(r"<(a|img|script)\b", html)
    assert 'href="https://evil' not in html and 'src="https://evil' not in html


def _on_a_terminal(arguments: list[str]) -> str:
    """What a terminal receives from the command (stdout on a pseudo-terminal)."""
    primary, secondary = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "cloudaudit", *arguments],
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=subprocess.DEVNULL,
    ) as process:
        os.close(secondary)
        received = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO: the command exited and closed its side
                break
            if not chunk:
                break
            received += chunk
        process.wait(timeout=120)
    os.close(primary)
    return received.decode("utf-8").replace("\r\n", "\n")


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "scan.json"
    path.write_text(render(REPORT, "json"), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["csv", "html", "markdown", "json"])
def test_no_format_sends_escapes_to_a_terminal(saved: Path, fmt: str) -> None:
    # Given a saved report with hostile records, printed on a terminal in each format
    received = _on_a_terminal(["report", str(saved), "--offline", "-f", fmt])
    # Then the terminal sees the values, but not one control character of theirs
    assert "evil.example" in received
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", received)


def test_table_on_a_terminal_is_the_summary_unless_full(saved: Path) -> None:
    summary = _on_a_terminal(["report", str(saved), "--offline"])
    assert re.search(r"^Findings \(\d+\)$", summary, re.M) and "--full" in summary
    assert all(wcswidth(line) <= 100 for line in summary.splitlines())
    full = _on_a_terminal(["report", str(saved), "--offline", "--full"])
    assert "Remediation" in full and max(wcswidth(line) for line in full.splitlines()) > 100
    assert "\x1b" not in summary + full
