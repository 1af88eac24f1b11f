"""GitHub-flavoured Markdown: headings and pipe tables, cells escaped."""

from __future__ import annotations

from cloudaudit.report.document import Cell, Document


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    for special in ("\\", "|", "`", "*", "_", "<", ">", "[", "]"):
        text = text.replace(special, "\\" + special)
    return text


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
