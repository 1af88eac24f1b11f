"""Output formats: every document model is turned into a Document view, then rendered.

JSON is the exception: it is the pydantic model itself, the versioned contract.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from cloudaudit.report.document import Document


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    CSV = "csv"
    HTML = "html"


def _renderer(fmt: OutputFormat) -> Callable[[Document], str]:
    if fmt is OutputFormat.TABLE:
        from cloudaudit.report.formats import table

        return table.render
    if fmt is OutputFormat.MARKDOWN:
        from cloudaudit.report.formats import markdown

        return markdown.render
    if fmt is OutputFormat.HTML:
        from cloudaudit.report.formats import html

        return html.render
    from cloudaudit.report.formats import csv

    return csv.render


def render(
    model: BaseModel,
    fmt: OutputFormat | str,
    *,
    csv_section: str | None = None,
    view: Callable[[Any], Document] | None = None,
) -> str:
    """Render a document model in ``fmt``; later stages pass their own ``view``."""
    return "".join(render_chunks(model, fmt, csv_section=csv_section, view=view))


def render_chunks(
    model: BaseModel,
    fmt: OutputFormat | str,
    *,
    csv_section: str | None = None,
    view: Callable[[Any], Document] | None = None,
) -> Iterator[str]:
    """``render`` as a stream of text pieces, so a large JSON report is never one string."""
    fmt = OutputFormat(fmt)
    if fmt is OutputFormat.JSON:
        from cloudaudit.report.formats import json

        yield from json.render_chunks(model)
        return
    from cloudaudit.report.views import view_of

    document = view(model) if view else view_of(model)
    if fmt is OutputFormat.CSV:
        from cloudaudit.report.formats import csv

        yield csv.render(document, section=csv_section)
        return
    yield _renderer(fmt)(document)
