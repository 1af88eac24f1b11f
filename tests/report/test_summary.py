"""The terminal summary of ``--format table``: one screen width, whatever the estate."""

from __future__ import annotations

from wcwidth import wcswidth

from bench.synthetic import synthetic_report
from cloudaudit.report.document import Document, Section
from cloudaudit.report.formats.table import SUMMARY_WIDTH, fit, render_summary
from cloudaudit.report.views import view_of


def test_summary_of_a_400_name_organisation_fits_100_columns() -> None:
    # Given a synthetic organisation of 400 host names in 40 services
    report = synthetic_report(400)
    assert sum(len(s.endpoints) for s in report.attribution.services) == 400
    # When its table output is the terminal summary
    summary = render_summary(view_of(report))
    lines = summary.splitlines()
    # Then every line fits 100 columns, each finding is one line, concentration has bars
    assert all(wcswidth(line) <= SUMMARY_WIDTH for line in lines), max(lines, key=wcswidth)
    assert f"Findings ({len(report.findings)})" in lines
    for finding in report.findings:
        assert sum(1 for line in lines if finding.check_id in line and
                   line.startswith(finding.severity.value)) >= 1  # fmt: skip
    assert any(line.startswith("Concentration: provider") for line in lines)
    assert any("█" in line for line in lines)
    assert lines[-1].startswith("Evidence and remediation: -f html")
    assert len(lines) < 40 + len(report.findings)


def test_wide_and_combining_characters_are_cut_by_columns() -> None:
    # East Asian wide characters take two columns each, combining marks none
    assert wcswidth(fit("東京東京東京", 7)) == 7
    assert fit("東京東京東京", 7).startswith("東京東…")
    assert wcswidth(fit("e\u0301" * 20, 10)) == 10
    assert fit("short", 8) == "short   "


def test_control_characters_never_reach_the_summary() -> None:
    document = Document(
        title="t\x1b]0;pwned\x07",
        summary=(("k", "v\x1b[2J"),),
        sections=(
            Section(
                "Findings",
                ("Severity", "Check", "Finding", "Services"),
                (("high", "X-1", "title\x9b31m" + "東" * 80, "svc\u202e"),),
                key="findings",
            ),
        ),  # fmt: skip
        primary="findings",
    )
    summary = render_summary(document)
    assert not any(ch in summary for ch in "\x1b\x07\x9b\u202e")
    assert all(wcswidth(line) <= SUMMARY_WIDTH for line in summary.splitlines())
