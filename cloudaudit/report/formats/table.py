"""Plain-text tables for a terminal; the only module that imports tabulate."""

from __future__ import annotations

from tabulate import tabulate

from cloudaudit.report.document import Cell, Document


def _cell(value: Cell) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    # Strangers write DNS data: keep control characters from reaching the terminal.
    return "".join(ch if ch.isprintable() else "?" for ch in str(value))


def render(document: Document) -> str:
    lines = [document.title, "=" * len(document.title)]
    lines += [f"{key}: {_cell(value)}" for key, value in document.summary]
    for section in document.sections:
        lines += ["", section.title, "-" * len(section.title)]
        if section.note:
            lines.append(section.note)
        if section.rows:
            rows = [[_cell(v) for v in row] for row in section.rows]
            lines.append(tabulate(rows, headers=list(section.headers), tablefmt="simple"))
        else:
            lines.append("(none)")
    return "\n".join(lines) + "\n"
