"""``cloudaudit scan``: walk domains and services over DNS (or zone files) and report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cloudaudit.cli.common import (
    Progress,
    analysis_options,
    full_option,
    handle_errors,
    note,
    quiet_option,
    report_format_option,
    report_output_option,
)

if TYPE_CHECKING:
    from cloudaudit.discovery.models import ScanEvidence
    from cloudaudit.inventory.models import Inventory
    from cloudaudit.report.schema import AuditReport


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
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Processes resolving large host lists (1000+ names). Default: one per CPU core, at "
    "most 4; 1 leaves the cores to a resolver running on the same machine.",
)
@click.option("--rate-limit", type=float, metavar="QPS", help="Cap on DNS queries per second.")
@click.option(
    "--no-http-probes",
    is_flag=True,
    help="Do not ask over HTTP whether names that CNAME to a vendor show its page for a "
    "deprovisioned resource (one request per such name; never in zone-file audits).",
)
@click.option(
    "--no-acme-challenge",
    is_flag=True,
    help="Do not ask _acme-challenge.<name> of every endpoint (one query per host less on a "
    "large inventory; apexes and probed names are still asked).",
)
@click.option(
    "--evidence-only",
    is_flag=True,
    help="Stop after discovery: write the DNS evidence, not the analysed report.",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="CLOUDAUDIT_DB",
    help="History database (default: $CLOUDAUDIT_DB or the user data directory).",
)
@click.option("--no-history", is_flag=True, help="Do not record this scan in the history.")
@click.option(
    "--lock-timeout",
    default=600.0,
    show_default=True,
    help="Seconds to wait while another scan writes the same history.",
)
@click.option(
    "--prometheus",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write node_exporter textfile metrics here (atomically).",
)
@click.option(
    "--notify",
    "notify_url",
    metavar="URL",
    help="POST a JSON summary of new findings here (retried; failure is only logged).",
)
@analysis_options
@report_format_option
@full_option
@report_output_option
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
    workers: int | None,
    rate_limit: float | None,
    no_http_probes: bool,
    no_acme_challenge: bool,
    evidence_only: bool,
    db_path: Path | None,
    no_history: bool,
    lock_timeout: float,
    prometheus: Path | None,
    notify_url: str | None,
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
    from cloudaudit.cli.pipeline import takeover_probes
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
        acme_challenge=not no_acme_challenge,
        takeover_probes=() if no_http_probes else takeover_probes(),
    )
    if workers:
        config = config.model_copy(update={"workers": workers})
    progress = Progress(quiet)

    def discover() -> ScanEvidence:
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
        return evidence

    if output_format == "dora" and (evidence_only or output is None or str(output) == "-"):
        # Checked before any query: the package is several files of the analysed report.
        raise InputError(
            "--format dora writes the analysed report into -o DIRECTORY (not --evidence-only)",
            field="--format",
        )
    if evidence_only:
        from cloudaudit.cli.common import write_output
        from cloudaudit.report.formats import render_chunks

        write_output(render_chunks(discover(), output_format, csv_section=csv_section), output)
        return
    from cloudaudit.cli.pipeline import analyse_evidence, finish, policy_from_options

    policy = policy_from_options(fail_on, max_share, require_jurisdiction)
    if no_history:
        report = analyse_evidence(
            discover(), policy=policy, offline=offline, ranges_dir=ranges_dir, quiet=quiet
        )
        previous = None
    else:
        from cloudaudit.history.store import HistoryStore, default_db_path, scan_lock

        path = db_path or default_db_path()
        with HistoryStore.open(path) as store, scan_lock(path, lock_timeout):
            scan_id = store.begin_scan(inventory.digest, inventory.organisation, datetime.now(UTC))
            report = analyse_evidence(
                discover(), policy=policy, offline=offline, ranges_dir=ranges_dir, quiet=quiet
            )
            store.finish_scan(scan_id, report)
            earlier = store.previous_scan(scan_id, inventory.digest)
            previous = store.get_report(earlier) if earlier is not None else None
        note(f"recorded as scan #{scan_id} in {path}", quiet)
    if prometheus:
        from cloudaudit.atomic import write_file_atomically
        from cloudaudit.history.metrics import prometheus_text

        metrics = prometheus_text(report, report.complete, report.evidence.stats.elapsed_s)
        write_file_atomically(prometheus, metrics.encode())
    if notify_url:
        _notify(notify_url, report, previous, quiet)
    finish(
        report,
        policy=policy,
        output_format=output_format,
        output=output,
        csv_section=csv_section,
        quiet=quiet,
        full=full,
    )


def _notify(url: str, report: AuditReport, previous: AuditReport | None, quiet: bool) -> None:
    """Tell a webhook what is new since the previous scan; a failure is logged, never fatal."""
    from cloudaudit.history.diff import new_findings
    from cloudaudit.history.notify import notification, post_with_retries

    new = new_findings(previous, report)
    error = post_with_retries(url, notification(report, new, None))
    if error:
        note(f"warning: notification to {url} failed: {error}", quiet=False)
    else:
        note(f"notified {url} of {len(new)} new findings", quiet)


def _merge(inventory: Inventory, domains: tuple[str, ...]) -> Inventory:
    from cloudaudit.inventory.load import with_digest

    merged = tuple(dict.fromkeys([*inventory.domains, *domains]))
    return with_digest(inventory.model_copy(update={"domains": merged}))
