"""``cloudaudit lookup``: who hosts this address or host name, answered from local data."""

from __future__ import annotations

from pathlib import Path

import click

from cloudaudit.cli.common import format_option, handle_errors, output_option, write_output


@click.command()
@click.argument("targets", nargs=-1, required=True, metavar="IP|HOSTNAME...")
@click.option("--offline", is_flag=True, help="No RDAP look-ups for addresses outside every feed.")
@click.option(
    "--resolver", "resolvers", multiple=True, metavar="IP[:PORT]", help="Resolver for host names."
)
@click.option(
    "--ranges",
    "ranges_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Range snapshot directory (default: the one scans use).",
)
@format_option
@output_option
@handle_errors
def lookup(
    targets: tuple[str, ...],
    offline: bool,
    resolvers: tuple[str, ...],
    ranges_dir: Path | None,
    output_format: str,
    output: Path | None,
) -> None:
    """Answer one-off questions: which provider, region and jurisdiction is behind this?

    \b
    Examples:
      cloudaudit lookup 52.94.76.1 2a01:4f8::1
      cloudaudit lookup www.example.com --format json
      cloudaudit lookup --offline 104.16.0.1

    IP addresses are answered from the bundled range data without any network access; host
    names are resolved first (CNAME chain included).
    """
    from cloudaudit._version import __version__
    from cloudaudit.attribution.models import LookupResult
    from cloudaudit.cli.pipeline import attribute_evidence
    from cloudaudit.discovery.config import ScanConfig
    from cloudaudit.discovery.models import ScanEvidence
    from cloudaudit.errors import InputError
    from cloudaudit.inventory.models import EndpointKind, Inventory, Service
    from cloudaudit.inventory.names import parse_endpoint
    from cloudaudit.report.formats import render_chunks

    endpoints = []
    for target in targets:
        try:
            endpoints.append(parse_endpoint(target))
        except ValueError as exc:
            raise InputError(str(exc), field=target) from exc
    inventory = Inventory(
        services=(Service(name="lookup", endpoints=tuple(endpoints)),), source="<lookup>"
    )
    if any(e.kind is not EndpointKind.IP for e in endpoints):
        from cloudaudit.discovery.runner import run_scan

        config = ScanConfig(resolvers=resolvers, subdomains=(), srv_names=(), acme_challenge=False)
        evidence = run_scan(inventory, config)
    else:
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        evidence = ScanEvidence(
            tool_version=__version__,
            started_at=now,
            finished_at=now,
            source="none",
            inventory=inventory,
        )
    attribution = attribute_evidence(evidence, offline=offline, ranges_dir=ranges_dir)
    result = LookupResult(
        tool_version=__version__,
        snapshot=attribution.snapshot,
        results=attribution.services[0].endpoints,
        providers=attribution.providers,
    )
    write_output(render_chunks(result, output_format), output)
