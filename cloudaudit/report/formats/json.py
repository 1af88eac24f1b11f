"""JSON: the pydantic model itself, with every field written (booleans never left out).

A report of 100,000 endpoints is hundreds of megabytes of JSON; serialising it as one string
would hold several copies of that at once. So the large collections (a scan's hosts and the
sources of their names, the attribution of every service) are serialised item by item and
spliced into the rest of the document, which yields exactly the text
``model_dump_json(indent=2)`` would.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_json

#: Collections with more items than this are written item by item.
_STREAM_OVER = 16
_MAX_DEPTH = 3
#: Items are models, or plain values (strings, tuples of strings) that JSON writes as they are.
Collection = Mapping[Any, Any] | tuple[Any, ...]


def render_chunks(model: BaseModel) -> Iterator[str]:
    large = sorted(_large_collections(model, ()), key=lambda item: _field_order(model, item[0]))
    if not large:
        yield model.model_dump_json(indent=2) + "\n"
        return
    skeleton = _without(model, [path for path, _ in large]).model_dump_json(indent=2)
    position = 0
    for path, collection in large:
        indent = " " * (2 * len(path))
        empty = "{}" if isinstance(collection, Mapping) else "[]"
        marker = f'\n{indent}"{path[-1]}": {empty}'
        found = skeleton.find(marker, position)
        if found < 0:  # not where the layout says: give up streaming, stay correct
            yield model.model_dump_json(indent=2) + "\n"
            return
        cut = found + len(marker) - 2
        yield skeleton[position:cut]
        yield from _items(collection, indent + "  ")
        yield indent + empty[1]
        position = cut + 2
    yield skeleton[position:] + "\n"


def _items(collection: Collection, indent: str) -> Iterator[str]:
    newline = "\n" + indent
    if isinstance(collection, Mapping):
        yield "{"
        for index, (key, item) in enumerate(collection.items()):
            head = ",\n" if index else "\n"
            body = _dump(item).replace("\n", newline)
            yield f"{head}{indent}{to_json(key).decode()}: {body}"
    else:
        yield "["
        for index, item in enumerate(collection):
            head = ",\n" if index else "\n"
            yield head + indent + _dump(item).replace("\n", newline)
    yield "\n"


def _dump(item: Any) -> str:
    return (
        item.model_dump_json(indent=2)
        if isinstance(item, BaseModel)
        else to_json(item, indent=2).decode()
    )


def _plain(item: Any) -> bool:
    """A string, or a tuple of strings: JSON writes it the same with or without its model."""
    return isinstance(item, str) or (
        isinstance(item, tuple) and all(isinstance(value, str) for value in item)
    )


def _large_collections(
    model: BaseModel, path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], Collection]]:
    if len(path) >= _MAX_DEPTH:
        return
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _large_collections(value, (*path, name))
        elif isinstance(value, Mapping | tuple) and len(value) > _STREAM_OVER:
            items = value.values() if isinstance(value, Mapping) else value
            if all(isinstance(item, BaseModel) for item in items) or all(map(_plain, items)):
                yield (*path, name), value


def _field_order(model: BaseModel, path: tuple[str, ...]) -> list[int]:
    """Where a field comes in the dumped document: the position of each step of its path."""
    order = []
    for name in path:
        order.append(list(type(model).model_fields).index(name))
        model = getattr(model, name)
    return order


def _without(model: BaseModel, paths: list[tuple[str, ...]]) -> BaseModel:
    """A copy of ``model`` with the collections at ``paths`` emptied (no validation)."""
    updates: dict[str, Any] = {}
    for name in {path[0] for path in paths}:
        value = getattr(model, name)
        rest = [path[1:] for path in paths if path[0] == name]
        if rest == [()]:
            updates[name] = {} if isinstance(value, Mapping) else ()
        else:
            updates[name] = _without(value, [p for p in rest if p])
    return model.model_copy(update=updates)
