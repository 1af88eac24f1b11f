"""One self-contained HTML file: inline CSS and SVG, no scripts, prints cleanly to PDF.

Every string is escaped, by jinja2's autoescape in the template and by ``html.escape`` in the
table rows built here: TXT records and host names are written by strangers, and the
Content-Security-Policy forbids scripts even if something slipped through.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from html import escape

import jinja2
from markupsafe import Markup

from cloudaudit.report.document import BarChart, Cell, Document, FlowChart, Section

_BAR_HEIGHT = 22
_LABEL_WIDTH = 220
_CHART_WIDTH = 640
#: The small charts of "concentration at a glance": top bars of each dimension.
_GLANCE_WIDTH = 330
_GLANCE_LABEL_WIDTH = 120
_GLANCE_BARS = 5
#: The dependency picture: three columns of boxes, one row per distinct name.
_FLOW_ROW = 26
_FLOW_BOX = 250
_FLOW_GAP = 110


def _cell(value: Cell) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _table_rows(section: Section) -> Iterator[Markup]:
    """One ``<tr>`` per row, every value escaped, quotes included, as autoescape does.

    Built here rather than cell by cell in the template: a report of 100,000 endpoints has
    over a million cells, and the template loop cost several times the escaping. The standard
    library's ``html.escape`` returns plain strings; markupsafe's wraps each of those million
    cells in a Markup object, which made the whole format a third slower.
    """
    severity = section.headers.index("Severity") if "Severity" in section.headers else -1
    for row in section.rows:
        cells = []
        for column, value in enumerate(row):
            raw = _cell(value)
            text = escape(raw)
            if column == severity:
                cells.append(f'<td class="short sev-{escape(str(value))}">{text}</td>')
            elif len(raw) <= 18:
                cells.append(f'<td class="short">{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
        yield Markup(f"<tr>{''.join(cells)}</tr>")


def _bars(
    chart: BarChart,
    width: int = _CHART_WIDTH,
    label_width: int = _LABEL_WIDTH,
    limit: int | None = None,
) -> list[dict[str, object]]:
    usable = width - label_width - 60
    return [
        {
            "label": label,
            "y": index * _BAR_HEIGHT,
            "width": max(1.0, round(share * usable, 1)),
            "percent": f"{share * 100:.1f} %",
        }
        for index, (label, share) in enumerate(chart.bars[:limit])
    ]


def _flow(flow: FlowChart) -> dict[str, object]:
    """Boxes and connecting lines of the dependency picture, positioned in pixels."""
    columns: list[dict[str, int]] = [{}, {}, {}]
    for path in flow.paths:
        for column, label in enumerate(path):
            columns[column].setdefault(label, len(columns[column]))
    boxes = [
        {"x": column * (_FLOW_BOX + _FLOW_GAP), "y": row * _FLOW_ROW + 24, "label": label}
        for column, rows in enumerate(columns)
        for label, row in rows.items()
    ]
    lines = set()
    for path in flow.paths:
        for column in (0, 1):
            left, right = columns[column][path[column]], columns[column + 1][path[column + 1]]
            lines.add(
                (
                    column * (_FLOW_BOX + _FLOW_GAP) + _FLOW_BOX,
                    left * _FLOW_ROW + 24 + _FLOW_ROW // 2 - 2,
                    (column + 1) * (_FLOW_BOX + _FLOW_GAP),
                    right * _FLOW_ROW + 24 + _FLOW_ROW // 2 - 2,
                )
            )
    height = max((len(rows) for rows in columns), default=0) * _FLOW_ROW + 30
    return {
        "width": 3 * _FLOW_BOX + 2 * _FLOW_GAP,
        "height": height,
        "box_width": _FLOW_BOX,
        "box_height": _FLOW_ROW - 6,
        "headers": [
            {"x": column * (_FLOW_BOX + _FLOW_GAP), "label": title}
            for column, title in enumerate(flow.columns)
        ],
        "boxes": boxes,
        "lines": sorted(lines),
    }


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("cloudaudit.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["cell"] = _cell
    environment.globals.update(
        bars=_bars,
        flow_layout=_flow,
        glance_width=_GLANCE_WIDTH,
        glance_label_width=_GLANCE_LABEL_WIDTH,
        glance_bars=_GLANCE_BARS,
        table_rows=_table_rows,
        label_width=_LABEL_WIDTH,
        chart_width=_CHART_WIDTH,
        bar_height=_BAR_HEIGHT,
    )
    return environment.get_template("report.html.j2")


def render(document: Document) -> str:
    return _template().render(document=document)
