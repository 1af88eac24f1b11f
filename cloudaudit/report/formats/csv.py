"""CSV: one section of the document (its primary one unless another is asked for)."""

from __future__ import annotations

import csv
import io

from cloudaudit.errors import InputError
from cloudaudit.report.document import Cell, Document


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # CSV injection: a cell starting with = + - @ is a formula in spreadsheet software.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render(document: Document, section: str | None = None) -> str:
    wanted = section or document.primary
    chosen = next((s for s in document.sections if s.key == wanted), None)
    if chosen is None:
        keys = ", ".join(s.key for s in document.sections if s.key)
        raise InputError(f"no CSV section {wanted!r}; choose one of: {keys}", field="--csv-section")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(chosen.headers)
    writer.writerows([_cell(v) for v in row] for row in chosen.rows)
    return buffer.getvalue()
