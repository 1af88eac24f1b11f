"""Plain-text tables for a terminal; the only module that imports tabulate.

``render`` writes every table in full (files, pipes, ``--full``); ``render_summary`` fits a
terminal of a given width: the key facts, the primary table one line per row, bars for every
chart and one line for every other table. Widths are measured in terminal columns (wcwidth),
so wide and combining characters neither break the layout nor are cut in half.
"""

from __future__ import annotations

from collections.abc import Sequence

from tabulate import tabulate
from wcwidth import wcswidth, wcwidth

from cloudaudit.report.document import Cell, Document, Section

#: Width of the terminal summary, in columns.
SUMMARY_WIDTH = 100
#: Bars shown per chart in the summary.
SUMMARY_BARS = 3
SUMMARY_HINT = (
    "Evidence and remediation: -f html -o report.html or -f markdown; every table: --full"
)


def _cell(value: Cell) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{round(value, 2):g}"
    text = str(value)
    if text.isprintable():
        return text
    # Strangers write DNS data: keep control characters from reaching the terminal.
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _alignment(rows: Sequence[Sequence[Cell]], width: int) -> list[str]:
    """Numbers on the decimal point, text left: decided from the values, so tabulate need not
    sniff every cell for numbers (most of the time of a large table)."""
    return [
        "decimal"
        if all(
            isinstance(row[column], int | float) and not isinstance(row[column], bool)
            for row in rows
            if row[column] is not None
        )
        and any(row[column] is not None for row in rows)
        else "left"
        for column in range(width)
    ]


def render(document: Document) -> str:
    lines = [document.title, "=" * len(document.title)]
    lines += [f"{key}: {_cell(value)}" for key, value in document.summary]
    for section in document.sections:
        lines += ["", section.title, "-" * len(section.title)]
        if section.note:
            lines.append(section.note)
        if section.rows:
            rows = [[_cell(v) for v in row] for row in section.rows]
            table = tabulate(
                rows,
                headers=list(section.headers),
                tablefmt="simple",
                disable_numparse=True,
                colalign=_alignment(section.rows, len(section.headers)),
            )
            lines.append(table)
        else:
            lines.append("(none)")
    return "\n".join(lines) + "\n"


def _width(text: str) -> int:
    # wcswidth is -1 for a string with control characters: _cell has replaced those already.
    return max(wcswidth(text), 0)


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns, with an ellipsis when cut, padded to it."""
    if _width(text) <= width:
        return text + " " * (width - _width(text))
    kept, used = [], 0
    for char in text:
        size = max(wcwidth(char), 0)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept) + "…" + " " * (width - 1 - used)


def _columns(section: Section, width: int) -> list[str]:
    """The primary table, one line per row: its first four columns, the last one taking
    what the narrower ones leave."""
    shown = min(4, len(section.headers))
    rows = [[_cell(v) for v in row[:shown]] for row in section.rows]
    sizes = [max(_width(r[c]) for r in rows) for c in range(shown)]
    for column in range(shown - 1):
        sizes[column] = min(sizes[column], 18 if column < 2 else 48)
    sizes[-1] = max(width - sum(sizes[:-1]) - 2 * (shown - 1), 8)
    return [
        "  ".join(fit(value, size) for value, size in zip(row, sizes, strict=True)).rstrip()
        for row in rows
    ]


def _bars(section: Section, width: int) -> list[str]:
    assert section.chart is not None
    label_width, bar_width = 28, width - 28 - 12
    lines = []
    for label, share in section.chart.bars[:SUMMARY_BARS]:
        filled = round(max(0.0, min(share, 1.0)) * bar_width)
        bar = "█" * filled + "·" * (bar_width - filled)
        lines.append(f"  {fit(_cell(label), label_width - 2)} {bar} {share:6.1%}")
    hidden = len(section.rows) - min(len(section.chart.bars), SUMMARY_BARS)
    if hidden > 0:
        lines.append(f"  … and {hidden} more")
    return lines


def render_summary(document: Document, width: int = SUMMARY_WIDTH) -> str:
    """A summary of ``document`` whose every line fits ``width`` terminal columns."""
    lines = [fit(_cell(document.title), width).rstrip(), "=" * min(_width(document.title), width)]
    lines += [fit(f"{key}: {_cell(value)}", width).rstrip() for key, value in document.summary]
    others = []
    for section in document.sections:
        if section.key == document.primary:
            lines += ["", fit(f"{section.title} ({len(section.rows)})", width).rstrip()]
            lines += _columns(section, width) if section.rows else ["(none)"]
        elif section.chart and section.chart.bars:
            lines += ["", fit(f"{section.title}: {section.note or ''}", width).rstrip()]
            lines += _bars(section, width)
        else:
            others.append(f"{section.key or section.title} ({len(section.rows)})")
    if others:
        lines += ["", fit("Other tables: " + ", ".join(others), width).rstrip()]
    lines.append(fit(SUMMARY_HINT, width).rstrip())
    return "\n".join(lines) + "\n"
