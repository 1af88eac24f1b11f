"""``cloudaudit report`` and ``cloudaudit simulate``: re-analyse saved evidence, play outages."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cloudaudit.cli.common import (
    analysis_options,
    format_option,
    full_option,
    handle_errors,
    output_option,
    quiet_option,
    report_format_option,
    report_output_option,
    write_output,
)

if TYPE_CHECKING:
    from cloudaudit.discovery.models import ScanEvidence
    from cloudaudit.report.schema import AuditReport


def load_document(path: str) -> ScanEvidence | AuditReport:
    """A saved evidence or report JSON file; EvidenceError names the file and field."""
    from pydantic import ValidationError

    from cloudaudit.discovery.models import ScanEvidence
    from cloudaudit.errors import EvidenceError
    from cloudaudit.report.schema import AuditReport

    try:
        text = Path(path).read_text(encoding="utf-8") if path != "-" else sys.stdin.read()
        data = json.loads(text)
    except OSError as exc:
        raise EvidenceError(f"cannot read: {exc.strerror}", source=path) from exc
    except json.JSONDecodeError as exc:
        raise EvidenceError(f"invalid JSON: {exc.msg}", source=path, line=exc.lineno) from exc
    if not isinstance(data, dict):
        raise EvidenceError("expected a JSON object", source=path)
    model: type[ScanEvidence] | type[AuditReport] = (
        AuditReport if "attribution" in data else ScanEvidence
    )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        raise EvidenceError(error["msg"], source=path, field=field) from exc


@click.command()
@click.argument("source", metavar="EVIDENCE.json|SCAN-ID")
@click.option(
    "--reattribute",
    is_flag=True,
    help="With a SCAN-ID: attribute and analyse the stored evidence again with today's data.",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="CLOUDAUDIT_DB",
    help="History database for SCAN-ID (default: $CLOUDAUDIT_DB or the user data directory).",
)
@click.option(
    "--gleif",
    "gleif_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --format dora: the GLEIF snapshot giving providers' LEIs (default: the one "
    "`catalogue gleif-update` wrote, if any).",
)
@analysis_options
@report_format_option
@full_option
@report_output_option
@quiet_option
@handle_errors
def report(
    source: str,
    reattribute: bool,
    db_path: Path | None,
    gleif_path: Path | None,
    fail_on: str,
    max_share: tuple[str, ...],
    require_jurisdiction: str | None,
    offline: bool,
    ranges_dir: Path | None,
    csv_section: str | None,
    output_format: str,
    full: bool,
    output: Path | None,
    quiet: bool,
) -> None:
    """Re-analyse saved evidence with today's range data, without a DNS query.

    Accepts what `scan --format json` wrote (a report) or `scan --evidence-only --format
    json` (bare evidence); '-' reads stdin. The same evidence always gives the same
    attribution for the same range data, so an audit can be reproduced. A SCAN-ID from
    `cloudaudit history list` renders a stored scan as it was, or with --reattribute
    against today's range data.

    \b
    Examples:
      cloudaudit report scan.json --format html -o report.html
      cloudaudit report 42 --reattribute --format markdown
      cloudaudit report scan.json --format csv --csv-section register -o register.csv
      cloudaudit report scan.json --format dora -o register/
      cloudaudit report scan.json --format dora --gleif gleif.json -o register/
      cloudaudit report scan.json --require-jurisdiction EU --fail-on medium
    """
    from cloudaudit.cli.pipeline import analyse_evidence, finish, policy_from_options
    from cloudaudit.discovery.models import ScanEvidence

    policy = policy_from_options(fail_on, max_share, require_jurisdiction)
    if source.isdigit() and not Path(source).exists():
        from cloudaudit.history.store import HistoryStore

        with HistoryStore.open(db_path) as store:
            stored = store.get_report(int(source))
        if not reattribute:
            finish(
                stored,
                policy=policy,
                output_format=output_format,
                output=output,
                csv_section=csv_section,
                quiet=quiet,
                full=full,
                gleif=gleif_path,
            )
        document: ScanEvidence | AuditReport = stored
    else:
        document = load_document(source)
    evidence = document if isinstance(document, ScanEvidence) else document.evidence
    result = analyse_evidence(
        evidence, policy=policy, offline=offline, ranges_dir=ranges_dir, quiet=quiet
    )
    finish(
        result,
        policy=policy,
        output_format=output_format,
        output=output,
        csv_section=csv_section,
        quiet=quiet,
        full=full,
        gleif=gleif_path,
    )


@click.command()
@click.argument("source", metavar="EVIDENCE.json", required=False)
@click.option(
    "--outage",
    "outages",
    multiple=True,
    metavar="PROVIDER[:REGION]",
    help="A provider (catalogue id, e.g. aws, cloudflare, dyn) or one of its regions that "
    "fails. Repeatable.",
)
@click.option("--scenario", metavar="NAME", help="A real incident from the library.")
@click.option("--list-scenarios", is_flag=True, help="List the incident library and exit.")
@click.option("--offline", is_flag=True, help="No RDAP look-ups when re-attributing evidence.")
@format_option
@output_option
@handle_errors
def simulate(
    source: str | None,
    outages: tuple[str, ...],
    scenario: str | None,
    list_scenarios: bool,
    offline: bool,
    output_format: str,
    output: Path | None,
) -> None:
    """Which services go down or degrade if a provider, region or incident repeats?

    \b
    Examples:
      cloudaudit simulate scan.json --scenario aws-us-east-1-2025-10-20
      cloudaudit simulate scan.json --outage aws:us-east-1 --outage cloudflare
      cloudaudit simulate --list-scenarios

    Exit code 1 when a critical service would go down, 0 otherwise.
    """
    from cloudaudit.analysis.estate import Estate
    from cloudaudit.analysis.simulate import load_incidents, parse_outage
    from cloudaudit.analysis.simulate import simulate as run
    from cloudaudit.cli.common import ExitCode
    from cloudaudit.cli.pipeline import attribute_evidence
    from cloudaudit.discovery.models import ScanEvidence
    from cloudaudit.errors import InputError
    from cloudaudit.report.formats import render_chunks

    incidents = load_incidents()
    if list_scenarios:
        for known in incidents.values():
            click.echo(f"{known.id:32} {known.date}  {known.name}")
        return
    if source is None:
        raise InputError("give the evidence or report file to simulate on")
    if bool(outages) == bool(scenario):
        raise InputError("give either --outage or --scenario", field="--outage/--scenario")
    document = load_document(source)
    if isinstance(document, ScanEvidence):
        evidence, attribution = (
            document,
            attribute_evidence(document, offline=offline, ranges_dir=None),
        )
    else:
        evidence, attribution = document.evidence, document.attribution
    estate = Estate.build(evidence.inventory, attribution)
    if scenario:
        incident = incidents.get(scenario)
        if incident is None:
            raise InputError(
                f"unknown scenario {scenario!r}; see --list-scenarios", field="--scenario"
            )
        result = run(
            estate,
            incident.scope,
            scenario=incident.id,
            description=incident.name,
            date=incident.date,
            source=incident.source,
        )
    else:
        scope = tuple(parse_outage(o) for o in outages)
        label = ", ".join(outages)
        result = run(estate, scope, scenario="custom", description=f"outage of {label}")
    write_output(render_chunks(result, output_format), output)
    critical_down = any(s.status == "down" and s.criticality == "critical" for s in result.services)
    sys.exit(ExitCode.FINDINGS if critical_down else ExitCode.OK)
