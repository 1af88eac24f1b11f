"""``cloudaudit scan``: walk domains and services over DNS (or zone files) and report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cloudaudit.cli.common import (
    Progress,
    analysis_options,
    format_option,
    handle_errors,
    note,
    output_option,
    quiet_option,
)

if TYPE_CHECKING:
    from cloudaudit.inventory.models import Inventory


@click.command()
@click.argument("domains", nargs=-1)
@click.option(
    "-i",
    "--inventory",
    "inventory_path",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Inventory file (TOML, YAML or JSON); '-' reads stdin.",
)
@click.option(
    "--domains-file",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Plain list of domains, one per line ('#' comments); '-' reads stdin.",
)
@click.option(
    "--zone",
    "zone_files",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="BIND zone file to audit offline, before it is deployed (repeatable).",
)
@click.option(
    "--resolver",
    "resolvers",
    multiple=True,
    metavar="IP[:PORT]",
    help="Recursive resolver to ask (repeatable). Default: the system's resolvers.",
)
@click.option("--timeout", default=2.0, show_default=True, help="Seconds per DNS query.")
@click.option("--retries", default=2, show_default=True, help="Extra attempts after a timeout.")
@click.option("--concurrency", default=256, show_default=True, help="DNS queries in flight.")
@click.option("--rate-limit", type=float, metavar="QPS", help="Cap on DNS queries per second.")
@click.option(
    "--evidence-only",
    is_flag=True,
    help="Stop after discovery: write the DNS evidence, not the analysed report.",
)
@analysis_options
@format_option
@output_option
@quiet_option
@handle_errors
def scan(
    domains: tuple[str, ...],
    inventory_path: str | None,
    domains_file: str | None,
    zone_files: tuple[str, ...],
    resolvers: tuple[str, ...],
    timeout: float,
    retries: int,
    concurrency: int,
    rate_limit: float | None,
    evidence_only: bool,
    fail_on: str,
    max_share: tuple[str, ...],
    require_jurisdiction: str | None,
    offline: bool,
    ranges_dir: Path | None,
    csv_section: str | None,
    output_format: str,
    output: Path | None,
    quiet: bool,
) -> None:
    """Scan an organisation's domains and services and report its concentration risk.

    \b
    Examples:
      cloudaudit scan example.com example.org
      cloudaudit scan -i inventory.toml --format html -o report.html
      cloudaudit scan --zone examples/zones/brightwater-logistik.example.zone
      cloudaudit scan --domains-file domains.txt --resolver 9.9.9.9 --format json
      echo example.com | cloudaudit scan --domains-file -

    Every DNS lookup ends in a typed outcome kept as evidence (answer, nxdomain, nodata,
    servfail, refused, timeout, cname_loop, chain_too_long...); failures never stop a scan.
    The output file is written only when the scan finished.
    """
    from cloudaudit.discovery.config import ScanConfig
    from cloudaudit.discovery.runner import run_scan
    from cloudaudit.errors import InputError
    from cloudaudit.inventory.load import (
        inventory_from_domains,
        inventory_from_zones,
        load_domain_list,
        load_inventory,
    )

    inventory: Inventory | None = None
    if inventory_path:
        inventory = load_inventory(inventory_path)
    if domains_file:
        listed = load_domain_list(domains_file)
        inventory = _merge(inventory, listed.domains) if inventory else listed
    if domains:
        inventory = (
            _merge(inventory, inventory_from_domains(domains).domains)
            if inventory
            else inventory_from_domains(domains)
        )
    zones = None
    if zone_files:
        inventory, zones = inventory_from_zones(zone_files, inventory)
    if inventory is None or not (inventory.domains or inventory.services):
        raise InputError("nothing to scan: give domains, --inventory, --domains-file or --zone")

    config = ScanConfig(
        resolvers=resolvers,
        timeout=timeout,
        retries=retries,
        concurrency=concurrency,
        rate_limit=rate_limit,
    )
    progress = Progress(quiet)
    evidence = run_scan(
        inventory,
        config,
        zones=zones,
        progress=lambda done, total: progress(f"scanned {done}/{total}"),
    )
    progress.done()
    note(
        f"scanned {len(evidence.domains)} domains, {len(evidence.hosts)} hosts with "
        f"{evidence.stats.queries} queries in {evidence.stats.elapsed_s:.1f}s "
        f"({evidence.stats.failures} failed lookups)",
        quiet,
    )
    if evidence_only:
        from cloudaudit.cli.common import write_output
        from cloudaudit.report.formats import render

        write_output(render(evidence, output_format, csv_section=csv_section), output)
        return
    from cloudaudit.cli.pipeline import analyse_evidence, finish, policy_from_options

    policy = policy_from_options(fail_on, max_share, require_jurisdiction)
    report = analyse_evidence(
        evidence, policy=policy, offline=offline, ranges_dir=ranges_dir, quiet=quiet
    )
    finish(
        report,
        policy=policy,
        output_format=output_format,
        output=output,
        csv_section=csv_section,
        quiet=quiet,
    )


def _merge(inventory: Inventory, domains: tuple[str, ...]) -> Inventory:
    from cloudaudit.inventory.load import with_digest

    merged = tuple(dict.fromkeys([*inventory.domains, *domains]))
    return with_digest(inventory.model_copy(update={"domains": merged}))
