"""Plain-text tables for a terminal; the only module that imports tabulate."""

from __future__ import annotations

from collections.abc import Sequence

from tabulate import tabulate

from cloudaudit.report.document import Cell, Document


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
