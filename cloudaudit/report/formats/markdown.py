"""GitHub-flavoured Markdown: headings and pipe tables, cells escaped."""

from __future__ import annotations

from cloudaudit.report.document import Cell, Document

#: Markdown's active characters, each escaped with a backslash in one pass.
_ESCAPES = str.maketrans({char: "\\" + char for char in "\\|`*_<>[]"})


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    text = str(value)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text.translate(_ESCAPES)


def render(document: Document) -> str:
    lines = [f"# {_cell(document.title)}", ""]
    lines += [f"- **{_cell(key)}**: {_cell(value)}" for key, value in document.summary]
    for section in document.sections:
        lines += ["", f"## {_cell(section.title)}", ""]
        if section.note:
            lines += [_cell(section.note), ""]
        if not section.rows:
            lines.append("_None._")
            continue
        lines.append("| " + " | ".join(_cell(h) for h in section.headers) + " |")
        lines.append("|" + "|".join("---" for _ in section.headers) + "|")
        lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in section.rows]
    return "\n".join(lines) + "\n"
