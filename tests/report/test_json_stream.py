"""A large JSON report is written piece by piece, and the pieces are exactly pydantic's dump."""

from __future__ import annotations

from cloudaudit.discovery.models import NameSource
from cloudaudit.report.formats import OutputFormat, render_chunks
from tests.report.sample import sample_report


def test_large_collections_stream_to_the_same_text_as_one_dump() -> None:
    report = sample_report()
    host = next(iter(report.evidence.hosts.values()))
    # Keys a stranger's DNS could produce after normalisation, and some that it could not.
    keys = [f"h{i}.example" for i in range(400)] + ['odd"key\\', "bücher.example", "\x01ctl"]
    hosts = dict.fromkeys(keys, host)
    services = report.attribution.services * 120
    sources = (NameSource.INVENTORY, NameSource.CT)
    name_sources = {key: sources[: index % 3] for index, key in enumerate(keys)}
    large = report.model_copy(
        update={
            "evidence": report.evidence.model_copy(
                update={"hosts": hosts, "name_sources": name_sources}
            ),
            "attribution": report.attribution.model_copy(update={"services": services}),
        }
    )
    pieces = list(render_chunks(large, OutputFormat.JSON))
    assert len(pieces) > 400  # streamed, not one string
    # the sources of the names too: each name's list is a piece of its own
    assert any(piece.lstrip(",\n ").startswith('"h399.example": [') for piece in pieces)
    assert "".join(pieces) == large.model_dump_json(indent=2) + "\n"


def test_small_documents_are_one_dump() -> None:
    report = sample_report().model_copy(update={"findings": ()})
    evidence = report.evidence.model_copy(update={"hosts": {}, "domains": ()})
    small = report.model_copy(update={"evidence": evidence})
    pieces = list(render_chunks(small, OutputFormat.JSON))
    assert pieces == [small.model_dump_json(indent=2) + "\n"]
