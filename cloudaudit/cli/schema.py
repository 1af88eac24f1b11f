"""``cloudaudit schema``: the JSON Schema of each document cloudaudit writes."""

from __future__ import annotations

from pathlib import Path

import click

from cloudaudit.cli.common import handle_errors, output_option, write_output

DOCUMENTS = ("report", "evidence", "simulation", "lookup")


def schema_for(document: str) -> dict[str, object]:
    from pydantic import BaseModel

    from cloudaudit.analysis.models import SimulationResult
    from cloudaudit.attribution.models import LookupResult
    from cloudaudit.discovery.models import ScanEvidence
    from cloudaudit.report.schema import AuditReport

    models: dict[str, type[BaseModel]] = {
        "report": AuditReport,
        "evidence": ScanEvidence,
        "simulation": SimulationResult,
        "lookup": LookupResult,
    }
    return models[document].model_json_schema(mode="serialization")


@click.command()
@click.option(
    "--document",
    type=click.Choice(DOCUMENTS),
    default="report",
    show_default=True,
    help="Which document's schema to print.",
)
@output_option
@handle_errors
def schema(document: str, output: Path | None) -> None:
    """Print the JSON Schema of the versioned JSON output (`--format json`).

    \b
    Example:
      cloudaudit schema --document report -o report.schema.json
    """
    import json

    write_output([json.dumps(schema_for(document), indent=2, sort_keys=True) + "\n"], output)
