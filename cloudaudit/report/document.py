"""A format-neutral view of any result document (report, simulation, diff, lookup, evidence).

Each document type is turned into a :class:`Document` of titled tables by a pure function; every
output format then renders Documents, so a new document type works in every format at once and
each format is written once. JSON is the exception: it dumps the pydantic model itself, which
is the versioned contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Cell = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class BarChart:
    """Shares to draw as horizontal bars (HTML renders inline SVG; text formats skip it)."""

    title: str
    bars: tuple[tuple[str, float], ...]  # (label, share 0..1)


@dataclass(frozen=True, slots=True)
class FlowChart:
    """Who depends on whom, left to right: services → providers → the infrastructure under
    them (HTML renders inline SVG; text formats skip it)."""

    title: str
    columns: tuple[str, str, str]
    paths: tuple[tuple[str, str, str], ...]  # (service, provider, underlying infrastructure)
    left_out: int = 0  # paths not drawn, to keep the picture readable


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str | None = None
    chart: BarChart | None = None
    key: str = ""  # stable machine name, e.g. "findings"; CSV picks a section by it


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    summary: tuple[tuple[str, Cell], ...] = ()  # key facts shown above the sections
    sections: tuple[Section, ...] = field(default=())
    primary: str = ""  # key of the section CSV writes by default
    overview: tuple[BarChart, ...] = ()  # charts shown together at the top (HTML)
    flow: FlowChart | None = None  # the dependency picture (HTML)
